"""What a page says about its article besides the body: title, lead, times, people, section.

Read from the page itself (meta tags, JSON-LD, the visible time line, breadcrumbs, sapo blocks)
because generic extractors skip Vietnamese portals' sapo and misread `10:08 | 16/01/2026 GMT+7`.
Every function takes the one parsed tree; none re-parses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import datetime

from lxml.html import HtmlElement

from huunghi.crawler.extract.blocks import Block
from huunghi.crawler.extract.dates import Dates, find_dates

LEAD_CLASS = re.compile(r"sapo|lead|summary|chapeau|excerpt|description|intro|standfirst|teaser|deck", re.I)
CREDIT = re.compile(
    r"^\s*(Nguồn\s*:\s*\S.*|Theo\s+(Báo|TTXVN|VNA|Tạp chí|Cổng|Đài|Thông tấn)\b.*"
    # the English papers' credit for the reporting ("Additional reporting by …", "With reporting
    # from …", "Jane Doe contributed reporting from Hong Kong.")
    r"|\(?((Additional|With) reporting (by|from)|Reporting by)\s+\S.*"
    r"|(\S+\s+){1,4}contributed (reporting|to this report)\b.*)$"
)
_VI_CHARS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)
_WORDS = re.compile(r"[a-zà-ÿ]+", re.I)
_EN = frozenset("the and of to in is that for with was on said".split())
_FR = frozenset("le la les des et est une dans pour que qui sur du".split())


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


Metas = dict[str, str]


def meta_table(tree: HtmlElement) -> Metas:
    """Every <meta> of the page by its property/name/itemprop/http-equiv, read in one pass."""
    table: Metas = {}
    for node in tree.iter("meta"):
        content = (node.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = node.get(attr)
            if key:
                table.setdefault(key.strip().lower(), content)
    return table


def meta(metas: Metas, *names: str) -> str:
    for name in names:
        value = metas.get(name.lower())
        if value:
            return value
    return ""


def json_ld(tree: HtmlElement) -> dict[str, object]:
    """The page's schema.org Article object, if any (also inside @graph)."""
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in list(items):
            if isinstance(item, dict) and isinstance(item.get("@graph"), list):
                items.extend(item["@graph"])
        for item in items:
            if isinstance(item, dict) and "Article" in str(item.get("@type", "")):
                return item
    return {}


def marked(block: Block, pattern: re.Pattern[str]) -> bool:
    """Whether the block's element or its parent carries a class or id matching ``pattern``."""
    return bool(pattern.search(block.sig[block.sig.rfind(">", 0, block.sig.rfind(">")) + 1 :]))


_AUTHOR_MARK = re.compile(r"[.#][\w-]*(author|byline|tac-?gia)", re.I)


def byline(block: Block) -> bool:
    """A short block the page itself marks as the author's line (class or id: author, byline)."""
    return len(block.text) < 120 and marked(block, _AUTHOR_MARK)


_CREDIT_MARK = re.compile(r"[.#][\w-]*(source|credit|nguon)", re.I)
_CRUMB_MARK = re.compile(r"breadcrumb", re.I)
_CATE_MARK = re.compile(r"[.#][\w-]*cate", re.I)


def dates(
    tree: HtmlElement,
    feed_date: datetime | None,
    now: datetime,
    url: str = "",
    htmldate_passes: Sequence[bool] | None = None,
    found_by: list[bool] | None = None,
) -> Dates:
    """Published and updated, with the evidence that gave them: see crawler.extract.dates."""
    try:
        return find_dates(
            tree,
            now,
            url=url or None,
            feed_date=feed_date,
            htmldate_passes=htmldate_passes,
            found_by=found_by,
        )
    except (ValueError, TypeError, OverflowError, RecursionError):  # a hostile page costs its date only
        return Dates()


_TITLE_SEP = re.compile(r"\s+[|–-]\s+")


