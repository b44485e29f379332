"""Source health: the one function that decides whether a source is broken.

`huunghi status`, the web page, the ``source_broken`` events and the digest footer all call
``assess`` so they never disagree. A quiet crawl of a healthy source is not broken: a re-crawl
that finds only articles it already knows (links skipped as known, feeds answering 304) is the
normal case. Broken is one of:
- ``failed``: the last run reached nothing (errors, nothing stored, nothing known seen);
- ``unreadable``: its article pages are fetched but none of them reads as an article;
- ``yield_drop``: the share of readable article pages fell sharply (a layout change);
- ``stale``: no new article for much longer than the source's usual rhythm.
Reasons are codes with parameters, so each reader gets them in its own language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

# a run's status besides ok, partial and failed (run_status), running and interrupted: the crawl
# stopped at its time limit (`huunghi crawl --time-limit`, [crawler] crawl_deadline_seconds)
TIMED_OUT = "timed_out"
HISTORY = 10  # finished runs looked at (a yield drop lasts while its runs are in view)
MIN_UNREADABLE = 3  # article pages read in vain before a run counts as "nothing readable"
RHYTHM_SAMPLE = 40  # the newest articles whose gaps make the usual rhythm
MIN_GAPS = 5  # fewer gaps than this: no rhythm known, never "stale"
RHYTHM_FACTOR = 4  # stale after this many usual gaps without anything new ...
STALE_FLOOR = timedelta(days=2)  # ... and never sooner than this (weekends, holidays)


@dataclass
class RunFacts:
    """What one finished run tells about its source."""

    id: int
    status: str
    stored: int
    errors: int
    not_article: int = 0
    stats: dict[str, int] = field(default_factory=dict)
    first_error_url: str = ""

    @property
    def readable(self) -> float | None:
        """Share of article pages read that gave an article (None below five pages)."""
        n = self.stored + self.not_article
        return self.stored / n if n >= 5 else None


@dataclass
class Health:
    state: str  # "ok", "broken" or "never run"
    code: str = ""  # why broken: failed, unreadable, yield_drop, stale
    params: dict[str, Any] = field(default_factory=dict)
    url: str = ""  # the failing URL, when there is one

    @property
    def broken(self) -> bool:
        return self.state == "broken"


def run_status(errors: int, stored: int, stats: dict[str, int] | None, previous: str | None = None) -> str:
    """ok, partial or failed. A run that stored articles or listed known ones reached the source;
    a feed answering 304 says "as last time", so with errors and nothing else it keeps the
    previous run's verdict (a host whose feed is cached but whose pages all fail stays failed)."""
    stats = stats or {}
    if not errors:
        return "ok"
    if stored or stats.get("known_skipped", 0):
        return "partial"
    return "partial" if stats.get("not_modified", 0) and previous not in (None, "failed") else "failed"


def reached(run: RunFacts) -> bool:
    """The run got something from its source: articles stored, known links listed, a 304."""
    return bool(run.stored or run.stats.get("known_skipped", 0) or run.stats.get("not_modified", 0))


def usual_gap(dates: list[datetime]) -> timedelta | None:
    """The 90th-percentile gap between consecutive new articles (None while too few are known)."""
    ordered = sorted(dates)
    gaps = sorted(b - a for a, b in zip(ordered, ordered[1:]))
    if len(gaps) < MIN_GAPS:
        return None
    return gaps[min(len(gaps) - 1, int(len(gaps) * 0.9))]


def assess(runs: list[RunFacts], dates: list[datetime], last_new: datetime | None, now: datetime) -> Health:
    """The health of a source from its last HISTORY finished runs (newest first, interrupted ones left out),
    the publication dates of its newest articles, and when a new article was last stored."""
    if not runs:
        return Health("never run")
    last = runs[0]
    if last.stored == 0 and last.not_article >= MIN_UNREADABLE:
        return Health("broken", "unreadable", {"pages": last.not_article}, last.first_error_url)
    if last.status == "failed" or (last.status == TIMED_OUT and not reached(last)):
        return Health("broken", "failed", {"errors": last.errors}, last.first_error_url)
    now_yield = last.readable
    before = [y for y in (r.readable for r in runs[1:]) if y is not None]
    if now_yield is not None and before and max(before) >= 0.8 and now_yield < 0.4:
        shares = {"now": round(now_yield * 100), "before": round(max(before) * 100)}
        return Health("broken", "yield_drop", shares, last.first_error_url)
    gap = usual_gap(dates)
    if gap is not None and last_new is not None:
        allowed = max(gap * RHYTHM_FACTOR, STALE_FLOOR)
        silent = now - last_new
        if silent > allowed:
            return Health(
                "broken",
                "stale",
                {
                    "hours": int(silent.total_seconds() // 3600),
                    "usual_hours": max(1, round(gap.total_seconds() / 3600)),
                },
            )
    return Health("ok")


_REASONS = {
    "vi": {
        "failed": "lần thu thập gần nhất thất bại ({errors} lỗi), không lấy được trang nào",
        "unreadable": "tải được {pages} trang bài nhưng không đọc được bài nào (trang đổi giao diện?)",
        "yield_drop": "chỉ đọc được {now}% số trang bài (trước đây {before}% trở lên): "
        "trang có đổi giao diện?",
        "stale": "{hours} giờ không có bài mới, trong khi thường chỉ cách nhau khoảng {usual_hours} giờ",
    },
    "en": {
        "failed": "the last crawl failed ({errors} errors) and reached no page",
        "unreadable": "{pages} article pages fetched but none could be read (a new layout?)",
        "yield_drop": "only {now}% of article pages could be read (was {before}% or more): "
        "has the site's layout changed?",
        "stale": "no new article for {hours} hours where they usually come about {usual_hours} hours apart",
    },
}
RECOVERED = {"vi": "đã hoạt động lại", "en": "is working again"}  # a broken source's good run
STATES = {
    "vi": {"ok": "tốt", "broken": "lỗi", "never run": "chưa chạy"},
    "en": {"ok": "ok", "broken": "broken", "never run": "never run"},
}


def describe(code: str, params: dict[str, Any], language: str = "vi") -> str:
    """A reason as a sentence in the reader's language (a code unknown here is shown as it is)."""
    template = _REASONS.get(language, _REASONS["vi"]).get(code)
    if template is None:
        return str(params.get("reason", code))
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
