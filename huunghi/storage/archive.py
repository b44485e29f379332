"""The archive repository: idempotent article upserts, versions, crawl runs and their errors.

Callers get plain dataclasses back, never live ORM objects, so no session leaks out of
``storage`` and the same calls work from the crawler, the CLI and (later) the web page.
"""

from __future__ import annotations

import enum
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Iterator

from sqlalchemy import and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, sessionmaker

from huunghi.clock import HANOI
from huunghi.storage.db import make_engine, upgrade
from huunghi.storage import clusters
from huunghi.storage.search import index as searchindex
from huunghi.text.diff import word_diff
from huunghi.storage.models import (
    Article, ArticleTag, ArticleURL, ArticleVersion, CrawlError, CrawlRun, Delivery, Digest, DigestStory, Event,
    HttpValidator, RawPage, SiteTemplate, Source, State, Story, StoryBand, utcnow,
)
from huunghi.text.normalize import content_hash

if TYPE_CHECKING:
    from huunghi.storage.search.engine import SearchQuery, SearchResult


@dataclass
class ArticleRecord:
    """An extracted article on its way into the archive."""

    url: str
    title: str
    lead: str = ""
    body_text: str = ""
    body_html: str = ""
    published_at: datetime | None = None
    author: str = ""
    credit: str = ""
    section: str = ""
    language: str = ""
    updated_at: datetime | None = None
    images: list[dict[str, str]] = field(default_factory=list)
    extraction: str = ""
    raw_html: str | None = None  # the page as fetched, kept compressed for re-extraction
    url_key: str = ""  # the article's identity (crawler.urls.url_key); default: the URL without scheme
    minhash: bytes | None = None  # MinHash signature (uint32 array) of its 3-word shingles
    shingles: int = 0  # how many distinct shingles it has
    bands: list[str] = field(default_factory=list)  # LSH band keys of the signature
    tags: list[tuple[str, str]] = field(default_factory=list)  # (kind, value): province, country, org
    revisit_after: list[int] = field(default_factory=list)  # seconds after first seen to fetch it again

    def identity(self) -> str:
        return self.url_key or re.sub(r"^[a-z]+://(www\.)?", "", self.url)

    # (key of the hashed fields, content hash, body hash), computed where the page was read
    sealed: tuple[int, str, str] | None = field(default=None, repr=False, compare=False)

    def content_hash(self) -> str:
        """What decides "changed": title, lead, body and date, normalised (never sidebars)."""
        if self.sealed is not None and self.sealed[0] == self._key():
            return self.sealed[1]
        when = self.published_at.isoformat() if self.published_at else ""
        return content_hash(self.title, self.lead, self.body_text, when)

    def body_hash(self) -> str:
        """The body alone, normalised: an unknown URL with a known body is an alias."""
        if self.sealed is not None and self.sealed[0] == self._key():
            return self.sealed[2]
        return content_hash(self.body_text)

    def seal(self) -> "ArticleRecord":
        """Compute both hashes now: the crawl reads pages in a worker process and stores them
        in another, so the normalising (a millisecond an article) is done by the reader. A
        field changed afterwards makes the hashes be computed again."""
        self.sealed = None
        self.sealed = (self._key(), self.content_hash(), self.body_hash())
        return self

    def _key(self) -> int:
        return hash((self.title, self.lead, self.body_text, self.published_at))


MAX_CANDIDATES = 500  # the newest sharers of a band in the window; a bound on one placement's cost
MIN_DEDUP_BODY = 200  # shorter bodies (stubs, notices) are too alike to merge by content alone


@dataclass
class EventRecord:
    id: int
    kind: str
    created_at: datetime
    article_id: int | None
    source: str
    data: dict[str, Any]


@dataclass
class DeliveryRecord:
    id: int
    event_id: int
    subscription: str
    channel: str
    attempts: int
    kind: str
    article_id: int | None
    data: dict[str, Any]


@dataclass
class RawPageRecord:
    article_id: int
    url: str
    source: str
    fetched_at: datetime
    html: str


