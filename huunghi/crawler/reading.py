"""Reading fetched pages (extraction, site templates, dedup signature, tags) in a worker process.

Reading a page costs a few milliseconds of CPU; on Scrapy's reactor thread that time is taken
from fetching and storing. One worker process reads the pages while the reactor goes on
fetching and storing, so a crawl uses two cores instead of one. There is exactly one worker:
pages are read in crawl order, so each site's template is learned (and saved to the archive)
exactly as it would be in-process.

The worker is forked when the spider opens (the modules are already imported: a few
milliseconds, where a fresh interpreter takes a second), ignores SIGINT and SIGTERM (its
parent decides when it stops, after the pages already handed over), and is killed by the
kernel if the crawl process dies, so a crawl that overran and was killed leaves no orphan. If
the worker itself dies (a page that exhausts memory), the pages it held are recorded as errors
(not stored, so the next
crawl fetches them again) and a new worker reads the next ones.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime

from huunghi.crawler.database import forget_after_fork
from huunghi.crawler.extract.eventsig import event_of
from huunghi.crawler.extract.extractor import Extracted, Extractor, NotAnArticle
from huunghi.crawler.extract.signature import signature
from huunghi.crawler.extract.tags import read_tags
from huunghi.crawler.extract.template import TemplateBook
from huunghi.crawler.items import PageError
from huunghi.crawler.urls import canonical_url, url_key
from huunghi.storage.archive import Archive, ArticleRecord

log = logging.getLogger(__name__)

SAVE_EVERY = 50  # pages between saves of what the templates learned


@dataclass(frozen=True)
class PageJob:
    """One fetched page and what reading it needs to know of its source."""

    url: str
    html: str
    feed_date: datetime | None = None
    canonical_hint: str | None = None
    language: str = ""
    aliases: Mapping[str, str] = field(default_factory=dict)
    revisit_after: tuple[int, ...] = ()
    run_id: int | None = None  # the crawl run it belongs to: templates are saved under its lease


@dataclass
class Reading:
    """What reading a page gave: a record to store, or the error that stands for the page."""

    record: ArticleRecord | None = None
    error: PageError | None = None
    method: str = ""
    published: datetime | None = None


def to_record(
    art: Extracted,
    url: str,
    html: str | None,
    canonical_hint: str | None,
    default_language: str = "",
    aliases: Mapping[str, str] | None = None,
) -> ArticleRecord:
    """An extraction as the archive stores it, with its identity, dedup signature and tags
    (shared by the crawl and re-extraction)."""
    canonical = canonical_url(url, canonical_hint, aliases)
    sig = signature(art.title, art.lead, art.body_text)
    tags = read_tags(art.title, art.lead, art.body_text)
    return ArticleRecord(
        url=canonical,
        title=art.title,
        lead=art.lead,
        body_text=art.body_text,
        body_html=art.body_html,
        published_at=art.published,
        updated_at=art.updated,
        author=art.author,
        credit=art.credit,
        section=art.section,
        language=art.language or default_language,
        images=art.images,
        extraction=art.method,
        published_source=art.published_source,
        raw_html=html,
        url_key=url_key(canonical, aliases),
        minhash=sig.minhash if sig else None,
        shingles=sig.shingles if sig else 0,
        bands=sig.bands if sig else [],
        tags=[(t.kind, t.value) for t in tags],
        tag_found=[(t.kind, t.value, t.field, t.via, t.main) for t in tags],
        event=event_of(art.title, art.lead, art.body_text, art.published, tags),
    ).seal()


def read_page(extractor: Extractor, job: PageJob) -> Reading:
    """Extract one page into a record; never raises (an extractor bug costs one page)."""
    try:
        art = extractor.extract(job.html, job.url, feed_date=job.feed_date, default_language=job.language)
        record = to_record(
            art, job.url, job.html, job.canonical_hint or art.canonical, job.language, job.aliases
        )
    except NotAnArticle as exc:
        return Reading(error=PageError(job.url, "not-article", str(exc)))
    except Exception as exc:
        log.exception("extraction failed for %s", job.url)
        return Reading(error=PageError(job.url, "extract", f"{type(exc).__name__}: {exc}"))
    record.revisit_after = list(job.revisit_after)
    return Reading(record=record, method=art.method, published=art.published)


class Reader:
    """Reads pages in order with one Extractor whose templates come from (and go back to) the
    archive, saving every SAVE_EVERY pages and on ``close``."""

    def __init__(self, database_url: str | None, archive: Archive | None = None) -> None:
        self._owns = archive is None  # the crawl's shared Archive is closed by the crawl
        self.archive = archive if archive is not None else Archive(database_url) if database_url else None
        book = TemplateBook(self.archive.crawls.load_template, self._save_template) if self.archive else None
        self.extractor = Extractor(book)
        self.pages = 0
        self.run_id: int | None = None  # the run of the pages read last

    def _save_template(self, host: str, model: str, pages: int) -> None:
        # only while the crawl still holds its source: a crawl closed meanwhile (killed,
        # interrupted) must not write over the template another crawl of the source learns
        assert self.archive is not None
        self.archive.crawls.save_template(host, model, pages, run_id=self.run_id)

    def read(self, job: PageJob) -> Reading:
        if job.run_id is not None:
            self.run_id = job.run_id
        reading = read_page(self.extractor, job)
        if reading.record is not None:
            self.pages += 1
            if self.pages % SAVE_EVERY == 0:
                self.save()
        return reading

    def save(self) -> None:
        try:
            self.extractor.book.flush()
        except Exception:  # a template is an optimisation: losing one must not fail the crawl
            log.exception("could not save site templates")

    def close(self) -> None:
        self.save()
        if self.archive is not None and self._owns:
            self.archive.close()


# -- the worker process ---------------------------------------------------------------------
_READER: Reader | None = None


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process when its parent dies, however the parent died."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _worker_start(database_url: str | None, parent: int) -> None:
    global _READER
    _die_with_parent(parent)
    # the parent's handlers (Scrapy's graceful stop) came along with the fork; a signal to the
    # whole process group (Ctrl-C, a service manager) is for the parent, which closes this worker
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    forget_after_fork()  # the parent's engines came along with the fork: never use them here
    _READER = Reader(database_url)


def _worker_read(job: PageJob) -> Reading:
    assert _READER is not None
    reading = _READER.read(job)
    if reading.record is not None:  # the parent has the page already: do not send it back
        reading.record.raw_html = None
    return reading


def _worker_close() -> None:
    if _READER is not None:
        _READER.close()


class ReadingWorker:
    """The parent's side: ``await read(job)`` hands a page to the worker process."""

    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        self.pool: ProcessPoolExecutor | None = None
        self.pid: int | None = None  # the worker's process id, once started

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            # the worker is forked (at its first page): no garbage of the parent's comes along
            # (a worker started again after one died would inherit what the crawl has let go of)
            gc.collect()
            method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            self.pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context(method),
                initializer=_worker_start,
                initargs=(self.database_url, os.getpid()),
            )
        return self.pool

    def start(self) -> None:
        """Start the worker now rather than with the first page."""
        self.pid = self._pool().submit(os.getpid).result()

    async def read(self, job: PageJob) -> Reading:
        if self.pool is None:
            self.start()
        pool = self._pool()
        try:
            reading = await asyncio.wrap_future(pool.submit(_worker_read, job))
            if reading.record is not None:
                reading.record.raw_html = job.html
            return reading
        except BrokenProcessPool as exc:
            if self.pool is pool:  # the first page to hear of it; the next page starts another worker
                log.error("the reading worker died (reading %s or a page before it)", job.url)
                self._discard()
            return Reading(error=PageError(job.url, "extract", f"the reading process died: {exc}"))

    def _discard(self) -> None:
        pool, self.pool, self.pid = self.pool, None, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Save the templates and stop the worker (waits for the pages already handed over)."""
        if self.pool is None:
            return
        done: Future[None] = self.pool.submit(_worker_close)
        try:
            done.result(timeout=60)
        except Exception:
            log.exception("the reading worker did not close cleanly")
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool, self.pid = None, None
