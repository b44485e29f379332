"""Crawls: sources, runs and their errors, source health, HTTP validators, site templates, and
the small named state (the passes' cursors)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huunghi.storage import health, leases
from huunghi.storage.events import source_broken_event, source_recovered_event
from huunghi.storage.models import (
    Article,
    CrawlError,
    CrawlRun,
    HttpValidator,
    SiteTemplate,
    Source,
    State,
    utcnow,
)
from huunghi.storage.records import ErrorSummary, RunSummary
from huunghi.storage.unit import Tx, upsert

log = logging.getLogger("huunghi.archive")


class SourceBusy(RuntimeError):
    """A live run of the source is open: it is being crawled by another process."""

    def __init__(self, owner: str, run_id: int) -> None:
        super().__init__(f"nguồn đang được thu thập bởi {leases.describe(owner)} (run {run_id})")
        self.owner, self.run_id = owner, run_id


def _interrupt(run: CrawlRun, now: datetime) -> None:
    run.status, run.finished_at = "interrupted", now
    run.duration_s = (now - run.started_at).total_seconds()


class Crawls:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def ensure_source(
        self, name: str, title: str = "", homepage: str = "", definition: dict[str, Any] | None = None
    ) -> int:
        """Create or refresh a source row from its configuration; returns its id."""
        for _ in range(2):
            with self._tx.own() as s:
                row = s.scalar(select(Source).where(Source.name == name))
                if row is None:
                    row = Source(name=name, title=title, homepage=homepage, definition=definition or {})
                    s.add(row)
                else:
                    row.title, row.homepage = title or row.title, homepage or row.homepage
                    row.definition = definition if definition is not None else row.definition
                try:
                    s.commit()
                    return row.id
                except IntegrityError:  # another process created it first
                    s.rollback()
        raise RuntimeError(f"could not create source {name!r}")

    def source_id(self, name: str) -> int | None:
        with self._tx() as s:
            return s.scalar(select(Source.id).where(Source.name == name))

    # -- crawl runs ----------------------------------------------------------------------
    def start_run(self, source_id: int, owner: str | None = None) -> int:
        """Open a run of the source, leased to this process; SourceBusy when a live run of the
        source is open (one crawl of a source at a time, across processes and machines)."""
        owner = owner or leases.me()
        with self._tx() as s:
            # a write first: it serialises the check below per source (PostgreSQL's row lock,
            # SQLite's write lock), so two processes cannot both find the source free
            s.execute(update(Source).where(Source.id == source_id).values(name=Source.name))
            now = utcnow()
            for run in s.scalars(
                select(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.status == "running")
            ):
                if not leases.stale(run.owner, run.heartbeat_at, run.started_at, now):
                    raise SourceBusy(run.owner, run.id)
                _interrupt(run, now)
            run = CrawlRun(
                source_id=source_id, started_at=now, status="running", owner=owner, heartbeat_at=now
            )
            s.add(run)
            self._tx.commit(s)
            return run.id

    def beat(self, run_id: int) -> bool:
        """The run's process is alive; False when the run was closed meanwhile."""
        with self._tx() as s:
            done = s.execute(
                update(CrawlRun)
                .where(CrawlRun.id == run_id, CrawlRun.status == "running")
                .values(heartbeat_at=utcnow())
            )
            self._tx.commit(s)
            return bool(getattr(done, "rowcount", 0))

    def busy(self, source: str) -> str | None:
        """The owner of a live run of the source, if one is open."""
        now = utcnow()
        with self._tx() as s:
            for run in s.scalars(
                select(CrawlRun).join(Source).where(Source.name == source, CrawlRun.status == "running")
            ):
                if not leases.stale(run.owner, run.heartbeat_at, run.started_at, now):
                    return run.owner
        return None

    def record_error(self, run_id: int, url: str, kind: str, reason: str, severity: str = "error") -> None:
        """Keep a failure where an operator sees it; warnings are repaired problems."""
        with self._tx() as s:
            s.add(CrawlError(run_id=run_id, url=url[:2000], kind=kind, reason=reason, severity=severity))
            if severity == "error":
                s.execute(
                    update(CrawlRun).where(CrawlRun.id == run_id).values(error_count=CrawlRun.error_count + 1)
                )
            self._tx.commit(s)

    def finish_run(
        self, run_id: int, pages_fetched: int, status: str | None = None, stats: dict[str, int] | None = None
    ) -> RunSummary:
        """Close a run; ``stats`` is what the crawl saw besides what it stored (known links
        skipped, feeds answering 304, ...), so a quiet re-crawl is not taken for a broken one."""
        with self._tx() as s:
            run = s.get(CrawlRun, run_id)
            if run is None:
                raise KeyError(run_id)
            if run.status != "running":
                # closed already (marked interrupted by a restarted daemon): an orphan must not rewrite it
                return run_summary(run, with_errors=True)
            run.finished_at = utcnow()
            run.pages_fetched = pages_fetched
            run.duration_s = (run.finished_at - run.started_at).total_seconds()
            run.stats = dict(stats or {})
            stored = run.articles_new + run.articles_updated + run.articles_unchanged
            previous = s.scalar(
                select(CrawlRun.status)
                .where(
                    CrawlRun.source_id == run.source_id,
                    CrawlRun.id < run.id,
                    CrawlRun.status.not_in(("running", "interrupted")),
                )
                .order_by(CrawlRun.id.desc())
                .limit(1)
            )
            run.status = status or health.run_status(run.error_count, stored, run.stats, previous)
            s.flush()
            _health_event(s, run)
            self._tx.commit(s)
            return run_summary(run, with_errors=True)

    def assess_source(self, name: str, now: datetime | None = None) -> health.Health:
        """The health of one source, as ``huunghi status``, the web page and digests show it."""
        with self._tx() as s:
            source_id = s.scalar(select(Source.id).where(Source.name == name))
            return _assess(s, source_id, now or utcnow()) if source_id else health.Health("never run")

    def source_health(self, now: datetime | None = None) -> dict[str, dict[str, Any]]:
        """Per source: last run, its status, consecutive failed runs, stored articles, and its
        health (``health.assess``: state, code, reason in Vietnamese, failing URL)."""
        out: dict[str, dict[str, Any]] = {}
        now = now or utcnow()
        with self._tx() as s:
            counts = dict(
                s.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all()
            )
            for src in s.scalars(select(Source)):
                runs = s.scalars(
                    select(CrawlRun)
                    .where(CrawlRun.source_id == src.id, CrawlRun.status != "running")
                    .order_by(CrawlRun.id.desc())
                    .limit(20)
                ).all()
                failures = 0
                for run in runs:
                    if run.status == "interrupted":
                        continue  # stopped by us, not a failure of the source
                    if run.status != "failed":
                        break
                    failures += 1
                verdict = _assess(s, src.id, now)
                out[src.name] = {
                    "last_run": runs[0].started_at if runs else None,
                    "last_status": runs[0].status if runs else None,
                    "consecutive_failures": failures,
                    "articles": counts.get(src.id, 0),
                    "title": src.title,
                    "health": verdict.state,
                    "code": verdict.code,
                    "reason": health.describe(verdict.code, verdict.params) if verdict.code else "",
                    "params": verdict.params,
                    "url": verdict.url,
                    "stats": (runs[0].stats or {}) if runs else {},
                }
        return out

    def interrupt_stale_runs(self, source: str | None = None, older_than_s: float | None = None) -> int:
        """Runs still "running" that no process finishes any more (a crash, a kill): "interrupted".
        A run whose process lives and beats is left alone (``leases``), whoever asks.

        ``older_than_s``: also runs started that long ago (a crawl never outlives its deadline)."""
        now = utcnow()
        with self._tx() as s:
            q = select(CrawlRun).where(CrawlRun.status == "running")
            if source:
                q = q.where(
                    CrawlRun.source_id == select(Source.id).where(Source.name == source).scalar_subquery()
                )
            runs = s.scalars(q).all()
            if not runs:
                return 0
            overdue = now - timedelta(seconds=older_than_s) if older_than_s is not None else None
            stale = [
                run
                for run in runs
                if leases.stale(run.owner, run.heartbeat_at, run.started_at, now)
                or (overdue is not None and run.started_at < overdue)
            ]
            for run in stale:
                _interrupt(run, now)
            self._tx.commit(s)
            return len(stale)

    def run(self, run_id: int) -> RunSummary:
        with self._tx() as s:
            run = s.get(CrawlRun, run_id)
            if run is None:
                raise KeyError(run_id)
            return run_summary(run, with_errors=True)

    def runs(self, limit: int = 20, source: str | None = None) -> list[RunSummary]:
        with self._tx() as s:
            q = select(CrawlRun).join(Source).order_by(CrawlRun.id.desc()).limit(limit)
            if source:
                q = q.where(Source.name == source)
            return [run_summary(r, with_errors=True) for r in s.scalars(q)]

    # -- conditional GET ---------------------------------------------------------------------
    def validators(self, url: str) -> tuple[str, str] | None:
        with self._tx() as s:
            row = s.get(HttpValidator, url[:2000])
            return (row.etag, row.last_modified) if row else None

    def put_validators(self, url: str, etag: str, last_modified: str) -> None:
        with self._tx.own() as s:
            row = s.get(HttpValidator, url[:2000])
            if row is None:
                s.add(
                    HttpValidator(
                        url=url[:2000],
                        etag=etag[:300],
                        last_modified=last_modified[:100],
                        updated_at=utcnow(),
                    )
                )
            else:
                row.etag, row.last_modified, row.updated_at = etag[:300], last_modified[:100], utcnow()
            try:
                s.commit()
            except IntegrityError:  # saved by a concurrent crawl: theirs is as good
                s.rollback()

    # -- state (cursors of the passes) -----------------------------------------------------
    def get_state(self, name: str, default: str = "") -> str:
        with self._tx() as s:
            row = s.get(State, name)
            return row.value if row else default

    def set_state(self, name: str, value: str) -> None:
        """One upsert: safe against a concurrent writer, and inside a unit of work."""
        with self._tx() as s:
            s.execute(
                upsert(s, State)
                .values(name=name, value=value)
                .on_conflict_do_update(index_elements=["name"], set_={"value": value})
            )
            self._tx.commit(s)

    def load_template(self, host: str) -> str | None:
        with self._tx() as s:
            row = s.get(SiteTemplate, host)
            return row.model if row else None

    def save_template(self, host: str, model: str, pages: int, run_id: int | None = None) -> bool:
        """Save a site's learned template; False (nothing written) when ``run_id``, the crawl that
        learned it, no longer holds its source's lease: a crawl closed as interrupted while
        another may be at work on the source must not write over what that one learns.

        Checked in the transaction that writes: the template is written first (SQLite's write
        lock, or the row's lock), then the run read for update, so no one closes the run between
        the check and the commit. ``run_id`` None: not a crawl (a re-extraction by the operator)."""
        for attempt in range(3):
            with self._tx.own() as s:
                row = s.get(SiteTemplate, host)
                if row is None:
                    s.add(SiteTemplate(host=host, model=model, pages=pages, updated_at=utcnow()))
                else:
                    row.model, row.pages, row.updated_at = model, pages, utcnow()
                try:
                    s.flush()
                    if run_id is not None and not _holds_lease(s, run_id):
                        s.rollback()
                        log.warning(
                            "không lưu mẫu trang %s: lượt thu thập %s không còn giữ nguồn "
                            "(template of %s not saved: run %s no longer holds its source)",
                            host,
                            run_id,
                            host,
                            run_id,
                        )
                        return False
                    s.commit()
                    return True
                except IntegrityError:  # another crawl saved it first: write over it
                    s.rollback()
                    if attempt == 2:
                        raise
        return False

    def templates(self) -> list[tuple[str, int, datetime, str]]:
        """(host, pages learned, last saved, model) of every stored site template."""
        with self._tx() as s:
            return [
                (t.host, t.pages, t.updated_at, t.model)
                for t in s.scalars(select(SiteTemplate).order_by(SiteTemplate.host))
            ]