class StoreOutcome(str, enum.Enum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class RunSummary:
    id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    pages_fetched: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    error_count: int
    duration_s: float | None
    errors: list["ErrorSummary"] = field(default_factory=list)


@dataclass
class ErrorSummary:
    url: str
    kind: str
    reason: str
    severity: str


@dataclass
class SourceOverview:
    name: str
    title: str
    homepage: str
    articles: int
    last_run: RunSummary | None


@dataclass
class ArticleSummary:
    id: int
    source: str
    url: str
    title: str
    lead: str
    body_text: str
    published_at: datetime | None
    author: str
    credit: str
    section: str
    language: str
    versions: int
    first_seen: datetime
    last_seen: datetime
    updated_at: datetime | None = None
    images: list[dict[str, str]] = field(default_factory=list)
    extraction: str = ""
    story_id: int | None = None
    removed_at: datetime | None = None


class Archive:
    """One archive database (SQLite file or PostgreSQL), migrated to the newest schema on open."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def session(self) -> Session:
        return self._sessions()

    # -- sources -------------------------------------------------------------------------
    def ensure_source(self, name: str, title: str = "", homepage: str = "",
                      definition: dict[str, Any] | None = None) -> int:
        """Create or refresh a source row from its configuration; returns its id."""
        for _ in range(2):
            with self.session() as s:
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
        with self.session() as s:
            return s.scalar(select(Source.id).where(Source.name == name))

    # -- crawl runs ----------------------------------------------------------------------
    def start_run(self, source_id: int) -> int:
        with self.session() as s:
            run = CrawlRun(source_id=source_id, started_at=utcnow(), status="running")
            s.add(run)
            s.commit()
            return run.id

    def record_error(self, run_id: int, url: str, kind: str, reason: str, severity: str = "error") -> None:
        """Keep a failure where an operator sees it; warnings are repaired problems."""
        with self.session() as s:
            s.add(CrawlError(run_id=run_id, url=url[:2000], kind=kind, reason=reason, severity=severity))
            if severity == "error":
                s.execute(update(CrawlRun).where(CrawlRun.id == run_id)
                          .values(error_count=CrawlRun.error_count + 1))
            s.commit()

    def finish_run(self, run_id: int, pages_fetched: int, status: str | None = None) -> RunSummary:
        with self.session() as s:
            run = s.get(CrawlRun, run_id)
            if run is None:
                raise KeyError(run_id)
            if run.status != "running":
                # closed already (marked interrupted by a restarted daemon): an orphan must not rewrite it
                return self.run(run_id)
            run.finished_at = utcnow()
            run.pages_fetched = pages_fetched
            run.duration_s = (run.finished_at - run.started_at).total_seconds()
            stored = run.articles_new + run.articles_updated + run.articles_unchanged
            run.status = status or ("ok" if not run.error_count else "partial" if stored else "failed")
            _health_event(s, run)
            s.commit()
        return self.run(run_id)

    def source_health(self) -> dict[str, dict[str, Any]]:
        """Per source: last run, its status, consecutive failed runs, stored articles."""
        out: dict[str, dict[str, Any]] = {}
        with self.session() as s:
            counts = dict(s.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all())
            for src in s.scalars(select(Source)):
                runs = s.scalars(select(CrawlRun).where(CrawlRun.source_id == src.id, CrawlRun.status != "running")
                                 .order_by(CrawlRun.id.desc()).limit(20)).all()
                failures = 0
                for run in runs:
                    if run.status == "interrupted":
                        continue  # stopped by us, not a failure of the source
                    if run.status != "failed":
                        break
                    failures += 1
                out[src.name] = {"last_run": runs[0].started_at if runs else None,
                                 "last_status": runs[0].status if runs else None,
                                 "consecutive_failures": failures, "articles": counts.get(src.id, 0)}
        return out

    def interrupt_stale_runs(self, source: str | None = None, older_than_s: float | None = None) -> int:
        """Runs still "running" that no process finishes any more (a crash, a kill): "interrupted".

        ``older_than_s``: only runs started that long ago (a crawl never outlives its deadline)."""
        now = utcnow()
        with self.session() as s:
            q = select(CrawlRun).where(CrawlRun.status == "running")
            if older_than_s is not None:
                q = q.where(CrawlRun.started_at < now - timedelta(seconds=older_than_s))
            if source:
                q = q.where(CrawlRun.source_id == select(Source.id).where(Source.name == source).scalar_subquery())
            stale = s.scalars(q).all()
            for run in stale:
                run.status, run.finished_at = "interrupted", now
                run.duration_s = (now - run.started_at).total_seconds()
            s.commit()
            return len(stale)

    def run(self, run_id: int) -> RunSummary:
        with self.session() as s:
            run = s.get(CrawlRun, run_id)
            if run is None:
                raise KeyError(run_id)
            return _run_summary(run, with_errors=True)

    def runs(self, limit: int = 20, source: str | None = None) -> list[RunSummary]:
        with self.session() as s:
            q = select(CrawlRun).join(Source).order_by(CrawlRun.id.desc()).limit(limit)
            if source:
                q = q.where(Source.name == source)
            return [_run_summary(r, with_errors=True) for r in s.scalars(q)]

    # -- articles ------------------------------------------------------------------------
    def store_article(self, source_id: int, rec: ArticleRecord, run_id: int | None = None) -> StoreOutcome:
        """Insert or update by URL identity; a new version (and event) only when the content hash moves.

        An unknown URL whose body is already stored for this source is an alias of that article
        (a mirror, a print view, a re-published URL), not a new one.
        """
        for attempt in range(3):
            try:
                return self._store(source_id, [rec], run_id)[0]
            except IntegrityError:  # a concurrent writer inserted the same URL: update it
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def store_articles(self, source_id: int, recs: list[ArticleRecord],
                       run_id: int | None = None) -> list[StoreOutcome | Exception]:
        """``store_article`` for several articles in one transaction: a crawl hands its articles
        over in small batches, one commit instead of one per article. If any of them fails, the
        batch is stored again one article per transaction, and the one that failed gets its
        exception in its place: one bad article never costs the others."""
        if not recs:
            return []
        try:
            return list(self._store(source_id, recs, run_id))
        except Exception:
            return [self._one(source_id, rec, run_id) for rec in recs]

    def _one(self, source_id: int, rec: ArticleRecord, run_id: int | None) -> StoreOutcome | Exception:
        try:
            return self.store_article(source_id, rec, run_id)
        except Exception as exc:
            return exc

    def _store(self, source_id: int, recs: list[ArticleRecord], run_id: int | None) -> list[StoreOutcome]:
        outcomes: list[StoreOutcome] = []
        with self.session() as s:
            for rec in recs:
                outcome, article_id = self._upsert(s, source_id, rec, rec.content_hash(), run_id)
                # the raw page kept is the one the stored version was read from: a re-crawl that
                # changes nothing does not rewrite tens of kilobytes
                if rec.raw_html and (outcome is not StoreOutcome.UNCHANGED
                                     or s.scalar(_HAS_RAW, {"article_id": article_id}) is None):
                    raw = zlib.compress(rec.raw_html.encode("utf-8", "surrogatepass"), 6)
                    _put_raw(s, article_id, rec.url, raw, len(rec.raw_html))
                outcomes.append(outcome)
            if run_id is not None:
                counts = {column.key: column + sum(o is outcome for o in outcomes)
                          for outcome, column in ((StoreOutcome.NEW, CrawlRun.articles_new),
                                                  (StoreOutcome.UPDATED, CrawlRun.articles_updated),
                                                  (StoreOutcome.UNCHANGED, CrawlRun.articles_unchanged))
                          if outcome in outcomes}
                s.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(counts))
            s.commit()
        return outcomes

    @staticmethod
    def _find(s: Session, source_id: int, rec: ArticleRecord, key: str, body_hash: str) -> Article | None:
        """The stored article this record is: by identity (its URL key), else by URL, else (an
        unknown URL whose body this source already has: a mirror, a print view) by body, the
        oldest such. One prepared statement, since a crawl asks this for every page it stores."""
        row = s.execute(_FIND, {"key": key, "url": rec.url, "source_id": source_id,
                                "body_hash": body_hash if len(rec.body_text) >= MIN_DEDUP_BODY else None}).first()
        if row is None:
            return None
        art, how_found = row
        if how_found != 0 and s.get(ArticleURL, key) is None:  # a new address of a known article
            s.add(ArticleURL(url_key=key, article_id=art.id, url=rec.url, first_seen=utcnow()))
        return art

    def _upsert(self, s: Session, source_id: int, rec: ArticleRecord, digest: str,
                run_id: int | None) -> tuple[StoreOutcome, int]:
        now = utcnow()
        key = rec.identity()
        body_hash = rec.body_hash()
        art = self._find(s, source_id, rec, key, body_hash)
        fields = _fields(rec)
        if art is None:
            art = Article(source_id=source_id, url=rec.url, content_hash=digest, body_hash=body_hash,
                          version_count=1, first_seen=now, last_seen=now, minhash=rec.minhash,
                          shingles=rec.shingles, **fields)
            art.visits, art.next_visit_at = 0, _next_visit(now, 0, rec.revisit_after)
            s.add(art)
            s.flush()
            s.add(ArticleURL(url_key=key, article_id=art.id, url=rec.url, first_seen=now))
            s.add(_version(art, 1, digest, now, run_id, None))
            _place_in_story(s, art, rec)
            _set_tags(s, art.id, rec.tags)
            _index(s, art, rec.tags)
            s.add(Event(kind="new", created_at=now, article_id=art.id, source_id=source_id, run_id=run_id,
                        data=_event_data(art)))
            return StoreOutcome.NEW, art.id
        art.last_seen = now
        art.removed_at = None
        if art.next_visit_at is not None and art.next_visit_at <= now:  # a scheduled revisit
            art.visits += 1
            art.next_visit_at = _next_visit(art.first_seen, art.visits, rec.revisit_after)
        if art.content_hash == digest:
            # not a new version, but what is not versioned follows the latest reading
            art.updated_at, art.images, art.extraction = rec.updated_at, rec.images, rec.extraction
            return StoreOutcome.UNCHANGED, art.id
        old = {k: getattr(art, k) for k in ("title", "lead", "body_text", "published_at")}
        for name, value in fields.items():
            setattr(art, name, value)
        art.content_hash, art.body_hash = digest, body_hash
        art.minhash, art.shingles = rec.minhash or art.minhash, rec.shingles or art.shingles
        art.version_count += 1
        diff = word_diff(old, fields)
        s.add(_version(art, art.version_count, digest, now, run_id, diff))
        if art.story_id is None:
            _place_in_story(s, art, rec)
        _set_tags(s, art.id, rec.tags)
        _index(s, art, rec.tags)
        s.add(Event(kind="changed", created_at=now, article_id=art.id, source_id=source_id, run_id=run_id,
                    data={**_event_data(art), "version": art.version_count, "diff": diff}))
        return StoreOutcome.UPDATED, art.id

    def visit_plan(self, source: str, now: datetime, limit: int = 2000) -> tuple[set[str], dict[str, str]]:
        """(every known URL identity of the source, {identity: url} of the articles due a revisit)."""
        with self.session() as s:
            source_id = s.scalar(select(Source.id).where(Source.name == source))
            if source_id is None:
                return set(), {}
            known = set(s.scalars(select(ArticleURL.url_key).join(Article, Article.id == ArticleURL.article_id)
                                  .where(Article.source_id == source_id)))
            due_rows = s.execute(select(ArticleURL.url_key, Article.url).join(Article, Article.id == ArticleURL.article_id)
                                 .where(Article.source_id == source_id, Article.next_visit_at <= now,
                                        Article.removed_at.is_(None), ArticleURL.url == Article.url)
                                 .order_by(Article.next_visit_at).limit(limit)).all()
            return known, {k: u for k, u in due_rows}

    def mark_removed(self, source_id: int, url_key: str, reason: str, run_id: int | None = None) -> bool:
        """A known article answered 404/410 or redirected home: one "removed" event, once."""
        with self.session() as s:
            art = s.scalar(select(Article).join(ArticleURL, ArticleURL.article_id == Article.id)
                           .where(ArticleURL.url_key == url_key))
            if art is None or art.removed_at is not None:
                return False
            art.removed_at = utcnow()
            s.add(Event(kind="removed", created_at=art.removed_at, article_id=art.id, source_id=source_id,
                        run_id=run_id, data={**_event_data(art), "reason": reason}))
            s.commit()
            return True

    def known_url(self, url_key: str) -> bool:
        with self.session() as s:
            return s.get(ArticleURL, url_key) is not None

    def search(self, query: "SearchQuery") -> "SearchResult":
        """Full-text search with filters; the same results on SQLite and PostgreSQL (storage.search)."""
        from huunghi.storage.search.engine import search

        return search(self, query)

    # -- events and stories ----------------------------------------------------------------
    def events(self, after_id: int = 0, kinds: list[str] | None = None, limit: int = 100,
               since: datetime | None = None) -> list[EventRecord]:
        """Events in the order they happened (ids only grow), after ``after_id``."""
        with self.session() as s:
            q = (select(Event, Source.name).outerjoin(Source, Source.id == Event.source_id)
                 .where(Event.id > after_id).order_by(Event.id).limit(limit))
            if kinds:
                q = q.where(Event.kind.in_(kinds))
            if since is not None:
                q = q.where(Event.created_at >= since)
            return [EventRecord(e.id, e.kind, e.created_at, e.article_id, name or "", dict(e.data or {}))
                    for e, name in s.execute(q)]

    def story_of(self, article_id: int) -> list[ArticleSummary]:
        """Every article of the story this one belongs to (itself included), oldest first."""
        with self.session() as s:
            story_id = s.scalar(select(Article.story_id).where(Article.id == article_id))
            if story_id is None:
                return []
            rows = s.execute(select(Article, Source.name).join(Source).where(Article.story_id == story_id)
                             .order_by(Article.first_seen, Article.id))
            return [_article_summary(a, name) for a, name in rows]

    def tags(self, article_id: int) -> list[tuple[str, str]]:
        with self.session() as s:
            return [(t.kind, t.value) for t in s.scalars(select(ArticleTag).where(ArticleTag.article_id == article_id)
                                                         .order_by(ArticleTag.kind, ArticleTag.value))]

    # -- conditional GET ---------------------------------------------------------------------
    def validators(self, url: str) -> tuple[str, str] | None:
        with self.session() as s:
            row = s.get(HttpValidator, url[:2000])
            return (row.etag, row.last_modified) if row else None

    def put_validators(self, url: str, etag: str, last_modified: str) -> None:
        with self.session() as s:
            row = s.get(HttpValidator, url[:2000])
            if row is None:
                s.add(HttpValidator(url=url[:2000], etag=etag[:300], last_modified=last_modified[:100],
                                    updated_at=utcnow()))
            else:
                row.etag, row.last_modified, row.updated_at = etag[:300], last_modified[:100], utcnow()
            try:
                s.commit()
            except IntegrityError:  # saved by a concurrent crawl: theirs is as good
                s.rollback()

    # -- alert deliveries -------------------------------------------------------------------
    def get_state(self, name: str, default: str = "") -> str:
        with self.session() as s:
            row = s.get(State, name)
            return row.value if row else default

    def set_state(self, name: str, value: str) -> None:
        for attempt in range(3):
            with self.session() as s:
                row = s.get(State, name)
                if row is None:
                    s.add(State(name=name, value=value))
                else:
                    row.value = value
                try:
                    s.commit()
                    return
                except IntegrityError:
                    s.rollback()
                    if attempt == 2:
                        raise

    def add_delivery(self, event_id: int, subscription: str, channel: str) -> bool:
        """Plan one delivery; False when it was planned before (the unique key makes it once)."""
        with self.session() as s:
            s.add(Delivery(event_id=event_id, subscription=subscription, channel=channel, status="pending",
                           attempts=0, next_attempt_at=utcnow(), last_error=""))
            return _commit_once(s)

    def claim_deliveries(self, now: datetime, limit: int = 200, stale_after_s: int = 900) -> list[DeliveryRecord]:
        """Due deliveries, each claimed by one sender only (pending → sending, compare-and-set).

        A delivery left "sending" by a sender that died is released after ``stale_after_s``.
        """
        with self.session() as s:
            s.execute(update(Delivery).where(Delivery.status == "sending",
                                             Delivery.next_attempt_at < now - timedelta(seconds=stale_after_s))
                      .values(status="pending"))
            s.commit()
            ids = list(s.scalars(select(Delivery.id).where(Delivery.status == "pending",
                                                           Delivery.next_attempt_at <= now)
                                 .order_by(Delivery.id).limit(limit)))
            claimed = []
            for delivery_id in ids:
                done = s.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending")
                                 .values(status="sending", next_attempt_at=now))
                if done.rowcount == 1:
                    claimed.append(delivery_id)
            s.commit()
            rows = s.execute(select(Delivery, Event).join(Event, Event.id == Delivery.event_id)
                             .where(Delivery.id.in_(claimed)).order_by(Delivery.id)) if claimed else []
            return [DeliveryRecord(d.id, d.event_id, d.subscription, d.channel, d.attempts, e.kind,
                                   e.article_id, dict(e.data or {})) for d, e in rows]

    def finish_delivery(self, delivery_id: int, ok: bool, error: str = "", retry_at: datetime | None = None,
                        count_attempt: bool = True) -> None:
        """sent; or back to pending until ``retry_at``; or failed for good when ``retry_at`` is None."""
        with self.session() as s:
            d = s.get(Delivery, delivery_id)
            if d is None:
                return
            _settle(d, ok, error, retry_at, count_attempt)
            s.commit()

    def deliveries(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        with self.session() as s:
            q = select(Delivery, Event.kind).join(Event, Event.id == Delivery.event_id).order_by(Delivery.id.desc())
            if status:
                q = q.where(Delivery.status == status)
            return [{"id": d.id, "event_id": d.event_id, "event": kind, "subscription": d.subscription,
                     "channel": d.channel, "status": d.status, "attempts": d.attempts, "last_error": d.last_error,
                     "sent_at": d.sent_at, "next_attempt_at": d.next_attempt_at}
                    for d, kind in s.execute(q.limit(limit))]

    # -- digests ---------------------------------------------------------------------------
    def max_event_id(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.max(Event.id))) or 0

    def last_digest(self, name: str) -> tuple[datetime, int] | None:
        """(scheduled time, last event covered) of the newest digest composed for ``name``."""
        with self.session() as s:
            row = s.execute(select(Digest.due_at, Digest.to_event).where(Digest.name == name)
                            .order_by(Digest.due_at.desc()).limit(1)).first()
            return (row[0], row[1]) if row else None

    def digest_story_ids(self, name: str) -> set[int]:
        with self.session() as s:
            return set(s.scalars(select(DigestStory.story_id).where(DigestStory.name == name)))

    def store_digest(self, name: str, due_at: datetime, from_event: int, to_event: int, subject: str,
                     message: bytes, stories: list[int], status: str = "pending") -> bool:
        """Keep a composed digest and the stories it carries; False if this one was composed already.

        An empty period that sends nothing is kept as "skipped", so the next digest starts after it.
        """
        with self.session() as s:
            s.add(Digest(name=name, due_at=due_at, from_event=from_event, to_event=to_event, composed_at=utcnow(),
                         subject=subject, message=message, stories=stories, status=status, attempts=0,
                         next_attempt_at=due_at, last_error=""))
            s.add_all(DigestStory(name=name, story_id=sid) for sid in set(stories))
            return _commit_once(s)

    def claim_digests(self, now: datetime, stale_after_s: int = 900) -> list[tuple[int, str, bytes, int]]:
        """Due digests as (id, name, message, attempts), each claimed by one sender (pending → sending)."""
        with self.session() as s:
            s.execute(update(Digest).where(Digest.status == "sending",
                                           Digest.next_attempt_at < now - timedelta(seconds=stale_after_s))
                      .values(status="pending"))
            ids = list(s.scalars(select(Digest.id).where(Digest.status == "pending", Digest.next_attempt_at <= now)
                                 .order_by(Digest.id)))
            claimed = [i for i in ids if s.execute(update(Digest).where(Digest.id == i, Digest.status == "pending")
                                                   .values(status="sending", next_attempt_at=now)).rowcount == 1]
            s.commit()
            rows = s.execute(select(Digest.id, Digest.name, Digest.message, Digest.attempts)
                             .where(Digest.id.in_(claimed)).order_by(Digest.id)) if claimed else []
            return [(r[0], r[1], r[2], r[3]) for r in rows]

    def finish_digest(self, digest_id: int, ok: bool, error: str = "", retry_at: datetime | None = None) -> None:
        with self.session() as s:
            d = s.get(Digest, digest_id)
            if d is None:
                return
            _settle(d, ok, error, retry_at)
            s.commit()

    def digests(self, name: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        with self.session() as s:
            q = select(Digest).order_by(Digest.due_at.desc(), Digest.id.desc()).limit(limit)
            if name:
                q = q.where(Digest.name == name)
            return [{"id": d.id, "name": d.name, "due_at": d.due_at, "events": [d.from_event, d.to_event],
                     "subject": d.subject, "stories": len(d.stories or []), "status": d.status,
                     "attempts": d.attempts, "sent_at": d.sent_at, "last_error": d.last_error}
                    for d in s.scalars(q)]

    # -- raw pages and re-extraction -----------------------------------------------------
    def raw_page(self, article_id: int) -> str | None:
        with self.session() as s:
            row = s.get(RawPage, article_id)
            return zlib.decompress(row.html_z).decode("utf-8", "surrogatepass") if row else None

    def iter_raw_pages(self, source: str | None = None) -> Iterator[RawPageRecord]:
        """Stored pages in the order they were first seen (crawl order), one source or all."""
        with self.session() as s:
            q = (select(RawPage, Article.first_seen, Source.name).join(Article, Article.id == RawPage.article_id)
                 .join(Source, Source.id == Article.source_id).order_by(Article.first_seen, Article.id))
            if source:
                q = q.where(Source.name == source)
            for raw, _first, name in s.execute(q).yield_per(200):
                yield RawPageRecord(raw.article_id, raw.url, name, raw.fetched_at,
                                    zlib.decompress(raw.html_z).decode("utf-8", "surrogatepass"))

    def replace_extraction(self, article_id: int, rec: ArticleRecord) -> list[str]:
        """Overwrite an article with a new reading of its stored page; returns the fields that changed.

        A re-extraction is a better reading of the same publication, not an edit by the
        publisher: the content hash follows it, but no version is added.
        """
        with self.session() as s:
            art = s.get(Article, article_id)
            if art is None:
                raise KeyError(article_id)
            fields = _fields(rec)
            # which reader produced it is bookkeeping, not a change of the article
            changed = [k for k, v in fields.items() if k != "extraction" and getattr(art, k) != v]
            for key, value in fields.items():
                setattr(art, key, value)
            art.content_hash, art.body_hash = rec.content_hash(), rec.body_hash()
            if rec.minhash:
                art.minhash, art.shingles = rec.minhash, rec.shingles
                s.execute(StoryBand.__table__.delete().where(StoryBand.article_id == art.id))
                s.add_all(StoryBand(band_key=k, day=_day(art), article_id=art.id) for k in rec.bands)
            _set_tags(s, art.id, rec.tags)
            _index(s, art, rec.tags)  # tags may move even when the text does not
            s.commit()
            return changed

    # -- site templates ------------------------------------------------------------------
    def load_template(self, host: str) -> str | None:
        with self.session() as s:
            row = s.get(SiteTemplate, host)
            return row.model if row else None

    def save_template(self, host: str, model: str, pages: int) -> None:
        for attempt in range(3):
            with self.session() as s:
                row = s.get(SiteTemplate, host)
                if row is None:
                    s.add(SiteTemplate(host=host, model=model, pages=pages, updated_at=utcnow()))
                else:
                    row.model, row.pages, row.updated_at = model, pages, utcnow()
                try:
                    s.commit()
                    return
                except IntegrityError:  # another crawl saved it first: write over it
                    s.rollback()
                    if attempt == 2:
                        raise

    def templates(self) -> list[tuple[str, int, datetime, str]]:
        """(host, pages learned, last saved, model) of every stored site template."""
        with self.session() as s:
            return [(t.host, t.pages, t.updated_at, t.model)
                    for t in s.scalars(select(SiteTemplate).order_by(SiteTemplate.host))]

    def latest_articles(self, limit: int = 20, source: str | None = None) -> list[ArticleSummary]:
        """Newest first by publication time (then first seen), optionally for one source."""
        with self.session() as s:
            q = (select(Article, Source.name).join(Source)
                 .order_by(Article.published_at.desc().nulls_last(), Article.first_seen.desc()).limit(limit))
            if source:
                q = q.where(Source.name == source)
            return [_article_summary(a, name) for a, name in s.execute(q)]

    def article(self, article_id: int) -> ArticleSummary | None:
        with self.session() as s:
            row = s.execute(select(Article, Source.name).join(Source).where(Article.id == article_id)).first()
            return _article_summary(*row) if row else None

    def iter_articles(self, source: str | None = None, sources: list[str] | None = None,
                      since: datetime | None = None, until: datetime | None = None,
                      with_tags: bool = False) -> Iterator[Any]:
        """Articles in the order they were stored; ``since``/``until`` bound the publication time
        (first seen when unknown); ``with_tags`` yields (article, tags) pairs."""
        names = ([source] if source else []) + list(sources or [])
        with self.session() as s:
            q = select(Article, Source.name).join(Source).order_by(Article.id)
            if names:
                q = q.where(Source.name.in_(names))
            if since is not None:
                q = q.where(_dated(since, after=True))
            if until is not None:
                q = q.where(_dated(until, after=False))
            for chunk in s.execute(q.execution_options(yield_per=500)).partitions():
                tags = tags_by_article(s, [a.id for a, _ in chunk]) if with_tags else {}
                for a, name in chunk:
                    summary = _article_summary(a, name)
                    yield (summary, tags.get(a.id, [])) if with_tags else summary

    def versions(self, article_id: int) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article_id)
                             .order_by(ArticleVersion.version))
            return [dict(version=v.version, fetched_at=v.fetched_at, title=v.title, lead=v.lead,
                         body_text=v.body_text, published_at=v.published_at, content_hash=v.content_hash,
                         diff=v.diff or [])
                    for v in rows]

    def sources_overview(self) -> list[SourceOverview]:
        with self.session() as s:
            counts = dict(s.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all())
            out = []
            for src in s.scalars(select(Source).order_by(Source.name)):
                last = s.scalar(select(CrawlRun).where(CrawlRun.source_id == src.id)
                                .order_by(CrawlRun.id.desc()).limit(1))
                out.append(SourceOverview(src.name, src.title, src.homepage, counts.get(src.id, 0),
                                          _run_summary(last, with_errors=False) if last else None))
            return out

    def filter_choices(self, most: int = 40) -> dict[str, Any]:
        """What the web page offers to filter by: every source, and the most used sections and
        tags (per kind), each with its article count."""
        with self.session() as s:
            counts = dict(s.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all())
            sources = [{"name": src.name, "articles": counts.get(src.id, 0)}
                       for src in s.scalars(select(Source).order_by(Source.name))]
            sections = [{"name": name, "articles": n} for name, n in s.execute(
                select(Article.section, func.count().label("n")).where(Article.section != "")
                .group_by(Article.section).order_by(func.count().desc(), Article.section).limit(most))]
            tags: dict[str, list[dict[str, Any]]] = {}
            for kind, value, n in s.execute(select(ArticleTag.kind, ArticleTag.value, func.count())
                                            .group_by(ArticleTag.kind, ArticleTag.value)
                                            .order_by(ArticleTag.kind, func.count().desc(), ArticleTag.value)):
                if len(tags.setdefault(kind, [])) < most:
                    tags[kind].append({"value": value, "articles": n})
        return {"sources": sources, "sections": sections, "tags": tags}

    def activity(self, days: int = 14, now: datetime | None = None) -> dict[str, Any]:
        """Articles per source and day, events per kind and day (days on the Hanoi clock, the
        newest last), and each source's health: what ``huunghi stats`` shows."""
        hanoi = HANOI
        today = (now or utcnow()).astimezone(hanoi).date()
        labels = [(today - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]
        since = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), hanoi)
        articles: dict[str, dict[str, int]] = {}
        events: dict[str, dict[str, int]] = {}
        with self.session() as s:
            rows = s.execute(select(Source.name, Article.published_at, Article.first_seen).join(Source)
                             .where(_dated(since, after=True)))
            for name, published, first_seen in rows:
                label = (published or first_seen).astimezone(hanoi).date().isoformat()
                per_day = articles.setdefault(name, {})
                per_day[label] = per_day.get(label, 0) + 1
            for kind, created in s.execute(select(Event.kind, Event.created_at).where(Event.created_at >= since)):
                label = created.astimezone(hanoi).date().isoformat()
                per_day = events.setdefault(kind, {})
                per_day[label] = per_day.get(label, 0) + 1
        health = {name: {**h, "last_run": h["last_run"].astimezone(hanoi).isoformat() if h["last_run"] else None}
                  for name, h in sorted(self.source_health().items())}
        return {"days": labels, "articles": dict(sorted(articles.items())), "events": dict(sorted(events.items())),
                "health": health}

    def totals(self) -> dict[str, int]:
        with self.session() as s:
            return {
                "sources": s.scalar(select(func.count()).select_from(Source)) or 0,
                "articles": s.scalar(select(func.count()).select_from(Article)) or 0,
                "versions": s.scalar(select(func.count()).select_from(ArticleVersion)) or 0,
                "runs": s.scalar(select(func.count()).select_from(CrawlRun)) or 0,
                "errors": s.scalar(select(func.count()).select_from(CrawlError)) or 0,
            }


