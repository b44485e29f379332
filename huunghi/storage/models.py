"""SQLAlchemy 2 typed models of the archive. Portable SQL: SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the archive stores aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect: Any) -> Optional[datetime]:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Source(Base):
    """A configured portal (or a section of one)."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    homepage: Mapped[str] = mapped_column(String(2000), default="")
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    runs: Mapped[list[CrawlRun]] = relationship(back_populates="source")


class Article(Base):
    """The current state of one article, keyed by its canonical URL."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    author: Mapped[str] = mapped_column(String(500), default="")
    credit: Mapped[str] = mapped_column(String(500), default="")
    section: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(16), default="")
    images: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    extraction: Mapped[str] = mapped_column(String(16), default="")
    published_source: Mapped[str] = mapped_column(String(64), default="")  # the evidence of published_at
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    body_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    story_id: Mapped[Optional[int]] = mapped_column(ForeignKey("stories.id"), nullable=True, index=True)
    minhash: Mapped[Optional[bytes]] = mapped_column(LargeBinary, nullable=True)
    shingles: Mapped[int] = mapped_column(Integer, default=0)
    # the event signature (text.events.EventSignature.to_json): who, where, when, how much
    event: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON, nullable=True)
    removed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    visits: Mapped[int] = mapped_column(Integer, default=0)  # revisits done
    next_visit_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True, index=True)
    version_count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[Source] = relationship()
    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article", order_by="ArticleVersion.version"
    )

    __table_args__ = (Index("ix_articles_published", "published_at"),)


class ArticleURL(Base):
    """Every URL identity (see crawler.urls.url_key) under which an article was seen."""

    __tablename__ = "article_urls"
    url_key: Mapped[str] = mapped_column(String(2000), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Story(Base):
    """One real event, as reported by one or more articles (a story cluster)."""

    __tablename__ = "stories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    size: Mapped[int] = mapped_column(Integer, default=1)


class StoryBand(Base):
    """One LSH band of an article's MinHash: articles sharing a band key are cluster candidates."""

    __tablename__ = "story_bands"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    band_key: Mapped[str] = mapped_column(String(40))
    day: Mapped[int] = mapped_column(Integer)  # publication day number: candidates come from a window
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    __table_args__ = (Index("ix_story_bands_key_day", "band_key", "day"),)


class StoryKey(Base):
    """One specific fact of an article's event signature (a person, a figure): articles sharing
    a key within the event's window are candidates, as articles sharing a band are."""

    __tablename__ = "story_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    day: Mapped[int] = mapped_column(Integer)  # the event's day number, else the publication's
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    __table_args__ = (Index("ix_story_keys_key_day", "key", "day"),)


class StoryDecision(Base):
    """A person's word on two articles: one event (``same``) or two. The machine never undoes it."""

    __tablename__ = "story_decisions"
    article_a: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    article_b: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    same: Mapped[bool] = mapped_column(Boolean)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleTag(Base):
    """What an article is about: a province, a partner country, an organisation."""

    __tablename__ = "article_tags"
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    # where it was found (title, lead, body) and how (text, org, name), and whether it is one of
    # the article's main places; NULL for tags stored before 0013 until `stories rebuild`
    field: Mapped[Optional[str]] = mapped_column(String(10), nullable=True)
    via: Mapped[Optional[str]] = mapped_column(String(10), nullable=True)
    main: Mapped[Optional[bool]] = mapped_column(Boolean, nullable=True)
    __table_args__ = (Index("ix_article_tags_kind_value", "kind", "value"),)


class Event(Base):
    """Something a person may want to know: new article, article changed or removed, source broken."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    article_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), nullable=True, index=True
    )
    source_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sources.id"), nullable=True)
    run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("crawl_runs.id"), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Delivery(Base):
    """One event for one subscription on one channel: created once, sent once (see monitor.alerts)."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    subscription: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (UniqueConstraint("event_id", "subscription", "channel", name="uq_delivery_once"),)


class Digest(Base):
    """One composed digest: composed once (unique per subscription and scheduled time), sent once."""

    __tablename__ = "digests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_event: Mapped[int] = mapped_column(Integer)  # events after this one ...
    to_event: Mapped[int] = mapped_column(Integer)  # ... up to this one
    composed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    subject: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[bytes] = mapped_column(LargeBinary)  # the whole MIME message, as it will be sent
    stories: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (UniqueConstraint("name", "due_at", name="uq_digest_once"),)


class DigestStory(Base):
    """A story a subscription's digest has carried, so the next digest does not repeat it."""

    __tablename__ = "digest_stories"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    story_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class HttpValidator(Base):
    """The ETag / Last-Modified a feed or sitemap last answered with, for a conditional GET."""

    __tablename__ = "http_validators"
    url: Mapped[str] = mapped_column(String(2000), primary_key=True)
    etag: Mapped[str] = mapped_column(String(300), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class State(Base):
    """Small named values that must survive restarts (the alert planner's cursor, ...)."""

    __tablename__ = "state"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class RawPage(Base):
    """The HTML an article's stored version was read from (the latest fetch that changed it, or its
    first), zlib-compressed, so a better extractor can re-read it."""

    __tablename__ = "raw_pages"
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    size: Mapped[int] = mapped_column(Integer, default=0)
    html_z: Mapped[bytes] = mapped_column(LargeBinary)


class SiteTemplate(Base):
    """A site's learned template (opaque to storage: the crawler reads and writes the model)."""

    __tablename__ = "site_templates"
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    model: Mapped[str] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleVersion(Base):
    """One stored state of an article; a new one only when title, lead, body or date change."""

    __tablename__ = "article_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    title: Mapped[str] = mapped_column(Text, default="")
    lead: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[Optional[int]] = mapped_column(ForeignKey("crawl_runs.id"), nullable=True)
    diff: Mapped[Optional[list[dict[str, Any]]]] = mapped_column(JSON, nullable=True)

    article: Mapped[Article] = relationship(back_populates="versions")
    __table_args__ = (
        UniqueConstraint("article_id", "version", name="uq_article_version"),
        Index("ix_article_versions_fetched_at", "fetched_at"),
    )


class CrawlRun(Base):
    """One crawl of one source: what it fetched, stored and failed on, and how long it took."""

    __tablename__ = "crawl_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_updated: Mapped[int] = mapped_column(Integer, default=0)
    articles_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[Optional[float]] = mapped_column(Float, nullable=True)
    # what the crawl saw besides what it stored: known_skipped, not_modified, requested
    stats: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON, nullable=True)
    # the lease: which process runs it ("host:pid") and when it last said it is alive
    owner: Mapped[str] = mapped_column(String(200), default="")
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, nullable=True)

    source: Mapped[Source] = relationship(back_populates="runs")
    errors: Mapped[list[CrawlError]] = relationship(back_populates="run", order_by="CrawlError.id")


class CrawlError(Base):
    """A page or feed that failed (or was repaired) during a run, with its URL and reason."""

    __tablename__ = "crawl_errors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10), default="error")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    run: Mapped[CrawlRun] = relationship(back_populates="errors")
