"""Event features of a Vietnamese news report: who, when and how much, whatever the wording.

Independent rewrites of one event share few 3-word runs but keep the facts: the people (as the
press writes them, "ông Trịnh Tuấn Sinh, Phó Bí thư Tỉnh ủy"), the event's own day ("Chiều 15/1",
"Ngày 15/01", "sáng thứ Năm (12/3)") and the figures ("1,9 triệu USD", "54 hài cốt"). Look-alike
events differ in exactly these, so they are what an event signature compares. Pure text, no I/O:
the crawler computes the features and storage keeps them on the record (issue 21, first part).
"""

from __future__ import annotations

import re
from datetime import date

from huunghi.text.normalize import fold, normalize

# "ông", "bà", "đồng chí", "Thứ trưởng" … followed by a capitalised name of two to four words.
_HONORIFIC = r"(?:[Ôô]ng|[Bb]à|[Đđ]ồng chí|[Aa]nh|[Cc]hị)"
_NAME_WORD = r"[A-ZÀ-ỸĐ][a-zà-ỹđ]+"
_PERSON = re.compile(rf"\b{_HONORIFIC}\s+((?:{_NAME_WORD}\s+){{1,3}}{_NAME_WORD})\b")
# A day written "15/1", "15/01", "15/01/2026", "15-1"; the year, when missing, is the
# publication's (or the one before, when the day would be later than the publication).
_DAY = re.compile(r"(?<![\d/])(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?(?![\d/])")
# A number ("1,9", "20", "1.200") and the unit word(s) after it ("triệu USD", "căn nhà").
_FIGURE = re.compile(
    r"(?<![\d,.])(\d+(?:[.,]\d+)*)\s+((?:tỷ|triệu|nghìn|ngàn)\s+)?([^\W\d_]+(?:\s+[^\W\d_]+)?)"
)
_SCALE = {"ty": 1e9, "trieu": 1e6, "nghin": 1e3, "ngan": 1e3}
# Words after a number that are no unit of a figure (dates and ordinals written in words).
_NOT_UNIT = {"nam", "thang", "ngay", "gio", "phut", "va", "la", "cua"}


def people(text: str) -> set[str]:
    """Folded names of the people named with an honorific ("trinh tuan sinh")."""
    return {fold(m.group(1)) for m in _PERSON.finditer(normalize(text or ""))}


# Words that introduce the day an event happened ("Chiều 15/1", "sáng thứ Năm (12/3)"); a bare
# date such as the page's dateline "10:08 | 16/01/2026" is the publication, not the event.
_DAY_MARK = re.compile(r"\b(?:ngày|sáng|chiều|tối|trưa|đêm|hôm)\b[^.\n\d]{0,16}$", re.IGNORECASE)


def _days(text: str, published: date) -> list[tuple[date, bool]]:
    """Days written in ``text`` with whether a day word introduces them, read against the
    publication day: never later than it, a missing year taken from it (a day that would fall
    after it belongs to the year before)."""
    found: list[tuple[date, bool]] = []
    text = normalize(text or "")
    for m in _DAY.finditer(text):
        d, mo = int(m.group(1)), int(m.group(2))
        year = int(m.group(3)) if m.group(3) else published.year
        try:
            day = date(year, mo, d)
            if not m.group(3) and day > published:
                day = date(year - 1, mo, d)
        except ValueError:
            continue
        if day <= published:
            found.append((day, bool(_DAY_MARK.search(text[max(0, m.start() - 24) : m.start()]))))
    return found


def event_days(text: str, published: date) -> list[date]:
    """Every day the text gives, in order (see ``_days`` for how each is read)."""
    return [day for day, _ in _days(text, published)]


def event_day(text: str, published: date) -> date | None:
    """The event's own day: the first day a day word introduces, else the first day given,
    else None (the caller then falls back on the publication day)."""
    days = _days(text, published)
    marked = [day for day, mark in days if mark]
    return marked[0] if marked else (days[0][0] if days else None)


def figures(text: str) -> set[tuple[float, str]]:
    """Figures as (value, folded unit): "1,9 triệu USD" → (1900000.0, "usd")."""
    out: set[tuple[float, str]] = set()
    for m in _FIGURE.finditer(normalize(text or "")):
        raw, scale, unit = m.group(1), m.group(2), fold(m.group(3))
        if unit.split()[0] in _NOT_UNIT or _DAY.fullmatch(raw):
            continue
        value = _number(raw)
        if value is None:
            continue
        if scale:  # a scaled figure's unit is one word: "1,9 triệu USD xây …" is in USD
            value *= _SCALE[fold(scale.strip())]
            unit = unit.split()[0]
        out.add((value, unit))
    return out


def _number(raw: str) -> float | None:
    """Vietnamese numbers: "." groups thousands, "," is the decimal mark ("1.200", "1,9")."""
    parts = raw.replace(".", "").split(",")
    try:
        return float(".".join(parts[:2]))
    except ValueError:
        return None
