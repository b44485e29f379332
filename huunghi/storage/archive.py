"""The archive: one database (SQLite file or PostgreSQL), migrated on open, seen through parts.

``Archive`` is a thin façade, like Scrapy's ``Crawler``: it owns the engine and hands out one
part per concern, each its own module:

    archive.articles  identity, versions, raw pages, re-extraction, visit plans, storing
    archive.stories   story placement (with ``clusters``) and a story's articles
    archive.events    the event log (kinds and payloads: ``storage.events``)
    archive.crawls    sources, runs, errors, health, HTTP validators, site templates, state
    archive.outbox    alert deliveries and digests: plan once, claim once, settle
    archive.reads     the read models of the CLI and the web page
    archive.search()  full-text search (``storage.search``)

Every call is its own transaction; ``with archive.unit() as uow:`` gives the same parts bound
to one transaction, for a service that does many small operations. Callers get the dataclasses
of ``storage.records``, never live ORM rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from huunghi.storage.articles import Articles
from huunghi.storage.crawls import Crawls, SourceBusy
from huunghi.storage.db import make_engine, upgrade
from huunghi.storage.events import Events
from huunghi.storage.outbox import Outbox
from huunghi.storage.reads import Reads
from huunghi.storage.records import (  # the boundary types, importable from here too
    ArticleRecord,
    ArticleSummary,
    DeliveryRecord,
    DigestRecord,
    ErrorSummary,
    EventRecord,
    RawPageRecord,
    RunSummary,
    SourceOverview,
    StoreOutcome,
)
from huunghi.storage.search.engine import SearchQuery, SearchResult, search
from huunghi.storage.stories import Stories
from huunghi.storage.unit import Tx

__all__ = [
    "Archive",
    "SourceBusy",
    "Unit",
    "ArticleRecord",
    "ArticleSummary",
    "DeliveryRecord",
    "DigestRecord",
    "ErrorSummary",
    "EventRecord",
    "RawPageRecord",
    "RunSummary",
    "SourceOverview",
    "StoreOutcome",
]


log = logging.getLogger("huunghi.archive")


class Parts:
    """The per-concern parts over one way of running transactions."""

    def __init__(self, tx: Tx) -> None:
        self.articles = Articles(tx)
        self.stories = Stories(tx)
        self.events = Events(tx)
        self.crawls = Crawls(tx)
        self.outbox = Outbox(tx)
        self.reads = Reads(tx)


class Unit(Parts):
    """A unit of work: the archive's parts on one session, committed once at the end (or rolled
    back if the block raises)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.session = sessions()
        super().__init__(Tx(sessions, self.session))


class Archive(Parts):
    """One archive database, migrated to the newest schema on open."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        super().__init__(Tx(self._sessions))
        self._close_stale_runs()

    def _close_stale_runs(self) -> None:
        """Any command that opens the archive closes the runs whose process died (a killed
        crawl), so none shows "running" for ever; live ones are left alone (``leases``)."""
        try:
            closed = self.crawls.interrupt_stale_runs()
        except SQLAlchemyError as exc:  # a read-only role, a locked file: reading must still work
            log.warning("could not close stale crawl runs: %s", exc)
            return
        if closed:
            log.warning("%d crawl runs left 'running' by a process that is gone: marked interrupted", closed)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def unit(self) -> Iterator[Unit]:
        """Many operations, one transaction: ``with archive.unit() as uow: uow.events.after(...)``."""
        unit = Unit(self._sessions)
        try:
            yield unit
            unit.session.commit()
        except BaseException:
            unit.session.rollback()
            raise
        finally:
            unit.session.close()

    def search(self, query: SearchQuery, budget_ms: int | None = None) -> SearchResult:
        """Full-text search with filters; the same results on SQLite and PostgreSQL (storage.search);
        ``budget_ms``: stopped past that time (``SearchTimeout``)."""
        return search(self, query, budget_ms)
