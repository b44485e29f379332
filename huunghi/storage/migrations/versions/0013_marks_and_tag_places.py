"""Marks honoured and tags' provenance: every article indexed again with its words' keys (key
tokens beside the folded words, and on PostgreSQL the line of keys in ``search_text.marks``);
``article_tags`` learns where each tag was found (``field``: title, lead, body; ``via``: text,
org, name) and whether it is one of the article's main places (``main``). Tags stored before
are NULL there ("not known") until ``huunghi stories rebuild`` reads them again (it needs the
crawler's tagger, as 0011's signatures do).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from huunghi.storage.search import index as searchindex

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    # plain ALTER TABLE on both backends (a batch copy would cascade to the table's children on SQLite)
    op.add_column("article_tags", sa.Column("field", sa.String(10), nullable=True))
    op.add_column("article_tags", sa.Column("via", sa.String(10), nullable=True))
    op.add_column("article_tags", sa.Column("main", sa.Boolean(), nullable=True))
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql(searchindex.MARKS_DDL)
    searchindex.index_stored(conn)


def downgrade() -> None:
    """The key tokens stay (the index writer of 0013 on writes them); the tags' columns go."""
    with op.batch_alter_table("article_tags") as batch:
        batch.drop_column("main")
        batch.drop_column("via")
        batch.drop_column("field")
