"""Articles: identity (URL keys), versions, raw pages, re-extraction, visit plans, storing.

``store`` is idempotent: an article is found by its identity, its URL or (for an unknown URL
whose body the source already has) its body; a new version and a "changed" event are written
only when the content hash moves, all in the article's own transaction with its story, tags
and index entry.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    CursorResult,
    Table,
    and_,
    bindparam,
    case,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from huunghi.storage import stories
from huunghi.storage.events import changed_event, new_event, removed_event
from huunghi.storage.models import (
    Article,
    ArticleTag,
    ArticleURL,
    ArticleVersion,
    CrawlRun,
    RawPage,
    Source,
    utcnow,
)
from huunghi.storage.records import (
    VERSIONED_FIELDS,
    ArticleRecord,
    RawPageRecord,
    StoreOutcome,
    stored_fields,
)
from huunghi.storage.search import index as searchindex
from huunghi.storage.unit import Tx
from huunghi.text.diff import word_diff

MIN_DEDUP_BODY = 200  # shorter bodies (stubs, notices) are too alike to merge by content alone


class Articles:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def store(self, source_id: int, rec: ArticleRecord, run_id: int | None = None) -> StoreOutcome:
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

    def store_many(
        self, source_id: int, recs: list[ArticleRecord], run_id: int | None = None
    ) -> list[StoreOutcome | Exception]:
        """``store`` for several articles in one transaction: a crawl hands its articles
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
            return self.store(source_id, rec, run_id)
        except Exception as exc:
            return exc

    def _store(self, source_id: int, recs: list[ArticleRecord], run_id: int | None) -> list[StoreOutcome]:
        outcomes: list[StoreOutcome] = []
        with self._tx.own() as s:
            now = utcnow()
            seen: set[int] = set()  # stored articles seen again: their last_seen moves below
            searchindex.ensure_partitions(s.get_bind(), [rec.published_at or now for rec in recs])  # type: ignore[arg-type]
            for rec in recs:
                outcome, article_id, has_raw = self._upsert(
                    s, source_id, rec, rec.content_hash(), run_id, seen
                )
                # the raw page kept is the one the stored version was read from: a re-crawl that
                # changes nothing does not rewrite tens of kilobytes
                if rec.raw_html and (outcome is not StoreOutcome.UNCHANGED or not has_raw):
                    raw = zlib.compress(rec.raw_html.encode("utf-8", "surrogatepass"), 6)
                    _put_raw(s, article_id, rec.url, raw, len(rec.raw_html))
                outcomes.append(outcome)
            if seen:
                s.execute(
                    update(Article)
                    .where(Article.id.in_(sorted(seen)))
                    .values(last_seen=utcnow())
                    .execution_options(synchronize_session=False)
                )
            if run_id is not None:
                counts = {
                    column.key: column + sum(o is outcome for o in outcomes)
                    for outcome, column in (
                        (StoreOutcome.NEW, CrawlRun.articles_new),
                        (StoreOutcome.UPDATED, CrawlRun.articles_updated),
                        (StoreOutcome.UNCHANGED, CrawlRun.articles_unchanged),
                    )
                    if outcome in outcomes
                }
                s.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(counts))
            s.commit()
        return outcomes

    @staticmethod
    def _find(
        s: Session, source_id: int, rec: ArticleRecord, key: str, body_hash: str
    ) -> tuple[Article | None, bool]:
        """The stored article this record is: by identity (its URL key), else by URL, else (an
        unknown URL whose body this source already has: a mirror, a print view) by body, the
        oldest such; and whether its raw page is kept. One prepared statement, since a crawl asks
        this for every page it stores."""
        row = s.execute(
            _FIND,
            {
                "key": key,
                "url": rec.url,
                "source_id": source_id,
                "body_hash": body_hash if len(rec.body_text) >= MIN_DEDUP_BODY else None,
            },
        ).first()
        if row is None:
            return None, False
        art, how_found, has_raw = row
        if how_found != 0 and s.get(ArticleURL, key) is None:  # a new address of a known article
            s.add(ArticleURL(url_key=key, article_id=art.id, url=rec.url, first_seen=utcnow()))
        return art, bool(has_raw)

    def _upsert(
        self,
        s: Session,
        source_id: int,
        rec: ArticleRecord,
        digest: str,
        run_id: int | None,
        seen: set[int],
    ) -> tuple[StoreOutcome, int, bool]:
        """(what happened, the article's id, whether it had a raw page kept already)."""
        now = utcnow()
        key = rec.identity()
        body_hash = rec.body_hash()
        art, has_raw = self._find(s, source_id, rec, key, body_hash)
        fields = stored_fields(rec)
        if art is None:
            art = Article(
                source_id=source_id,
                url=rec.url,
                content_hash=digest,
                body_hash=body_hash,
                version_count=1,
                first_seen=now,
                last_seen=now,
                minhash=rec.minhash,
                shingles=rec.shingles,
                **fields,
            )
            art.visits, art.next_visit_at = 0, _next_visit(now, 0, rec.revisit_after)
            s.add(art)
            s.flush()
            s.add(ArticleURL(url_key=key, article_id=art.id, url=rec.url, first_seen=now))
            s.add(_version(art, 1, digest, now, run_id, None))
            stories.place(s, art, rec)
            _set_tags(s, art.id, rec.tags, rec.tag_found)
            _index(s, art, rec.tags)
            s.add(new_event(art, source_id, now, run_id))
            return StoreOutcome.NEW, art.id, False
        seen.add(art.id)  # last_seen: one UPDATE for the batch (``_store``), not an ORM flush a page
        if art.removed_at is not None:
            art.removed_at = None
        if art.next_visit_at is not None and art.next_visit_at <= now:  # a scheduled revisit
            art.visits += 1
            art.next_visit_at = _next_visit(art.first_seen, art.visits, rec.revisit_after)
        if art.content_hash == digest:
            # not a new version, but what is not versioned follows the latest reading
            # (assigned only where they moved: an untouched article needs no flush)
            for name in ("updated_at", "images", "extraction"):
                if getattr(art, name) != getattr(rec, name):
                    setattr(art, name, getattr(rec, name))
            return StoreOutcome.UNCHANGED, art.id, has_raw
        old = {k: getattr(art, k) for k in VERSIONED_FIELDS}
        for name, value in fields.items():
            setattr(art, name, value)
        art.content_hash, art.body_hash = digest, body_hash
        art.minhash, art.shingles = rec.minhash or art.minhash, rec.shingles or art.shingles
        art.version_count += 1
        diff = word_diff(old, fields)
        s.add(_version(art, art.version_count, digest, now, run_id, diff))
        if art.story_id is None:
            stories.place(s, art, rec)
        else:  # a correction keeps its story; its facts are what later reports are compared with
            stories.reband(s, art, rec)
        _set_tags(s, art.id, rec.tags, rec.tag_found)
        _index(s, art, rec.tags)
        s.add(changed_event(art, source_id, now, run_id, diff))
        return StoreOutcome.UPDATED, art.id, has_raw

    def visit_plan(self, source: str, now: datetime, limit: int = 2000) -> tuple[set[str], dict[str, str]]:
        """(every known URL identity of the source, {identity: url} of the articles due a revisit)."""
        with self._tx() as s:
            source_id = s.scalar(select(Source.id).where(Source.name == source))
            if source_id is None:
                return set(), {}
            known = set(
                s.scalars(
                    select(ArticleURL.url_key)
                    .join(Article, Article.id == ArticleURL.article_id)
                    .where(Article.source_id == source_id)
                )
            )
            due_rows = s.execute(
                select(ArticleURL.url_key, Article.url)
                .join(Article, Article.id == ArticleURL.article_id)
                .where(
                    Article.source_id == source_id,
                    Article.next_visit_at <= now,
                    Article.removed_at.is_(None),
                    ArticleURL.url == Article.url,
                )
                .order_by(Article.next_visit_at)
                .limit(limit)
            ).all()
            return known, {k: u for k, u in due_rows}

    def mark_removed(self, source_id: int, url_key: str, reason: str, run_id: int | None = None) -> bool:
        """A known article answered 404/410 or redirected home: one "removed" event, once."""
        with self._tx() as s:
            art = s.scalar(
                select(Article)
                .join(ArticleURL, ArticleURL.article_id == Article.id)
                .where(ArticleURL.url_key == url_key)
            )
            if art is None or art.removed_at is not None:
                return False
            art.removed_at = utcnow()
            s.add(removed_event(art, source_id, art.removed_at, run_id, reason))
            self._tx.commit(s)
            return True

    def known_url(self, url_key: str) -> bool:
        with self._tx() as s:
            return s.get(ArticleURL, url_key) is not None

    def raw_page(self, article_id: int) -> str | None:
        with self._tx() as s:
            row = s.get(RawPage, article_id)
            return zlib.decompress(row.html_z).decode("utf-8", "surrogatepass") if row else None

    def iter_raw_pages(self, source: str | None = None) -> Iterator[RawPageRecord]:
        """Stored pages in the order they were first seen (crawl order), one source or all."""
        with self._tx() as s:
            q = (
                select(RawPage, Article.first_seen, Source.name)
                .join(Article, Article.id == RawPage.article_id)
                .join(Source, Source.id == Article.source_id)
                .order_by(Article.first_seen, Article.id)
            )
            if source:
                q = q.where(Source.name == source)
            for raw, _first, name in s.execute(q).yield_per(200):
                yield RawPageRecord(
                    raw.article_id,
                    raw.url,
                    name,
                    raw.fetched_at,
                    zlib.decompress(raw.html_z).decode("utf-8", "surrogatepass"),
                )

    def replace_extraction(self, article_id: int, rec: ArticleRecord) -> list[str]:
        """Overwrite an article with a new reading of its stored page; returns the fields that changed.

        A re-extraction is a better reading of the same publication, not an edit by the
        publisher: the content hash follows it, but no version is added.
        """
        with self._tx() as s:
            art = s.get(Article, article_id)
            if art is None:
                raise KeyError(article_id)
            fields = stored_fields(rec)
            # which reader produced it is bookkeeping, not a change of the article
            changed = [k for k, v in fields.items() if k != "extraction" and getattr(art, k) != v]
            for key, value in fields.items():
                setattr(art, key, value)
            art.content_hash, art.body_hash = rec.content_hash(), rec.body_hash()
            if rec.minhash:
                art.minhash, art.shingles = rec.minhash, rec.shingles
                stories.reband(s, art, rec)
            _set_tags(s, art.id, rec.tags, rec.tag_found)
            _index(s, art, rec.tags)  # tags may move even when the text does not
            self._tx.commit(s)
            return changed


