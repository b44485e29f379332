"""Search, second layout: on SQLite every indexed word (search_vocab), so a prefix query can name
the words it stands for; on PostgreSQL word triples in the vectors and each article's folded
words as one line (search_text), where long phrases are checked: every article is indexed again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from alembic import op

from huunghi.storage.search import index as searchindex

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        searchindex.fill_vocab(conn)
    else:
        conn.exec_driver_sql(searchindex.TEXT_DDL)
        searchindex.index_stored(conn)


def downgrade() -> None:
    """Kept: the index writer fills these tables from 0007 on (it is the same code)."""