def _next_visit(first_seen: datetime, visits: int, schedule: list[int]) -> datetime | None:
    """The next revisit: first seen + schedule[visits]; None once the schedule is done (it rests)."""
    return first_seen + timedelta(seconds=schedule[visits]) if visits < len(schedule) else None


def _commit_once(s: Session) -> bool:
    """Commit rows whose unique key says "once": False (and nothing written) if they exist already."""
    try:
        s.commit()
        return True
    except IntegrityError:
        s.rollback()
        return False


def _settle(row: Delivery | Digest, ok: bool, error: str, retry_at: datetime | None,
            count_attempt: bool = True) -> None:
    """One send attempt's outcome: sent; pending again until ``retry_at``; or failed for good."""
    if count_attempt:
        row.attempts += 1
    if ok:
        row.status, row.sent_at, row.last_error = "sent", utcnow(), ""
    elif retry_at is not None:
        row.status, row.next_attempt_at, row.last_error = "pending", retry_at, error[:2000]
    else:
        row.status, row.last_error = "failed", error[:2000]


# an article as a re-crawl loads it: the bulky columns load only if a new version needs them
_LIGHT = (defer(Article.body_text), defer(Article.body_html), defer(Article.minhash))


def _find_statement() -> Any:
    """``Archive._find``'s statement, built once (building it costs more than running it)."""
    key, url = bindparam("key"), bindparam("url")
    by_key = select(ArticleURL.article_id).where(ArticleURL.url_key == key).scalar_subquery()
    how = case((Article.id == by_key, 0), (Article.url == url, 1), else_=2)
    # a NULL body hash (a body too short to tell articles apart) matches nothing; "+ 0": look the
    # body up by its hash, not through every article of the source
    by_body = and_(Article.body_hash == bindparam("body_hash"), Article.source_id + 0 == bindparam("source_id"))
    return (select(Article, how).where(or_(Article.id == by_key, Article.url == url, by_body))
            .order_by(how, Article.id).limit(1).options(*_LIGHT))


