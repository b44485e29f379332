"""Validators for conditional GETs of feeds and sitemaps.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from huunghi.storage.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "http_validators",
        sa.Column("url", sa.String(2000), primary_key=True),
        sa.Column("etag", sa.String(300), nullable=False),
        sa.Column("last_modified", sa.String(100), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("http_validators")
