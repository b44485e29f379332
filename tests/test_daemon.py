"""The daemon against the replicas: scheduled runs, conditional GET, robots, a broken source that
delays nobody, a clean SIGTERM mid-crawl, and a restart that does not duplicate jobs."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import text

from huunghi.replicas.catalog import build_catalogs
from huunghi.replicas.server import ReplicaSet
from huunghi.replicas.tomlgen import replica_config
from huunghi.storage.archive import Archive

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class Daemon:
    """A ``huunghi daemon -v`` child whose output goes to a file: a pipe nobody reads while the
    test waits would fill (64 kB) and block the daemon on its next log line."""

    def __init__(self, config: Path, marker: str) -> None:
        exe = shutil.which("huunghi", path=str(Path(sys.executable).parent)) or "huunghi"
        self.log = config.with_name(f"daemon-{uuid.uuid4().hex[:8]}.log")
        with self.log.open("wb") as sink:
            self.proc = subprocess.Popen(
                [exe, "--config", str(config), "daemon", "-v"],
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**os.environ, "HUUNGHI_TEST_MARK": marker},
            )

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def poll(self) -> int | None:
        return self.proc.poll()

    def kill(self) -> None:
        self.proc.kill()

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def communicate(self, timeout: float | None = None) -> tuple[str, None]:
        """Wait for the exit and give everything it wrote (as ``Popen.communicate`` would)."""
        self.proc.wait(timeout=timeout)
        return self.log.read_text(encoding="utf-8", errors="replace"), None


def start_daemon(config: Path, marker: str) -> Daemon:
    return Daemon(config, marker)


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def marked_processes(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"HUUNGHI_TEST_MARK={marker}".encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def runs_by_source(db: str) -> dict[str, list[str]]:
    with Archive(db) as archive:
        out: dict[str, list[str]] = {}
        for run in reversed(archive.crawls.runs(limit=500)):
            out.setdefault(run.source, []).append(run.status)
        return out


def test_daemon_schedules_crawls_politely_and_stops_cleanly(tmp_path):
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    marker = uuid.uuid4().hex
    with ReplicaSet() as replicas:
        td = replicas.portals["thoidai"]
        td.extra_links = [
            ("Trang quản trị", "/admin/bai-viet-an-123456.html")
        ]  # robots.txt disallows /admin/
        replicas.portals["quocte"].down = True  # this host answers 500 all day
        config = replica_config(
            tmp_path / "huunghi.toml",
            replicas,
            db,
            retries=0,
            extra=(
                "[daemon]\ninterval_seconds = 3\njitter_seconds = 0\nalerts_every_seconds = 2\n"
                "digests_every_seconds = 2\nstop_grace_seconds = 15\n"
                '[[sources]]\nname = "gone"\nallow_private = true\nhomepage = "http://127.0.0.1:9/"\nfeeds = ["http://127.0.0.1:9/rss"]\n'
                "interval_seconds = 2\n"
            ),
        )
        daemon = start_daemon(config, marker)
        try:
            wait_for(
                lambda: all(
                    len([r for r in runs_by_source(db).get(s, []) if r != "running"]) >= 2
                    for s in ("thoidai", "baotinh", "quocte")
                ),
                300,  # a deadline for a hang, not a speed: spawned crawls start slowly on a loaded machine
                "two finished runs of every source",
            )
            runs = runs_by_source(db)
            for broken in ("gone", "quocte"):  # refused connections, HTTP 500: failing all day long ...
                assert set(runs[broken]) <= {"failed", "running"} and "failed" in runs[broken]
            assert all(s in ("ok", "running") for name in ("thoidai", "baotinh") for s in runs[name])
            # ... while the others ran on time; unchanged feeds and sitemaps answered 304
            assert td.hits.get("304 /rss/home.rss", 0) >= 1 and td.hits.get("304 /sitemap.xml", 0) >= 1
            assert "/admin/bai-viet-an-123456.html" not in td.hits

            # a new item in the feed is stored by the next scheduled run
            base = td.catalog.articles[4]
            fresh = dataclasses.replace(
                base,
                id=299999,
                title="Bài mới: giao lưu hữu nghị Việt – Lào",
                lead="Sáng nay, đoàn thanh niên hữu nghị Việt – Lào giao lưu tại Hà Nội.",
                blocks=tuple(reversed(base.blocks)),
                published=td.catalog.articles[0].published,
            )
            td.catalog = dataclasses.replace(td.catalog, articles=[*td.catalog.articles, fresh])

            def stored() -> bool:
                with Archive(db) as archive:
                    return any(a.url.endswith("-299999.html") for a in archive.reads.iter_articles("thoidai"))

            wait_for(stored, 240, "the new feed item")

            # SIGTERM while a (slowed) crawl is running: a clean stop within seconds, nothing left half-done
            td.delay = 1.0

            def crawling() -> bool:
                return "running" in runs_by_source(db).get("thoidai", [])[-1:]

            wait_for(crawling, 240, "a thoidai crawl in progress")
            time.sleep(1.5)
            started = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            out, _ = daemon.communicate(timeout=180)
            assert daemon.returncode == 0, out[-3000:]
            assert time.monotonic() - started < 120  # stop_grace_seconds = 15, with room for load
            assert "stopped" in out
            assert "Traceback" not in out and " ERROR " not in out and "CRITICAL" not in out, out[-5000:]
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.communicate()
        time.sleep(0.5)
        assert marked_processes(marker) == []  # no orphan crawl process
        with Archive(db) as archive:
            assert all(r.status != "running" for r in archive.crawls.runs(limit=500)), [
                (r.source, r.status) for r in archive.crawls.runs(limit=8)
            ] + [out[-1500:]]
            totals = archive.reads.totals()
            assert totals["versions"] == totals["articles"]  # every stored article is whole
            with archive.engine.connect() as conn:
                jobs = conn.execute(text("SELECT id FROM scheduler_jobs ORDER BY id")).scalars().all()
        crawls = [f"crawl:{name}" for name in sorted([*build_catalogs(), "gone"])]
        assert jobs == ["alerts", *crawls, "digests"]

        # restarting finds the same jobs, adds none
        td.delay = 0.0
        daemon = start_daemon(config, marker)
        try:
            time.sleep(4)
            daemon.send_signal(signal.SIGTERM)
            out, _ = daemon.communicate(timeout=180)
            assert daemon.returncode == 0, out[-3000:]
        finally:
            if daemon.poll() is None:
                daemon.kill()
        with Archive(db) as archive, archive.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM scheduler_jobs")).scalar() == len(jobs)
        status = subprocess.run(
            [
                shutil.which("huunghi", path=str(Path(sys.executable).parent)),
                "--config",
                str(config),
                "status",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert status.returncode == 0, status.stderr
        import json

        rows = {r["source"]: r for r in json.loads(status.stdout)}
        assert rows["gone"]["health"] == "broken" and rows["gone"]["consecutive_failures"] >= 2
        assert rows["quocte"]["health"] == "broken"
        with Archive(db) as archive:
            broken = sorted(e.source for e in archive.events.after(limit=10_000) if e.kind == "source_broken")
        assert broken == ["gone", "quocte"]  # one event per bad streak, not one per failed run
        assert rows["thoidai"]["health"] == "ok" and rows["thoidai"]["next_run"]


def test_retry_after_is_honoured_and_a_long_one_is_not_waited_for(tmp_path):
    from huunghi.crawler.middlewares import retry_after_seconds
    from huunghi.replicas import templates as T
    from tests.fixtures.crawling import crawl

    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with ReplicaSet() as replicas:
        qt = replicas.portals["quocte"]
        polite, patient = qt.catalog.articles[1], qt.catalog.articles[2]
        qt.throttled = {polite.id: [(429, "2")], patient.id: [(503, "3600")]}
        config = replica_config(tmp_path / "huunghi.toml", replicas, db, ["quocte"], retries=2, timeout=30.0)
        crawl(config)
        polite_path = T.article_path(qt.catalog, polite)
        times = qt.hit_times[polite_path]
        assert len(times) >= 2 and times[1] - times[0] >= 1.9  # asked to wait 2 s: waited
        assert qt.hits[T.article_path(qt.catalog, patient)] == 1  # an hour is not waited for
        with Archive(db) as archive:
            urls = {a.url.rsplit("/", 1)[1] for a in archive.reads.iter_articles()}
            assert T.article_path(qt.catalog, polite).rsplit("/", 1)[1] in urls
            run = archive.crawls.runs(limit=1)[0]
            assert any("503" in e.reason for e in run.errors)


def test_known_articles_rest_until_their_revisit_is_due(tmp_path):
    from datetime import datetime, timedelta

    from sqlalchemy import update

    from huunghi.replicas import templates as T
    from huunghi.storage.models import Article
    from tests.fixtures.crawling import crawl

    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with ReplicaSet() as replicas:
        bt = replicas.portals["baotinh"]
        config = replica_config(
            tmp_path / "huunghi.toml", replicas, db, ["baotinh"], revisits=[3600, 21600, 86400, 259200]
        )
        crawl(config)
        paths = [T.article_path(bt.catalog, a) for a in bt.catalog.articles]
        first = {p: bt.hits.get(p, 0) for p in paths}
        assert all(n == 1 for n in first.values())
        crawl(config)  # an hour has not passed: no known article is fetched again
        assert {p: bt.hits.get(p, 0) for p in paths} == first
        with Archive(db) as archive:
            target = next(a for a in archive.reads.iter_articles() if a.url.endswith(paths[2]))
            with archive.engine.begin() as conn:  # as if an hour had passed for this one
                conn.execute(
                    update(Article)
                    .where(Article.id == target.id)
                    .values(next_visit_at=datetime.now(UTC) - timedelta(minutes=1))
                )
        crawl(config)
        assert bt.hits[paths[2]] == 2 and all(bt.hits[p] == 1 for p in paths if p != paths[2])
        with Archive(db) as archive, archive.session() as s:
            art = s.get(Article, target.id)
            assert art.visits == 1
            assert art.next_visit_at - art.first_seen == timedelta(
                seconds=21600
            )  # next: 6 h after first seen
