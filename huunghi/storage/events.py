"""The event catalogue: every kind of event the archive writes, and its payload, in one place.

Events are written in the article's (or run's) own transaction and read in id order by the
alert and digest passes. ``Event.data`` holds the payload as JSON; these TypedDicts say what
each kind carries, and the ``*_event`` functions are the only places that build one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huunghi.storage.models import Article, Event, Source, utcnow
from huunghi.storage.records import EventRecord
from huunghi.storage.unit import Tx

Kind = Literal["new", "changed", "removed", "source_broken", "source_recovered"]
KINDS: tuple[Kind, ...] = ("new", "changed", "removed", "source_broken", "source_recovered")
SOURCE_KINDS: tuple[Kind, ...] = ("source_broken", "source_recovered")  # about a source, not an article


class ArticlePayload(TypedDict):
    """What every article event carries: enough to show it without loading the article."""

    title: str
    url: str
    story_id: int | None
    published_at: str | None  # ISO 8601


class NewPayload(ArticlePayload):
    """ "new": an article seen for the first time."""


class ChangedPayload(ArticlePayload):
    """ "changed": a new version; ``diff`` is ``text.diff.word_diff`` of the versioned fields."""

    version: int
    diff: list[dict[str, str]]


class RemovedPayload(ArticlePayload):
    """ "removed": the article answered 404/410 or redirected home."""

    reason: str


class SourceBrokenPayload(TypedDict):
    """ "source_broken": the run that turned a source broken (``storage.health.assess``); the
    reason in Vietnamese, its code and parameters for other languages, the failing URL."""

    reason: str
    code: str
    params: dict[str, Any]
    url: str
    run_id: int


class SourceRecoveredPayload(TypedDict):
    """ "source_recovered": the first good run of a source judged broken; ``code`` is why it had
    been broken (``storage.health`` codes), ``reason`` says it in Vietnamese."""

    reason: str
    code: str
    run_id: int


PAYLOADS: dict[Kind, type] = {
    "new": NewPayload,
    "changed": ChangedPayload,
    "removed": RemovedPayload,
    "source_broken": SourceBrokenPayload,
    "source_recovered": SourceRecoveredPayload,
}


def _article_payload(art: Article) -> ArticlePayload:
    return {
        "title": art.title,
        "url": art.url,
        "story_id": art.story_id,
        "published_at": art.published_at.isoformat() if art.published_at else None,
    }


def new_event(art: Article, source_id: int, when: datetime, run_id: int | None) -> Event:
    data: NewPayload = {**_article_payload(art)}  # type: ignore[typeddict-item]
    return Event(
        kind="new", created_at=when, article_id=art.id, source_id=source_id, run_id=run_id, data=data
    )


def changed_event(
    art: Article, source_id: int, when: datetime, run_id: int | None, diff: list[dict[str, str]]
) -> Event:
    data: ChangedPayload = {**_article_payload(art), "version": art.version_count, "diff": diff}
    return Event(
        kind="changed", created_at=when, article_id=art.id, source_id=source_id, run_id=run_id, data=data
    )


def removed_event(art: Article, source_id: int, when: datetime, run_id: int | None, reason: str) -> Event:
    data: RemovedPayload = {**_article_payload(art), "reason": reason}
    return Event(
        kind="removed", created_at=when, article_id=art.id, source_id=source_id, run_id=run_id, data=data
    )


def source_broken_event(
    source_id: int,
    run_id: int,
    reason: str,
    code: str = "",
    params: dict[str, Any] | None = None,
    url: str = "",
) -> Event:
    data: SourceBrokenPayload = {
        "reason": reason,
        "code": code,
        "params": dict(params or {}),
        "url": url,
        "run_id": run_id,
    }
    return Event(kind="source_broken", created_at=utcnow(), source_id=source_id, run_id=run_id, data=data)


def source_recovered_event(source_id: int, run_id: int, reason: str, code: str = "") -> Event:
    data: SourceRecoveredPayload = {"reason": reason, "code": code, "run_id": run_id}
    return Event(kind="source_recovered", created_at=utcnow(), source_id=source_id, run_id=run_id, data=data)


class Events:
    """Reading the event log: in the order things happened (ids only grow)."""

    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def after(
        self,
        after_id: int = 0,
        kinds: list[str] | None = None,
        limit: int = 100,
        since: datetime | None = None,
    ) -> list[EventRecord]:
        """Events after ``after_id`` (and created at or after ``since``), oldest first."""
        with self._tx() as s:
            q = (
                select(Event, Source.name)
                .outerjoin(Source, Source.id == Event.source_id)
                .where(Event.id > after_id)
                .order_by(Event.id)
                .limit(limit)
            )
            if kinds:
                q = q.where(Event.kind.in_(kinds))
            if since is not None:
                q = q.where(Event.created_at >= since)
            return [
                EventRecord(e.id, e.kind, e.created_at, e.article_id, name or "", dict(e.data or {}))
                for e, name in s.execute(q)
            ]

    def max_id(self) -> int:
        with self._tx() as s:
            return _max_id(s)


def _max_id(s: Session) -> int:
    value: Any = s.scalar(select(func.max(Event.id)))
    return int(value or 0)
