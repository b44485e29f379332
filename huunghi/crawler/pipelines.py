"""Item pipelines: extract fetched pages, then store articles and record errors in the archive."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from huunghi.crawler.database import archive_of, database_url
from huunghi.crawler.items import ExtractedArticle, FetchedPage, PageError
from huunghi.crawler.reading import PageJob, Reader, ReadingWorker, to_record
from huunghi.crawler.urls import canonical_url, host_aliases, url_key
from huunghi.storage import leases
from huunghi.storage.archive import Archive, ArticleRecord, SourceBusy, StoreOutcome
from huunghi.storage.health import TIMED_OUT

__all__ = ["ArchivePipeline", "ExtractPipeline", "to_record"]

log = logging.getLogger(__name__)


class ExtractPipeline:
    """FetchedPage → ExtractedArticle, or a PageError with the reason (never an exception).

    Pages are read in crawl order by one ``reading.Reader`` whose site templates are loaded
    from the archive and saved back, so what one crawl learned makes the next one cleaner and
    faster. The reader runs in a worker process (``HUUNGHI_READ_IN_WORKER``, on by default) so
    that fetching and storing go on while a page is read.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.reader: Reader | ReadingWorker | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        url = database_url(self.crawler)
        if self.crawler.settings.getbool("HUUNGHI_READ_IN_WORKER", True):
            self.reader = ReadingWorker(url)  # another process: it opens its own Archive
            self.reader.start()
        else:
            self.reader = Reader(url, archive_of(self.crawler))
        # the archive pipeline closes the reading (saving the templates) before it closes its run,
        # while the run still holds its source (Scrapy closes the pipelines in reverse order)
        self.crawler.spider.close_reading = self.close_spider  # type: ignore[union-attr]

    def close_spider(self) -> None:
        reader, self.reader = self.reader, None
        if reader is not None:
            reader.close()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchedPage):
            return item
        assert self.reader is not None
        source = self.crawler.spider.source  # type: ignore[union-attr]
        job = PageJob(
            item.url,
            item.html,
            item.feed_date,
            item.canonical_hint,
            source.language,
            host_aliases(source.homepage, source.mirrors),
            tuple(int(x) for x in self.crawler.settings.getlist("HUUNGHI_REVISIT_AFTER")),
            getattr(self.crawler.spider, "run_id", 0),  # 0: no run of ours, no template saved
        )
        if isinstance(self.reader, ReadingWorker):
            reading = await self.reader.read(job)
        else:
            reading = self.reader.read(job)
        if reading.record is None:
            assert reading.error is not None
            return reading.error
        self.crawler.stats.inc_value(f"huunghi/extracted_{reading.method}")
        saw = getattr(self.crawler.spider, "saw_published", None)
        if saw is not None:
            saw(reading.published)
        return ExtractedArticle(reading.record)


class Heartbeat:
    """Tells the archive every ``leases.BEAT_S`` that this run's process is alive. A thread, not
    the reactor: a page that takes the reactor a minute to parse must not lose the lease."""

    def __init__(self, archive: Archive, run_id: int) -> None:
        self.archive, self.run_id = archive, run_id
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"huunghi-beat-{run_id}", daemon=True)
        self.thread.start()

    def _beat(self) -> None:
        while not self.done.wait(leases.BEAT_S):
            try:
                if not self.archive.crawls.beat(self.run_id):
                    return  # closed by someone else: nothing left to keep alive
            except Exception as exc:  # a locked or unreachable database: try again next beat
                log.warning("run %s: heartbeat failed: %s", self.run_id, exc)

    def stop(self) -> None:
        self.done.set()


