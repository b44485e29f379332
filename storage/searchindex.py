"""Keeping the full-text index in step with the articles, on SQLite (FTS5) or PostgreSQL.

``search_docs`` maps each article to its sort key (see ``fulltext.sort_key``); on SQLite the
words live in the FTS5 table ``search_fts`` (rowid = sort key), on PostgreSQL in
``search_docs.tsv`` under a GIN index. Both tables are dialect-specific, so they are made by
migration 0007 rather than declared as models. Every write happens in the caller's
transaction: an article and its index entry are stored together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.orm import Session

from . import fulltext

SQLITE_DDL = [
    "CREATE TABLE search_docs (article_id INTEGER NOT NULL PRIMARY KEY "
    "REFERENCES articles (id) ON DELETE CASCADE, sort_key BIGINT NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, lead, body, facets, tokenize = 'ascii', detail = full)",
    # an article deleted (by hand or by cascade) takes its words with it
    "CREATE TRIGGER search_docs_gone AFTER DELETE ON search_docs "
    "BEGIN DELETE FROM search_fts WHERE rowid = old.sort_key; END",
]
POSTGRES_DDL = [
    "CREATE TABLE search_docs (article_id INTEGER NOT NULL PRIMARY KEY "
    "REFERENCES articles (id) ON DELETE CASCADE, sort_key BIGINT NOT NULL UNIQUE, tsv tsvector NOT NULL)",
    "CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)",
]
DROP = ["DROP TRIGGER IF EXISTS search_docs_gone", "DROP TABLE IF EXISTS search_fts",
        "DROP TABLE IF EXISTS search_docs"]


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
    for ddl in DROP if conn.dialect.name == "sqlite" else DROP[2:]:
        conn.exec_driver_sql(ddl)


def put(s: Session | Connection, rows: Iterable[IndexRow]) -> int:
    """Index (or re-index) these articles; returns how many."""
    rows = list(rows)
    if not rows:
        return 0
    docs = [{"id": r.article_id, "k": fulltext.sort_key(r.when, r.article_id)} for r in rows]
    dialect = s.get_bind().dialect if isinstance(s, Session) else s.dialect
    if dialect.name == "sqlite":
        s.execute(text("DELETE FROM search_docs WHERE article_id IN :ids")
                  .bindparams(bindparam("ids", expanding=True)), {"ids": [d["id"] for d in docs]})
        s.execute(text("INSERT INTO search_docs (article_id, sort_key) VALUES (:id, :k)"), docs)
        cols = [dict(zip(("t", "l", "b"), fulltext.fts5_row(r.title, r.lead, r.body)), k=d["k"],
                     f=" ".join(fulltext.PAIR + f for f in r.facets())) for r, d in zip(rows, docs)]
        s.execute(text("INSERT INTO search_fts (rowid, title, lead, body, facets) VALUES (:k, :t, :l, :b, :f)"),
                  cols)
    else:
        for r, d in zip(rows, docs):
            d["v"] = fulltext.tsvector_literal(r.title, r.lead, r.body, r.facets())
        s.execute(text("INSERT INTO search_docs (article_id, sort_key, tsv) VALUES (:id, :k, CAST(:v AS tsvector)) "
                       "ON CONFLICT (article_id) DO UPDATE SET sort_key = excluded.sort_key, tsv = excluded.tsv"),
                  docs)
    return len(rows)
