"""Which evidence gave an article's publication date (JSON-LD, a meta tag, the visible line, the feed).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE on both backends: a batch copy of `articles` would cascade to its children on SQLite
    op.add_column("articles", sa.Column("published_source", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("articles", "published_source")