_FIND = _find_statement()
_HAS_RAW = select(RawPage.article_id).where(RawPage.article_id == bindparam("article_id"))


def _fields(rec: ArticleRecord) -> dict[str, Any]:
    return dict(title=rec.title, lead=rec.lead, body_text=rec.body_text, body_html=rec.body_html,
                published_at=rec.published_at, updated_at=rec.updated_at, author=rec.author, credit=rec.credit,
                section=rec.section, language=rec.language, images=rec.images, extraction=rec.extraction)


def _put_raw(s: Session, article_id: int, url: str, raw: bytes, size: int) -> None:
    """Replace the article's raw page without loading the old one (tens of kilobytes a page)."""
    values = dict(url=url, fetched_at=utcnow(), size=size, html_z=raw)
    done = s.execute(update(RawPage).where(RawPage.article_id == article_id).values(**values)
                     .execution_options(synchronize_session=False))
    if not done.rowcount:
        s.execute(insert(RawPage).values(article_id=article_id, **values))


def _version(art: Article, number: int, digest: str, now: datetime, run_id: int | None,
             diff: list[dict[str, str]] | None) -> ArticleVersion:
    return ArticleVersion(article_id=art.id, version=number, fetched_at=now, title=art.title, lead=art.lead,
                          body_text=art.body_text, published_at=art.published_at, content_hash=digest,
                          run_id=run_id, diff=diff)