def title(
    tree: HtmlElement,
    metas: Metas,
    blocks: Sequence[Block] = (),
    shared: Callable[[str], bool] = lambda text: False,
) -> str:
    """og:title, <h1>, else the heading <title> holds whole or that extends its first part.

    Old portals put the headline in an <h2> inside a cell and write "<headline> - <site>" or
    "<site> - <headline>" in <title>; headlines themselves contain " - ", so cutting <title>
    at the first separator cuts the headline. ``shared`` tells a text the site's other pages
    share (its name): that is never a title.
    """
    for value in (meta(metas, "og:title"), " ".join(tree.xpath("(//h1)[1]//text()"))):
        if clean(value) and not shared(clean(value)):
            return clean(value)
    raw = clean(" ".join(tree.xpath("//title//text()")))
    parts = [p for p in _TITLE_SEP.split(raw) if p] if raw else []
    first = next((p for p in parts if not shared(p)), parts[0] if parts else "")
    best = ""
    for block in blocks[:200]:
        text = block.text
        if not 10 <= len(text) <= 300 or len(text) <= len(best) or block.link_density >= 0.5 or shared(text):
            continue
        if raw and text in raw:
            best = text
        elif (
            len(first) >= 10
            and text.startswith(first)
            and len(text) <= len(raw) + 80
            and block.element.tag in ("h2", "h3", "h4", "h5", "h6")
            and not (best and best in raw)
        ):
            best = text  # the whole headline, of which <title> holds the start
    if best and len(best) >= len(first):
        return best
    if first and shared(first):  # <title> holds only the site's name: the first heading is the headline
        return next(
            (
                b.text
                for b in blocks[:200]
                if b.element.tag in ("h2", "h3", "h4") and len(b.text) >= 10 and not shared(b.text)
            ),
            "",
        )
    return first


def title_parts(tree: HtmlElement) -> list[str]:
    """The parts of <title> between separators (one of them is often the site's name)."""
    raw = clean(" ".join(tree.xpath("//title//text()")))
    return [p for p in _TITLE_SEP.split(raw) if p] if raw else []


def _bold_only(element: HtmlElement) -> bool:
    """All of the element's text sits in one <b>/<strong> child: a table layout's lead."""
    children = list(element)
    return (
        len(children) == 1
        and children[0].tag in ("b", "strong")
        and not clean(element.text)
        and not clean(children[0].tail)
    )


def lead(blocks: Sequence[Block], first_body: int, title_text: str) -> Block | None:
    """The sapo: a block marked as a lead by its class, just above the body and beside it.

    "Beside" means the lead's parent also holds the body. A summary further away (a header's
    standfirst, a teaser in a hero box) is usually not part of the article text.
    """
    if first_body >= len(blocks):
        return None
    body_ancestors = set(blocks[first_body].element.iterancestors())
    for block in blocks[max(0, first_body - 12) : first_body + 1]:
        if ">li" in block.sig or "aside" in block.sig:
            continue
        if len(block.text) <= 40 or block.text == title_text or block.link_density >= 0.5:
            continue
        element = block.element
        for _ in range(2):  # the block itself, or its wrapper (<div class="sapo"><p>...</p></div>)
            parent = element.getparent()
            if LEAD_CLASS.search(f"{element.get('class', '')} {element.get('id', '')}"):
                if parent is not None and parent in body_ancestors:
                    return block
            element = parent
            if element is None:
                break
    block = blocks[first_body]
    if len(block.text) > 80 and block.link_density < 0.2 and _bold_only(block.element):
        return block  # a bold first paragraph of a class-less layout is its lead
    return None


_HOME = frozenset(("trang chủ", "home", "trang chu", "trang nhất"))
_CRUMB_SEP = re.compile(r"\s*[›»>/|]\s*")


def section(blocks: Sequence[Block], first_body: int, metas: Metas) -> str:
    """The breadcrumb (without "home"), else the category label above the article, else meta."""
    names: list[str] = []
    for block in blocks[: first_body + 1]:
        if _CRUMB_MARK.search(block.sig):
            names += [n for n in (clean(x) for x in re.split(r"\s[›»>/|]\s", block.text)) if n]
        elif names:
            break
    if not names:  # a class-less crumb line: "Trang chủ » Thời sự » Đối ngoại"
        for block in blocks[max(0, first_body - 15) : first_body]:
            parts = [clean(x) for x in _CRUMB_SEP.split(block.text)]
            if len(parts) >= 2 and parts[0].lower() in _HOME and len(block.text) < 120:
                names = parts
                break
    names = [n for n in names if n and n.lower() not in _HOME]
    if not names:
        names = [
            b.text
            for b in blocks[max(0, first_body - 15) : first_body]
            if marked(b, _CATE_MARK) and len(b.text) < 60
        ][:1]
    if not names:
        names = [meta(metas, "article:section")]
    return " › ".join(n for n in names if n)