class ArchivePipeline:
    """Opens a crawl run for the spider's source, stores articles, records errors, closes the run.

    Articles are stored in small batches (up to BATCH, or what arrived within BATCH_WAIT
    seconds), one transaction each: an item is passed on only once its article is committed,
    and a crawl stopped at any point leaves whole articles or none.
    """

    BATCH = 32
    BATCH_WAIT = 0.05

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive: Archive | None = None
        self.source_id = 0
        self.run_id = 0
        self.pending: list[tuple[ArticleRecord, asyncio.Future[StoreOutcome | Exception]]] = []
        self.timer: asyncio.TimerHandle | None = None
        self.beating: Heartbeat | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.archive = archive_of(self.crawler)
        if self.archive is None:
            raise RuntimeError("no archive configured: set HUUNGHI_DATABASE_URL or [archive] url")
        src = spider.source  # type: ignore[union-attr]
        self.source_id = self.archive.crawls.ensure_source(src.name, src.title, src.homepage, src.as_dict())
        try:
            self.run_id = self.archive.crawls.start_run(self.source_id)
        except SourceBusy as exc:  # another process took the source a moment ago: crawl nothing
            log.warning("%s: %s", src.name, exc)
            spider.busy = str(exc)  # type: ignore[union-attr]
            self.archive = None
            return
        spider.run_id = self.run_id  # type: ignore[union-attr]
        self.beating = Heartbeat(self.archive, self.run_id)

    async def process_item(self, item: Any) -> Any:
        assert self.archive is not None
        if isinstance(item, PageError):
            self.archive.crawls.record_error(self.run_id, item.url, item.kind, item.reason, item.severity)
            if item.removed:
                src = self.crawler.spider.source  # type: ignore[union-attr]
                aliases = host_aliases(src.homepage, src.mirrors)
                key = url_key(canonical_url(item.url, None, aliases), aliases)
                self.archive.articles.mark_removed(self.source_id, key, item.reason, self.run_id)
            if item.severity == "error":
                raise DropItem(f"{item.kind}: {item.reason}")
            return item
        if isinstance(item, ExtractedArticle):
            loop = asyncio.get_running_loop()
            stored: asyncio.Future[StoreOutcome | Exception] = loop.create_future()
            self.pending.append((item.record, stored))
            if len(self.pending) >= self.BATCH:
                self._flush()
            elif self.timer is None:
                self.timer = loop.call_later(self.BATCH_WAIT, self._flush)
            outcome = await stored
            if isinstance(outcome, Exception):  # on the run, where an operator sees it
                self.archive.crawls.record_error(
                    self.run_id, item.record.url, "store", f"không lưu được (not stored): {outcome!r}"[:2000]
                )
                raise outcome
            self.crawler.stats.inc_value(f"huunghi/articles_{outcome.value}")
        return item

    def _flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending = self.pending, []
        if not batch or self.archive is None:
            return
        try:
            outcomes = self.archive.articles.store_many(
                self.source_id, [rec for rec, _ in batch], self.run_id
            )
        except Exception as exc:  # the archive itself is unusable: every waiting item fails with it
            outcomes = [exc] * len(batch)
        for (_, stored), outcome in zip(batch, outcomes):
            if not stored.done():
                stored.set_result(outcome)

    def close_spider(self) -> None:
        if self.archive is None:
            return
        if self.beating is not None:
            self.beating.stop()
        self._flush()
        closing = getattr(self.crawler.spider, "close_reading", None)
        if closing is not None:  # what the templates learned is saved under this run's lease
            closing()
        for kind, (count, url, reason) in getattr(self.crawler.spider, "cuts", {}).items():
            # refused links are a portal's doing, repaired by not following them; a cut is work left undone
            severity = "warning" if kind == "refused" else "error"
            self.archive.crawls.record_error(self.run_id, url, kind, f"{reason} ({count}×)", severity)
        stats = self.crawler.stats
        pages = stats.get_value("response_received_count", 0)
        seen = {
            "known_skipped": stats.get_value("huunghi/known_skipped", 0),
            "not_modified": stats.get_value("huunghi/not_modified", 0),
            "requested": len(getattr(self.crawler.spider, "requested", ())),
        }
        cuts = getattr(self.crawler.spider, "cuts", {})
        status = TIMED_OUT if "deadline" in cuts else None  # None: from its errors and what it stored
        self.archive.crawls.finish_run(
            self.run_id, pages, status=status, stats=seen
        )  # the Archive stays open
