"""Digests: composed once per subscription and scheduled time, and the stories they carried.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from huunghi.storage.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
        sa.Column("from_event", sa.Integer, nullable=False),
        sa.Column("to_event", sa.Integer, nullable=False),
        sa.Column("composed_at", UTCDateTime, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("message", sa.LargeBinary, nullable=False),
        sa.Column("stories", sa.JSON, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("name", "due_at", name="uq_digest_once"),
    )
    op.create_index("ix_digests_status", "digests", ["status"])
    op.create_table(
        "digest_stories",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("story_id", sa.Integer, primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("digest_stories")
    op.drop_table("digests")