def _next_visit(first_seen: datetime, visits: int, schedule: list[int]) -> datetime | None:
    """The next revisit: first seen + schedule[visits]; None once the schedule is done (it rests)."""
    return first_seen + timedelta(seconds=schedule[visits]) if visits < len(schedule) else None


# an article as a re-crawl loads it: the bulky columns load only if a new version needs them
_LIGHT = (defer(Article.body_text), defer(Article.body_html), defer(Article.minhash))


def _find_statement() -> Any:
    """``Articles._find``'s statement, built once (building it costs more than running it)."""
    key: BindParameter[str] = bindparam("key")
    url: BindParameter[str] = bindparam("url")
    by_key = select(ArticleURL.article_id).where(ArticleURL.url_key == key).scalar_subquery()
    how = case((Article.id == by_key, 0), (Article.url == url, 1), else_=2)
    # a NULL body hash (a body too short to tell articles apart) matches nothing; "+ 0": look the
    # body up by its hash, not through every article of the source
    by_body = and_(
        Article.body_hash == bindparam("body_hash"), Article.source_id + 0 == bindparam("source_id")
    )
    has_raw = exists().where(RawPage.article_id == Article.id)  # a re-crawl rewrites no raw page kept
    return (
        select(Article, how, has_raw)
        .where(or_(Article.id == by_key, Article.url == url, by_body))
        .order_by(how, Article.id)
        .limit(1)
        .options(*_LIGHT)
    )


