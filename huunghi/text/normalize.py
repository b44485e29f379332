"""Vietnamese text normalisation for hashing, indexing and search.

Portals mix Unicode forms (NFC and NFD) and two tone-mark placements ("Thanh Hóa" and
"Thanh Hoá"). Hashes and indexes must see one form, or one story looks like two and a search
for "thanh hoa" misses half the archive. The article itself is stored as published.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# Combining tone marks: grave, acute, tilde, hook above, dot below.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# Old style puts the tone on the first vowel of open "oa", "oe", "uy" ("hóa", "thủy");
# new style on the second ("hoá", "thuỷ"). We keep the new style, as the 2018 rules do.
_OLD_TONE = re.compile(
    rf"([oO])([{_TONES}])([aAeE])(?![\w\u0300-\u036f])|([uU])([{_TONES}])([yY])(?![\w\u0300-\u036f])"
)
_SPACE = re.compile(r"\s+")
# combining marks of every script: what folding drops
_MARK_RANGES = ((0x300, 0x36F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
COMBINING = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _MARK_RANGES)  # a regular expression class's inside
COMBINING_CHARS = "".join(chr(c) for lo, hi in _MARK_RANGES for c in range(lo, hi + 1))
_COMBINING = re.compile(f"[{COMBINING}]")


def _move_tone(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(1) + m.group(3) + m.group(2)
    return m.group(4) + m.group(6) + m.group(5)


def normalize(text: str) -> str:
    """NFC with one tone-mark placement; what hashes and indexes see."""
    if len(text) >= _LONG:
        return _normalize_long(text)
    return _normalize(text)


def _normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _OLD_TONE.sub(_move_tone, decomposed))


# Reading one page normalises its body for the tags, the people, the figures and the hashes:
# the last few long texts are remembered (words and names, short, are not: they would push
# the pages out of so small a cache)
_LONG = 256
_normalize_long = lru_cache(maxsize=16)(_normalize)


def unaccent(text: str) -> str:
    """No diacritics and đ → d, case kept (tags tell "Hòa Bình" the province from "hòa bình")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return _COMBINING.sub("", decomposed)


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d: what diacritic-insensitive search compares."""
    return unaccent(text).lower()


# A word is a run of letters and digits: "_" and every other mark of punctuation split words
# ("Ho_Chi_Minh" is "ho chi minh", "COVID-19" is "covid 19"). The one definition every reader
# of text uses: both search indexes, the query language and topic rules, snippets, tags.
WORD = r"[^\W_]+"
_WORD = re.compile(WORD)
MAX_WORD = 100  # characters of a word kept, everywhere alike


def words(text: str) -> list[str]:
    """Folded words of ``text`` (lower case, no marks, đ → d), each cut at ``MAX_WORD``: what the
    indexes store, queries look for and topic rules match (folding drops every mark, so the
    tone placement that ``normalize`` settles cannot matter here)."""
    return [w[:MAX_WORD] for w in _WORD.findall(fold(text or ""))]


# Marks-honouring search compares a marked word as its key: lower case, NFD, one tone placement
# ("Hóa", "Hoá" and NFD "Hoá" are "hoa\u0301"); a word without marks has its folded form as key.
# NFD so that a syllable typed bare can be matched over keys as a pattern: each letter, then any
# combining marks ("t[marks]*h[marks]*a[marks]*n[marks]*h[marks]*" is every "thanh" written).
_RUN = re.compile(rf"(?:[^\W_]|[{COMBINING}])+")


def marked_words(text: str) -> list[tuple[str, str]]:
    """(folded word, key) for each word of ``text``: the folded words are exactly ``words(text)``;
    the key is the word in lower case, NFD, one tone placement (see ``COMBINING``), or the folded
    word itself where it carries no mark (or is longer than ``MAX_WORD``)."""
    out: list[tuple[str, str]] = []
    for run in _RUN.findall(normalize(text or "")):
        out.extend(_marked_run(run))
    if [f for f, _ in out] != words(text):  # a text this reading cuts otherwise: no marks known
        return [(w, w) for w in words(text)]
    return out


@lru_cache(maxsize=65536)
def _marked_run(run: str) -> tuple[tuple[str, str], ...]:
    """``marked_words`` of one run of letters and marks; remembered, since a language's
    syllables are few and every article indexed repeats them."""
    found = _WORD.findall(fold(run))
    if len(found) != 1:
        return tuple((w[:MAX_WORD], w[:MAX_WORD]) for w in found)
    folded = found[0][:MAX_WORD]
    key = unicodedata.normalize("NFD", run.lower()).lstrip(COMBINING_CHARS)
    return ((folded, key if len(found[0]) <= MAX_WORD and fold(key) == folded else folded),)


def cased_words(text: str) -> list[str]:
    """Words of ``text`` in NFC with one tone placement, case and marks kept: the same cuts as
    ``words`` (tags need "Hòa Bình" the province apart from "hòa bình" the peace)."""
    return _WORD.findall(normalize(text or ""))


def squash(text: str) -> str:
    """Normalised text with runs of white space collapsed: stable input for hashing."""
    return _SPACE.sub(" ", normalize(text)).strip()


def content_hash(*parts: str | None) -> str:
    """SHA-256 over the normalised parts, so NFD input or the other tone style hash alike."""
    return squashed_hash(*(squash(part or "") for part in parts))


def squashed_hash(*squashed: str) -> str:
    """``content_hash`` of parts already through ``squash``: a caller hashing one text in two
    hashes (an article's content and its body) normalises it once."""
    digest = hashlib.sha256()
    for part in squashed:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()
