"""Vietnamese text normalisation for hashing, indexing and search.

Portals mix Unicode forms (NFC and NFD) and two tone-mark placements ("Thanh Hóa" and
"Thanh Hoá"). Hashes and indexes must see one form, or one story looks like two and a search
for "thanh hoa" misses half the archive. The article itself is stored as published.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Combining tone marks: grave, acute, tilde, hook above, dot below.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# Old style puts the tone on the first vowel of open "oa", "oe", "uy" ("hóa", "thủy");
# new style on the second ("hoá", "thuỷ"). We keep the new style, as the 2018 rules do.
_OLD_TONE = re.compile(
    rf"([oO])([{_TONES}])([aAeE])(?![\w\u0300-\u036f])|([uU])([{_TONES}])([yY])(?![\w\u0300-\u036f])"
)
_SPACE = re.compile(r"\s+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _move_tone(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(1) + m.group(3) + m.group(2)
    return m.group(4) + m.group(6) + m.group(5)


def normalize(text: str) -> str:
    """NFC with one tone-mark placement; what hashes and indexes see."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _OLD_TONE.sub(_move_tone, decomposed))


def unaccent(text: str) -> str:
    """No diacritics and đ → d, case kept (tags tell "Hòa Bình" the province from "hòa bình")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return _COMBINING.sub("", decomposed)


def fold(text: str) -> str:
    """Lower case, no diacritics, đ → d: what diacritic-insensitive search compares."""
    return unaccent(text).lower()


def squash(text: str) -> str:
    """Normalised text with runs of white space collapsed: stable input for hashing."""
    return _SPACE.sub(" ", normalize(text)).strip()


def content_hash(*parts: str | None) -> str:
    """SHA-256 over the normalised parts, so NFD input or the other tone style hash alike."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(squash(part or "").encode("utf-8"))
        digest.update(b"\x1f")
    return digest.hexdigest()