_FIND = _find_statement()


def _put_raw(s: Session, article_id: int, url: str, raw: bytes, size: int) -> None:
    """Replace the article's raw page without loading the old one (tens of kilobytes a page)."""
    values = dict(url=url, fetched_at=utcnow(), size=size, html_z=raw)
    # an UPDATE's result is a CursorResult (Session.execute is typed as returning Result)
    done = cast(
        CursorResult[Any],
        s.execute(
            update(RawPage)
            .where(RawPage.article_id == article_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    )
    if not done.rowcount:
        s.execute(insert(RawPage).values(article_id=article_id, **values))


def _version(
    art: Article,
    number: int,
    digest: str,
    now: datetime,
    run_id: int | None,
    diff: list[dict[str, str]] | None,
) -> ArticleVersion:
    return ArticleVersion(
        article_id=art.id,
        version=number,
        fetched_at=now,
        content_hash=digest,
        run_id=run_id,
        diff=diff,
        **{name: getattr(art, name) for name in VERSIONED_FIELDS},
    )


def _set_tags(
    s: Session,
    article_id: int,
    tags: list[tuple[str, str]],
    found: list[tuple[str, str, str, str, bool]] | None = None,
) -> None:
    """The article's tags, each with where it was found where the record says (else NULL: unknown)."""
    where = {(k, v): (f, via, main) for k, v, f, via, main in found or []}
    s.execute(cast(Table, ArticleTag.__table__).delete().where(ArticleTag.article_id == article_id))
    for k, v in sorted(set(tags)):
        f, via, main = where.get((k, v), (None, None, None))
        s.add(ArticleTag(article_id=article_id, kind=k, value=v[:200], field=f, via=via, main=main))


def _index(s: Session, art: Article, tags: list[tuple[str, str]]) -> None:
    """The article's words and facets into the full-text index, in the same transaction."""
    searchindex.put(
        s,
        [
            searchindex.IndexRow(
                art.id,
                art.published_at or art.first_seen,
                art.title,
                art.lead,
                art.body_text,
                art.source_id,
                art.section,
                tuple(tags),
                art.story_id,
            )
        ],
    )
