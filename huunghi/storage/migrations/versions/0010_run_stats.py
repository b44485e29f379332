"""Run accounting: what a crawl saw besides what it stored (known links skipped, 304 feeds, ...).

Without it a re-crawl that found only known articles looked like an empty run, and a healthy
source was reported broken.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("stats", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("stats")
