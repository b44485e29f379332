"""Run leases: a running crawl names its process and beats, so a restarted daemon (or any
command) tells a live crawl from one that died, and never starts a second crawl of its source.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from huunghi.storage.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE: a batch copy would recreate crawl_runs and cascade to its errors on SQLite
    op.add_column("crawl_runs", sa.Column("owner", sa.String(200), nullable=False, server_default=""))
    op.add_column("crawl_runs", sa.Column("heartbeat_at", UTCDateTime, nullable=True))


def downgrade() -> None:
    op.drop_column("crawl_runs", "heartbeat_at")
    op.drop_column("crawl_runs", "owner")
