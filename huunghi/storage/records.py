"""The boundary dataclasses of the archive: what goes in and what comes out, defined once.

Callers get these, never live ORM rows, so no session leaks out of ``storage``; the same
records serve the crawler, the CLI, the web page and the search engines.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from huunghi.storage.models import Article, ArticleTag
from huunghi.text.events import EventSignature
from huunghi.text.normalize import content_hash, squash, squashed_hash


class HasSessions(Protocol):
    """What a reader of the archive needs: sessions (the search engines take this, not Archive)."""

    def session(self) -> Session: ...


@dataclass
class ArticleRecord:
    """An extracted article on its way into the archive."""

    url: str
    title: str
    lead: str = ""
    body_text: str = ""
    body_html: str = ""
    published_at: datetime | None = None
    author: str = ""
    credit: str = ""
    section: str = ""
    language: str = ""
    updated_at: datetime | None = None
    images: list[dict[str, str]] = field(default_factory=list)
    extraction: str = ""
    raw_html: str | None = None  # the page as fetched, kept compressed for re-extraction
    url_key: str = ""  # the article's identity (crawler.urls.url_key); default: the URL without scheme
    minhash: bytes | None = None  # MinHash signature (uint32 array) of its 3-word shingles
    shingles: int = 0  # how many distinct shingles it has
    bands: list[str] = field(default_factory=list)  # LSH band keys of the signature
    tags: list[tuple[str, str]] = field(default_factory=list)  # (kind, value): province, country, org
    # where each tag was found: (kind, value, field, via, main), field title/lead/body, via
    # text/org/name, main: one of the places the article is about (crawler.extract.tags.Tag)
    tag_found: list[tuple[str, str, str, str, bool]] = field(default_factory=list)
    event: EventSignature | None = None  # who, where, when, how much (text.events): joins rewrites
    revisit_after: list[int] = field(default_factory=list)  # seconds after first seen to fetch it again
    published_source: str = ""  # which evidence gave published_at (crawler.extract.dates)

    def identity(self) -> str:
        return self.url_key or re.sub(r"^[a-z]+://(www\.)?", "", self.url)

    # (key of the hashed fields, content hash, body hash), computed where the page was read
    sealed: tuple[int, str, str] | None = field(default=None, repr=False, compare=False)

    def content_hash(self) -> str:
        """What decides "changed": title, lead, body and date, normalised (never sidebars)."""
        if self.sealed is not None and self.sealed[0] == self._key():
            return self.sealed[1]
        when = self.published_at.isoformat() if self.published_at else ""
        return content_hash(self.title, self.lead, self.body_text, when)

    def body_hash(self) -> str:
        """The body alone, normalised: an unknown URL with a known body is an alias."""
        if self.sealed is not None and self.sealed[0] == self._key():
            return self.sealed[2]
        return content_hash(self.body_text)

    def seal(self) -> ArticleRecord:
        """Compute both hashes now: the crawl reads pages in a worker process and stores them
        in another, so the normalising (a millisecond an article) is done by the reader. A
        field changed afterwards makes the hashes be computed again."""
        when = self.published_at.isoformat() if self.published_at else ""
        title, lead, body, when = (squash(p or "") for p in (self.title, self.lead, self.body_text, when))
        self.sealed = (self._key(), squashed_hash(title, lead, body, when), squashed_hash(body))
        return self

    def _key(self) -> int:
        return hash((self.title, self.lead, self.body_text, self.published_at))


@dataclass
class EventRecord:
    id: int
    kind: str
    created_at: datetime
    article_id: int | None
    source: str
    data: dict[str, Any]


@dataclass
class DeliveryRecord:
    id: int
    event_id: int
    subscription: str
    channel: str
    attempts: int
    kind: str
    article_id: int | None
    data: dict[str, Any]
    source: str = ""  # the event's source (its name)
    created_at: datetime | None = None  # when the event happened


@dataclass
class RawPageRecord:
    article_id: int
    url: str
    source: str
    fetched_at: datetime
    html: str


class StoreOutcome(str, enum.Enum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class RunSummary:
    id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    pages_fetched: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    error_count: int
    duration_s: float | None
    errors: list[ErrorSummary] = field(default_factory=list)


@dataclass
class ErrorSummary:
    url: str
    kind: str
    reason: str
    severity: str


@dataclass
class SourceOverview:
    name: str
    title: str
    homepage: str
    articles: int
    last_run: RunSummary | None


@dataclass
class ArticleSummary:
    id: int
    source: str
    url: str
    title: str
    lead: str
    body_text: str
    published_at: datetime | None
    author: str
    credit: str
    section: str
    language: str
    versions: int
    first_seen: datetime
    last_seen: datetime
    updated_at: datetime | None = None
    images: list[dict[str, str]] = field(default_factory=list)
    extraction: str = ""
    story_id: int | None = None
    removed_at: datetime | None = None
    published_source: str = ""


class DigestRecord(NamedTuple):
    """A composed digest claimed for sending (a tuple, so ``for id, name, message, attempts in``)."""

    id: int
    name: str
    message: bytes
    attempts: int


# the article's columns an extraction fills: one list for storing, re-extracting and versions
STORED_FIELDS = (
    "title",
    "lead",
    "body_text",
    "body_html",
    "published_at",
    "updated_at",
    "author",
    "credit",
    "section",
    "language",
    "images",
    "extraction",
    "published_source",
)
VERSIONED_FIELDS = ("title", "lead", "body_text", "published_at")  # what a version keeps and a diff compares


def stored_fields(rec: ArticleRecord) -> dict[str, Any]:
    """The record's values for the article's columns (STORED_FIELDS)."""
    return {name: getattr(rec, name) for name in STORED_FIELDS}


# ArticleSummary fields whose column has another name on Article
_SUMMARY_COLUMNS = {"versions": "version_count"}
_SUMMARY_FIELDS = tuple(f.name for f in fields(ArticleSummary) if f.name != "source")


# How an article was read (the extractor's method, which evidence gave the date): kept for
# re-extraction and `huunghi show`, not what an export says about the article itself.
READING_FIELDS = ("extraction", "published_source")
IDENTITY_FIELDS = ("id", "source", "url")


def _flat(f: Any) -> bool:
    """A field one CSV cell holds (not a list or a mapping, such as ``images``)."""
    return not str(f.type).startswith(("list", "dict"))


def export_fields() -> tuple[str, ...]:
    """An article's flat fields in export order: its identity, what was extracted (in
    STORED_FIELDS order), then what the archive adds (in ArticleSummary order). One list, so a
    field added to the records reaches ``huunghi export`` without a second list to keep in step."""
    summary = {f.name: f for f in fields(ArticleSummary)}
    wanted = [n for n, f in summary.items() if _flat(f) and n not in READING_FIELDS]
    extracted = [n for n in STORED_FIELDS if n in wanted]
    added = [n for n in wanted if n not in extracted and n not in IDENTITY_FIELDS]
    return (*IDENTITY_FIELDS, *extracted, *added)


def article_summary(a: Article, source: str) -> ArticleSummary:
    """An article row as the boundary sees it (built by field name, not by position)."""
    values = {name: getattr(a, _SUMMARY_COLUMNS.get(name, name)) for name in _SUMMARY_FIELDS}
    values["images"] = list(values["images"] or [])
    return ArticleSummary(source=source, **values)


def tags_by_article(s: Session, ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """The tags of these articles, each list sorted by kind and value."""
    tags: dict[int, list[tuple[str, str]]] = {}
    for t in s.scalars(
        select(ArticleTag).where(ArticleTag.article_id.in_(ids)).order_by(ArticleTag.kind, ArticleTag.value)
    ):
        tags.setdefault(t.article_id, []).append((t.kind, t.value))
    return tags
