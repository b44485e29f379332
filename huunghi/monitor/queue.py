"""The fleet's job queue: crawls, alerts and digests as procrastinate jobs in the PostgreSQL archive.

``[daemon] executor = "queue"``: the daemon no longer crawls; each tick it *defers* a job, and
``huunghi worker`` processes on any machine run them. The unit of work is one crawl of one
source. Its job carries the lock and the queueing lock ``crawl:NAME``: no two workers crawl a
source at once (so a host's politeness holds across machines: one source is one host, crawled by
one Scrapy process at a time), and a source waits in the queue at most once.

A crawl runs as the daemon runs it (``daemon.crawl_job``: a child process with the time limit,
the source's stale runs closed afterwards). A crawl that crashed, was stopped with its worker,
or found its source busy elsewhere is retried with backoff. A worker killed outright stops
beating; the daemon's ``retry_stalled`` pass gives its jobs back to the queue, and another
worker takes them. The run lease (``storage.leases``) keeps a retried crawl from running beside
one still alive; the crawl child of a killed worker closes its run as it dies (``die_with_parent``).

procrastinate's schema lives beside ours, applied by ``huunghi archive upgrade`` (``ensure_schema``).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import signal
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import procrastinate
from procrastinate import exceptions as pq_exceptions
from procrastinate.job_context import JobContext
from procrastinate.jobs import Status
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url

from huunghi.config import load_config
from huunghi.crawler import runner
from huunghi.monitor.daemon import alerts_job, crawl_job, digests_job
from huunghi.storage import leases
from huunghi.storage.archive import Archive

log = logging.getLogger("huunghi.worker")

CRAWL, ALERTS, DIGESTS = "huunghi.crawl", "huunghi.alerts", "huunghi.digests"
HEARTBEAT_S = 5.0  # a worker says it is alive this often
STALLED_AFTER_S = 30.0  # a worker silent this long is dead: its jobs go back to the queue
STALLED_CHECK_S = 15  # how often the daemon looks for such jobs
KEEP_JOBS_HOURS = 72  # finished jobs stay this long in procrastinate_jobs, then go (hourly)
# a crawl that failed is tried again after 4, 16, 64 and 256 s: past the run lease (LEASE_S) of a
# crawl whose machine died, so the last tries find the source free
CRAWL_RETRY = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=4)
# serialises `archive upgrade`s applying the queue's schema (hashtext: an int4, apart from the
# bigint keys of our migrations)
SCHEMA_LOCK_SQL = "hashtext('huunghi.queue.schema')"


class CrawlNotDone(Exception):
    """A crawl the queue should try again (with backoff)."""


def crawl_lock(source: str) -> str:
    """The lock and queueing lock of a source's crawls."""
    return f"crawl:{source}"


