"""Initial archive: sources, articles, versions, crawl runs and their errors.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from huunghi.storage.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("homepage", sa.String(2000), nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("pages_fetched", sa.Integer, nullable=False),
        sa.Column("articles_new", sa.Integer, nullable=False),
        sa.Column("articles_updated", sa.Integer, nullable=False),
        sa.Column("articles_unchanged", sa.Integer, nullable=False),
        sa.Column("error_count", sa.Integer, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=True),
    )
    op.create_index("ix_crawl_runs_source_id", "crawl_runs", ["source_id"])
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("lead", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("author", sa.String(500), nullable=False),
        sa.Column("credit", sa.String(500), nullable=False),
        sa.Column("section", sa.String(500), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("version_count", sa.Integer, nullable=False),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("last_seen", UTCDateTime, nullable=False),
    )
    op.create_index("ix_articles_source_id", "articles", ["source_id"])
    op.create_index("ix_articles_content_hash", "articles", ["content_hash"])
    op.create_index("ix_articles_published", "articles", ["published_at"])
    op.create_table(
        "article_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("fetched_at", UTCDateTime, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("lead", sa.Text, nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("published_at", UTCDateTime, nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("crawl_runs.id"), nullable=True),
        sa.UniqueConstraint("article_id", "version", name="uq_article_version"),
    )
    op.create_table(
        "crawl_errors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("crawl_runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_crawl_errors_run_id", "crawl_errors", ["run_id"])


def downgrade() -> None:
    for table in ("crawl_errors", "article_versions", "articles", "crawl_runs", "sources"):
        op.drop_table(table)
