"""Dedup signatures: the MinHash of an article's normalised 3-word shingles, and its LSH bands.

Shingles are taken over folded text (NFC, one tone placement, no diacritics, lower case), so
the same words in another Unicode form or tone style are the same shingles. Thresholds were
set on the replicas' real pages (see bench/dedup.py): 3-word shingles separate seeds 000/002
(one event, reworded: Jaccard 0.29, containment 0.54) from the other pairs, which include the
same province and organisation at other events (Jaccard ≤ 0.07, containment ≤ 0.15).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from huunghi.text.normalize import fold, normalize

NUM_PERM = 128
ROWS = 2  # rows per LSH band: 64 bands catch Jaccard 0.15 with p ≈ 0.77, 0.29 with p > 0.99
BANDS = NUM_PERM // ROWS
SEED = 20260116
K = 3
_WORD = re.compile(r"\w+")


@dataclass
class Signature:
    minhash: bytes  # NUM_PERM little-endian uint32
    shingles: int  # distinct shingles
    bands: list[str]


def shingles(text: str, k: int = K) -> set[bytes]:
    words = _WORD.findall(fold(normalize(text)))
    if len(words) < k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)}


def signature(*parts: str) -> Signature | None:
    """The signature of title, lead and body together; None for a text too short to compare."""
    grams = shingles(" ".join(p for p in parts if p))
    if len(grams) < 5:
        return None
    mh = MinHash(num_perm=NUM_PERM, seed=SEED)
    mh.update_batch(list(grams))
    values = np.asarray(mh.hashvalues, dtype="<u4")
    bands = [
        f"{b}:{hashlib.blake2b(values[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).hexdigest()}"
        for b in range(BANDS)
    ]
    return Signature(values.tobytes(), len(grams), bands)
