"""Highlighted snippets in the text as published, found with folded matching.

The indexes hold folded words ("thanh hoa"); people want to read "Thanh Hoá" with the match
marked. So the original text is folded one character at a time, keeping where each folded
character came from, the query's terms are found in the folded text, and the marks are put
back on the original characters. A term typed with marks marks only the places holding its
marked syllables as typed ("Hóa" marks "Hoá", not "hòa").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html import escape

from huunghi.storage.search.tokens import Term
from huunghi.text.normalize import fold, marked_words

SEP = r"[\W_]+"


@dataclass(frozen=True)
class Snippet:
    """A piece of text and the (start, end) spans to highlight in it."""

    text: str
    spans: tuple[tuple[int, int], ...]
    clipped_start: bool = False
    clipped_end: bool = False

    def plain(self) -> str:
        return ("… " if self.clipped_start else "") + self.text + (" …" if self.clipped_end else "")

    def html(self) -> str:
        """Escaped text with <mark> around the matches: safe to put in a page as it is."""
        out, at = [], 0
        for start, end in self.spans:
            out.append(escape(self.text[at:start]))
            out.append("<mark>" + escape(self.text[start:end]) + "</mark>")
            at = end
        out.append(escape(self.text[at:]))
        body = "".join(out)
        return ("… " if self.clipped_start else "") + body + (" …" if self.clipped_end else "")


def _as_typed(piece: str, term: Term) -> bool:
    """Whether a folded match of ``term`` holds its marked syllables with their marks."""
    if not term.marked:
        return True
    keys = [key for _folded, key in marked_words(piece)]
    return len(keys) == len(term.marks) and all(not m or m == k for m, k in zip(term.marks, keys))


def _pattern(term: Term) -> str:
    words = [re.escape(w) for w in term.words]
    tail = r"[^\W_]*" if term.prefix else ""
    return r"(?<![^\W_])" + SEP.join(words) + tail + r"(?![^\W_])"


_ONE: dict[int, str] = {}  # code point -> its folded character, for those that fold to one


def _folded(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded, and for each folded character the index of the original one (None:
    every character folded to one, so offsets are the same)."""
    simple = True
    for ch in set(text):
        if ord(ch) not in _ONE:
            f = fold(ch)
            if len(f) != 1:
                simple = False
                continue
            _ONE[ord(ch)] = f
    if simple:
        return text.translate(_ONE), None
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        f = _ONE.get(ord(ch)) or fold(ch)
        chars.append(f)
        origin.extend([i] * len(f))
    return "".join(chars), origin


def _matches(text: str, terms: list[Term]) -> list[tuple[int, int, int]]:
    """(start, end, term index) of every match, in original-text offsets, without overlaps."""
    if not terms or not text:
        return []
    folded, origin = _folded(text)
    found: list[tuple[int, int, int]] = []
    for n, term in enumerate(terms):
        for m in re.finditer(_pattern(term), folded):
            if m.end() > m.start():
                start, end = (
                    (m.start(), m.end()) if origin is None else (origin[m.start()], origin[m.end() - 1] + 1)
                )
                if _as_typed(text[start:end], term):
                    found.append((start, end, n))
    found.sort()
    merged: list[tuple[int, int, int]] = []
    for start, end, n in found:
        if merged and start < merged[-1][1]:
            continue
        merged.append((start, end, n))
    return merged


def _joined(text: str, spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Marks with only spaces between them become one ("Thanh" "Hóa" → "Thanh Hóa")."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and text[out[-1][1] : start].isspace():
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return tuple(out)


def highlight(text: str, terms: list[Term]) -> Snippet:
    """The whole text with every match marked (titles)."""
    text = unicodedata.normalize("NFC", text or "")
    return Snippet(text, _joined(text, [(s, e) for s, e, _ in _matches(text, terms)]))


def snippet(text: str, terms: list[Term], width: int = 240) -> Snippet:
    """About ``width`` characters of ``text`` around the place where most terms meet."""
    text = unicodedata.normalize("NFC", " ".join((text or "").split()))
    found = _matches(text, terms)
    if not found:
        return _clip(text, 0, width, ())
    best, best_score, lo = found[0][0], -1, 0
    counts: dict[int, int] = {}
    for hi, (start, _end, n) in enumerate(found):  # windows ending at each match, one pass
        counts[n] = counts.get(n, 0) + 1
        while found[lo][0] < start - width * 3 // 4:
            counts[found[lo][2]] -= 1
            if not counts[found[lo][2]]:
                del counts[found[lo][2]]
            lo += 1
        score = len(counts) * 1000 + (hi - lo + 1)
        if score > best_score:
            best, best_score = found[lo][0], score
    return _clip(text, max(best - width // 4, 0), width, found)


def _clip(text: str, start: int, width: int, found: list[tuple[int, int, int]] | tuple[()]) -> Snippet:
    if start > 0:  # start at a word
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    piece = text[start:end]
    spans = _joined(piece, [(s - start, e - start) for s, e, _ in found if s >= start and e <= end])
    return Snippet(piece, spans, start > 0, end < len(text))
