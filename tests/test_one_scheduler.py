"""One scheduler at a time: on PostgreSQL one daemon leads and the others stand by, taking over
when it dies; on SQLite a second daemon refuses to start and names the first. Real daemons,
real crawls of the replicas, kill -9."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import uuid
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import create_engine, text

from huunghi.replicas.server import ReplicaSet
from huunghi.replicas.tomlgen import replica_config
from huunghi.storage.archive import Archive
from huunghi.storage.locks import AnotherDaemon, Leadership, current_leader, whoami
from tests.fixtures.crawling import crawl, huunghi, huunghi_exe
from tests.fixtures.processes import alive, wait_for

LEADS = "this daemon leads"
STANDS_BY = "standing by"
DAEMON = "[daemon]\ninterval_seconds = {every}\njitter_seconds = 0\nalerts_every_seconds = 30\n"
DAEMON += "digests_every_seconds = 60\nstop_grace_seconds = 15\n"


class Daemon:
    """A real ``huunghi daemon -v``, its log in a file, its processes (and its crawls') marked."""

    def __init__(self, config: Path, log: Path) -> None:
        self.log_path, self.marker = log, uuid.uuid4().hex
        self._out: IO[str] = open(log, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [huunghi_exe(), "--config", str(config), "daemon", "-v"],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HUUNGHI_TEST_MARK": self.marker},
        )
        self.pid = self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=180)
        finally:
            self._out.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def marker_of(pid: int) -> str | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    found = re.search(rb"HUUNGHI_TEST_MARK=([0-9a-f]+)", environ)
    return found.group(1).decode() if found else None


def marked(marker: str) -> list[int]:
    return [
        int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and marker_of(int(p.name)) == marker
    ]


