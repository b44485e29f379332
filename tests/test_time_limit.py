"""A crawl with a time limit, and the daemon's clean stop, against a portal that answers slowly.

`huunghi crawl --time-limit` stops a crawl that runs past its limit: what was fetched is
stored, the run says "timed_out", the exit code is 3. The daemon's scheduled crawls stop at
the same limit, and SIGTERM or SIGINT stops the daemon with exit code 0, no ERROR and no
traceback in its log. Outcomes are asserted, never elapsed times."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from huunghi.storage.archive import Archive
from huunghi.storage.records import RunSummary
from tests.fixtures.crawling import huunghi, huunghi_exe
from tests.fixtures.processes import wait_for
from tests.fixtures.servers import SlowPortal

pytestmark = [pytest.mark.e2e]

CRAWLER = (
    "[crawler]\ndownload_delay = 0.0\nautothrottle = false\nconcurrent_per_host = 8\nretries = 0\n"
    "timeout = 600.0\nrevisit_after = [0]\n"
)


def slow_config(path: Path, portal: SlowPortal, database_url: str, extra: str = "") -> Path:
    path.write_text(
        f"[archive]\nurl = {json.dumps(database_url)}\n{CRAWLER}{extra}\n{portal.source()}", encoding="utf-8"
    )
    return path


def runs(database_url: str) -> list[RunSummary]:
    try:
        with Archive(database_url) as archive:
            return archive.crawls.runs(limit=100)
    except Exception:  # not created yet
        return []


def test_a_crawl_past_its_time_limit_stops_and_keeps_what_it_fetched(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with SlowPortal(fast=3, slow=4) as portal:
        config = slow_config(tmp_path / "huunghi.toml", portal, db)
        done = huunghi("--config", str(config), "crawl", "--time-limit", "5", cwd=tmp_path, timeout=300)
        assert all(portal.hits.get(p) == 1 for p in portal.slow_paths), portal.hits  # they were waited for
    assert done.returncode == 3, done.stdout + done.stderr
    assert "giới hạn thời gian 5 giây" in done.stderr and "cham" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    (run,) = runs(db)
    assert run.status == "timed_out", run
    assert any(e.kind == "deadline" for e in run.errors), [(e.kind, e.reason) for e in run.errors]
    with Archive(db) as archive:
        stored = sorted(a.url.removeprefix(portal.base) for a in archive.reads.iter_articles("cham"))
    assert stored == portal.fast_paths  # fetched before the limit: stored; the slow ones: not
    listed = huunghi("--config", str(config), "runs", "--json", cwd=tmp_path)
    assert json.loads(listed.stdout)[0]["status"] == "timed_out"


def test_a_timed_out_run_that_reached_nothing_breaks_its_source():
    from datetime import UTC, datetime

    from huunghi.storage.health import TIMED_OUT, RunFacts, assess

    now = datetime.now(UTC)
    assert assess([RunFacts(2, TIMED_OUT, 0, 3)], [], None, now).code == "failed"
    assert (
        assess([RunFacts(2, TIMED_OUT, 4, 3)], [], now, now).state == "ok"
    )  # stored some: cut short, not broken
    known = RunFacts(2, TIMED_OUT, 0, 1, stats={"known_skipped": 9})
    assert assess([known], [], now, now).state == "ok"


def test_the_time_limit_must_be_positive(tmp_path):
    with SlowPortal() as portal:
        config = slow_config(tmp_path / "huunghi.toml", portal, f"sqlite:///{tmp_path / 'a.sqlite'}")
        done = huunghi("--config", str(config), "crawl", "--time-limit", "0", cwd=tmp_path)
    assert done.returncode == 2 and not portal.hits


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_daemon_cuts_crawls_at_the_time_limit_and_stops_cleanly(tmp_path, stop):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    log = tmp_path / "daemon.log"
    with SlowPortal(fast=3, slow=4) as portal:
        # jobs fall due every second, also while the stop waits for the crawl to close
        extra = (
            "crawl_deadline_seconds = 4\n[daemon]\ninterval_seconds = 1\njitter_seconds = 0\n"
            "alerts_every_seconds = 1\ndigests_every_seconds = 1\nstop_grace_seconds = 60\n"
        )
        config = slow_config(tmp_path / "huunghi.toml", portal, db, extra)
        with log.open("w") as out:
            daemon = subprocess.Popen(
                [huunghi_exe(), "--config", str(config), "daemon", "-v"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "COLUMNS": "160"},
            )
        try:
            # the first scheduled crawl stopped itself at the limit, and the next one is running
            assert wait_for(lambda: any(r.status == "timed_out" for r in runs(db)), 240), log.read_text()
            assert wait_for(lambda: runs(db)[0].status == "running", 120), log.read_text()
            daemon.send_signal(stop)
            assert daemon.wait(timeout=180) == 0, log.read_text()[-3000:]
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
    text = log.read_text()
    assert "stopped" in text, text[-3000:]
    assert "Traceback" not in text and " ERROR " not in text and "CRITICAL" not in text, text[-5000:]
    assert all(r.status != "running" for r in runs(db)), [(r.id, r.status) for r in runs(db)]
    with Archive(db) as archive:
        stored = sorted(a.url.removeprefix(portal.base) for a in archive.reads.iter_articles("cham"))
    assert stored == portal.fast_paths


def test_a_crawl_cut_short_leaves_its_feed_to_be_read_again(tmp_path):
    """A feed's validators are kept only by a crawl that finished: after a crawl cut by its limit
    (or killed), the feed answers 200 again and the articles left behind are fetched."""
    from huunghi.crawler.runner import crawl_in_subprocess
    from huunghi.replicas.server import ReplicaSet
    from huunghi.replicas.tomlgen import replica_config

    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with ReplicaSet() as replicas:
        td = replicas.portals["thoidai"]
        config = replica_config(
            tmp_path / "huunghi.toml", replicas, db, ["thoidai"], retries=0, timeout=600.0
        )
        td.delay = 120.0  # article pages: longer than the limit
        crawl_in_subprocess(config, ["thoidai"], timeout=300, time_limit=8)
        assert td.hits.get("/rss/home.rss", 0) == 1  # the feed was read, its articles not stored
        assert [r.status for r in runs(db)] == ["timed_out"]
        with Archive(db) as archive:
            assert archive.crawls.validators(td.base + "/rss/home.rss") is None
            assert list(archive.reads.iter_articles("thoidai")) == []

        td.delay = 0.0
        assert crawl_in_subprocess(config, ["thoidai"], timeout=300) == 0
        assert td.hits.get("/rss/home.rss", 0) == 2 and "304 /rss/home.rss" not in td.hits
        with Archive(db) as archive:
            assert len(list(archive.reads.iter_articles("thoidai"))) == 12  # none left behind
            assert archive.crawls.validators(td.base + "/rss/home.rss") is not None  # this one finished

        assert crawl_in_subprocess(config, ["thoidai"], timeout=300) == 0
        assert td.hits.get("304 /rss/home.rss", 0) == 1  # and the next crawl is answered 304
