"""What flows through the pipelines: fetched pages, extracted articles, and page errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from huunghi.storage.archive import ArticleRecord


@dataclass
class FetchedPage:
    """An article page as fetched; the extract pipeline turns it into an ExtractedArticle."""

    url: str
    html: str
    feed_date: datetime | None = None
    canonical_hint: str | None = None


@dataclass
class ExtractedArticle:
    record: ArticleRecord


@dataclass
class PageError:
    """A page, feed or sitemap that failed; recorded on the crawl run with URL and reason."""

    url: str
    kind: str
    reason: str
    severity: str = "error"
    removed: bool = False  # a known article that is gone (404/410, or redirected to the home page)
