"""Item pipelines: extract fetched pages, then store articles and record errors in the archive."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.extract import Extracted, Extractor, NotAnArticle
from crawler.template import TemplateBook
from crawler.items import ExtractedArticle, FetchedPage, PageError
from crawler.dedup import signature
from crawler.tags import find_tags
from crawler.urls import canonical_url, host_aliases, url_key
from storage.archive import Archive, ArticleRecord

log = logging.getLogger(__name__)


class ExtractPipeline:
    """FetchedPage → ExtractedArticle, or a PageError with the reason (never an exception).

    Pages are extracted in crawl order by one Extractor whose site templates are loaded from
    the archive and saved back (every SAVE_EVERY pages and at the end), so what one crawl
    learned makes the next one cleaner and faster.
    """

    SAVE_EVERY = 50

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive: Archive | None = None
        self.extractor = Extractor()
        self.pages = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ExtractPipeline":
        return cls(crawler)

    def open_spider(self) -> None:
        url = self.crawler.settings.get("HUUNGHI_DATABASE_URL") or getattr(self.crawler.spider, "database_url", None)
        if url:
            self.archive = Archive(url)
            self.extractor = Extractor(TemplateBook(self.archive.load_template, self.archive.save_template))

    def close_spider(self) -> None:
        self._save()
        if self.archive is not None:
            self.archive.close()

    def _save(self) -> None:
        try:
            self.extractor.book.flush()
        except Exception:  # a template is an optimisation: losing one must not fail the crawl
            log.exception("could not save site templates")

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        source = self.crawler.spider.source  # type: ignore[union-attr]
        try:
            art = self.extractor.extract(item.html, item.url, feed_date=item.feed_date,
                                         default_language=source.language)
        except NotAnArticle as exc:
            return PageError(item.url, "not-article", str(exc))
        except Exception as exc:  # an extractor bug must cost one page, not the crawl
            log.exception("extraction failed for %s", item.url)
            return PageError(item.url, "extract", f"{type(exc).__name__}: {exc}")
        self.pages += 1
        if self.pages % self.SAVE_EVERY == 0:
            self._save()
        self.crawler.stats.inc_value(f"huunghi/extracted_{art.method}")
        saw = getattr(self.crawler.spider, "saw_published", None)
        if saw is not None:
            saw(art.published)
        aliases = host_aliases(source.homepage, source.mirrors)
        record = to_record(art, item.url, item.html, item.canonical_hint or art.canonical, source.language, aliases)
        record.revisit_after = [int(x) for x in self.crawler.settings.getlist("HUUNGHI_REVISIT_AFTER")]
        return ExtractedArticle(record)


def to_record(art: Extracted, url: str, html: str | None, canonical_hint: str | None,
              default_language: str = "", aliases: Mapping[str, str] | None = None) -> ArticleRecord:
    """An extraction as the archive stores it, with its identity, dedup signature and tags
    (shared by the crawl and re-extraction)."""
    canonical = canonical_url(url, canonical_hint, aliases)
    sig = signature(art.title, art.lead, art.body_text)
    return ArticleRecord(
        url=canonical, title=art.title, lead=art.lead, body_text=art.body_text,
        body_html=art.body_html, published_at=art.published, updated_at=art.updated, author=art.author,
        credit=art.credit, section=art.section, language=art.language or default_language,
        images=art.images, extraction=art.method, raw_html=html, url_key=url_key(canonical, aliases),
        minhash=sig.minhash if sig else None, shingles=sig.shingles if sig else 0,
        bands=sig.bands if sig else [], tags=find_tags(art.title, art.lead, art.body_text),
    )


class ArchivePipeline:
    """Opens a crawl run for the spider's source, stores articles, records errors, closes the run."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive: Archive | None = None
        self.source_id = 0
        self.run_id = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ArchivePipeline":
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        url = self.crawler.settings.get("HUUNGHI_DATABASE_URL") or getattr(spider, "database_url", None)
        if not url:
            raise RuntimeError("no archive configured: set HUUNGHI_DATABASE_URL or [archive] url")
        self.archive = Archive(url)
        src = spider.source  # type: ignore[union-attr]
        self.source_id = self.archive.ensure_source(src.name, src.title, src.homepage, src.as_dict())
        self.run_id = self.archive.start_run(self.source_id)
        spider.run_id = self.run_id  # type: ignore[union-attr]

    def process_item(self, item: Any) -> Any:
        assert self.archive is not None
        if isinstance(item, PageError):
            self.archive.record_error(self.run_id, item.url, item.kind, item.reason, item.severity)
            if item.removed:
                src = self.crawler.spider.source  # type: ignore[union-attr]
                aliases = host_aliases(src.homepage, src.mirrors)
                key = url_key(canonical_url(item.url, None, aliases), aliases)
                self.archive.mark_removed(self.source_id, key, item.reason, self.run_id)
            if item.severity == "error":
                raise DropItem(f"{item.kind}: {item.reason}")
            return item
        if isinstance(item, ExtractedArticle):
            outcome = self.archive.store_article(self.source_id, item.record, self.run_id)
            self.crawler.stats.inc_value(f"huunghi/articles_{outcome.value}")
        return item

    def close_spider(self) -> None:
        if self.archive is None:
            return
        pages = self.crawler.stats.get_value("response_received_count", 0)
        self.archive.finish_run(self.run_id, pages)
        self.archive.close()
