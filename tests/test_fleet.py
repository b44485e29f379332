"""More than one machine: a daemon with ``executor = "queue"`` and ``huunghi worker`` processes
crawl many replica hosts through the PostgreSQL queue (procrastinate). Every source is crawled
once a round, no host ever sees two requests at once nor two closer than the crawler's delay,
and a worker killed with -9 mid-crawl loses nothing: its crawl is retried by another worker.

Two daemons run, one leading and one standing by (the scheduler's lock).

The processes are real (the installed ``huunghi`` command), so are PostgreSQL and the hosts
(127.0.0.2 onwards). Nothing waits on a clock: every wait is for a condition, with a generous
deadline.
"""

from __future__ import annotations

import math
import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from huunghi.storage.archive import Archive
from tests.fixtures.crawling import huunghi
from tests.fixtures.fleet import Hosts, jobs, pending, politeness, start, stop
from tests.fixtures.processes import alive, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.e2e, pytest.mark.slow]

HOSTS = int(os.environ.get("HUUNGHI_FLEET_HOSTS", "30"))
ROUNDS = 2
DELAY = 0.6  # the crawler's download_delay; Scrapy spaces a host's requests 0.5-1.5 times it
# how late a loaded machine may put on the wire a request Scrapy sent on time (arrivals are the
# kernel's stamps, so the host's own scheduling adds nothing)
SLACK = 0.2
INTERVAL = 45  # each source's round


def _runs(url: str) -> list:
    with Archive(url) as archive:
        return archive.crawls.runs(limit=5000)


