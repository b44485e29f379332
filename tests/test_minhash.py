"""The dedup MinHash is datasketch's, bit for bit: signatures stored by earlier crawls stay comparable."""

from __future__ import annotations

import random

import numpy as np
import pytest

from huunghi.crawler.extract.signature import NUM_PERM, SEED, minhash, shingles, signature


def test_minhash_is_datasketchs_affine32_minhash():
    datasketch = pytest.importorskip("datasketch")
    rng = random.Random(16)
    texts = [
        "Đoàn đại biểu Liên hiệp các tổ chức hữu nghị đã có buổi làm việc với các đối tác quốc tế",
        " ".join(f"từ{rng.randrange(10_000)}" for _ in range(3000)),
    ]
    sets = [shingles(t) for t in texts]
    sets += [
        {bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))) for _ in range(n)}
        for n in (1, 7, 500)
    ]
    for grams in sets:
        theirs = datasketch.MinHash(num_perm=NUM_PERM, seed=SEED)
        theirs.update_batch(list(grams))
        assert np.array_equal(np.asarray(theirs.hashvalues, dtype="<u4"), minhash(grams))


def test_signature_is_stable_and_short_texts_have_none():
    text = "Đoàn đại biểu Liên hiệp các tổ chức hữu nghị đã có buổi làm việc với các đối tác quốc tế"
    a, b = signature("Tin", text), signature("Tin", text)
    assert a is not None and a == b and len(a.minhash) == 4 * NUM_PERM and len(a.bands) == NUM_PERM // 2
    assert signature("ngắn quá") is None