def conninfo(database_url: str) -> str:
    """The archive's SQLAlchemy URL as libpq reads it (``postgresql+psycopg://`` → ``postgresql://``)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(
            f"hàng đợi cần PostgreSQL (the queue needs PostgreSQL), not {url.get_backend_name()}"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


# -- the schema ---------------------------------------------------------------------------
def ensure_schema(database_url: str) -> bool:
    """procrastinate's tables and functions, once: True when this call made them.

    Under an advisory lock, so two processes upgrading at once do not both create them."""
    import psycopg

    with psycopg.connect(conninfo(database_url), autocommit=True) as conn:
        conn.execute(f"SELECT pg_advisory_lock({SCHEMA_LOCK_SQL})")
        try:
            row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if row and row[0] is not None:
                return False
            with conn.transaction():
                conn.execute(SchemaManager.get_schema())  # no parameters: '%' is not a placeholder
            log.info("đã tạo lược đồ hàng đợi (procrastinate schema applied)")
            return True
        finally:
            conn.execute(f"SELECT pg_advisory_unlock({SCHEMA_LOCK_SQL})")


# -- the app and its tasks -----------------------------------------------------------------
def _config_path(context: JobContext) -> str:
    return str(context.additional_context["config_path"])


def _newest_run(database_url: str, source: str) -> int:
    with Archive(database_url) as archive:
        runs = archive.crawls.runs(limit=1, source=source)
    return runs[0].id if runs else 0


def crawl_task(context: JobContext, source: str) -> str:
    """One crawl of one source, as the daemon runs it; what did not happen raises (retried)."""
    path = _config_path(context)
    config = load_config(path)
    src = next((s for s in config.sources if s.name == source), None)
    if src is None or not src.enabled or src.paused:
        log.warning(
            "%s: không có hoặc đang tạm dừng trong %s (not in this worker's configuration, or paused)",
            source,
            path,
        )
        return f"{source}: skipped"
    before = _newest_run(config.database_url, source)
    code = crawl_job(path, source)
    if runner.STOPPING.is_set():
        raise CrawlNotDone(f"{source}: dừng cùng worker (stopped with the worker), exit {code}")
    if code == -9:  # it overran its time limit: its run says so; the next round tries again
        return f"{source}: killed after its time limit"
    if code:
        raise CrawlNotDone(
            f"{source}: tiến trình thu thập kết thúc với mã {code} (the crawl exited with {code})"
        )
    after = _newest_run(config.database_url, source)
    if after == before:  # the child found a live run of it (a crawl by hand, a machine just died)
        with Archive(config.database_url) as archive:
            owner = archive.crawls.busy(source)
        who = leases.describe(owner) if owner else "một tiến trình khác"
        raise CrawlNotDone(f"{source}: đang được thu thập bởi {who} (being crawled elsewhere)")
    return f"{source}: run {after}"


def alerts_task(context: JobContext) -> None:
    alerts_job(_config_path(context))


def digests_task(context: JobContext) -> None:
    digests_job(_config_path(context))


def build_app(database_url: str, **pool: Any) -> procrastinate.App:
    """A procrastinate App on the archive's database with Huunghi's tasks (``pool``: psycopg_pool's
    sizes). Not opened."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database_url), **pool))
    app.task(name=CRAWL, pass_context=True, retry=CRAWL_RETRY)(crawl_task)
    app.task(name=ALERTS, pass_context=True)(alerts_task)
    app.task(name=DIGESTS, pass_context=True)(digests_task)
    return app


# -- the daemon's side: deferring jobs (module-level functions: APScheduler keeps them by reference)
_APPS: dict[str, procrastinate.App] = {}
_APPS_LOCK = threading.Lock()


def deferring_app(database_url: str) -> procrastinate.App:
    """This process's app for deferring (opened synchronously, shared by the scheduler's threads)."""
    with _APPS_LOCK:
        app = _APPS.get(database_url)
        if app is None:
            ensure_schema(database_url)
            app = build_app(database_url, min_size=1, max_size=4)
            app.open()
            _APPS[database_url] = app
        return app


@atexit.register
def close_apps() -> None:
    with _APPS_LOCK:
        for app in _APPS.values():
            app.close()
        _APPS.clear()


def defer(app: procrastinate.App, task: str, lock: str, **kwargs: Any) -> int | None:
    """Queue one job unless one with this lock is waiting or running: its id, else None.

    A source still being crawled when its next round comes is not queued behind itself (as the
    local executor skips a job still running); the queueing lock settles a defer racing this one
    (``AlreadyEnqueued``: nothing to do)."""
    for status in ("todo", "doing"):
        if app.job_manager.list_jobs(queueing_lock=lock, status=status):
            return None
    try:
        return app.configure_task(task, lock=lock, queueing_lock=lock).defer(**kwargs)
    except pq_exceptions.AlreadyEnqueued:
        return None


def defer_crawl(config_path: str, source: str) -> int | None:
    config = load_config(config_path)
    job = defer(deferring_app(config.database_url), CRAWL, crawl_lock(source), source=source)
    if job is None:
        log.info("%s: đã có trong hàng đợi hoặc đang được thu thập (already queued or running)", source)
    return job


def defer_alerts(config_path: str) -> int | None:
    config = load_config(config_path)
    if not config.subscriptions:
        return None
    return defer(deferring_app(config.database_url), ALERTS, "alerts")


def defer_digests(config_path: str) -> int | None:
    config = load_config(config_path)
    if not config.digests:
        return None
    return defer(deferring_app(config.database_url), DIGESTS, "digests")


