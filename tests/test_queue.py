"""The queue executor piece by piece, on a real PostgreSQL: the queue's schema applied once, a
source queued once (its queueing lock, a defer racing another, a crawl still running), the jobs
of a worker that stopped beating handed back, the daemon's queue-mode jobs, and the refusal of
``executor = "queue"`` on SQLite."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import psycopg
import pytest

from huunghi.config import ConfigError, parse_config
from huunghi.monitor import queue
from tests.fixtures.crawling import huunghi

pg = pytest.mark.postgres


def _statuses(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return [
            (r[0], r[1])
            for r in conn.execute("SELECT lock, status::text FROM procrastinate_jobs ORDER BY id")
        ]


def _config(path: Path, url: str, executor: str = "queue") -> Path:
    path.write_text(
        f'[archive]\nurl = "{url}"\n[crawler]\nallow_private = true\n[daemon]\nexecutor = "{executor}"\n'
        '[[sources]]\nname = "a"\nlistings = ["http://127.0.0.1:9/"]\n',
        encoding="utf-8",
    )
    return path


@pg
def test_the_queue_schema_is_made_once_even_by_two_processes_at_once(pg_url):
    made: list[bool] = []
    barrier = threading.Barrier(3)

    def one() -> None:
        barrier.wait()
        made.append(queue.ensure_schema(pg_url))

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(made) == [False, False, True]
    assert queue.ensure_schema(pg_url) is False  # idempotent
    app = queue.build_app(pg_url)
    with app.open():
        assert app.check_connection()


@pg
def test_archive_upgrade_applies_the_queue_schema_on_postgresql(tmp_path, pg_url):
    config = _config(tmp_path / "huunghi.toml", pg_url)
    first = huunghi("--config", str(config), "archive", "upgrade", "--json", cwd=tmp_path)
    again = huunghi("--config", str(config), "archive", "upgrade", cwd=tmp_path)
    assert first.returncode == 0 and '"queue_schema": "created"' in first.stdout, first.stderr
    assert again.returncode == 0 and "hàng đợi việc (job queue): đã có" in again.stdout, again.stderr


@pg
def test_a_source_is_queued_once_however_many_defer_it(pg_url):
    queue.ensure_schema(pg_url)
    app = queue.build_app(pg_url, min_size=1, max_size=8)
    with app.open():
        first = queue.defer(app, queue.CRAWL, queue.crawl_lock("a"), source="a")
        assert first is not None
        assert queue.defer(app, queue.CRAWL, queue.crawl_lock("a"), source="a") is None  # AlreadyEnqueued
        assert queue.defer(app, queue.CRAWL, queue.crawl_lock("b"), source="b") is not None
        # eight schedulers deferring one source at the same moment: one job, no error
        got: list[int | None] = []
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def one() -> None:
            barrier.wait()
            try:
                got.append(queue.defer(app, queue.CRAWL, queue.crawl_lock("c"), source="c"))
            except BaseException as exc:  # noqa: BLE001 - any error is the finding
                errors.append(exc)

        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors and len([j for j in got if j is not None]) == 1, (got, errors)
    assert _statuses(pg_url) == [("crawl:a", "todo"), ("crawl:b", "todo"), ("crawl:c", "todo")]


async def _take(url: str, stale: bool) -> int:
    """A worker takes the next job; with ``stale`` it then goes silent (as a killed one does)."""
    app = queue.build_app(url, min_size=1, max_size=1)
    async with app.open_async():
        worker = await app.job_manager.register_worker()
        job = await app.job_manager.fetch_job(queues=None, worker_id=worker)
        assert job is not None and job.id is not None
    if stale:
        with psycopg.connect(url) as conn:
            conn.execute("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'")
    return job.id


@pg
def test_a_crawl_still_running_is_not_queued_behind_itself(pg_url):
    queue.ensure_schema(pg_url)
    app = queue.build_app(pg_url, min_size=1, max_size=2)
    with app.open():
        assert queue.defer(app, queue.CRAWL, queue.crawl_lock("a"), source="a") is not None
        asyncio.run(_take(pg_url, stale=False))
        assert _statuses(pg_url) == [("crawl:a", "doing")]
        assert queue.defer(app, queue.CRAWL, queue.crawl_lock("a"), source="a") is None
    assert _statuses(pg_url) == [("crawl:a", "doing")]


@pg
def test_the_jobs_of_a_worker_that_stopped_beating_go_back_to_the_queue(tmp_path, pg_url):
    config = _config(tmp_path / "huunghi.toml", pg_url)
    queue.ensure_schema(pg_url)
    app = queue.build_app(pg_url, min_size=1, max_size=2)
    with app.open():
        queue.defer(app, queue.CRAWL, queue.crawl_lock("a"), source="a")
        job = asyncio.run(_take(pg_url, stale=False))
        assert queue.retry_stalled(str(config)) == []  # its worker beats: left alone
        with psycopg.connect(pg_url) as conn:
            conn.execute("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 hour'")
        assert queue.retry_stalled(str(config)) == [job]
        assert _statuses(pg_url) == [("crawl:a", "todo")]
        # killed again, while another job of its source already waits: that one does the crawl
        job = asyncio.run(_take(pg_url, stale=True))
        app.configure_task(queue.CRAWL, lock="crawl:a", queueing_lock="crawl:a").defer(source="a")
        assert queue.retry_stalled(str(config)) == []
    assert _statuses(pg_url) == [("crawl:a", "failed"), ("crawl:a", "todo")]
    # finished jobs are kept three days, then forgotten; waiting ones never
    queue.forget_old_jobs(str(config))
    assert _statuses(pg_url) == [("crawl:a", "failed"), ("crawl:a", "todo")]
    with psycopg.connect(pg_url) as conn:
        conn.execute("UPDATE procrastinate_events SET at = now() - interval '100 hours'")
    queue.forget_old_jobs(str(config))
    assert _statuses(pg_url) == [("crawl:a", "todo")]


@pg
def test_in_queue_mode_the_daemon_defers_its_jobs(tmp_path, pg_url):
    from huunghi.monitor.daemon import Daemon, crawl_job

    config = _config(tmp_path / "huunghi.toml", pg_url)
    daemon = Daemon(config)
    daemon.scheduler.start(paused=True)
    try:
        daemon.plan_jobs()
        jobs = {j.id: j for j in daemon.scheduler.get_jobs()}
        assert set(jobs) == {"crawl:a", "alerts", "digests", "stalled", "forget"}
        assert jobs["crawl:a"].func is queue.defer_crawl and jobs["stalled"].func is queue.retry_stalled
        assert jobs["forget"].func is queue.forget_old_jobs
        assert jobs["crawl:a"].func(*jobs["crawl:a"].args) is not None  # what the tick does
        assert jobs["crawl:a"].func(*jobs["crawl:a"].args) is None  # the next tick: still queued
        assert _statuses(pg_url) == [("crawl:a", "todo")]
        path = _config(config, pg_url, executor="local")  # back to local: the daemon crawls itself again
        path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
        assert daemon.reload() is True
        jobs = {j.id: j for j in daemon.scheduler.get_jobs()}
        assert set(jobs) == {"crawl:a", "alerts", "digests"} and jobs["crawl:a"].func is crawl_job
    finally:
        daemon.scheduler.shutdown(wait=False)
        queue.close_apps()


def test_the_queue_executor_needs_postgresql(tmp_path):
    with pytest.raises(ConfigError, match='executor = "queue" cần kho PostgreSQL'):
        parse_config({"archive": {"url": "sqlite:///a.sqlite"}, "daemon": {"executor": "queue"}}, environ={})
    with pytest.raises(ConfigError, match='"local" hoặc "queue"'):
        parse_config({"daemon": {"executor": "celery"}}, environ={})
    ok = parse_config(
        {"archive": {"url": "postgresql://u@db/h"}, "daemon": {"executor": "queue"}}, environ={}
    )
    assert ok.daemon.executor == "queue"
    assert parse_config({}, environ={}).daemon.executor == "local"
    # a worker on an SQLite archive stops at once, saying why
    (tmp_path / "huunghi.toml").write_text('[archive]\nurl = "sqlite:///a.sqlite"\n', encoding="utf-8")
    done = huunghi("worker", cwd=tmp_path)
    assert done.returncode == 2 and "cần kho PostgreSQL" in done.stderr, done.stderr
    assert not (tmp_path / "a.sqlite").exists()  # refused before anything was opened


@pg
def test_an_archive_with_the_queue_beside_it_still_copies(pg_url, pg_module_url):
    from huunghi.storage.archive import Archive
    from huunghi.storage.copying import copy_archive

    Archive(pg_url).close()
    queue.ensure_schema(pg_url)  # procrastinate_* tables beside ours: jobs, not archive
    report = copy_archive(pg_url, pg_module_url)
    assert all(c.same for c in report.tables)
