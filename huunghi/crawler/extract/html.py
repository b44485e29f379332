"""Bytes → text → one lxml tree, bounded: any input gives a tree or a clear NotAnArticle.

Every later stage (templates, trafilatura, metadata) works on the one tree parsed here, so a
page is parsed once. Oversized pages lose their scripts and styles first, then their tail, so a
20 MB page costs at most MAX_HTML_CHARS of parsing.
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

from lxml import etree
from lxml import html as lxml_html

if TYPE_CHECKING:
    from huunghi.crawler.extract.dates import Dates

MAX_HTML_CHARS = 2_500_000  # real article pages are 50–500 kB; this bounds time and memory
_SCRIPTS = re.compile(r"<(script|style|svg|noscript|template)\b.*?</\1\s*>", re.I | re.S)
_OPEN_SCRIPT = re.compile(r"<(script|style)\b[^<]*", re.I)  # what is left of an unclosed one
MAX_SCAN_CHARS = 64_000_000
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)


class NotAnArticle(ValueError):
    """The page holds no article text (an index page, an error page, an empty shell, garbage)."""

    dates: Dates | None = None  # what the page said of its dates: kept, not an article


def codec_name(name: str | None) -> str | None:
    """Python's canonical codec name, or None when the label names no codec."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def decode(body: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Decode a page; returns (text, warning). UTF-8 wins when the body is valid UTF-8.

    Portals often declare one charset and send another; a page that decodes cleanly as UTF-8 is
    UTF-8 whatever it says. Otherwise the declared (header or <meta>) charset, then cp1252.
    """
    if body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]
    declared_codec = codec_name(declared)
    if declared_codec is None:
        m = _META_CHARSET.search(body[:4096])
        declared_codec = codec_name(m.group(1).decode("ascii", "ignore")) if m else None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        warning = None
        if declared_codec not in (None, "utf-8", "ascii") and not body.isascii():
            warning = f"declared charset {declared or declared_codec} but the body is UTF-8; decoded as UTF-8"
        return text, warning
    for codec in (declared_codec, "cp1252"):
        if codec:
            try:
                return body.decode(codec), None
            except (UnicodeDecodeError, LookupError):
                continue
    return body.decode("utf-8", "replace"), "undecodable bytes replaced"


def bound(html: str) -> str:
    """Cut a page to at most MAX_HTML_CHARS: scripts and styles go first, then the tail.

    An unclosed script is cut at the next tag-like '<' so it cannot swallow the page; inputs
    beyond MAX_SCAN_CHARS are not scanned at all (the crawler's download limit is lower).
    """
    if len(html) <= MAX_HTML_CHARS:
        return html
    html = _SCRIPTS.sub("", html[:MAX_SCAN_CHARS])
    html = _OPEN_SCRIPT.sub("", html)
    return html[:MAX_HTML_CHARS]


def parse(html: str | bytes) -> lxml_html.HtmlElement:
    """One bounded, recovering HTML parse; raises NotAnArticle when nothing usable remains."""
    if isinstance(html, bytes):
        html = decode(html)[0]
    if not html or not html.strip():
        raise NotAnArticle("empty page")
    html = bound(html.replace("\x00", ""))
    if html.lstrip().startswith("<?xml"):
        html = re.sub(r"^\s*<\?xml[^>]*>", "", html)  # lxml refuses str input with an encoding declaration
    try:
        tree = lxml_html.document_fromstring(html, parser=_PARSER)
    except (etree.ParserError, ValueError, TypeError) as exc:
        raise NotAnArticle(f"not HTML ({exc})") from exc
    if tree is None or not isinstance(tree.tag, str):
        raise NotAnArticle("not HTML (no document element)")
    return tree


_PARSER = lxml_html.HTMLParser(
    remove_comments=True,
    remove_pis=True,
    recover=True,
    no_network=True,
    default_doctype=False,
    collect_ids=False,
)
# lxml.html picks each element's class in a Python callback (forms, inputs, labels get their own
# classes), called every time a node is touched from Python: a quarter of the template reading's
# time. Nothing here needs the form classes, so every element is a plain HtmlElement, chosen in C.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement,
        comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity,
    )
)
