"""Dedup, story clusters, change events, tags and alert deliveries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import re

import sqlalchemy as sa
from alembic import op

from huunghi.storage.models import UTCDateTime
from huunghi.text.normalize import content_hash

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
    )
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("body_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("story_id", sa.Integer, sa.ForeignKey("stories.id", name="fk_articles_story"),
                                   nullable=True))
        batch.add_column(sa.Column("minhash", sa.LargeBinary, nullable=True))
        batch.add_column(sa.Column("shingles", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("removed_at", UTCDateTime, nullable=True))
        batch.create_index("ix_articles_body_hash", ["body_hash"])
        batch.create_index("ix_articles_story_id", ["story_id"])
    with op.batch_alter_table("article_versions") as batch:
        batch.add_column(sa.Column("diff", sa.JSON, nullable=True))
    op.create_table(
        "article_urls",
        sa.Column("url_key", sa.String(2000), primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("first_seen", UTCDateTime, nullable=False),
    )
    op.create_index("ix_article_urls_article_id", "article_urls", ["article_id"])
    op.create_table(
        "story_bands",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("band_key", sa.String(40), nullable=False),
        sa.Column("day", sa.Integer, nullable=False),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_story_bands_key_day", "story_bands", ["band_key", "day"])
    op.create_index("ix_story_bands_article_id", "story_bands", ["article_id"])
    op.create_table(
        "article_tags",
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
    )
    op.create_index("ix_article_tags_kind_value", "article_tags", ["kind", "value"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="SET NULL"), nullable=True),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id"), nullable=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("crawl_runs.id"), nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_events_kind", "events", ["kind"])
    op.create_index("ix_events_created_at", "events", ["created_at"])
    op.create_index("ix_events_article_id", "events", ["article_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subscription", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("sent_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("event_id", "subscription", "channel", name="uq_delivery_once"),
    )
    op.create_index("ix_deliveries_event_id", "deliveries", ["event_id"])
    op.create_table(
        "state",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_index("ix_deliveries_status", "deliveries", ["status"])
    # articles stored before this revision: their URL identity (scheme dropped) and body hash
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, url, body_text, first_seen FROM articles")).fetchall()
    for art_id, url, body, first_seen in rows:
        key = re.sub(r"^[a-z]+://(www\.)?", "", url)
        conn.execute(sa.text("INSERT INTO article_urls (url_key, article_id, url, first_seen) "
                             "VALUES (:k, :a, :u, :f)"), {"k": key, "a": art_id, "u": url, "f": first_seen})
        conn.execute(sa.text("UPDATE articles SET body_hash = :h WHERE id = :a"),
                     {"h": content_hash(body or ""), "a": art_id})


def downgrade() -> None:
    for table in ("state", "deliveries", "events", "article_tags", "story_bands", "article_urls"):
        op.drop_table(table)
    with op.batch_alter_table("article_versions") as batch:
        batch.drop_column("diff")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_story_id")
        batch.drop_index("ix_articles_body_hash")
        for column in ("removed_at", "shingles", "minhash", "story_id", "body_hash"):
            batch.drop_column(column)
    op.drop_table("stories")
