"""A cheap generic reading of a page: the one element that holds most of its running prose.

trafilatura (the generic reading) costs a fifth of a second to import and a few milliseconds a
page. A site template's periodic audit needs an independent reading of the page; when this one
is clear-cut and agrees with the template (crawler.extract.extractor._prose_confirms), the audit
passes without trafilatura, so a batch whose templates were kept from an earlier run
(`huunghi extract --templates`) never loads it. Anything else (no clear container, a
disagreement, text the template dropped unexplained) is audited by trafilatura, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml.html import HtmlElement

from huunghi.crawler.extract.blocks import Block

PROSE_CHARS = 80  # a block of running text, not a label, a menu line or a teaser's headline
PROSE_LINKS = 0.2  # a block whose text is more linked than this is navigation or a teaser
MIN_ARTICLE = 400  # chars of prose for a page to be an article worth reading this way
CLEAR_SHARE = 0.6  # of the page's running prose that one container must hold
KEEP_LINKS = 0.5  # inside the container, a block more linked than this is a related-links list
PARAGRAPH_TAGS = frozenset(("p", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"))
KEEP_TAGS = PARAGRAPH_TAGS | {"li", "dd", "td", "th"}
# prose in a list item is a teaser's summary (or a list of the article's own, which its
# container holds anyway); prose in a figure is a caption, which belongs to its image
_SET_APART = ("li", "figure", "figcaption", "aside", "nav", "dt", "dd")
_BESIDE = ("figure", "figcaption", "aside", "nav")


def _prose(block: Block) -> bool:
    return len(block.text) >= PROSE_CHARS and block.link_density < PROSE_LINKS


def _set_apart(el: HtmlElement) -> bool:
    return el.tag in _SET_APART or any(True for _ in el.iterancestors(*_SET_APART))


def read(blocks: Sequence[Block]) -> list[bool] | None:
    """Which blocks are the article, or None when the page is not clear-cut.

    Each paragraph credits the element that holds it (fully) and that element's parent (half),
    as readability does; the best-credited element is the container when it holds most of the
    running prose of the page (teasers' summaries in lists and captions aside)."""
    prose = [b for b in blocks if _prose(b) and not _set_apart(b.element)]
    total = sum(len(b.text) for b in prose)
    if total < MIN_ARTICLE:
        return None
    score: dict[HtmlElement, float] = {}
    for block in prose:
        el = block.element
        holder = el.getparent() if el.tag in PARAGRAPH_TAGS else el
        if holder is None:
            continue
        score[holder] = score.get(holder, 0.0) + len(block.text)
        parent = holder.getparent()
        if parent is not None and parent.tag not in ("body", "html"):
            score[parent] = score.get(parent, 0.0) + len(block.text) / 2
    candidates = [el for el in score if el.tag not in ("body", "html")]
    if not candidates:
        return None
    container = max(candidates, key=lambda el: score[el])
    inside = _inside(blocks, container)
    running = {b.index for b in prose}
    held = sum(len(b.text) for b, ok in zip(blocks, inside) if ok and b.index in running)
    if held < MIN_ARTICLE or held < CLEAR_SHARE * total:
        return None
    return [ok and _kept(block) for block, ok in zip(blocks, inside)]


def _kept(block: Block) -> bool:
    """Inside the container: paragraphs, headings, list items and cells, not link lists, captions
    (they belong to their images) or boxes set beside the text."""
    if block.link_density >= KEEP_LINKS:
        return False
    el = block.element
    if el.tag in _BESIDE or any(True for _ in el.iterancestors(*_BESIDE)):
        return False
    return _prose(block) or el.tag in KEEP_TAGS


def _inside(blocks: Sequence[Block], container: HtmlElement) -> list[bool]:
    return [b.element is container or any(a is container for a in b.element.iterancestors()) for b in blocks]
