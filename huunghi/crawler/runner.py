"""Running crawls: in this process (CLI, demo) or in a child process (tests, the daemon).

Twisted's reactor cannot be restarted, so one process runs one crawl; callers that crawl
repeatedly use ``crawl_in_subprocess``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from huunghi.config import Config, load_config
from huunghi.crawler import settings as default_settings
from huunghi.crawler.database import close_shared, shared
from huunghi.crawler.spiders.portal import PortalSpider
from huunghi.storage import leases
from huunghi.storage.archive import Archive, RunSummary

log = logging.getLogger("huunghi.crawl")
QUIET_LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt")
CRAWLERS: list[Crawler] = []  # this process's crawlers, for closing their runs when the parent dies
ProgressFn = Callable[[str, str], None]  # (source name, "fetched" | "stored" | "error")


def scrapy_settings(config: Config, log_level: str = "WARNING") -> Settings:
    """Scrapy settings from huunghi.crawler.settings with huunghi.toml's [crawler] table on top."""
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.setdict({**default_settings.from_config(config), "LOG_LEVEL": log_level}, priority="cmdline")
    return settings


def crawl(
    config: Config,
    sources: list[str] | None = None,
    progress: ProgressFn | None = None,
    log_level: str = "WARNING",
    since: datetime | None = None,
    time_limit: float | None = None,
    on_busy: Callable[[str, str], None] | None = None,
) -> list[RunSummary]:
    """Crawl the given (or all enabled) sources once, concurrently; returns one summary each.

    ``time_limit`` (seconds) replaces ``[crawler] crawl_deadline_seconds`` for this crawl: at it,
    each spider closes, what was fetched is stored and its run is recorded as ``timed_out``.
    A source whose live run another process holds is skipped (``on_busy(name, who)``)."""
    chosen = config.enabled_sources(sources)
    with Archive(config.database_url) as archive:
        # a run "running" for twice the deadline belongs to a crawl that was killed (every crawl
        # stops itself at its deadline): close it, so `huunghi runs` does not show it running for ever
        for src in chosen:
            stale_s = 2 * max(config.crawler.crawl_deadline_seconds, time_limit or 0) + 60
            archive.crawls.interrupt_stale_runs(src.name, older_than_s=stale_s)
        # a source another live process is crawling is left to it: one crawl of a source at a time
        held = {src.name: owner for src in chosen if (owner := archive.crawls.busy(src.name))}
    for name, owner in held.items():
        log.warning(
            "%s: đang được thu thập bởi %s (being crawled elsewhere): skipped", name, leases.describe(owner)
        )
        if on_busy:
            on_busy(name, leases.describe(owner))
    chosen = [src for src in chosen if src.name not in held]
    if not chosen:
        return []
    settings = scrapy_settings(config, log_level)
    if time_limit:
        settings.set("HUUNGHI_CRAWL_DEADLINE_S", float(time_limit), priority="cmdline")
    process = CrawlerProcess(settings)
    if log_level not in ("DEBUG", "INFO"):
        # These failures are recorded on the crawl run (with URL and reason) and shown by the
        # CLI; their tracebacks on stderr would only bury the summary.
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawlers = []
    arm_held_signals = _hold_stop_signals()
    for src in chosen:
        crawler = process.create_crawler(PortalSpider)
        if progress:
            _wire_progress(crawler, src.name, progress)
        process.crawl(crawler, source=src, database_url=config.database_url, since=since)
        crawlers.append(crawler)
        CRAWLERS.append(crawler)
    arm_held_signals()
    try:
        process.start()
        archive = shared(config.database_url)  # the one the crawls used: their spiders were given this URL
        return [archive.crawls.run(run_id) for c in crawlers if (run_id := getattr(c.spider, "run_id", None))]
    finally:
        close_shared()
        _end_leftover_workers()


def _end_leftover_workers() -> None:
    """A reading worker whose spider never closed (stopped while it was opening) is still idle
    here, ignoring SIGTERM; at exit this process would wait for it for ever. The crawl is over:
    nothing it could still read would be stored."""
    for child in multiprocessing.active_children():
        child.kill()
        child.join(5)