def author_credit(
    blocks: Sequence[Block], first_body: int, last_body: int, metas: Metas, ld: dict[str, object]
) -> tuple[str, str]:
    """The author line and source credit near the article, else JSON-LD and meta for the author."""
    near = list(blocks[max(0, first_body - 15) : first_body]) + list(blocks[last_body + 1 : last_body + 8])
    author = next((b.text for b in near if len(b.text) < 120 and marked(b, _AUTHOR_MARK)), "")
    if not author and blocks and last_body < len(blocks):
        # a class-less byline: a short line of capitalised words closing the body, or right after it
        author = next((b.text for b in blocks[last_body : last_body + 2] if _NAME_LINE.match(b.text)), "")
    if not author:
        who = ld.get("author")
        who = who[0] if isinstance(who, list) and who else who
        if isinstance(who, dict):
            author = clean(str(who.get("name", "")))
        elif isinstance(who, str):
            author = clean(who)
    if not author:
        author = meta(metas, "author", "article:author")
        author = "" if author.startswith("http") else author
    credit = next(
        (
            b.text
            for b in near + list(blocks[first_body : last_body + 1])
            if len(b.text) < 200 and marked(b, _CREDIT_MARK) and CREDIT.match(b.text)
        ),
        "",
    )
    return author, credit


_NAME_LINE = re.compile(r"^(?:[A-ZÀ-ỸĐ][\wÀ-ỹ]*\.?\s){1,4}[A-ZÀ-ỸĐ][\wÀ-ỹ]*$")


def credit_in(paragraphs: Sequence[str]) -> str:
    """A trailing 'Nguồn: ...' / 'Theo Báo ...' line of the body, when no element holds it."""
    for text in reversed(paragraphs[-3:]):
        if len(text) < 200 and CREDIT.match(text):
            return text
    return ""


def language(tree: HtmlElement, metas: Metas, text: str, default: str) -> str:
    """The declared language, else a cheap guess from the text, else the source's default."""
    declared = tree.get("lang") or meta(metas, "og:locale", "language", "content-language") or ""
    declared = declared.replace("_", "-").split("-")[0].strip().lower()
    if declared and len(declared) <= 3:
        return declared
    sample = text[:3000]
    if sample and len(_VI_CHARS.findall(sample)) > len(sample) * 0.02:
        return "vi"
    words = [w.lower() for w in _WORDS.findall(sample)]
    if words:
        en = sum(w in _EN for w in words)
        fr = sum(w in _FR for w in words)
        if max(en, fr) > len(words) * 0.05:
            return "en" if en >= fr else "fr"
    return default


def canonical(tree: HtmlElement) -> str | None:
    found = tree.xpath('//link[@rel="canonical"]/@href')
    return found[0].strip() if found and found[0].strip() else None


_CAPTION_CLASS = re.compile(r"caption|desc|chuthich|chu-thich|legend|note|credit", re.I)


def image_caption(img: HtmlElement) -> tuple[str, bool]:
    """One caption for an image: figcaption, a caption cell or block beside it, else its alt.

    Returns (caption, True) for a visible caption, (alt text, False) otherwise.
    """
    node = img
    for _ in range(5):
        for n, sib in enumerate(node.itersiblings()):
            if n >= 2:
                break
            if isinstance(sib.tag, str) and _CAPTION_CLASS.search(sib.get("class", "")):
                text = clean(sib.text_content())
                if text:
                    return text, True
        parent = node.getparent()
        if parent is None:
            break
        if parent.tag == "figure":
            cap = parent.find(".//figcaption")
            if cap is not None and clean(cap.text_content()):
                return clean(cap.text_content()), True
        if parent.tag == "table":
            for cell in parent.iter("td", "th", "caption"):
                if img not in cell.iter("img"):
                    text = clean(cell.text_content())
                    if text:
                        return text, True
            break
        node = parent
    return clean(img.get("alt") or img.get("title")), False
