"""Dying processes: a crawl dies with the process that started it, and a closed run stays closed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from huunghi.storage.archive import Archive
from tests.fixtures.hostile import HostilePortal, hostile_config
from tests.fixtures.processes import alive as _alive
from tests.fixtures.processes import crawl_parent, dead_pid, wait_for


def test_a_closed_run_is_never_rewritten(tmp_path):
    with Archive(f"sqlite:///{tmp_path / 'r.sqlite'}") as archive:
        source = archive.crawls.ensure_source("s", "S", "http://s.test/", {})
        run = archive.crawls.start_run(source, owner=f"{socket.gethostname()}:{dead_pid()}")
        assert archive.crawls.interrupt_stale_runs() == 1  # its process is gone: a restarted daemon closes it
        archive.crawls.finish_run(run, 10)  # the orphan that was still running finishes late
        assert archive.crawls.run(run).status == "interrupted"


def test_a_crawl_dies_with_the_process_that_started_it(tmp_path):
    db = f"sqlite:///{tmp_path / 'k.sqlite'}"
    with HostilePortal(links=10, feed_items=1) as portal:
        config = hostile_config(tmp_path / "huunghi.toml", portal, db, timeout=600.0)
        crawl_parent(tmp_path / "parent.py", config, 0.05)
        parent = subprocess.Popen(
            [sys.executable, str(tmp_path / "parent.py")],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parent.parent,
        )
        child = int(parent.stdout.readline())
        assert wait_for(lambda: portal.hits.get("/drip-123458.html", 0) > 0), "the crawl never got going"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        try:
            assert wait_for(lambda: not _alive(child)), "the crawl outlived its parent"
        finally:
            if _alive(child):
                os.kill(child, signal.SIGKILL)
    with Archive(db) as archive:
        runs = archive.crawls.runs()
    # SIGTERM from the kernel let Scrapy close the run: it is not left "running"
    assert runs and all(r.status != "running" for r in runs), [(r.id, r.status) for r in runs]


def test_a_run_left_running_by_a_killed_crawl_is_closed_by_the_next_command(tmp_path):
    """A crawl on another machine that stopped beating long ago, and one of this host whose pid
    is gone: the next command that opens the archive closes both; a live one it leaves alone."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from huunghi.storage.models import CrawlRun

    db = f"sqlite:///{tmp_path / 's.sqlite'}"
    with Archive(db) as archive:
        far, near, live = (
            archive.crawls.ensure_source(name, name, "http://127.0.0.1:9/", {})
            for name in ("far", "near", "live")
        )
        elsewhere = archive.crawls.start_run(far, owner="another-machine:4242")
        killed = archive.crawls.start_run(near, owner=f"{socket.gethostname()}:{dead_pid()}")
        running = archive.crawls.start_run(live)  # this process: alive and (just) beating
        with archive.session() as s:
            s.execute(
                update(CrawlRun)
                .where(CrawlRun.id == elsewhere)
                .values(heartbeat_at=datetime.now(UTC) - timedelta(hours=1))
            )
            s.commit()
    with Archive(db) as archive:  # any command: opening is enough
        assert archive.crawls.run(elsewhere).status == "interrupted"
        assert archive.crawls.run(killed).status == "interrupted"
        assert archive.crawls.run(running).status == "running"
