"""Full-text search: search_docs (and FTS5's search_fts on SQLite), filled from the stored articles.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from storage import searchindex
from storage.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    op.create_index("ix_article_versions_fetched_at", "article_versions", ["fetched_at"])  # "changed since"
    searchindex.create(conn)
    articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("published_at", UTCDateTime),
                        sa.column("first_seen", UTCDateTime), sa.column("title", sa.Text),
                        sa.column("lead", sa.Text), sa.column("body_text", sa.Text),
                        sa.column("source_id", sa.Integer), sa.column("section", sa.Text),
                        sa.column("story_id", sa.Integer))
    tags: dict[int, list[tuple[str, str]]] = {}
    for article_id, kind, value in conn.execute(sa.text("SELECT article_id, kind, value FROM article_tags")):
        tags.setdefault(article_id, []).append((kind, value))
    batch = []
    for row in conn.execute(sa.select(articles).order_by(articles.c.id)):
        batch.append(searchindex.IndexRow(row.id, row.published_at or row.first_seen, row.title or "",
                                          row.lead or "", row.body_text or "", row.source_id, row.section or "",
                                          tuple(tags.get(row.id, ())), row.story_id))
        if len(batch) == 500:
            searchindex.put(conn, batch)
            batch = []
    searchindex.put(conn, batch)


def downgrade() -> None:
    searchindex.drop(op.get_bind())
    op.drop_index("ix_article_versions_fetched_at", "article_versions")
