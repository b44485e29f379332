"""The paper's own name, for ``sources add``: not the section its home page happens to open on.

Pages of one site share their name in the <title> ("Bốn phương kết bạn | Thời Đại - Tạp chí…",
"Hội hữu nghị… | Thời Đại - Tạp chí…"); what differs is the page's own title. So the name is,
in order: what the site declares (og:site_name, application-name), the part common to the
titles of several of its pages, the home page's whole title.
"""

from __future__ import annotations

import re
from typing import Any

SEPARATORS = "|-–—:·»/"


def _clean(text: str) -> str:
    return " ".join(text.split())


def page_title(tree: Any) -> str:
    return _clean(" ".join(tree.xpath("//title//text()")))


def declared_name(tree: Any) -> str:
    for xpath in ('//meta[@property="og:site_name"]/@content', '//meta[@name="application-name"]/@content'):
        for value in tree.xpath(xpath):
            if _clean(value):
                return _clean(value)
    return ""


SPLIT = re.compile(rf"\s+[{re.escape(SEPARATORS)}]\s+")


def _segments(title: str) -> list[tuple[int, int]]:
    """(start, end) of each part of a title between " | "-like separators."""
    out, pos = [], 0
    for m in SPLIT.finditer(title):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(title)))
    return out


def common_part(titles: list[str]) -> str:
    """The whole parts the titles share at their end (or, failing that, their start)."""
    titles = [t for t in titles if t]
    if len(titles) < 2 or len(set(titles)) < 2:
        return ""
    parts = [[t[a:b] for a, b in _segments(t)] for t in titles]
    n = 0
    while all(len(p) > n + 1 for p in parts) and len({p[-1 - n] for p in parts}) == 1:
        n += 1
    if n:
        first = titles[0]
        return first[_segments(first)[-n][0] :].strip()
    n = 0
    while all(len(p) > n + 1 for p in parts) and len({p[n] for p in parts}) == 1:
        n += 1
    if n:
        first = titles[0]
        return first[: _segments(first)[n - 1][1]].strip()
    return ""


def site_name(home: Any, other_titles: list[str], fallback: str = "") -> str:
    """og:site_name, else the part common to the pages' titles, else the home page's title."""
    home_title = page_title(home)
    return declared_name(home) or common_part([home_title, *other_titles]) or home_title or fallback
