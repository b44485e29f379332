"""Full-text search: search_docs (and FTS5's search_fts on SQLite), filled from the stored articles.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from alembic import op

from huunghi.storage.search import index as searchindex

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    op.create_index("ix_article_versions_fetched_at", "article_versions", ["fetched_at"])  # "changed since"
    searchindex.create(conn)
    searchindex.index_stored(conn)


def downgrade() -> None:
    searchindex.drop(op.get_bind())
    op.drop_index("ix_article_versions_fetched_at", "article_versions")
