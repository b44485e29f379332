"""The outbox: what is to be sent (alert deliveries, composed digests), planned once, claimed
once, settled — one claim and one retry policy for both queues.

- plan: a unique key makes a second planning a no-op (restarts, two daemons).
- claim: due rows go pending → sending by compare-and-set, so one sender has each; a row left
  "sending" by a sender that died is released after ``stale_after_s``.
- settle: sent; or pending again after a backoff; or failed for good after RETRY.max_attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from huunghi.storage.models import Delivery, Digest, DigestStory, Event, Source, utcnow
from huunghi.storage.records import DeliveryRecord, DigestRecord
from huunghi.storage.unit import Tx, insert_once

STALE_AFTER_S = 900


@dataclass(frozen=True)
class RetryPolicy:
    """How often a failed send is tried again, and how long it waits: 30 s, 1 min, 2 min, …
    capped at ``cap_s``; after ``max_attempts`` failures it is failed for good."""

    max_attempts: int = 8
    first_s: int = 30
    cap_s: int = 3600

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.first_s * 2 ** max(attempts - 1, 0), self.cap_s))


RETRY = RetryPolicy()

Row = TypeVar("Row", Delivery, Digest)
Claimed = TypeVar("Claimed")


class Queue(Generic[Row, Claimed]):
    """One table of things to send, with the claim and the settling every queue shares."""

    table: type[Row]

    def __init__(self, tx: Tx, retry: RetryPolicy = RETRY) -> None:
        self._tx = tx
        self.retry = retry

    def claim(self, now: datetime, limit: int = 200, stale_after_s: int = STALE_AFTER_S) -> list[Claimed]:
        """Due rows, each claimed by one sender only (pending → sending, compare-and-set)."""
        t = self.table
        with self._tx.own() as s:
            stale = now - timedelta(seconds=stale_after_s)
            s.execute(
                update(t).where(t.status == "sending", t.next_attempt_at < stale).values(status="pending")
            )
            s.commit()
            ids = list(
                s.scalars(
                    select(t.id)
                    .where(t.status == "pending", t.next_attempt_at <= now)
                    .order_by(t.id)
                    .limit(limit)
                )
            )
            claimed = [
                i
                for i in ids
                # an UPDATE's result is a CursorResult (Session.execute is typed as returning Result)
                if cast(
                    CursorResult[Any],
                    s.execute(
                        update(t)
                        .where(t.id == i, t.status == "pending")
                        .values(status="sending", next_attempt_at=now)
                    ),
                ).rowcount
                == 1
            ]
            s.commit()
            return self._records(s, claimed) if claimed else []

    def _records(self, s: Session, ids: list[int]) -> list[Claimed]:
        raise NotImplementedError

    def sent(self, row_id: int) -> None:
        self._settle(row_id, "sent", "", None, count_attempt=True)

    def failed(self, row_id: int, error: str, now: datetime) -> bool:
        """A send attempt failed: retried after the backoff, or failed for good (True) once it
        has failed ``retry.max_attempts`` times."""
        return self._settle(row_id, "retry", error, now, count_attempt=True)

    def defer(self, row_id: int, reason: str, until: datetime) -> None:
        """Not tried (its endpoint failed earlier in this pass): pending until ``until``, no
        attempt counted."""
        self._settle(row_id, "defer", reason, until, count_attempt=False)

    def give_up(self, row_id: int, reason: str) -> None:
        """Failed for good without trying (its subscription is gone)."""
        self._settle(row_id, "failed", reason, None, count_attempt=True)

    def _settle(self, row_id: int, how: str, error: str, when: datetime | None, count_attempt: bool) -> bool:
        with self._tx() as s:
            row = s.get(self.table, row_id)
            if row is None:
                return False
            if count_attempt:
                row.attempts += 1
            if how == "retry" and row.attempts >= self.retry.max_attempts:
                how = "failed"
            if how == "sent":
                row.status, row.sent_at, row.last_error = "sent", utcnow(), ""
            elif how == "failed":
                row.status, row.last_error = "failed", error[:2000]
            else:
                assert when is not None
                until = when + self.retry.backoff(row.attempts) if how == "retry" else when
                row.status, row.next_attempt_at, row.last_error = "pending", until, error[:2000]
            self._tx.commit(s)
            return how == "failed"


class Deliveries(Queue[Delivery, DeliveryRecord]):
    """One alert (event × subscription × channel)."""

    table = Delivery

    def plan(self, event_id: int, subscription: str, channel: str) -> bool:
        """Plan one delivery; False when it was planned before (the unique key makes it once)."""
        with self._tx() as s:
            row = dict(
                event_id=event_id,
                subscription=subscription,
                channel=channel,
                status="pending",
                attempts=0,
                next_attempt_at=utcnow(),
                last_error="",
            )
            planned = insert_once(s, Delivery, row, key=["event_id", "subscription", "channel"])
            self._tx.commit(s)
            return planned

    def _records(self, s: Session, ids: list[int]) -> list[DeliveryRecord]:
        rows = s.execute(
            select(Delivery, Event, Source.name)
            .join(Event, Event.id == Delivery.event_id)
            .outerjoin(Source, Source.id == Event.source_id)
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.id)
        )
        return [
            DeliveryRecord(
                d.id,
                d.event_id,
                d.subscription,
                d.channel,
                d.attempts,
                e.kind,
                e.article_id,
                dict(e.data or {}),
                name or "",
                e.created_at,
            )
            for d, e, name in rows
        ]

    def listing(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        with self._tx() as s:
            q = (
                select(Delivery, Event.kind)
                .join(Event, Event.id == Delivery.event_id)
                .order_by(Delivery.id.desc())
            )
            if status:
                q = q.where(Delivery.status == status)
            return [
                {
                    "id": d.id,
                    "event_id": d.event_id,
                    "event": kind,
                    "subscription": d.subscription,
                    "channel": d.channel,
                    "status": d.status,
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                    "sent_at": d.sent_at,
                    "next_attempt_at": d.next_attempt_at,
                }
                for d, kind in s.execute(q.limit(limit))
            ]


class Digests(Queue[Digest, DigestRecord]):
    """One composed digest message per subscription and scheduled time."""

    table = Digest

    def plan(
        self,
        name: str,
        due_at: datetime,
        from_event: int,
        to_event: int,
        subject: str,
        message: bytes,
        stories: list[int],
        status: str = "pending",
    ) -> bool:
        """Keep a composed digest and the stories it carries; False if this one was composed already.

        An empty period that sends nothing is kept as "skipped", so the next digest starts after it.
        """
        with self._tx.own() as s:
            s.add(
                Digest(
                    name=name,
                    due_at=due_at,
                    from_event=from_event,
                    to_event=to_event,
                    composed_at=utcnow(),
                    subject=subject,
                    message=message,
                    stories=stories,
                    status=status,
                    attempts=0,
                    next_attempt_at=due_at,
                    last_error="",
                )
            )
            s.add_all(DigestStory(name=name, story_id=sid) for sid in set(stories))
            return self._tx.commit_once(s)

    def last(self, name: str) -> tuple[datetime, int] | None:
        """(scheduled time, last event covered) of the newest digest composed for ``name``."""
        with self._tx() as s:
            row = s.execute(
                select(Digest.due_at, Digest.to_event)
                .where(Digest.name == name)
                .order_by(Digest.due_at.desc())
                .limit(1)
            ).first()
            return (row[0], row[1]) if row else None

    def story_ids(self, name: str) -> set[int]:
        """The stories the digests of ``name`` have carried (a story is sent in one digest)."""
        with self._tx() as s:
            return set(s.scalars(select(DigestStory.story_id).where(DigestStory.name == name)))

    def _records(self, s: Session, ids: list[int]) -> list[DigestRecord]:
        rows = s.execute(
            select(Digest.id, Digest.name, Digest.message, Digest.attempts)
            .where(Digest.id.in_(ids))
            .order_by(Digest.id)
        )
        return [DigestRecord(r[0], r[1], r[2], r[3]) for r in rows]

    def listing(self, name: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        with self._tx() as s:
            q = select(Digest).order_by(Digest.due_at.desc(), Digest.id.desc()).limit(limit)
            if name:
                q = q.where(Digest.name == name)
            return [
                {
                    "id": d.id,
                    "name": d.name,
                    "due_at": d.due_at,
                    "events": [d.from_event, d.to_event],
                    "subject": d.subject,
                    "stories": len(d.stories or []),
                    "status": d.status,
                    "attempts": d.attempts,
                    "sent_at": d.sent_at,
                    "last_error": d.last_error,
                }
                for d in s.scalars(q)
            ]


class Outbox:
    """Both queues, under one retry policy."""

    def __init__(self, tx: Tx, retry: RetryPolicy = RETRY) -> None:
        self.deliveries = Deliveries(tx, retry)
        self.digests = Digests(tx, retry)
