"""Clean articles: the site's learned template where it fits, generic extraction where not.

One parse per page (crawler.htmlparse), one segmentation into slot-tagged blocks
(crawler.blocks). If the site's template (crawler.template) is learned and covers the page, the
body is the blocks in its article slots, read without any generic extractor. Otherwise
trafilatura reads the body from the same tree, and the result teaches the template which slots
held the article. The guard keeps a template reading from losing to the generic one: one that
drops long text no furniture evidence explains is read generically too and the two are merged;
a too-short one is re-read generically before the page is called "not an article". Title, lead,
times, author, credit, section and images come from crawler.metadata either way. A page gives an
Extracted or a NotAnArticle with its reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, cast
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from huunghi.crawler.extract import metadata as M
from huunghi.crawler.extract import prose
from huunghi.crawler.extract.blocks import BLOCK_TAGS, SKIP_TAGS, Block, dated, segment
from huunghi.crawler.extract.html import NotAnArticle, parse
from huunghi.crawler.extract.template import SiteTemplate, TemplateBook

if TYPE_CHECKING:
    from trafilatura.settings import Document

__all__ = ["Extracted", "Extractor", "NotAnArticle", "extract", "MIN_WORDS"]

MIN_WORDS = 25  # a shorter page is a stub, a gallery shell or navigation, not a news article
MAX_IMAGES = 30
# Dropped right after the metadata is read. Scripts and styles hold no text; aside, nav, menu and
# footer are discarded by trafilatura itself (its MANUALLY_CLEANED), so its labels never mark them
# as article and the template never keeps them: removing them once makes every pass cheaper.
STRIP_TAGS = ("script", "style", "noscript", "template", "svg", "aside", "nav", "menu", "footer")

# a site whose pages in a row were dated only by htmldate's text-wide pass (old portals print
# nothing but "Cập nhật lúc …") goes to that pass directly: its cheap pass would only fail again
DEEP_DATES_AFTER = 3
MERGE_CHARS = 80  # generic text the template dropped, unexplained, from which on the two readings merge
AGREEMENT = 0.6  # below this overlap with the generic reading, a template reading is rejected
_WORD = re.compile(r"\w+")
_HEADINGS = frozenset(("h2", "h3", "h4", "h5", "h6"))
_IMAGE_HREF = re.compile(r"\.(jpe?g|png|gif|webp|avif)(\?|$)", re.I)


@dataclass
class Extracted:
    title: str
    lead: str
    body_text: str
    body_html: str
    published: datetime | None = None
    updated: datetime | None = None
    author: str = ""
    credit: str = ""
    section: str = ""
    language: str = ""
    images: list[dict[str, str]] = field(default_factory=list)
    canonical: str | None = None
    method: str = "generic"  # "template" when the site's learned template read the body
    published_source: str = ""  # which evidence gave `published` ("json-ld", "visible:vi", "feed", ...)

    @property
    def text(self) -> str:
        """The article as read: lead then body, paragraphs separated by blank lines."""
        return "\n\n".join(p for p in (self.lead, self.body_text) if p)


def _generic_paragraphs(tree: HtmlElement, url: str) -> list[str]:
    """trafilatura on the already parsed tree (it copies it), precision-leaning, no comments.

    Imported here, on the first page that needs a generic reading: a batch whose sites' templates
    are learned never pays for it (a fifth of a second of start-up)."""
    import trafilatura

    def read(tables: bool) -> list[str]:
        try:
            # as_dict is left False: a Document (or None), never the dict of the union
            doc = cast(
                "Document | None",
                trafilatura.bare_extraction(
                    tree,
                    url=url or None,
                    favor_precision=True,
                    include_comments=False,
                    include_tables=tables,
                    with_metadata=False,
                    deduplicate=False,
                ),
            )
        except Exception:  # trafilatura fails on some hostile trees; the template or the reason remains
            return []
        text = (doc.text if doc is not None else "") or ""
        return [p for p in (M.clean(line) for line in text.split("\n")) if p]

    paragraphs = read(True)
    rows = sum(len(p) for p in paragraphs if p.startswith("|") and p.endswith("|"))
    if rows > 0.5 * sum(len(p) for p in paragraphs):
        # a layout table read as a data table: its rows hold the menu, the article and the rails
        # together; its cells are the paragraphs, for the furniture evidence to sort out
        return [c for p in paragraphs for c in (M.clean(x) for x in p.strip("|").split(" | ")) if c]
    return paragraphs


def _label(blocks: Sequence[Block], paragraphs: Sequence[str]) -> list[bool]:
    """Which blocks the generic extractor took as the article (whitespace-blind matching).

    A block may hold several of its paragraphs (a whole story in one element, paragraphs split
    by <br><br>): it matches the paragraphs joined as well as each one.
    """
    keys = [_key(p) for p in paragraphs]
    blob = "\n".join(keys)
    flat = "".join(keys)
    lines = set(keys)
    out = []
    for block in blocks:
        key = _key(block.text)
        out.append(bool(key) and (key in lines or (len(key) >= 20 and (key in blob or key in flat))))
    return out


_MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_DATE_WORDS = _MONTHS | frozenset(
    "cập nhật lúc ngày đăng giờ tháng năm thứ hai ba tư sáu bảy chủ gmt utc updated posted "
    "published last modified on at am pm".split()
)
_DATE_SHAPE = re.compile(r"\d{1,2}[:h]\d{2}|\d{1,2}/\d{1,2}(/\d{2,4})?|\d{4}-\d{2}-\d{2}")


def _date_line(text: str) -> bool:
    """A line that only says when ("Cập nhật lúc 09:15 ngày 12/03/2025", "17 February 2013 Last
    updated at 22:15 GMT"): metadata, not body. A time or a numeric date is needed: "29 November
    2018 | 20 January 2019" alone is an event's dates, which the article states."""
    if len(text) > 80 or not _DATE_SHAPE.search(text):
        return False
    words = [w.lower() for w in _WORD.findall(text) if not w.isdigit()]
    return all(w in _DATE_WORDS for w in words)


_SIGN_OFF = re.compile(
    r"\b(follow|theo dõi)\b.{0,80}\b(twitter|facebook|instagram|youtube|tiktok|linkedin|threads|zalo|"
    r"fanpage)\b",
    re.I,
)
SIGN_OFF_CHARS = 200


def _sign_off(text: str) -> bool:
    """A short closing line inviting readers to follow the paper or its writer on social networks
    ("Follow us on Twitter @x and on Facebook"): the paper's sign-off, not the article's text."""
    return len(text) <= SIGN_OFF_CHARS and _SIGN_OFF.search(text) is not None


def _teaser_shape(block: Block) -> bool:
    """A cell that opens with a linked headline and a line break, then a summary: a teaser."""
    el = block.element
    if (el.text or "").strip() or len(el) < 2 or el[1].tag != "br":
        return False
    head = el[0]
    linked = head.tag == "a" or head.find(".//a") is not None
    return linked and len((head.text_content() or "").strip()) >= 20 and not (head.tail or "").strip()


def _furniture(block: Block, site: SiteTemplate | None, url: str, names: Sequence[str] = ()) -> bool:
    """Evidence, in any slot, that a block is not article text; ``names`` are the parts of
    <title> that are not the headline (the site's name: its logo line and footer start so)."""
    if block.link_density >= 0.5 or _date_line(block.text) or _teaser_shape(block):
        return True
    if block.element.tag == "time" or dated(block.element):
        return True  # the page's own date, whatever language it is written in
    if len(block.text) < 200 and any(block.text.startswith(n) for n in names):
        return True
    return site is not None and site.teaser(block, url)


def _agreement(a: Sequence[Block], b: Sequence[Block]) -> float:
    """Share of text two readings of one page have in common (Jaccard over block characters)."""
    ia, ib = {x.index: len(x.text) for x in a}, {x.index: len(x.text) for x in b}
    both = sum(n for i, n in ia.items() if i in ib)
    union = sum(ia.values()) + sum(ib.values()) - both
    return both / union if union else 1.0


STANDFIRST_CHARS = 600
CONFIRM = 0.9  # agreement of the cheap reading with a template reading that passes its audit


def _prose_confirms(
    blocks: Sequence[Block],
    body: Sequence[Block],
    site: SiteTemplate,
    url: str,
    title: str,
    names: Sequence[str],
) -> bool:
    """Whether the cheap generic reading (crawler.extract.prose) confirms a template reading due
    for its audit: a clear-cut page whose prose container holds what the template kept, and no
    text the template dropped unexplained. Otherwise trafilatura audits it, as before."""
    labels = prose.read(blocks)
    if labels is None:
        return False
    cheap = [b for b, k in zip(blocks, labels) if k and not _furniture(b, site, url, names)]
    if not cheap:
        return False
    # the headline and one standfirst above the body's container are read apart either way
    body = [b for b in body if b.text != title]
    above = [b for b in body if b.index < cheap[0].index]
    if len(above) == 1 and len(above[0].text) <= STANDFIRST_CHARS:
        cheap.insert(0, above[0])
    have = {b.index for b in body}
    missing = sum(len(b.text) for b in cheap if b.index not in have and site.unexplained(b, url))
    return missing < MERGE_CHARS and _agreement(body, cheap) >= CONFIRM


def _not_article(reason: str, dates: M.Dates) -> NotAnArticle:
    """A NotAnArticle that still carries the page's dates (a listing or stub has one too)."""
    exc = NotAnArticle(reason)
    exc.dates = dates
    return exc


def _site_key(url: str) -> str:
    """The template key of a page: its host, with the port when there is one (local replicas)."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return f"{host}:{parts.port}" if parts.port and host else host
    except ValueError:
        return ""


def _key(text: str) -> str:
    return "".join(text.split())


def _lines(block: Block) -> list[str]:
    """A block's text as the generic reading cuts it: one paragraph per <br>-separated line, so a
    whole-story block reads the same whether the template or the generic reading took it."""
    el = block.element
    if el.find("br") is None or any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in el):
        return [block.text]
    lines, current = [], [el.text or ""]
    for child in el:
        if child.tag == "br":
            lines.append(M.clean("".join(current)))
            current = []
        elif isinstance(child.tag, str) and child.tag not in SKIP_TAGS:
            current.append(child.text_content())
        current.append(child.tail or "")
    lines.append(M.clean("".join(current)))
    return [line for line in lines if line] or [block.text]


def _recut(paragraphs: list[str], body: Sequence[Block]) -> list[str]:
    """A generic paragraph that is several body blocks run together (a layout table's cell read as
    one) is cut back into those blocks, so the two readings of a page give one text."""
    keys = [_key(b.text) for b in body]
    known = set(keys)
    out: list[str] = []
    for p in paragraphs:
        k = _key(p)
        if k in known or len(k) < 40:
            out.append(p)
            continue
        for i, first in enumerate(keys):
            if not (first and k.startswith(first)):
                continue
            pos, taken = 0, []
            for key, block in zip(keys[i:], body[i:]):
                if key and k.startswith(key, pos):
                    pos += len(key)
                    taken.append(block.text)
                elif key in k:
                    break
                if pos == len(k):
                    break
            if pos == len(k) and len(taken) > 1:
                out.extend(taken)
                break
        else:
            out.append(p)
    return out


def _in_furniture(paragraph: str, dropped: str, kept: str) -> bool:
    """Whether a generic paragraph is (part of) a block dropped as furniture and of no kept block."""
    key = _item_key(paragraph)
    if key in kept or key not in dropped:
        return False
    return len(key) >= 20 or f"\n{key}\n" in f"\n{dropped}\n"


def _item_key(text: str) -> str:
    """A paragraph's key without the list marker trafilatura writes before list items."""
    return _key(text[2:] if text.startswith(("- ", "* ", "• ")) else text)


def _words(*texts: str, enough: int | None = None) -> int:
    """How many words the texts hold; counting stops at ``enough`` (all that a caller asks)."""
    n = 0
    for t in texts:
        if enough is None:
            n += len(_WORD.findall(t))
            continue
        for _ in _WORD.finditer(t):
            n += 1
            if n >= enough:
                return n
    return n


class Extractor:
    """Extracts pages in crawl order, learning each site's template as pages arrive."""

    def __init__(self, book: TemplateBook | None = None, learn: bool = True) -> None:
        self.book = book if book is not None else TemplateBook()
        self.learn = learn
        self._deep_dates: dict[str, int] = {}  # host -> pages in a row dated by the text-wide pass

    def extract(
        self,
        html: str | bytes,
        url: str = "",
        feed_date: datetime | None = None,
        now: datetime | None = None,
        default_language: str = "",
        _generic: bool = False,
    ) -> Extracted:
        """One article, or NotAnArticle with the reason; never any other exception for bad input.

        ``_generic`` reads the page without its site's template (the guard's second reading)."""
        now = now or datetime.now(UTC)
        tree = parse(html)
        metas = M.meta_table(tree)
        ld = M.json_ld(tree)
        host = _site_key(url)
        deep = self.learn and bool(host) and self._deep_dates.get(host, 0) >= DEEP_DATES_AFTER
        found_by: list[bool] = []
        # before asides and footers go: their dates count too
        dates = M.dates(
            tree, feed_date, now, url, htmldate_passes=(True,) if deep else None, found_by=found_by
        )
        if self.learn and host and not _generic:
            if len(self._deep_dates) > 10_000:
                self._deep_dates.clear()
            self._deep_dates[host] = self._deep_dates.get(host, 0) + 1 if found_by == [True] else 0
        etree.strip_elements(tree, *STRIP_TAGS, with_tail=False)
        blocks, images = segment(tree)
        if not blocks:
            raise _not_article("no text on the page", dates)
        site = self.book.get(host) if (host and self.learn) else None
        shared = (lambda text: site.shared_title(text, url)) if site is not None else (lambda text: False)
        title = M.title(tree, metas, blocks, shared)
        parts = M.title_parts(tree)
        names = [p for p in parts if len(p) >= 8 and p not in title and title not in p]

        body: list[Block] | None = None
        generic_body: list[Block] = []
        paragraphs: list[str] = []
        method = "generic"
        audit = site is not None
        if site is not None and not _generic:
            decision = site.decide(blocks, url)
            if decision.keep is not None:
                body = [b for b, k in zip(blocks, decision.keep) if k and not _furniture(b, site, url, names)]
                method = "template"
                # a template's first audit is always trafilatura's; a periodic one (a template
                # kept between runs meets it first) passes when the cheap reading confirms it
                audit = site.doubts(blocks, decision.keep, url) or (
                    site.needs_audit()
                    and (site.first_audit() or not _prose_confirms(blocks, body, site, url, title, names))
                )
        if audit or body is None:
            paragraphs = _generic_paragraphs(tree, url)
            generic_body = [
                b
                for b, k in zip(blocks, _label(blocks, paragraphs))
                if k and not _furniture(b, site, url, names)
            ]
            if body is not None:
                have = {b.index for b in body}
                missing = [b for b in generic_body if b.index not in have and site.unexplained(b, url)]  # type: ignore[union-attr]
                if sum(len(b.text) for b in missing) >= MERGE_CHARS:
                    # the guard: text the generic reading keeps and no evidence calls furniture
                    body = sorted(body + missing, key=lambda b: b.index)
                    site.misreads += 1  # type: ignore[union-attr]
            if body is not None and _agreement(body, generic_body) < AGREEMENT:
                body, method = None, "generic"  # the template misread this page: trust the generic reading
                site.misreads += 1  # type: ignore[union-attr]
            if body is None:
                body = generic_body
                if site is not None and site.ready:
                    site.fallbacks += 1
        if method == "template":
            paragraphs = [line for b in body for line in _lines(b)]
        else:
            paragraphs = _recut(paragraphs, body)
            dropped = "\n".join(_key(b.text) for b in blocks if _furniture(b, site, url, names))
            kept = "\n".join(_key(b.text) for b in body)
            paragraphs = [p for p in paragraphs if not _date_line(p) and not _in_furniture(p, dropped, kept)]
        body = [b for b in body if b.text != title]  # the headline is not body text
        paragraphs, body = self._without_trailing_heading(paragraphs, blocks, body, site, url, names)
        first = body[0].index if body else len(blocks)
        last = body[-1].index if body else len(blocks)
        lead_block = M.lead(blocks, first, title)
        lead = lead_block.text if lead_block is not None else ""
        pictures = self._images(images, first, last, url)
        paragraphs = self._tidy(
            self._without_captions(paragraphs, pictures, blocks[first : last + 2]), title, lead
        )
        author, credit = M.author_credit(blocks, first, last, metas, ld)
        credit = credit or M.credit_in(paragraphs)
        # a byline the page marks as such, opening or closing the body, is the author's, not text
        bylines = {b.text for b in (*body[:3], *body[-2:]) if M.byline(b)}
        if bylines and not author:
            author = next(b.text for b in body if b.text in bylines)
        if credit or author or bylines:
            paragraphs = [p for p in paragraphs if p not in (credit, author) and p not in bylines]
        while len(paragraphs) > 1 and _sign_off(paragraphs[-1]):
            paragraphs = paragraphs[:-1]
        words = _words(lead, *paragraphs, enough=MIN_WORDS)  # only "too few" is asked
        if (not paragraphs or words < MIN_WORDS) and method == "template":
            # "not an article" only when the generic reading agrees
            return self.extract(
                html, url, feed_date=feed_date, now=now, default_language=default_language, _generic=True
            )
        if not paragraphs:
            raise _not_article("no article text found", dates)
        if words < MIN_WORDS:
            raise _not_article(f"too little text for an article ({words} words)", dates)

        if site is not None:
            if audit:
                kept_index = {b.index for b in generic_body}
                if lead_block is not None:
                    kept_index.add(lead_block.index)
                site.learn(blocks, [b.index in kept_index for b in blocks], url)
            else:
                site.observe(blocks, url)
            if method == "template":
                site.template_pages += 1
            site.note_headlines(url, title, lead, [p for p in parts if len(p) >= 4])

        body_text = "\n\n".join(paragraphs)
        return Extracted(
            title=title or (paragraphs[0][:200] if paragraphs else ""),
            lead=lead,
            body_text=body_text,
            body_html=self._html(paragraphs, body if method == "template" else None),
            published=dates.published,
            updated=dates.updated,
            published_source=dates.source,
            author=author,
            credit=credit,
            section=M.section(blocks, first, metas),
            language=M.language(tree, metas, body_text, default_language),
            images=pictures,
            canonical=M.canonical(tree),
            method=method,
        )

    @staticmethod
    def _without_trailing_heading(
        paragraphs: list[str],
        blocks: Sequence[Block],
        body: Sequence[Block],
        site: SiteTemplate | None,
        url: str,
        names: Sequence[str],
    ) -> tuple[list[str], list[Block]]:
        """A short heading closing the body and followed by a list of links ("Các tin khác") is the
        list's heading, not article text; so is a closing line that announces what follows
        ("Xem thêm:", "You may also be interested in:") when what follows is furniture, and a
        heading element closing the body whatever follows (an article never ends on a heading:
        it heads what the body left out, "Comments"). A heading element inside the body whose
        next block is furniture the body left out ("Related Stories") heads that furniture."""
        body = list(body)
        if len(paragraphs) < 2 or not body:
            return paragraphs, body
        kept = {b.index for b in body}
        heads = {
            b.index
            for b in body[:-1]
            if b.element.tag in _HEADINGS
            and _words(b.text, enough=6) <= 5
            and b.index + 1 < len(blocks)
            and b.index + 1 not in kept
            and _furniture(blocks[b.index + 1], site, url, names)
        }
        if heads:
            gone = {b.text for b in body if b.index in heads}
            body = [b for b in body if b.index not in heads]
            paragraphs = [p for p in paragraphs if p not in gone]
        if len(paragraphs) < 2 or not body:
            return paragraphs, body
        last = paragraphs[-1].rstrip()
        announces = last.endswith(":") and _words(last, enough=11) <= 10
        if not announces and (_words(last, enough=6) > 5 or last[-1:] in '.!?:"”)'):
            return paragraphs, body
        at = next((b.index for b in reversed(body) if b.text == paragraphs[-1]), None)
        if at is None:
            return paragraphs, body
        heading = blocks[at].element.tag in _HEADINGS  # an article never ends on a heading
        if not heading and (at + 1 >= len(blocks) or not _furniture(blocks[at + 1], site, url, names)):
            return paragraphs, body
        return paragraphs[:-1], [b for b in body if b.index != at]

    @staticmethod
    def _without_captions(
        paragraphs: list[str], pictures: Sequence[dict[str, str]], span: Sequence[Block]
    ) -> list[str]:
        """Captions belong to their images: drop them from the body, unless the page also has the
        same words as a paragraph of its own (then that paragraph stays, once)."""
        captions = Counter(p["caption"] for p in pictures if p["caption_source"] == "caption")
        if not captions:
            return paragraphs
        allowed = {c: sum(1 for b in span if b.text == c) - n for c, n in captions.items()}
        out = []
        for p in paragraphs:
            key = p.strip(" |")
            if key in allowed:
                allowed[key] -= 1
                if allowed[key] < 0:
                    continue
            out.append(p)
        return out

    @staticmethod
    def _tidy(paragraphs: list[str], title: str, lead: str) -> list[str]:
        """Drop the title and lead from the body, and a paragraph repeated right after itself."""
        out: list[str] = []
        for p in paragraphs:
            if p in (title, lead) or (out and out[-1] == p):
                continue
            if lead and not out and len(p) > 20 and lead.startswith(p):
                continue
            out.append(p)
        return out

    @staticmethod
    def _html(paragraphs: Sequence[str], body: Sequence[Block] | None) -> str:
        heading = {b.text for b in body or () if b.element.tag in ("h2", "h3", "h4", "h5", "h6")}
        return "".join(f"<h3>{escape(p)}</h3>" if p in heading else f"<p>{escape(p)}</p>" for p in paragraphs)

    @staticmethod
    def _images(
        images: Sequence[tuple[int, HtmlElement]], first: int, last: int, url: str
    ) -> list[dict[str, str]]:
        """Images inside the article's span of blocks, each with one caption, not thumbnails of links."""
        out: list[dict[str, str]] = []
        seen: set[str] = set()
        for pos, img in images:
            if not first <= pos <= last + 1:
                continue
            src = (img.get("data-src") or img.get("data-original") or img.get("src") or "").strip()
            if not src or src.startswith("data:"):
                continue
            link = next((a for a in img.iterancestors("a", "li", "aside", "nav")), None)
            if link is not None and not (link.tag == "a" and _IMAGE_HREF.search(link.get("href", ""))):
                continue
            src = urljoin(url, src) if url else src
            if src in seen:
                continue
            seen.add(src)
            caption, visible = M.image_caption(img)
            out.append({"src": src, "caption": caption, "caption_source": "caption" if visible else "alt"})
            if len(out) >= MAX_IMAGES:
                break
        return out


_GENERIC = Extractor(learn=False)


def extract(
    html: str | bytes,
    url: str = "",
    feed_date: datetime | None = None,
    now: datetime | None = None,
    default_language: str = "",
) -> Extracted:
    """One page on its own, without site templates (see Extractor for crawl-order learning)."""
    return _GENERIC.extract(html, url, feed_date=feed_date, now=now, default_language=default_language)
