"""One crawl of a source at a time, across processes: a live run holds its source, a second crawl
skips it, a restarted daemon leaves it alone, and a killed crawl's run is closed by the next
command — on both backends, with real crawl processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from huunghi.storage.archive import Archive, SourceBusy
from tests.fixtures.crawling import huunghi, huunghi_exe
from tests.fixtures.hostile import HostilePortal, hostile_config
from tests.fixtures.processes import dead_pid, wait_for


def test_a_live_run_holds_its_source_and_a_dead_one_does_not(archive_url):
    with Archive(archive_url) as archive:
        source = archive.crawls.ensure_source("s", "S", "http://s.test/", {})
        first = archive.crawls.start_run(source)  # this process: alive
        with pytest.raises(SourceBusy) as busy:
            archive.crawls.start_run(source)
        assert busy.value.run_id == first and str(os.getpid()) in str(busy.value)
        assert archive.crawls.busy("s") is not None and archive.crawls.beat(first)
        assert archive.crawls.interrupt_stale_runs() == 0  # a restarted daemon leaves it alone
        archive.crawls.finish_run(first, 1)
        assert archive.crawls.busy("s") is None and not archive.crawls.beat(first)

        gone = archive.crawls.start_run(source, owner=f"{socket.gethostname()}:{dead_pid()}")
        second = archive.crawls.start_run(source)  # the dead owner's run is closed, the source taken
        assert archive.crawls.run(gone).status == "interrupted"
        assert archive.crawls.run(second).status == "running"


def _run_status(db: str, run_id: int) -> str:
    with Archive(db) as archive:
        return archive.crawls.run(run_id).status


@pytest.mark.e2e
def test_a_second_crawl_skips_a_source_in_work_and_a_killed_crawl_is_closed(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with HostilePortal(links=10, feed_items=1) as portal:  # its drip page keeps a crawl at work
        config = hostile_config(tmp_path / "huunghi.toml", portal, db, timeout=600.0)
        first = subprocess.Popen(
            [huunghi_exe(), "--config", str(config), "crawl", "--json"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: kill -9 takes it and its reading worker
        )
        try:
            assert wait_for(lambda: portal.hits.get("/drip-123458.html", 0) > 0), "the crawl never got going"
            with Archive(db) as archive:
                (run_id,) = [r.id for r in archive.crawls.runs() if r.status == "running"]

            second = huunghi("--config", str(config), "crawl", "--json", cwd=tmp_path)
            assert second.returncode == 0, second.stderr
            assert "bỏ qua nguồn hostile" in second.stderr and str(first.pid) in second.stderr
            assert json.loads(second.stdout) == []  # nothing crawled twice
            assert _run_status(db, run_id) == "running"  # the second one's opening left it alone

            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            shown = huunghi("--config", str(config), "runs", "--json", cwd=tmp_path)  # any command
            assert shown.returncode == 0, shown.stderr
            assert {r["id"]: r["status"] for r in json.loads(shown.stdout)}[run_id] == "interrupted"
            with Archive(db) as archive:  # and the source is free again
                source = archive.crawls.source_id("hostile")
                assert source is not None
                archive.crawls.finish_run(archive.crawls.start_run(source), 0)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
                first.wait()


def test_the_lease_module_tells_a_gone_process(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from huunghi.storage import leases

    now = datetime.now(UTC)
    assert not leases.stale(leases.me(), now, now, now)
    assert leases.stale(f"{socket.gethostname()}:{dead_pid()}", now, now, now)
    assert not leases.stale("other-host:1", now, now, now)  # another machine: its beats decide
    assert leases.stale("other-host:1", now - timedelta(seconds=leases.LEASE_S + 1), now, now)
