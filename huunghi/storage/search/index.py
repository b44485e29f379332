"""Keeping the full-text index in step with the articles, on SQLite (FTS5) or PostgreSQL.

``search_docs`` maps each article to its sort key (see ``fulltext.sort_key``). On SQLite the
words live in the FTS5 table ``search_fts`` (rowid = sort key: its doclists are already in
date order). On PostgreSQL they live in ``search_docs.tsv`` (everything) and ``head`` (title
and lead: small, so headline tiers never read whole bodies), under GIN indexes, in one
partition per quarter of the sort key, so "the newest matches" reads the newest partitions
only. Partitions are made as articles of a new quarter arrive. Both layouts are
dialect-specific, so migration 0007 makes them rather than models. Every write happens in
the caller's transaction: an article and its index entry are stored together or not at all.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Text, bindparam, column, select, table, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from huunghi.storage.locks import PARTITION_LOCK
from huunghi.storage.models import UTCDateTime
from huunghi.storage.search import tokens as fulltext

# every word ever indexed (never pruned: a word no article holds any more expands to nothing)
VOCAB_DDL = "CREATE TABLE IF NOT EXISTS search_vocab (term TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID"
# PostgreSQL: each article's folded words as one line, where long phrases are checked, and its headline's
# apart, where the headline tiers are (fulltext.phrase_text); its keys as one line, where terms with
# marks are (fulltext.marks_text; migration 0013 adds the column to older tables)
TEXT_DDL = (
    "CREATE TABLE IF NOT EXISTS search_text (article_id INTEGER NOT NULL PRIMARY KEY "
    "REFERENCES articles (id) ON DELETE CASCADE, sort_key BIGINT NOT NULL UNIQUE, title TEXT NOT NULL, "
    "words TEXT NOT NULL, marks TEXT NOT NULL DEFAULT '')"
)
MARKS_DDL = "ALTER TABLE search_text ADD COLUMN IF NOT EXISTS marks TEXT NOT NULL DEFAULT ''"
SQLITE_DDL = [
    "CREATE TABLE search_docs (article_id INTEGER NOT NULL PRIMARY KEY "
    "REFERENCES articles (id) ON DELETE CASCADE, sort_key BIGINT NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, lead, body, facets, "
    "tokenize = 'ascii', detail = full)",
    # an article deleted (by hand or by cascade) takes its words with it
    "CREATE TRIGGER search_docs_gone AFTER DELETE ON search_docs "
    "BEGIN DELETE FROM search_fts WHERE rowid = old.sort_key; END",
    VOCAB_DDL,
]
POSTGRES_DDL = [
    "CREATE TABLE search_docs (article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE, "
    "sort_key BIGINT NOT NULL, tsv tsvector NOT NULL, head tsvector NOT NULL, PRIMARY KEY (sort_key)) "
    "PARTITION BY RANGE (sort_key)",
    "CREATE INDEX ix_search_docs_article ON search_docs (article_id)",
    "CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)",
    "CREATE INDEX ix_search_docs_head ON search_docs USING gin (head)",
    TEXT_DDL,
]
DROP = [
    "DROP TRIGGER IF EXISTS search_docs_gone",
    "DROP TABLE IF EXISTS search_fts",
    "DROP TABLE IF EXISTS search_vocab",
    "DROP TABLE IF EXISTS search_text",
    "DROP TABLE IF EXISTS search_docs",
]
log = logging.getLogger("huunghi.search")
PARTITION_ATTEMPTS = 600  # tries of a partition's making while writers hold the tables ...
PARTITION_LOCK_WAIT_MS = 100  # ... each waiting this long: well under deadlock_timeout (1 s)
EXPAND_MAX = 64  # a prefix with more words than this is left to FTS5's own prefix scan


@dataclass(frozen=True)
class IndexRow:
    """What the index needs of an article."""

    article_id: int
    when: datetime  # published, else first seen: the article's place in date order
    title: str
    lead: str
    body: str
    source_id: int | None = None
    section: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    story_id: int | None = None

    def facets(self) -> list[str]:
        return fulltext.facets(self.source_id, self.section, list(self.tags), self.story_id)


def create(conn: Connection) -> None:
    for ddl in SQLITE_DDL if conn.dialect.name == "sqlite" else POSTGRES_DDL:
        conn.exec_driver_sql(ddl)


def drop(conn: Connection) -> None:
    for ddl in DROP if conn.dialect.name == "sqlite" else DROP[3:]:
        conn.exec_driver_sql(ddl)


def put(s: Session | Connection, rows: Iterable[IndexRow]) -> int:
    """Index (or re-index) these articles; returns how many."""
    rows = list(rows)
    if not rows:
        return 0
    docs: list[dict[str, Any]] = [
        {"id": r.article_id, "k": fulltext.sort_key(r.when, r.article_id)} for r in rows
    ]
    dialect = s.get_bind().dialect if isinstance(s, Session) else s.dialect
    if dialect.name == "sqlite":
        s.execute(
            text("DELETE FROM search_docs WHERE article_id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": [d["id"] for d in docs]},
        )
        s.execute(text("INSERT INTO search_docs (article_id, sort_key) VALUES (:id, :k)"), docs)
        cols: list[dict[str, Any]] = []
        vocab: set[str] = set()
        for r, d in zip(rows, docs):
            fw, kw = fulltext.marked_fields(r.title, r.lead, r.body)
            vocab.update(*fw)
            vocab.update(fulltext.vocab_key(w, k) for ws, ks in zip(fw, kw) for w, k in zip(ws, ks))
            cols.append(
                dict(
                    zip(("t", "l", "b"), fulltext.fts5_row(fw, kw)),
                    k=d["k"],
                    f=" ".join(fulltext.PAIR + f for f in r.facets()),
                )
            )
        s.execute(
            text("INSERT INTO search_fts (rowid, title, lead, body, facets) VALUES (:k, :t, :l, :b, :f)"),
            cols,
        )
        if vocab:
            s.execute(
                text("INSERT OR IGNORE INTO search_vocab (term) VALUES (:t)"), [{"t": t} for t in vocab]
            )
    else:
        for r, d in zip(rows, docs):
            facets, (fw, kw) = r.facets(), fulltext.marked_fields(r.title, r.lead, r.body)
            d["v"] = fulltext.tsvector_literal(fw, facets, kw)
            d["h"] = fulltext.tsvector_literal(fw[:2], facets, kw[:2])
            d["w"], d["t"] = fulltext.phrase_text(fw), fulltext.phrase_text(fw[:1])
            d["m"] = fulltext.marks_text(kw)
        _partitions(s, {d["k"] for d in docs})
        for table in ("search_docs", "search_text"):
            s.execute(
                text(f"DELETE FROM {table} WHERE article_id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": [d["id"] for d in docs]},
            )
        s.execute(
            text(
                "INSERT INTO search_docs (article_id, sort_key, tsv, head) "
                "VALUES (:id, :k, CAST(:v AS tsvector), CAST(:h AS tsvector))"
            ),
            docs,
        )
        s.execute(
            text(
                "INSERT INTO search_text (article_id, sort_key, title, words, marks) "
                "VALUES (:id, :k, :t, :w, :m)"
            ),
            docs,
        )
    return len(rows)


def expansions(s: Session | Connection, prefixes: Iterable[str]) -> dict[str, list[str]]:
    """SQLite: the indexed words starting with each prefix, where there are at most
    ``EXPAND_MAX``. FTS5 without a prefix index reads a prefix's whole doclist before it can
    return one row (most of a second for "huu*" in a million articles); an OR of the words it
    stands for is read lazily, newest first, like any other word."""
    out: dict[str, list[str]] = {}
    for p in set(prefixes):
        if not p:
            continue
        after = p[:-1] + chr(ord(p[-1]) + 1)  # the first string past every word starting with p
        terms = list(
            s.execute(
                text(
                    f"SELECT term FROM search_vocab WHERE term >= :p AND term < :q "
                    f"ORDER BY term LIMIT {EXPAND_MAX + 1}"
                ),
                {"p": p, "q": after},
            ).scalars()
        )
        if len(terms) <= EXPAND_MAX:
            out[p] = terms
    return out


def key_variants(s: Session | Connection, bare: Iterable[str]) -> dict[str, list[str]] | None:
    """SQLite: every key the index holds for each of these folded words ("thanh" → "thanh",
    "thành", "thánh"...), from ``search_vocab`` (``fulltext.vocab_key``); None where a word
    has more than ``KEYS_MAX`` (the line of keys is checked instead)."""
    out: dict[str, list[str]] = {}
    for w in set(bare):
        lo = fulltext.vocab_key(w, "")
        rows = s.execute(
            text(
                f"SELECT term FROM search_vocab WHERE term >= :lo AND term < :hi "
                f"ORDER BY term LIMIT {fulltext.KEYS_MAX + 1}"
            ),
            {"lo": lo, "hi": lo[:-1] + chr(ord(fulltext.MARK) + 1)},
        ).scalars()
        out[w] = [t[len(lo) :] for t in rows]
        if len(out[w]) > fulltext.KEYS_MAX:
            return None
    return out


def fill_key_vocab(conn: Connection) -> None:
    """SQLite: ``search_vocab``'s keys from the key tokens FTS5 already holds (an archive indexed
    before the vocabulary kept them)."""
    from huunghi.text.normalize import fold

    conn.exec_driver_sql("CREATE VIRTUAL TABLE temp.search_fts_keys USING fts5vocab(main, search_fts, 'row')")
    try:
        terms = conn.execute(
            text("SELECT term FROM temp.search_fts_keys WHERE term >= :lo AND term < :hi"),
            {"lo": fulltext.MARK, "hi": chr(ord(fulltext.MARK) + 1)},
        ).scalars()
        rows = [{"t": fulltext.vocab_key(fold(t[1:]), t[1:])} for t in terms if fulltext.MARK not in t[1:]]
        if rows:
            conn.execute(text("INSERT OR IGNORE INTO search_vocab (term) VALUES (:t)"), rows)
    finally:
        conn.exec_driver_sql("DROP TABLE temp.search_fts_keys")


def fill_vocab(conn: Connection) -> None:
    """Fill ``search_vocab`` from what FTS5 already holds (migration 0008)."""
    conn.exec_driver_sql(VOCAB_DDL)
    conn.exec_driver_sql(
        "CREATE VIRTUAL TABLE temp.search_fts_terms USING fts5vocab(main, search_fts, 'row')"
    )
    try:
        conn.execute(
            text(
                "INSERT OR IGNORE INTO search_vocab (term) SELECT term FROM temp.search_fts_terms "
                "WHERE term NOT LIKE :pair"
            ),
            {"pair": fulltext.PAIR + "%"},
        )
    finally:
        conn.exec_driver_sql("DROP TABLE temp.search_fts_terms")


def index_stored(conn: Connection) -> None:
    """(Re-)index every stored article (migrations: 0007 first, 0008 again on PostgreSQL, 0013
    on both for the key tokens)."""
    articles = table(
        "articles",
        column("id", Integer),
        column("published_at", UTCDateTime),
        column("first_seen", UTCDateTime),
        column("title", Text),
        column("lead", Text),
        column("body_text", Text),
        column("source_id", Integer),
        column("section", Text),
        column("story_id", Integer),
    )
    tags: dict[int, list[tuple[str, str]]] = {}
    for article_id, kind, value in conn.execute(text("SELECT article_id, kind, value FROM article_tags")):
        tags.setdefault(article_id, []).append((kind, value))
    batch = []
    # read as written, 500 at a time (a grown archive's bodies do not fit in memory at once)
    for row in conn.execute(select(articles).order_by(articles.c.id).execution_options(yield_per=500)):
        batch.append(
            IndexRow(
                row.id,
                row.published_at or row.first_seen,
                row.title or "",
                row.lead or "",
                row.body_text or "",
                row.source_id,
                row.section or "",
                tuple(tags.get(row.id, ())),
                row.story_id,
            )
        )
        if len(batch) == 500:
            put(conn, batch)
            batch = []
    put(conn, batch)


UPGRADE_BATCH = 2000


def add_key_pairs(conn: Connection) -> int:
    """Migration 0014: every article indexed before key pair tokens gets them, read off what the
    index holds of it (FTS5's columns on SQLite, the lines of ``search_text`` on PostgreSQL), so
    no article is folded again; returns how many were changed. FTS5's segments are merged after
    (the replaced entries' room back: 5.9 GB against 4.6 GB at 100,000 articles); PostgreSQL's GIN
    indexes are made again once the vectors are written (one build costs less than every
    vector's entries anew)."""
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_search_docs_tsv")
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_search_docs_head")
    changed, last = 0, -1
    while True:
        if sqlite:
            rows = conn.execute(
                text(
                    "SELECT rowid, title, lead, body FROM search_fts WHERE rowid > :last "
                    f"ORDER BY rowid LIMIT {UPGRADE_BATCH}"
                ),
                {"last": last},
            ).all()
            todo = []
            for k, *cols in rows:
                new = [fulltext.fts5_upgraded(c or "") for c in cols]
                if any(n is not None for n in new):
                    t, le, b = (n if n is not None else (c or "") for n, c in zip(new, cols))
                    todo.append({"k": k, "t": t, "l": le, "b": b})
            if todo:
                conn.execute(
                    text("UPDATE search_fts SET title = :t, lead = :l, body = :b WHERE rowid = :k"), todo
                )
        else:
            rows = conn.execute(
                text(
                    "SELECT sort_key, words, marks FROM search_text WHERE sort_key > :last "
                    f"ORDER BY sort_key LIMIT {UPGRADE_BATCH}"
                ),
                {"last": last},
            ).all()
            todo = []
            for k, words_line, marks_line in rows:
                v = fulltext.key_pairs_literal(words_line, marks_line)
                if v:
                    todo.append({"k": k, "v": v, "h": fulltext.key_pairs_literal(words_line, marks_line, 2)})
            if todo:
                conn.execute(
                    text(
                        "UPDATE search_docs SET tsv = CAST(CAST(tsv AS text) || ' ' || :v AS tsvector), "
                        "head = CAST(CAST(head AS text) || ' ' || :h AS tsvector) WHERE sort_key = :k"
                    ),
                    todo,
                )
        changed += len(todo)
        if len(rows) < UPGRADE_BATCH:
            break
        last = rows[-1][0]
    if sqlite and changed:  # FTS5 keeps the replaced rows' entries until its segments merge
        conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    if not sqlite:
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        conn.exec_driver_sql("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)")
        conn.exec_driver_sql("CREATE INDEX ix_search_docs_head ON search_docs USING gin (head)")
    return changed


def quarter(key: int) -> tuple[str, int, int]:
    """The partition holding a sort key: (name, first key, first key of the next quarter)."""
    when = datetime.fromtimestamp(key >> fulltext.ID_BITS, UTC)
    first = datetime(when.year, 3 * ((when.month - 1) // 3) + 1, 1, tzinfo=UTC)
    months = first.month - 1 + 3
    after = datetime(first.year + months // 12, months % 12 + 1, 1, tzinfo=UTC)
    lo, hi = fulltext.key_bounds(first, after)
    return f"search_docs_p{first.year}q{(first.month + 2) // 3}", lo or 0, (hi or 0) + 1


def quarter_of_name(name: str) -> tuple[str, int, int]:
    """(name, first key, end key) of a partition named by ``quarter``."""
    year, q = name.rsplit("_p", 1)[1].split("q")
    first = datetime(int(year), 3 * (int(q) - 1) + 1, 1, tzinfo=UTC)
    return quarter(fulltext.sort_key(first, 1))


def ensure_partitions(engine: Engine, whens: Iterable[datetime]) -> None:
    """PostgreSQL: make the quarters' partitions that articles of these dates need, in a short
    transaction of its own, before a store transaction writes.

    Making a partition locks ``search_docs`` and, for its foreign key, ``articles``. Made inside a
    store transaction, two crawls storing at once deadlock, and the one PostgreSQL picks loses its
    batch. Out here it waits for no one: it gives up at once while other writers hold the tables
    (its queued lock would stop them all) and tries again a moment later. Making one is rare: once
    a quarter, and while a first crawl reads an archive of old articles.
    """
    if engine.dialect.name != "postgresql":
        return
    wanted = sorted({quarter(fulltext.sort_key(when, 1)) for when in whens})
    names = [name for name, _lo, _hi in wanted]
    for _attempt in range(PARTITION_ATTEMPTS):
        try:
            with engine.begin() as conn:
                if not _missing(conn, names):  # the usual case: one cheap look, no lock
                    return
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PARTITION_LOCK})
                conn.execute(text(f"SET LOCAL lock_timeout = '{PARTITION_LOCK_WAIT_MS}ms'"))
                missing = _missing(conn, names)  # another writer may have made them meanwhile
                for name, lo, hi in wanted:
                    if name in missing:
                        conn.execute(
                            text(
                                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF search_docs "
                                f"FOR VALUES FROM ({lo}) TO ({hi})"
                            )
                        )
            return
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != "55P03":  # not "lock not available"
                raise
            time.sleep(random.uniform(0.02, 0.2))
    log.warning(
        "chưa tạo được phân vùng chỉ mục %s (search partitions not made yet): the store makes them",
        ", ".join(names),
    )


def _missing(s: Session | Connection, names: list[str]) -> set[str]:
    return set(
        s.execute(
            text("SELECT n FROM unnest(CAST(:names AS text[])) AS n WHERE to_regclass(n) IS NULL"),
            {"names": names},
        ).scalars()
    )


def _partitions(s: Session | Connection, keys: set[int]) -> None:
    """Make the quarters' partitions these keys need (another writer may make one first: fine).
    The store path has made them already (``ensure_partitions``); this is for the other writers."""
    wanted = {quarter(k) for k in keys}
    missing = _missing(s, [name for name, _lo, _hi in wanted])
    for name, lo, hi in sorted(wanted):
        if name in missing:
            nested = s.begin_nested()
            try:
                s.execute(
                    text(
                        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF search_docs "
                        f"FOR VALUES FROM ({lo}) TO ({hi})"
                    )
                )
                nested.commit()
            except Exception:  # made meanwhile by a concurrent writer
                nested.rollback()
