"""The extraction metric of ../shared/data/README.md, shared by the tests and bench/.

Tokens are ``\\w+`` matches; 4-token shingles with multiplicity; per page tp, fp, fn as multiset
operations. One implementation, so a test and a benchmark never score the same page differently.
"""

from __future__ import annotations

import re
from collections import Counter

TOKEN = re.compile(r"\w+")


def shingles(text: str) -> Counter:
    tokens = TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(0, len(tokens) - 3)))


def page_pr(pred: str, truth: str) -> tuple[float, float]:
    """Per-page precision and recall (tp+fp+fn normalised to 1; no prediction → P = 0)."""
    p, t = shingles(pred), shingles(truth)
    tp = sum((p & t).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
