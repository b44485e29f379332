"""Dedup signatures: the MinHash of an article's normalised 3-word shingles, and its LSH bands.

Shingles are taken over folded text (NFC, one tone placement, no diacritics, lower case), so
the same words in another Unicode form or tone style are the same shingles. Thresholds were
set on the replicas' real pages (see bench/dedup.py): 3-word shingles separate seeds 000/002
(one event, reworded: Jaccard 0.29, containment 0.54) from the other pairs, which include the
same province and organisation at other events (Jaccard ≤ 0.07, containment ≤ 0.15).

The MinHash is datasketch's (2.x, its default "affine32" scheme: SHA-1's first 32 bits, the
MurmurHash3 finaliser, odd-multiplier affine permutations mod 2^32), bit for bit
(tests/test_story_signature.py compares them), computed here in a few lines of numpy: importing
datasketch loads scipy, ~46 MB in every crawl process and its reading worker (issue 16).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from huunghi.text.normalize import fold

NUM_PERM = 128
ROWS = 2  # rows per LSH band: 64 bands catch Jaccard 0.15 with p ≈ 0.77, 0.29 with p > 0.99
BANDS = NUM_PERM // ROWS
SEED = 20260116
K = 3
_WORD = re.compile(r"\w+")


def _permutations(seed: int, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations h -> a*h + b (mod 2^32), a odd: drawn as it draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


_A, _B = _permutations(SEED, NUM_PERM)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (an avalanching bijection; multiplication wraps mod 2^32)."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def minhash(grams: set[bytes]) -> np.ndarray:
    """The NUM_PERM minimum permuted hashes of ``grams`` (uint32), as datasketch's MinHash gives."""
    sha1 = hashlib.sha1
    first4 = b"".join([sha1(g).digest()[:4] for g in grams])  # each read as a little-endian uint32
    hv = np.frombuffer(first4, dtype="<u4").astype(np.uint32).reshape(-1, 1)
    with np.errstate(over="ignore"):
        phv = _fmix32(hv) * _A + _B
    return np.asarray(phv.min(axis=0), dtype="<u4")


@dataclass
class Signature:
    minhash: bytes  # NUM_PERM little-endian uint32
    shingles: int  # distinct shingles
    bands: list[str]


def shingles(text: str, k: int = K) -> set[bytes]:
    words = _WORD.findall(fold(text))  # folding drops every mark: no tone placement to settle
    if len(words) < k:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)}


def signature(*parts: str) -> Signature | None:
    """The signature of title, lead and body together; None for a text too short to compare."""
    grams = shingles(" ".join(p for p in parts if p))
    if len(grams) < 5:
        return None
    values = minhash(grams)
    bands = [
        f"{b}:{hashlib.blake2b(values[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).hexdigest()}"
        for b in range(BANDS)
    ]
    return Signature(values.tobytes(), len(grams), bands)