def _holds_lease(s: Session, run_id: int) -> bool:
    """Whether the run is open and live (its process beats), its row locked to the commit."""
    run = s.scalar(select(CrawlRun).where(CrawlRun.id == run_id).with_for_update())
    if run is None or run.status != "running":
        return False
    return not leases.stale(run.owner, run.heartbeat_at, run.started_at, utcnow())


def _facts(s: Session, run: CrawlRun) -> health.RunFacts:
    unread = (
        s.scalar(
            select(func.count())
            .select_from(CrawlError)
            .where(CrawlError.run_id == run.id, CrawlError.kind == "not-article")
        )
        or 0
    )
    url = (
        s.scalar(
            select(CrawlError.url)
            .where(CrawlError.run_id == run.id, CrawlError.severity == "error")
            .order_by(CrawlError.id)
            .limit(1)
        )
        or ""
    )
    return health.RunFacts(
        run.id,
        run.status,
        run.articles_new + run.articles_updated + run.articles_unchanged,
        run.error_count,
        unread,
        dict(run.stats or {}),
        url,
    )


def _assess(s: Session, source_id: int, now: datetime) -> health.Health:
    """``health.assess`` over what the archive knows of one source."""
    runs = s.scalars(
        select(CrawlRun)
        .where(CrawlRun.source_id == source_id, CrawlRun.status.not_in(("running", "interrupted")))
        .order_by(CrawlRun.id.desc())
        .limit(health.HISTORY)
    ).all()
    dates = list(
        s.scalars(
            select(func.coalesce(Article.published_at, Article.first_seen))
            .where(Article.source_id == source_id)
            .order_by(func.coalesce(Article.published_at, Article.first_seen).desc())
            .limit(health.RHYTHM_SAMPLE)
        )
    )
    last_new = s.scalar(select(func.max(Article.first_seen)).where(Article.source_id == source_id))
    return health.assess([_facts(s, r) for r in runs], [d for d in dates if d is not None], last_new, now)


