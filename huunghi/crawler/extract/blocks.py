"""A page as an ordered list of text blocks, each with the DOM path that places it.

A block is the text a block-level element holds itself (its inline children included, its
block children not). Its signature is the tag/class/id path of its last few block ancestors,
with digits removed, so the same slot on two pages of one site has the same signature whatever
its text and whatever section wrapper encloses it: that is what site templates learn from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

BLOCK_TAGS = frozenset(
    "html body div section article main aside header footer nav p h1 h2 h3 h4 h5 h6 ul ol li dl dt dd "
    "table thead tbody tfoot tr td th caption blockquote pre figure figcaption form fieldset address "
    "center details summary dialog menu hgroup".split()
)
SKIP_TAGS = frozenset(
    "script style noscript template svg iframe embed canvas select option "
    "textarea button input head math video audio picture source".split()
)
SIG_STEPS = 5  # a slot is named by its last steps: outer wrappers vary by section
_DIGITS = re.compile(r"\d+")
# inline elements that name what they hold are blocks of their own: a byline, a time, a credit
_MARKED = re.compile(r"author|byline|time|date|source|credit", re.I)


@dataclass(slots=True)
class Block:
    """One block of text in document order."""

    element: HtmlElement
    sig: str
    text: str = ""
    link_chars: int = 0
    index: int = 0

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0


_DATE_PROPS = frozenset(("datepublished", "datemodified", "datecreated"))  # not "dateline": a place


def dated(el: HtmlElement) -> bool:
    """Whether the page itself declares the element's text a date (schema.org's datePublished,
    dateModified, ...): the article's metadata, never its body."""
    return (el.get("itemprop") or "").strip().lower() in _DATE_PROPS


_STEPS: dict[tuple[str, str | None, str | None, int], str] = {}
_POSITIONAL = frozenset(("table", "tr", "td", "th"))


def _step(el: HtmlElement) -> str:
    tag = el.tag
    if tag in ("body", "html"):
        return tag  # their classes name the section or the visitor's state, not a slot
    cls = el.get("class")
    ident = el.get("id")
    position = 0
    if tag in _POSITIONAL and not cls and not ident:
        # class-less table layouts: a cell is named by where it sits, or the body's cell and a
        # teaser cell of the same table would be one slot
        position = 1 + sum(1 for _ in el.itersiblings(tag, preceding=True))
    key = (tag, cls, ident, position)
    step = _STEPS.get(key)
    if step is None:
        step = _STEPS[key] = _make_step(tag, cls, ident) + (f":{position}" if position else "")
        if len(_STEPS) > 50_000:
            _STEPS.clear()
    return step


def _make_step(tag: str, cls: str | None, ident: str | None) -> str:
    step = tag
    if ident:
        step += "#" + _DIGITS.sub("", ident.strip().lower())[:30]
    if cls:
        tokens = [_DIGITS.sub("", t.lower())[:30] for t in cls.split()[:3]]
        step += "." + ".".join(t for t in tokens if t)
    return step


_TEXT_AND_IMAGES = etree.XPath("descendant-or-self::text() | descendant::img")


def segment(tree: HtmlElement) -> tuple[list[Block], list[tuple[int, HtmlElement]]]:
    """Blocks with non-empty text in reading order, and images with the block count before them.

    One C-level XPath yields every text node and image in document order; each goes to the
    block-level element that holds it (memoised per element, resolved without recursion so
    hostile nesting cannot exhaust the stack).
    """
    root = tree.find("body")
    if root is None:
        root = tree
    # element -> (its block element, or None inside a skipped subtree; inside a link)
    memo: dict[HtmlElement, tuple[HtmlElement | None, bool]] = {}
    steps_of: dict[HtmlElement, tuple[str, ...]] = {}
    slot_of: dict[HtmlElement, int] = {}
    blocks: list[Block] = []
    pieces: list[list[str]] = []
    links: list[int] = []
    images: list[tuple[int, HtmlElement]] = []

    def holder(el: HtmlElement) -> tuple[HtmlElement | None, bool]:
        known = memo.get(el)
        if known is not None:
            return known
        chain = []
        node: HtmlElement | None = el
        while node is not None and node not in memo:
            chain.append(node)
            node = node.getparent() if node is not root else None
        state = memo[node] if node is not None else None
        for node in reversed(chain):
            tag = node.tag
            if not isinstance(tag, str) or tag in SKIP_TAGS or (state is not None and state[0] is None):
                state = (None, False)
            elif state is None:  # the root
                steps_of[node] = (_step(node),)
                state = (node, False)
            elif tag in BLOCK_TAGS or tag == "time" or _MARKED.search(node.get("class") or "") or dated(node):
                steps_of[node] = (*steps_of[state[0]][1 - SIG_STEPS :], _step(node))  # type: ignore[index]
                state = (node, state[1])
            else:
                state = (state[0], state[1] or tag == "a")
            memo[node] = state
        return state  # type: ignore[return-value]

    last = -1
    for item in _TEXT_AND_IMAGES(root):
        if not isinstance(item, str):
            if holder(item)[0] is not None:
                images.append((len(blocks), item))
            continue
        if item.isspace():  # most text nodes are layout whitespace: a word gap for the last block
            if last >= 0:
                pieces[last].append(" ")
            continue
        # lxml's text results are str subclasses that also know their parent and whether they are a tail
        smart: Any = item
        parent = smart.getparent()
        tail = smart.is_tail
        owner = parent.getparent() if (tail and parent is not None and parent is not root) else parent
        if owner is None:
            continue
        block_el, in_link = memo.get(owner) or holder(owner)
        if block_el is None:
            continue
        slot = slot_of.get(block_el)
        if slot is None:
            slot = slot_of[block_el] = len(blocks)
            blocks.append(Block(block_el, ">".join(steps_of[block_el]), index=slot))
            pieces.append([])
            links.append(0)
        if slot != last and last > slot and pieces[slot] and blocks[last].element.tag in BLOCK_TAGS:
            # text resumed after a nested block (a crosshead between two paragraphs, written
            # straight into the body's element) is a block of its own, in its place
            blocks.append(Block(block_el, blocks[slot].sig, index=len(blocks)))
            slot = slot_of[block_el] = len(blocks) - 1
            pieces.append([])
            links.append(0)
        elif (tail and parent.tag == "br") or (slot != last and pieces[slot]):
            pieces[slot].append(" ")  # a line break, or text resumed after a nested block
        pieces[slot].append(item)
        last = slot
        if in_link:
            links[slot] += len(item.strip())
    out: list[Block] = []
    remap: list[int] = []
    for block, acc, link_chars in zip(blocks, pieces, links):
        remap.append(len(out))
        text = " ".join("".join(acc).split())
        if text:
            block.text = text
            block.link_chars = min(link_chars, len(text))
            block.index = len(out)
            out.append(block)
    remap.append(len(out))
    return out, [(remap[pos] if pos < len(remap) else len(out), img) for pos, img in images]
