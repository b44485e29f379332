"""Running crawls: in this process (CLI, demo) or in a child process (tests, the daemon).

Twisted's reactor cannot be restarted, so one process runs one crawl; callers that crawl
repeatedly use ``crawl_in_subprocess``.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Callable

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from huunghi.crawler import settings as default_settings
from huunghi.config import Config, load_config
from huunghi.crawler.spiders.portal import PortalSpider
from huunghi.crawler.database import close_shared, shared
from huunghi.storage.archive import RunSummary

QUIET_LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt")
ProgressFn = Callable[[str, str], None]  # (source name, "fetched" | "stored" | "error")


def scrapy_settings(config: Config, log_level: str = "WARNING") -> Settings:
    """Scrapy settings from huunghi.crawler.settings with huunghi.toml's [crawler] table on top."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.setdict({**default_settings.from_config(config), "LOG_LEVEL": log_level}, priority="cmdline")
    return settings


def crawl(config: Config, sources: list[str] | None = None, progress: ProgressFn | None = None,
          log_level: str = "WARNING", since: datetime | None = None) -> list[RunSummary]:
    """Crawl the given (or all enabled) sources once, concurrently; returns one summary each."""
    chosen = config.enabled_sources(sources)
    process = CrawlerProcess(scrapy_settings(config, log_level))
    if log_level not in ("DEBUG", "INFO"):
        # These failures are recorded on the crawl run (with URL and reason) and shown by the
        # CLI; their tracebacks on stderr would only bury the summary.
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawlers = []
    for src in chosen:
        crawler = process.create_crawler(PortalSpider)
        if progress:
            _wire_progress(crawler, src.name, progress)
        process.crawl(crawler, source=src, database_url=config.database_url, since=since)
        crawlers.append(crawler)
    try:
        process.start()
        archive = shared(config.database_url)  # the one the crawls used: their spiders were given this URL
        return [archive.crawls.run(c.spider.run_id) for c in crawlers if getattr(c.spider, "run_id", None)]
    finally:
        close_shared()


def _wire_progress(crawler: object, name: str, progress: ProgressFn) -> None:
    sig = crawler.signals  # type: ignore[attr-defined]
    sig.connect(lambda **_: progress(name, "fetched"), signal=signals.response_received, weak=False)
    sig.connect(lambda **_: progress(name, "stored"), signal=signals.item_scraped, weak=False)
    sig.connect(lambda **_: progress(name, "error"), signal=signals.item_dropped, weak=False)


def _child(config_path: str, sources: list[str] | None) -> None:
    # Until Scrapy installs its graceful handler (after the reactor starts), SIGTERM exits cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    crawl(load_config(config_path), sources)


RUNNING: set[multiprocessing.process.BaseProcess] = set()  # live crawl children, for a clean stop
_RUNNING_LOCK = threading.Lock()


def crawl_in_subprocess(config_path: str | Path, sources: list[str] | None = None,
                        timeout: float = 600) -> int:
    """One crawl in a fresh (spawned) process; returns its exit code (-9 when it overran)."""
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_child, args=(str(config_path), sources), name="huunghi-crawl")
    proc.start()
    with _RUNNING_LOCK:
        RUNNING.add(proc)
    try:
        proc.join(timeout)
        if proc.is_alive():
            stop_child(proc, grace=10)
            return -9
        return proc.exitcode or 0
    finally:
        with _RUNNING_LOCK:
            RUNNING.discard(proc)


def stop_child(proc: multiprocessing.process.BaseProcess, grace: float) -> None:
    """SIGTERM first (Scrapy closes the spider: the run is finished, no article half-written), then kill."""
    if proc.is_alive():
        proc.terminate()
        proc.join(grace)
    if proc.is_alive():
        proc.kill()
        proc.join()


def stop_all(grace: float) -> None:
    with _RUNNING_LOCK:
        children = list(RUNNING)
    for proc in children:
        if proc.is_alive():
            proc.terminate()
    for proc in children:
        stop_child(proc, grace)
