"""Vietnamese collation for every list people read (place headings, sources, topics).

Sorting by code point puts "Đồng Nai" after "Thanh Hóa" and "Hungary" before "Hà Nội". This
follows CLDR's Vietnamese tailoring without needing ICU (PyICU has no wheels on the index):
- letters, first level: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, with
  f j w z in their Latin places; space before digits before letters;
- tones, second level: none, huyền, hỏi, ngã, sắc, nặng (CLDR's order), compared only
  when the letters tie, left to right;
- case, third level: lower before upper.
Text is NFC/NFD-agnostic: the key is computed from the decomposed form.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

_ALPHABET = [
    "a",
    "ă",
    "â",
    "b",
    "c",
    "d",
    "đ",
    "e",
    "ê",
    "f",
    "g",
    "h",
    "i",
    "j",
    "k",
    "l",
    "m",
    "n",
    "o",
    "ô",
    "ơ",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "ư",
    "v",
    "w",
    "x",
    "y",
    "z",
]
_RANK = {letter: 100 + i for i, letter in enumerate(_ALPHABET)}
_SHAPES = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng


def _letters(text: str) -> list[tuple[str, int]]:
    """(letter with its shape, tone) per base character of ``text``."""
    out: list[tuple[str, int]] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out:
            letter, tone = out[-1]
            if ch in _SHAPES:
                out[-1] = (unicodedata.normalize("NFC", letter + ch), tone)
            elif ch in _TONES:
                out[-1] = (letter, _TONES[ch])
            continue
        out.append((ch, 0))
    return out


def _primary(letter: str) -> int:
    low = letter.lower()
    if low in _RANK:
        return _RANK[low]
    if low.isdigit():
        return 50 + unicodedata.digit(low, 0)
    if low.isspace():
        return 1
    if not low.isalnum():
        return 2 + min(ord(low), 40)  # punctuation: after space, before digits, in a stable order
    return 1000 + ord(unicodedata.normalize("NFD", low)[0])  # other scripts: after Vietnamese letters


def sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """A key that sorts ``text`` as a Vietnamese reader expects."""
    letters = _letters(" ".join(text.split()))
    return (
        tuple(_primary(letter) for letter, _tone in letters),
        tuple(tone for _letter, tone in letters),
        tuple(int(letter != letter.lower()) for letter, _tone in letters),
    )


def sorted_vi(items: Iterable[T], key: Callable[[T], str] | None = None, reverse: bool = False) -> list[T]:
    """``sorted`` with the Vietnamese collation (on ``key(item)``, or the item itself)."""
    pick = key or (lambda item: item)  # type: ignore[assignment, return-value]
    return sorted(items, key=lambda item: sort_key(str(pick(item))), reverse=reverse)
