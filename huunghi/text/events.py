"""Event features of a Vietnamese news report: who, when and how much, whatever the wording.

Independent rewrites of one event share few 3-word runs but keep the facts: the people (as the
press writes them, "ông Trịnh Tuấn Sinh, Phó Bí thư Tỉnh ủy"), the event's own day ("Chiều 15/1",
"Ngày 15/01", "sáng thứ Năm (12/3)") and the figures ("1,9 triệu USD", "54 hài cốt"). Look-alike
events differ in exactly these, so they are what an event signature compares. Pure text, no I/O:
the crawler computes the features and storage keeps them on the record (issue 21, first part).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from huunghi.text.normalize import fold, normalize

# "ông", "bà", "đồng chí", "Thứ trưởng" … followed by a capitalised name of two to four words.
_HONORIFIC = r"(?:[Ôô]ng|[Bb]à|[Đđ]ồng chí|[Aa]nh|[Cc]hị|[Nn]gài)"
_PERSON = re.compile(rf"\b{_HONORIFIC}\s+((?:[^\W\d_]+ ){{1,3}}[^\W\d_]+)")
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


# Vietnamese family names are a closed class: a run of three or four capitalised words that
# opens with one is a full name ("Phan Anh Sơn", "Nguyễn Thị Lan Hương"), whatever title comes
# before it ("Chủ tịch Liên hiệp … Phan Anh Sơn"). Two-word runs are left out: they are as often
# places ("Hà Tĩnh", "Lâm Đồng", "Cao Bằng").
SURNAMES = frozenset(
    fold(name)
    for name in (
        "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trịnh Đinh Lâm "
        "Mai Tô Hà Đào Cao Lương Tạ Thái Châu Quách Kiều La Lại Chu Lưu Trương Đoàn Vương Tôn "
        "Phùng Hứa Mạc Khúc Giang Thân Lò Quàng Đàm Lục Nông Triệu Doãn Âu Tăng Lạc Kim Từ Tống "
        "Nghiêm Ninh Viên Khổng Diệp Hầu Văn Lã Thạch Y Ksor Rơ"
    ).split()
)
_RUN = re.compile(r"[^\W\d_]+(?: [^\W\d_]+){2,}")
_NOT_PEOPLE = {"ho chi minh"}  # the city's name, and the President's in every history paragraph


def _full_names(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for m in _RUN.finditer(text):
        run = m.group(0).split(" ")
        for i, word in enumerate(run):
            # the case first: folding every word of a page was most of reading its people
            if not word[0].isupper() or fold(word) not in SURNAMES:
                continue
            name = [word]
            for nxt in run[i + 1 : i + 4]:
                if not nxt[0].isupper():
                    break
                name.append(nxt)
            written = " ".join(name)
            if len(name) >= 3 and fold(written) not in _NOT_PEOPLE:
                found.setdefault(fold(written), written)
                break
    return found


def named(text: str) -> dict[str, str]:
    """The people a text names, folded → as first written: the capitalised words after an
    honorific, two to four of them (a regex range cannot tell Vietnamese capitals from small
    letters, so each word's case is checked here), and full names after a family name."""
    text = normalize(text or "")
    found: dict[str, str] = {}
    for m in _PERSON.finditer(text):
        name: list[str] = []
        for word in m.group(1).split(" "):
            if not word[0].isupper():
                break
            name.append(word)
        if len(name) >= 2:
            found.setdefault(fold(" ".join(name)), " ".join(name))
    for folded, written in _full_names(text).items():
        found.setdefault(folded, written)
    return found


def people(text: str) -> set[str]:
    """Folded names of the people the text names ("trinh tuan sinh")."""
    return set(named(text))


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


# ---- the event signature: what two reports of one event agree on -------------------------

# Kinds of evidence two reports can share, by how much a shared value tells: a person named
# with an honorific or a figure with its unit is rarely shared by two different events; an
# organisation, a main place or a partner country is shared by every event of its kind.
WEIGHTS = {"p": 2.0, "f": 1.5, "d": 1.0, "o": 0.5, "l": 0.5, "c": 0.5}
JOIN = 3.5  # evidence to join without text overlap: a person and a figure, or two of a kind
DAY_SLACK = 1  # "Chiều 15/1" in one report, "ngày 16/1" (the next morning's wire) in another
# Figures below this, and numbers that read as years, say nothing about which event it was.
_MIN_FIGURE = 3.0


@dataclass(frozen=True)
class EventSignature:
    """Who, what, where, when and how much: the facts a rewrite keeps.

    ``day`` is the event's own day as the text gives it (None when it gives none); the other
    fields are names as written ("Trịnh Tuấn Sinh", "Thanh Hóa", "1900000 usd"), shown to people
    as they are and compared folded (an article typed without marks names the same man)."""

    day: date | None = None
    people: frozenset[str] = frozenset()
    orgs: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    figures: frozenset[str] = frozenset()

    def written(self) -> dict[str, frozenset[str]]:
        return {"p": self.people, "f": self.figures, "o": self.orgs, "l": self.places, "c": self.countries}

    @cached_property
    def _folded(self) -> dict[str, frozenset[str]]:
        return {kind: frozenset(fold(v) for v in values) for kind, values in self.written().items()}

    def facts(self) -> dict[str, frozenset[str]]:
        """The facts as compared: folded."""
        return self._folded

    def keys(self) -> list[str]:
        """What the archive indexes to find candidates: the specific facts (people and figures),
        whose holders in one window are few, so a lookup stays small in any archive."""
        return sorted(f"{kind}:{value}"[:200] for kind in ("p", "f") for value in self.facts()[kind])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {kind: sorted(values) for kind, values in self.written().items() if values}
        if self.day is not None:
            out["d"] = self.day.isoformat()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> EventSignature:
        data = data or {}
        day = data.get("d")
        return cls(
            day=date.fromisoformat(day) if day else None,
            **{name: frozenset(data.get(kind, ())) for name, kind in _FIELDS.items()},
        )


_FIELDS = {"people": "p", "orgs": "o", "places": "l", "countries": "c", "figures": "f"}


def figure_key(value: float, unit: str) -> str:
    """One figure as compared: its value and the first word of its unit ("12 hội hữu nghị" and
    "12 hội thành viên" are one figure; "1,9 triệu USD" is "1900000 usd")."""
    number = str(int(value)) if value.is_integer() else f"{value:g}"
    return f"{number} {unit.split()[0]}"


def signature(
    title: str,
    text: str,
    published: date | None,
    *,
    orgs: Iterable[str] = (),
    places: Iterable[str] = (),
    countries: Iterable[str] = (),
) -> EventSignature:
    """The event signature of a report. ``text`` is its lead and body; the tags (organisations,
    main provinces, partner countries) come from the tagger, which knows names better."""
    whole = f"{title}\n{text}"
    day = event_day(text, published) if published else None
    figs = {
        figure_key(value, unit)
        for value, unit in figures(whole)
        if value >= _MIN_FIGURE and not (value.is_integer() and 1900 <= value <= 2100)
    }
    return EventSignature(
        day=day,
        people=frozenset(named(whole).values()),
        orgs=frozenset(orgs),
        places=frozenset(places),
        countries=frozenset(countries),
        figures=frozenset(figs),
    )


@dataclass(frozen=True)
class Agreement:
    """How two signatures compare: the weight of what they share, and what sets them apart."""

    score: float
    conflict: str = ""  # "day" (more than DAY_SLACK apart), "place" (no main place in common)
    shared: tuple[str, ...] = ()

    @property
    def same_event(self) -> bool:
        return not self.conflict and self.score >= JOIN


def compare(a: EventSignature, b: EventSignature) -> Agreement:
    """Whether two reports tell of one event: they must not differ where both say something
    (another day, another province), and must share enough specific facts."""
    shared = tuple(
        f"{kind}:{value}" for kind, values in a.facts().items() for value in sorted(values & b.facts()[kind])
    )
    if a.day is not None and b.day is not None:
        if abs((a.day - b.day).days) > DAY_SLACK:
            return Agreement(sum(WEIGHTS[item[0]] for item in shared), "day", shared)
        shared += (f"d:{min(a.day, b.day).isoformat()}",)
    score = sum(WEIGHTS[item[0]] for item in shared)
    if a.places and b.places and not a.facts()["l"] & b.facts()["l"]:
        # another province is another event, unless the two share more than enough to join
        # twice over (one report's lead names the visitors' home province, the other the venue)
        return Agreement(score - JOIN, "place" if score < 2 * JOIN else "", shared)
    return Agreement(score, "", shared)
