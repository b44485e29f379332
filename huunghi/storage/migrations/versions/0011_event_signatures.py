"""Event signatures: who, where, when and how much, so independent rewrites of one event join.

Articles keep their signature; its specific facts (people, figures) are indexed by day as the
LSH bands are, and a person's decisions on pairs of articles are kept. Signatures of articles
stored before are computed by ``huunghi stories rebuild`` (it needs the crawler's tagger).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from huunghi.storage.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE on both backends: a batch copy of `articles` would cascade to its children on SQLite
    op.add_column("articles", sa.Column("event", sa.JSON, nullable=True))
    op.create_table(
        "story_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("day", sa.Integer, nullable=False),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_story_keys_key_day", "story_keys", ["key", "day"])
    op.create_index("ix_story_keys_article_id", "story_keys", ["article_id"])
    op.create_table(
        "story_decisions",
        sa.Column(
            "article_a", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "article_b", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("same", sa.Boolean, nullable=False),
        sa.Column("decided_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_story_decisions_article_b", "story_decisions", ["article_b"])


def downgrade() -> None:
    op.drop_table("story_decisions")
    op.drop_table("story_keys")
    op.drop_column("articles", "event")
