"""Clean extraction: raw pages, site templates, updated time, images and extraction method.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from huunghi.storage.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("updated_at", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("images", sa.JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("extraction", sa.String(16), nullable=False, server_default=""))
    op.create_table(
        "raw_pages",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("html_z", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "site_templates",
        sa.Column("host", sa.String(255), primary_key=True),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("site_templates")
    op.drop_table("raw_pages")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("extraction")
        batch.drop_column("images")
        batch.drop_column("updated_at")