def _hold_stop_signals() -> Callable[[], None]:
    """Hold SIGTERM and SIGINT while Scrapy sets its crawlers up, and hand them to its graceful
    handlers once the reactor runs. Raised in the middle of that set-up (a daemon stopping as its
    crawl starts), they would end in an "Unhandled error in Deferred" traceback.

    Returns what to call once the crawlers are set up (Scrapy has installed its reactor then;
    importing the reactor before would install Twisted's default one)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signal handlers belong to the main thread (and so does the reactor)
    held: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: held.append(signum))

    def replay() -> None:  # Scrapy's handlers are installed by now (its own "after startup" trigger)
        if held:
            signal.raise_signal(held[0])

    def arm() -> None:
        from twisted.internet import reactor

        # Any: the reactor is typed through zope interfaces, which mypy misreads
        clock: Any = reactor
        clock.addSystemEventTrigger("after", "startup", lambda: clock.callLater(0, replay))

    return arm


def _wire_progress(crawler: Crawler, name: str, progress: ProgressFn) -> None:
    sig = crawler.signals
    sig.connect(lambda **_: progress(name, "fetched"), signal=signals.response_received, weak=False)
    sig.connect(lambda **_: progress(name, "stored"), signal=signals.item_scraped, weak=False)
    sig.connect(lambda **_: progress(name, "error"), signal=signals.item_dropped, weak=False)


def die_with_parent(parent_pid: int, database_url: str, poll_s: float = 0.5) -> None:
    """End this crawl soon after its parent dies, closing its runs as ``interrupted``.

    A daemon killed with -9 cannot stop its crawls; without this they live on as orphans, stack
    up and later overwrite runs the restarted daemon has closed. Scrapy's graceful stop would
    wait for every download in flight (a dripping server: minutes), so the runs are closed here
    and the process leaves at once; the reading worker dies with it (it watches its own parent).
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(poll_s)
        try:
            with Archive(database_url) as archive:
                for crawler in list(CRAWLERS):
                    run_id = getattr(getattr(crawler, "spider", None), "run_id", None)
                    if run_id:
                        pages = crawler.stats.get_value("response_received_count", 0) if crawler.stats else 0
                        archive.crawls.finish_run(run_id, pages, status="interrupted")
        finally:
            os._exit(143)

    threading.Thread(target=watch, name="huunghi-parent-watch", daemon=True).start()


def _child(
    config_path: str,
    sources: list[str] | None,
    parent_pid: int | None = None,
    time_limit: float | None = None,
) -> None:
    # Until crawl() holds it for Scrapy's graceful handler, SIGTERM exits cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    config = load_config(config_path)
    if parent_pid is not None:
        die_with_parent(parent_pid, config.database_url)
    crawl(config, sources, time_limit=time_limit)


RUNNING: set[multiprocessing.process.BaseProcess] = set()  # live crawl children, for a clean stop
_RUNNING_LOCK = threading.Lock()
STOPPING = threading.Event()  # set by stop_all: no crawl child starts any more
START_ALLOWANCE_S = 60  # a crawl child's start (a fresh interpreter, imports, schema check)


def crawl_in_subprocess(
    config_path: str | Path,
    sources: list[str] | None = None,
    timeout: float = 600,
    time_limit: float | None = None,
) -> int:
    """One crawl in a fresh (spawned) process; returns its exit code (-9 when it overran).

    ``time_limit``: the crawl stops itself after that many seconds (``huunghi crawl --time-limit``);
    ``timeout`` is the hard bound on the whole process."""
    ctx = multiprocessing.get_context("spawn")
    args = (str(config_path), sources, os.getpid(), time_limit)
    proc = ctx.Process(target=_child, args=args, name="huunghi-crawl")
    with _RUNNING_LOCK:
        if STOPPING.is_set():  # a job that started as the daemon stopped: no new crawl
            return 0
        proc.start()
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
    """SIGTERM to every crawl child at once, then kill those still running after ``grace``.

    One SIGTERM each: a second one is Scrapy's "stop now" (no graceful close of the spider)."""
    with _RUNNING_LOCK:
        STOPPING.set()
        children = list(RUNNING)
    for proc in children:
        if proc.is_alive():
            proc.terminate()
    end = time.monotonic() + grace
    for proc in children:
        proc.join(max(0.0, end - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join()
