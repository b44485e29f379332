"""Story clusters from MinHash signatures: candidates by LSH band, confirmed by estimated overlap.

The crawler computes each article's MinHash (crawler/extract/signature.py, datasketch's scheme)
and LSH band keys; the archive keeps them and picks candidates sharing a band within a publication
window, so the cost of placing a new article depends on the window's size, never on the archive's.
"""

from __future__ import annotations

from array import array

WINDOW_DAYS = 7  # one event is reported within days, not months
JACCARD = 0.15  # estimated Jaccard of 3-word shingles: rewordings of one report
CONTAINMENT = 0.30  # share of the smaller article found in the other: a piece compiled from another


def signature(blob: bytes | None) -> array:
    values = array("I")
    if blob:
        values.frombytes(blob)
    return values


def jaccard(a: array, b: array) -> float:
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b) if x == y) / len(a)


def containment(j: float, size_a: int, size_b: int) -> float:
    """|A ∩ B| / min(|A|, |B|) from the Jaccard estimate and the two shingle-set sizes."""
    if j <= 0 or not size_a or not size_b:
        return 0.0
    inter = j * (size_a + size_b) / (1 + j)
    return min(1.0, inter / min(size_a, size_b))


def same_story(j: float, size_a: int, size_b: int) -> bool:
    return j >= JACCARD or containment(j, size_a, size_b) >= CONTAINMENT