def _event_data(art: Article) -> dict[str, Any]:
    return {"title": art.title, "url": art.url, "story_id": art.story_id,
            "published_at": art.published_at.isoformat() if art.published_at else None}


def _day(art: Article) -> int:
    when = art.published_at or art.first_seen or utcnow()
    return int(when.timestamp() // 86400)


def _place_in_story(s: Session, art: Article, rec: ArticleRecord) -> None:
    """Join the story of the closest candidate sharing an LSH band in the window, or start one."""
    day = _day(art)
    if rec.bands and rec.minhash:
        window = (day - clusters.WINDOW_DAYS, day + clusters.WINDOW_DAYS)
        candidates = (select(StoryBand.article_id).where(StoryBand.band_key.in_(rec.bands),
                                                         StoryBand.day.between(*window),
                                                         StoryBand.article_id != art.id)
                      .distinct().order_by(StoryBand.article_id.desc()).limit(MAX_CANDIDATES))
        mine = clusters.signature(rec.minhash)
        best: tuple[float, int] | None = None
        rows = s.execute(select(Article.story_id, Article.minhash, Article.shingles)
                         .where(Article.id.in_(candidates.scalar_subquery()), Article.story_id.is_not(None)))
        for story_id, blob, shingles in rows:
            j = clusters.jaccard(mine, clusters.signature(blob))
            if clusters.same_story(j, rec.shingles, shingles) and (best is None or j > best[0]):
                best = (j, story_id)
        s.execute(StoryBand.__table__.insert(), [{"band_key": k, "day": day, "article_id": art.id} for k in rec.bands])
        if best is not None:
            art.story_id = best[1]
            s.execute(update(Story).where(Story.id == best[1]).values(size=Story.size + 1, updated_at=utcnow()))
            return
    story = Story(title=art.title, created_at=utcnow(), updated_at=utcnow(), size=1)
    s.add(story)
    s.flush()
    art.story_id = story.id


def _set_tags(s: Session, article_id: int, tags: list[tuple[str, str]]) -> None:
    s.execute(ArticleTag.__table__.delete().where(ArticleTag.article_id == article_id))
    s.add_all(ArticleTag(article_id=article_id, kind=k, value=v[:200]) for k, v in sorted(set(tags)))


def _dated(when: datetime, after: bool) -> Any:
    """Published at or after ``when`` (``after``) or before it; first seen when the date is unknown."""
    published, seen = (Article.published_at >= when, Article.first_seen >= when) if after else \
        (Article.published_at < when, Article.first_seen < when)
    return or_(published, and_(Article.published_at.is_(None), seen))


def tags_by_article(s: Session, ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """The tags of these articles, each list sorted by kind and value."""
    tags: dict[int, list[tuple[str, str]]] = {}
    for t in s.scalars(select(ArticleTag).where(ArticleTag.article_id.in_(ids))
                       .order_by(ArticleTag.kind, ArticleTag.value)):
        tags.setdefault(t.article_id, []).append((t.kind, t.value))
    return tags


def _index(s: Session, art: Article, tags: list[tuple[str, str]]) -> None:
    """The article's words and facets into the full-text index, in the same transaction."""
    searchindex.put(s, [searchindex.IndexRow(art.id, art.published_at or art.first_seen, art.title, art.lead,
                                             art.body_text, art.source_id, art.section, tuple(tags),
                                             art.story_id)])


def _yield(s: Session, run: CrawlRun) -> float | None:
    """Share of a run's article pages that gave an article (None when it read fewer than five)."""
    stored = run.articles_new + run.articles_updated + run.articles_unchanged
    unread = s.scalar(select(func.count()).select_from(CrawlError).where(CrawlError.run_id == run.id,
                                                                          CrawlError.kind == "not-article")) or 0
    return stored / (stored + unread) if stored + unread >= 5 else None


def _health_event(s: Session, run: CrawlRun) -> None:
    """A failed run, or an empty one after runs that stored articles: one "source broken" event
    at the start of each bad streak (not one per run)."""
    previous = s.scalars(select(CrawlRun).where(CrawlRun.source_id == run.source_id, CrawlRun.id < run.id,
                                                CrawlRun.status != "running")
                         .order_by(CrawlRun.id.desc()).limit(3)).all()
    stored = run.articles_new + run.articles_updated + run.articles_unchanged
    reason = ""
    if run.status == "failed":
        reason = f"crawl failed ({run.error_count} errors)"
    elif stored == 0 and any(p.articles_new + p.articles_updated + p.articles_unchanged for p in previous):
        reason = "empty run: no article found where earlier runs found some"
    else:
        now_yield, before = _yield(s, run), [y for y in (_yield(s, p) for p in previous) if y is not None]
        if now_yield is not None and before and min(before) >= 0.8 and now_yield < 0.4:
            reason = (f"extraction yield dropped to {now_yield:.0%} of article pages (was "
                      f"{min(before):.0%} or more): has the site's layout changed?")
            s.add(Event(kind="source_broken", created_at=utcnow(), source_id=run.source_id, run_id=run.id,
                        data={"reason": reason, "run_id": run.id}))
            return
    if not reason:
        return
    last = previous[0] if previous else None
    if last is not None and (last.status == "failed" or
                             last.articles_new + last.articles_updated + last.articles_unchanged == 0):
        return  # the streak is already reported
    s.add(Event(kind="source_broken", created_at=utcnow(), source_id=run.source_id, run_id=run.id,
                data={"reason": reason, "run_id": run.id}))


def _run_summary(run: CrawlRun, with_errors: bool) -> RunSummary:
    errors = [ErrorSummary(e.url, e.kind, e.reason, e.severity) for e in run.errors] if with_errors else []
    return RunSummary(run.id, run.source.name, run.started_at, run.finished_at, run.status, run.pages_fetched,
                      run.articles_new, run.articles_updated, run.articles_unchanged, run.error_count,
                      run.duration_s, errors)


def _article_summary(a: Article, source: str) -> ArticleSummary:
    return ArticleSummary(a.id, source, a.url, a.title, a.lead, a.body_text, a.published_at, a.author,
                          a.credit, a.section, a.language, a.version_count, a.first_seen, a.last_seen,
                          a.updated_at, list(a.images or []), a.extraction, a.story_id, a.removed_at)