def _queue_config(hosts: Hosts, tmp_path: Path, url: str, interval: int) -> Path:
    extra = (
        f'[daemon]\nexecutor = "queue"\ninterval_seconds = {interval}\njitter_seconds = 0\n'
        "stop_grace_seconds = 20\n"
    )
    config = hosts.config(tmp_path / "huunghi.toml", url, DELAY, extra=extra)
    done = huunghi("--config", str(config), "archive", "upgrade", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return config


def _logs(tmp_path: Path) -> str:
    return "\n".join(
        f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(tmp_path.glob("*.log"))
    )


def test_a_fleet_crawls_every_source_once_a_round_and_each_host_politely(tmp_path, pg_url):
    with Hosts(HOSTS) as hosts:
        config = _queue_config(hosts, tmp_path, pg_url, INTERVAL)
        workers = [
            start(config, "worker", "--concurrency", "2", log=tmp_path / f"worker{i}.log") for i in range(3)
        ]
        began = time.monotonic()
        # two daemons: one leads (the scheduler's advisory lock), the other stands by; the rounds
        # must not double
        daemons = [start(config, "daemon", log=tmp_path / f"daemon{i}.log") for i in range(2)]
        try:

            def every_source_has_its_rounds() -> bool:
                done = Counter(r.source for r in _runs(pg_url) if r.status == "ok")
                return all(done[name] >= ROUNDS for name in hosts.names)

            assert wait_for(every_source_has_its_rounds, 1200), _logs(tmp_path)
        finally:
            daemon_codes = [stop(d) for d in daemons]
        scheduled = time.monotonic() - began
        try:
            assert wait_for(lambda: pending(pg_url) == 0, 600), _logs(tmp_path)  # the queue drains
        finally:
            worker_codes = [stop(w) for w in workers]
        spans = {name: list(portal.spans) for name, portal in hosts.portals().items()}
        articles_served = hosts.articles_served()
    assert daemon_codes == [0, 0] and worker_codes == [0, 0, 0], _logs(tmp_path)

    runs = _runs(pg_url)
    assert all(r.status == "ok" for r in runs), [(r.source, r.status) for r in runs if r.status != "ok"]
    per_source = Counter(r.source for r in runs)
    # once a round: never more crawls of a source than rounds the daemon scheduled, every job one crawl
    ticks = math.floor(scheduled / INTERVAL) + 1
    assert all(ROUNDS <= per_source[name] <= ticks for name in hosts.names), (per_source, ticks)
    queued = jobs(pg_url)
    assert all(status == "succeeded" and attempts == 1 for _s, status, attempts in queued), queued
    assert Counter(source for source, _st, _a in queued) == per_source
    # one source at a time: a source's runs never overlap, whichever workers ran them
    for name in hosts.names:
        seq = sorted((r for r in runs if r.source == name), key=lambda r: r.started_at)
        for a, b in zip(seq, seq[1:]):
            assert a.finished_at is not None and b.started_at >= a.finished_at, (name, a.id, b.id)
    # politeness, as each host saw it: one request at a time, never two closer than the delay allows
    for name, seen in spans.items():
        overlaps, shortest, where = politeness(seen, DELAY)
        assert len(seen) > 2 and overlaps == 0, (name, overlaps)
        assert shortest >= 0.5 * DELAY - SLACK, (name, round(shortest, 3), where)
    with Archive(pg_url) as archive:
        totals = archive.reads.totals()
        stored = Counter(a.source for a in archive.reads.latest_articles(limit=5000))
    assert totals["versions"] == totals["articles"]  # nothing doubled
    problems = [
        (r.source, [(e.kind, e.url[-30:], e.reason[:60]) for e in r.errors]) for r in runs if r.errors
    ]
    assert dict(stored) == articles_served, problems  # nothing lost: every article a host served, once
    print(
        f"\n[fleet] {HOSTS} hosts, 2 daemons, 3 workers x 2, {sum(per_source.values())} crawls "
        f"in {scheduled:.0f} s "
        f"(rounds of {INTERVAL} s); shortest gap at a host "
        f"{min(politeness(s, DELAY)[1] for s in spans.values()):.2f} s"
    )


def _crawl_parent(pid: int) -> int:
    """The process that started crawl child ``pid`` (its worker)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_a_worker_killed_mid_crawl_has_its_crawl_retried_by_another(tmp_path, pg_url):
    with Hosts(2) as hosts:
        slow = hosts.names[1]  # baotinh's layout: six articles
        hosts.portals()[slow].delay = 1.0  # each article answers after a second: the kill finds it at work
        config = _queue_config(hosts, tmp_path, pg_url, interval=3600)  # one round: what follows is the retry
        workers = {}
        for i in range(2):
            proc = start(config, "worker", log=tmp_path / f"worker{i}.log")
            workers[proc.pid] = proc
        daemon = start(config, "daemon", log=tmp_path / "daemon.log")
        try:

            def live_run():
                return next((r for r in _runs(pg_url) if r.source == slow and r.status == "running"), None)

            assert wait_for(lambda: live_run() is not None, 300), _logs(tmp_path)
            with Archive(pg_url) as archive:
                owner = archive.crawls.busy(slow)
            assert owner is not None
            child = int(owner.rpartition(":")[2])
            victim = workers.pop(_crawl_parent(child))
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait()
            assert wait_for(lambda: not alive(child), 120), "the crawl outlived its worker"

            def retried_and_done() -> bool:
                mine = [r for r in _runs(pg_url) if r.source == slow]
                return any(r.status == "ok" for r in mine) and all(r.status != "running" for r in mine)

            assert wait_for(retried_and_done, 600), _logs(tmp_path)
            assert wait_for(lambda: pending(pg_url) == 0, 300), _logs(tmp_path)
        finally:
            codes = [stop(daemon), *(stop(w) for w in workers.values())]
        served = hosts.articles_served()[slow]
    assert codes == [0, 0], _logs(tmp_path)
    mine = sorted((r for r in _runs(pg_url) if r.source == slow), key=lambda r: r.id)
    assert [r.status for r in mine] == ["interrupted", "ok"], [(r.id, r.status) for r in mine]
    assert mine[1].started_at >= mine[0].finished_at
    assert [(s, st) for s, st, _a in jobs(pg_url) if s == slow] == [(slow, "succeeded")]  # one job, retried
    with Archive(pg_url) as archive:
        totals = archive.reads.totals()
        stored = Counter(a.source for a in archive.reads.latest_articles(limit=1000))
    assert totals["versions"] == totals["articles"]
    assert stored[slow] == served  # nothing lost
    assert "trả lại hàng đợi" in (tmp_path / "daemon.log").read_text()  # the daemon requeued it