class Owners:
    """Samples the running crawl runs and tells whose daemon each one's process belongs to."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.seen: dict[int, str] = {}  # run id → marker of its process
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        host = socket.gethostname()
        while not self.done.wait(0.1):
            try:
                with self.engine.connect() as conn:
                    rows = conn.execute(
                        text("SELECT id, owner FROM crawl_runs WHERE status = 'running'")
                    ).all()
            except Exception:  # the tables are not there yet
                continue
            for run_id, owner in rows:
                owner_host, _, pid = str(owner).rpartition(":")
                if run_id not in self.seen and owner_host == host and pid.isdigit():
                    mark = marker_of(int(pid))
                    if mark:
                        self.seen[run_id] = mark

    def close(self) -> None:
        self.done.set()
        self.thread.join(timeout=30)
        self.engine.dispose()


def _runs(db: str) -> list[tuple[int, str, str]]:
    with Archive(db) as archive:
        return [(r.id, r.source, r.status) for r in archive.crawls.runs(limit=1000)]


def test_one_postgresql_leader_at_a_time_and_a_lost_lock_stands_by(pg_url):
    first, second = Leadership(pg_url), Leadership(pg_url)
    try:
        assert first.try_lead() and first.holds()
        assert not second.try_lead() and not second.holds()
        assert second.leader() == whoami()  # read from pg_locks and the lock session's name
        assert (
            current_leader(create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://")))
            == whoami()
        )

        # the leader's session ends (a cut connection, an operator's pg_terminate_backend)
        backend = first._connection().execute(text("SELECT pg_backend_pid()")).scalar()
        second._connection().execute(text("SELECT pg_terminate_backend(:p)"), {"p": backend})
        assert wait_for(lambda: not first.holds(), 60)  # it knows it no longer leads
        assert not first.leading
        # the standby takes over once the server has ended that backend (its locks go with it)
        assert wait_for(second.try_lead, 60) and second.holds()
        assert not first.try_lead()  # and the old leader, reconnected, stands by
        second.release()  # unlocks in its session: free at once, not when the server reaps it
        assert first.try_lead()
    finally:
        first.release()
        second.release()


def test_sqlite_second_leadership_is_refused_with_pid_and_host(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    first = Leadership(db)
    first.claim()
    try:
        with pytest.raises(AnotherDaemon) as refused:
            Leadership(db).claim()
        assert f"pid {os.getpid()} trên máy {socket.gethostname()}" in str(refused.value)
        assert current_leader(Archive(db).engine) == whoami()
    finally:
        first.release()
    again = Leadership(db)
    again.claim()  # free once the first let go
    again.release()


@pytest.mark.postgres
def test_a_daemon_that_loses_its_lock_stops_scheduling_and_the_standby_leads(pg_url, tmp_path):
    from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING, STATE_STOPPED

    from huunghi.monitor.daemon import Daemon as Scheduling

    config = tmp_path / "huunghi.toml"
    config.write_text(
        f'[archive]\nurl = "{pg_url}"\n'
        + DAEMON.format(every=3600)
        + '[[sources]]\nname = "off"\nhomepage = "http://off.test/"\nfeeds = ["http://off.test/rss"]\n'
        + "enabled = false\n",
        encoding="utf-8",
    )
    first, second = Scheduling(config), Scheduling(config)
    try:
        first.tick()
        second.tick()
        assert first.scheduling and first.scheduler.state == STATE_RUNNING
        assert not second.scheduling and second.scheduler.state == STATE_STOPPED  # it touched no job
        assert [j.id for j in first.scheduler.get_jobs()] == ["alerts", "digests"]

        # the leader's lock session is cut: the standby takes the lock at its next tick, and the
        # old leader, at its own, finds it lost, stops scheduling and stands by
        backend = first.leadership._connection().execute(text("SELECT pg_backend_pid()")).scalar()
        second.leadership._connection().execute(text("SELECT pg_terminate_backend(:p)"), {"p": backend})
        assert wait_for(lambda: (second.tick(), second.scheduling)[1], 60)
        first.tick()
        assert not first.scheduling and first.scheduler.state == STATE_PAUSED
        assert second.scheduler.state == STATE_RUNNING
        first.tick()  # and stays a standby while the other leads
        assert not first.scheduling and not first.leadership.leading
    finally:
        for d in (first, second):  # not _shutdown: its stop_all would stop every crawl of this process
            if d.scheduler.state != STATE_STOPPED:
                d.scheduler.shutdown(wait=True)
            d.leadership.release()


@pytest.mark.e2e
@pytest.mark.slow
def test_sqlite_refuses_a_second_daemon_and_a_killed_one_blocks_nothing(tmp_path):
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with ReplicaSet() as replicas:
        config = replica_config(
            tmp_path / "huunghi.toml", replicas, db, ["thoidai"], retries=0, extra=DAEMON.format(every=3600)
        )
        first, third = Daemon(config, tmp_path / "first.log"), None
        try:
            assert wait_for(lambda: LEADS in first.log(), 240), first.log()
            second = huunghi("--config", str(config), "daemon", "-v", cwd=tmp_path, timeout=240)
            assert second.returncode == 1, second.stdout + second.stderr
            said = second.stderr
            assert said.startswith("Lỗi: một daemon khác đang chạy"), said
            assert f"pid {first.pid} trên máy {socket.gethostname()}" in said
            assert LEADS not in second.stdout + second.stderr
            assert first.proc.poll() is None  # the first goes on

            os.kill(first.pid, signal.SIGKILL)  # the kernel releases its lock file
            first.proc.wait()
            third = Daemon(config, tmp_path / "third.log")
            try:
                assert wait_for(lambda: LEADS in third.log(), 240), third.log()
                with Archive(db) as archive:
                    assert current_leader(archive.engine) == f"{third.pid}@{socket.gethostname()}"
                shown = huunghi("--config", str(config), "status", cwd=tmp_path)
                assert shown.returncode == 0 and f"pid {third.pid}" in shown.stdout, shown.stdout
            finally:
                assert third.stop() == 0, third.log()[-3000:]
        finally:
            first.kill()
            first._out.close()
    assert third is not None and marked(first.marker) == [] and marked(third.marker) == []


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.postgres
def test_two_daemons_one_leads_and_the_standby_takes_over_a_kill_9(pg_url, tmp_path):
    names = ["thoidai", "baotinh"]
    with ReplicaSet() as replicas:
        # what one crawl stores, the reference for "nothing lost, nothing doubled"
        reference = f"sqlite:///{tmp_path / 'reference.sqlite'}"
        crawl(
            replica_config(tmp_path / "reference.toml", replicas, reference, names, retries=0, timeout=60.0)
        )
        with Archive(reference) as archive:
            expected = {s.name: s.articles for s in archive.reads.sources_overview()}
        assert set(expected) == set(names) and all(expected.values()), expected

        config = replica_config(
            tmp_path / "huunghi.toml",
            replicas,
            pg_url,
            names,
            retries=0,
            timeout=60.0,
            extra=DAEMON.format(every=4),
        )
        with Archive(pg_url):
            pass  # migrated: the daemons race for the lead, not for the schema
        owners = Owners(pg_url)
        a, b = Daemon(config, tmp_path / "a.log"), Daemon(config, tmp_path / "b.log")
        daemons = [a, b]
        try:
            assert wait_for(lambda: sum(LEADS in d.log() for d in daemons) == 1, 240)
            leader, standby = (a, b) if LEADS in a.log() else (b, a)
            assert wait_for(lambda: STANDS_BY in standby.log(), 120), standby.log()
            assert f"pid {leader.pid} trên máy {socket.gethostname()}" in standby.log()

            def finished(after: int = 0) -> dict[str, int]:
                out = dict.fromkeys(names, 0)
                for run_id, source, status in _runs(pg_url):
                    if run_id > after and status != "running":
                        out[source] += 1
                return out

            assert wait_for(lambda: min(finished().values()) >= 2, 300), finished()
            # slow article pages: the leader is killed in the middle of a crawl
            for name in names:
                replicas.portals[name].delay = 0.3
            assert wait_for(lambda: any(s == "running" for _, _, s in _runs(pg_url)), 240)
            os.kill(leader.pid, signal.SIGKILL)
            leader.proc.wait()
            # a crawl the dead leader had just spawned may still open its run before it sees its
            # parent gone and closes it: "after" starts once none of the dead leader's is left
            assert wait_for(lambda: marked(leader.marker) == [], 120), marked(leader.marker)
            killed_at = max(run_id for run_id, _, _ in _runs(pg_url))

            assert wait_for(lambda: LEADS in standby.log(), 120), standby.log()[-3000:]
            for name in names:
                replicas.portals[name].delay = 0.0
            assert wait_for(lambda: min(finished(killed_at).values()) >= 2, 300), finished(killed_at)
            assert standby.stop() == 0, standby.log()[-3000:]
        finally:
            for d in daemons:
                d.kill()
                d._out.close()
            owners.close()

    # only the leader crawled: every run seen at work was a crawl of the daemon leading then
    before = {m for run_id, m in owners.seen.items() if run_id <= killed_at}
    after = {m for run_id, m in owners.seen.items() if run_id > killed_at}
    assert before == {leader.marker} and after == {standby.marker}, (owners.seen, leader.marker)
    standby_log = standby.log()
    waited = standby_log[: standby_log.index(LEADS)]
    assert "Running job" not in waited and "Running job" in leader.log()  # it ran nothing meanwhile
    assert "Traceback" not in standby_log, standby_log[-5000:]
    assert not alive(leader.pid) and marked(leader.marker) == [] and marked(standby.marker) == []

    with Archive(pg_url) as archive:
        runs = archive.crawls.runs(limit=1000)
        assert all(r.status != "running" for r in runs), [(r.id, r.source, r.status) for r in runs[:10]]
        assert {s.name: s.articles for s in archive.reads.sources_overview()} == expected  # none lost
        totals = archive.reads.totals()
        assert totals["versions"] == totals["articles"] == sum(expected.values())  # none doubled
        with archive.engine.connect() as conn:
            urls = conn.execute(text("SELECT count(DISTINCT url), count(*) FROM articles")).one()
            news = conn.execute(text("SELECT count(*) FROM events WHERE kind = 'new'")).scalar()
        assert urls[0] == urls[1] and news == totals["articles"]