def retry_stalled(config_path: str) -> list[int]:
    """Jobs of workers that stopped beating (killed, their machine gone) go back to the queue.

    One pass at a time, from the daemon: two passes could otherwise both hand back one job."""
    config = load_config(config_path)
    return asyncio.run(_retry_stalled(config.database_url))


async def _retry_stalled(database_url: str) -> list[int]:
    app = build_app(database_url, min_size=1, max_size=1)
    retried: list[int] = []
    async with app.open_async():
        manager = app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_S):
            assert job.id is not None
            try:
                await manager.retry_job(job)
            except pq_exceptions.ConnectorException:
                # another job of its lock is waiting already: it does the work; this one is closed
                await manager.finish_job_by_id_async(job_id=job.id, status=Status.FAILED, delete_job=False)
                log.warning(
                    "việc %s (%s) của worker đã chết: đóng lại (closed, another is queued)", job.id, job.lock
                )
                continue
            retried.append(job.id)
            log.warning(
                "việc %s (%s) của worker đã ngừng (its worker stopped beating): trả lại hàng đợi (requeued)",
                job.id,
                job.lock or job.task_name,
            )
    return retried


def forget_old_jobs(config_path: str) -> None:
    """Finished jobs are kept KEEP_JOBS_HOURS for whoever looks into the queue, then deleted (the
    crawl runs, events and deliveries in the archive are the record; a job is only the errand)."""
    config = load_config(config_path)
    asyncio.run(_forget(config.database_url))


async def _forget(database_url: str) -> None:
    app = build_app(database_url, min_size=1, max_size=1)
    async with app.open_async():
        await app.job_manager.delete_old_jobs(
            nb_hours=KEEP_JOBS_HOURS, include_failed=True, include_cancelled=True, include_aborted=True
        )


# -- the worker ------------------------------------------------------------------------------
def run_worker(config_path: Path, concurrency: int = 1) -> None:
    """``huunghi worker``: run jobs until SIGTERM or SIGINT, then stop cleanly.

    On a stop no job starts; running crawls get SIGTERM (their spiders close, their runs are
    finished) and are killed after ``stop_grace_seconds``; a crawl stopped so is queued again."""
    config = load_config(config_path)
    ensure_schema(config.database_url)
    runner.STOPPING.clear()
    asyncio.run(
        _work(str(config_path.resolve()), config.database_url, concurrency, config.daemon.stop_grace_seconds)
    )


async def _work(config_path: str, database_url: str, concurrency: int, grace: float) -> None:
    loop = asyncio.get_running_loop()
    # procrastinate runs a synchronous task in the loop's default executor: one thread per job
    loop.set_default_executor(
        ThreadPoolExecutor(max_workers=concurrency + 2, thread_name_prefix="huunghi-job")
    )
    name = f"{socket.gethostname()}:{os.getpid()}"
    app = build_app(database_url, min_size=2, max_size=concurrency + 4)
    async with app.open_async():
        work = asyncio.create_task(
            app.run_worker_async(
                name=name,
                concurrency=concurrency,
                install_signal_handlers=False,
                additional_context={"config_path": config_path},
                update_heartbeat_interval=HEARTBEAT_S,
                stalled_worker_timeout=STALLED_AFTER_S,
            )
        )
        stopping = threading.Event()

        def stop(signum: int) -> None:
            if stopping.is_set():
                return
            stopping.set()
            log.warning(
                "đang dừng (signal %s): không nhận việc mới, các lượt thu thập đang chạy được đóng lại "
                "(stopping: no new job, running crawls are closing)",
                signum,
            )
            # SIGTERM to the crawl children, kill after the grace: blocking, so beside the loop
            threading.Thread(target=runner.stop_all, args=(grace,), name="huunghi-stop", daemon=True).start()
            work.cancel()  # procrastinate's worker then waits for its running jobs

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop, sig)
        log.info("worker %s bắt đầu (started): %d việc cùng lúc (concurrency)", name, concurrency)
        try:
            await work
        except asyncio.CancelledError:
            if not stopping.is_set():
                raise
    log.info("worker %s đã dừng (stopped)", name)
