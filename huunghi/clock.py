"""Hanoi time, defined once: the portals publish in it and the desk reads in it.

Stored instants stay timezone-aware (UTC in the database); everything a person sees, and
every "day" a digest or a filter speaks of, is Asia/Ho_Chi_Minh (GMT+7, no daylight saving).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DISPLAY = "%d/%m/%Y %H:%M"  # the one format people read: 16/01/2026 10:08


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return datetime.now(UTC)


def local(when: datetime | None, fmt: str = DISPLAY) -> str:
    """An instant as people read it, in Hanoi time; an em dash when there is none."""
    return when.astimezone(HANOI).strftime(fmt) if when else "—"


def iso(when: datetime | None) -> str | None:
    """An instant in ISO 8601 with Hanoi's offset, as the CLI's and API's JSON carry it."""
    return when.astimezone(HANOI).isoformat() if when else None