def _health_event(s: Session, run: CrawlRun) -> None:
    """One "source broken" event when a source turns broken (not one per bad run); the state
    kept per source ends the streak when it is healthy again, with one "source recovered"."""
    verdict = _assess(s, run.source_id, utcnow())
    key = f"health.{run.source_id}"
    row = s.get(State, key)
    was_broken = bool(row and row.value)
    was_code = row.value if row else ""
    if row is None:
        row = State(name=key, value="")
        s.add(row)
    row.value = verdict.code if verdict.broken else ""
    if verdict.broken and not was_broken:
        s.add(
            source_broken_event(
                run.source_id,
                run.id,
                health.describe(verdict.code, verdict.params),
                code=verdict.code,
                params=verdict.params,
                url=verdict.url,
            )
        )
    elif was_broken and verdict.state == "ok":
        s.add(source_recovered_event(run.source_id, run.id, health.RECOVERED["vi"], code=was_code))


def run_summary(run: CrawlRun, with_errors: bool) -> RunSummary:
    errors = [ErrorSummary(e.url, e.kind, e.reason, e.severity) for e in run.errors] if with_errors else []
    return RunSummary(
        id=run.id,
        source=run.source.name,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        pages_fetched=run.pages_fetched,
        articles_new=run.articles_new,
        articles_updated=run.articles_updated,
        articles_unchanged=run.articles_unchanged,
        error_count=run.error_count,
        duration_s=run.duration_s,
        errors=errors,
    )
