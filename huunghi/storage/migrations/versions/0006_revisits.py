"""Revisit schedule: how many times an article was fetched again, and when the next one is due.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from huunghi.storage.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("visits", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_visit_at", UTCDateTime, nullable=True))
        batch.create_index("ix_articles_next_visit_at", ["next_visit_at"])


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_next_visit_at")
        batch.drop_column("next_visit_at")
        batch.drop_column("visits")
