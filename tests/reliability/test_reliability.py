"""The reliability suite at full size: the hostile portal with 100k links and a 50k-item feed,
kill -9 of crawls at random moments on both backends, and the figures the issue asks for,
written to tests/reliability/figures/*.json and printed (``pytest -m slow -s tests/reliability``)."""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from huunghi.storage.archive import Archive
from tests.fixtures.hostile import HostilePortal, hostile_config
from tests.fixtures.processes import alive as _alive
from tests.fixtures.processes import crawl_parent, wait_for

pytestmark = pytest.mark.slow
FIGURES = Path(__file__).parent / "figures"


def record(name: str, figures: dict) -> None:
    FIGURES.mkdir(exist_ok=True)
    (FIGURES / f"{name}.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"\n[reliability] {name}: {json.dumps(figures)}")


def test_full_size_hostile_portal_is_bounded(tmp_path):

    db = f"sqlite:///{tmp_path / 'h.sqlite'}"
    with HostilePortal(links=100_000, feed_items=50_000) as portal:
        config = hostile_config(tmp_path / "huunghi.toml", portal, db)
        # measured in a fresh process: RUSAGE_CHILDREN of this one is the peak of every child the
        # suite has waited for so far (a browser, the demo), not of this crawl
        script = (
            "import resource, sys\n"
            "from huunghi.crawler.runner import crawl_in_subprocess\n"
            f"assert crawl_in_subprocess({str(config)!r}, timeout=900) == 0\n"
            "print(max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
            " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
        )
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=1200)
        took = time.monotonic() - started
        assert done.returncode == 0, done.stderr[-2000:]
        peak_kb = int(done.stdout.split()[-1])
        requests = sum(portal.hits.values())
    with Archive(db) as archive:
        run = archive.crawls.runs()[0]
        urls = [a.url for a in archive.reads.latest_articles(limit=1000)]
    kinds = sorted({e.kind for e in run.errors})
    record(
        "hostile_portal",
        {
            "requests_served": requests,
            "crawl_seconds": round(took, 1),
            "peak_rss_mb_children": round(peak_kb / 1024, 1),
            "peak_rss_mb_before": round(before / 1024, 1),
            "status": run.status,
            "error_kinds": kinds,
            "stored": len(urls),
        },
    )
    assert all(u.startswith("http://") for u in urls)
    assert "too-large" in kinds and "page-cap" in kinds and "refused" in kinds
    assert requests < 5_000  # 150,000 links offered
    # issue 16's target. Listings, feeds and sitemaps are read as streams and the crawl process no
    # longer loads scipy: measured 163-168 MB here (an idle crawl process: ~130 MB), where the
    # tree of the 100k-link page and feedparser's 50k entries took it to 256-375 MB
    assert peak_kb / 1024 < 300, f"peak RSS {peak_kb / 1024:.0f} MB"


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_rounds_hold_the_invariants(tmp_path, backend, request):
    """Kill the parent of a crawl (the daemon's place) at random moments; afterwards: no orphan,
    no run left running, no article without its version, integrity check passes."""
    db = f"sqlite:///{tmp_path / 'k.sqlite'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    rng = random.Random(16)
    killed = 0
    rounds = int(os.environ.get("HUUNGHI_KILL_ROUNDS", "6"))
    from huunghi.replicas.server import ReplicaSet
    from huunghi.replicas.tomlgen import replica_config

    with ReplicaSet() as replicas:
        config = replica_config(tmp_path / "huunghi.toml", replicas, db)
        crawl_parent(tmp_path / "parent.py", config, 0.02)
        for _ in range(rounds):
            parent = subprocess.Popen(
                [sys.executable, str(tmp_path / "parent.py")],
                stdout=subprocess.PIPE,
                text=True,
                cwd=Path(__file__).parent.parent.parent,
            )
            child = int(parent.stdout.readline())
            time.sleep(rng.uniform(1.0, 12.0))
            os.kill(parent.pid, signal.SIGKILL)
            parent.wait()
            killed += 1
            assert wait_for(lambda child=child: not _alive(child), 120), "orphan crawl"
    with Archive(db) as archive:
        runs = archive.crawls.runs(limit=100)
        totals = archive.reads.totals()
        running = [r.id for r in runs if r.status == "running"]
        integrity = "ok"
        if backend == "sqlite":
            with archive.engine.connect() as conn:
                from sqlalchemy import text

                integrity = conn.execute(text("PRAGMA integrity_check")).scalar()
    record(
        f"kill9_{backend}",
        {
            "processes_killed": killed,
            "runs": len(runs),
            "left_running": len(running),
            "articles": totals["articles"],
            "versions": totals["versions"],
            "integrity": integrity,
        },
    )
    assert not running and integrity == "ok"
    assert totals["versions"] == totals["articles"]  # every stored article is whole, none doubled


def test_web_fuzz_figures(tmp_path):
    """Many bad inputs through the real app; the figures: tried, 5xx seen, longest request, peak RSS."""
    from hypothesis import HealthCheck, given, settings
    from starlette.testclient import TestClient

    from huunghi.config import parse_config
    from huunghi.web.app import create_app
    from tests.fixtures.hostile import NASTY, PARAMS
    from tests.fixtures.searchdata import fill

    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    with Archive(url) as archive:
        fill(archive)
    figures = {"bad_inputs": 0, "5xx": 0, "longest_request_s": 0.0}
    with TestClient(
        create_app(parse_config({"archive": {"url": url}})), raise_server_exceptions=False
    ) as client:

        def one(path: str, params: dict) -> None:
            started = time.monotonic()
            r = client.get(path, params=params)
            figures["longest_request_s"] = max(
                figures["longest_request_s"], round(time.monotonic() - started, 3)
            )
            figures["bad_inputs"] += 1
            figures["5xx"] += r.status_code >= 500

        for q in NASTY:
            for path in ("/", "/api/search"):
                one(path, {"q": q})

        @settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            path=__import__("hypothesis").strategies.sampled_from(
                ["/", "/api/search", "/api/stats", "/topics/friendship-union.atom"]
            ),
            params=PARAMS,
        )
        def fuzz(path, params):
            one(path, params)

        fuzz()
    figures["peak_rss_mb_self"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    record("web_fuzz", figures)
    assert figures["5xx"] == 0


def _marked(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"HUUNGHI_TEST_MARK={marker}".encode() in (entry / "environ").read_bytes() and _alive(
                    int(entry.name)
                ):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_of_the_real_daemon_mid_crawl(tmp_path, backend, request):
    """kill -9 of `huunghi daemon` while its crawls are at work, then a restart: no orphan, the
    killed runs closed (never rewritten), never two live runs of one source, nothing doubled."""
    import uuid

    from huunghi.replicas.server import ReplicaSet
    from huunghi.replicas.tomlgen import replica_config
    from tests.fixtures.crawling import huunghi_exe

    db = f"sqlite:///{tmp_path / 'd.sqlite'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    marker = uuid.uuid4().hex

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [huunghi_exe(), "--config", str(config), "daemon"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "HUUNGHI_TEST_MARK": marker},
        )

    def runs() -> list:
        with Archive(db) as archive:
            return archive.crawls.runs(limit=500)

    with ReplicaSet() as replicas:
        for portal in replicas.portals.values():
            portal.delay = 0.3  # crawls take a while: the kill finds them at work
        config = replica_config(
            tmp_path / "huunghi.toml",
            replicas,
            db,
            retries=0,
            extra="[daemon]\ninterval_seconds = 2\njitter_seconds = 0\n",
        )
        daemon = start()
        try:
            assert wait_for(lambda: any(r.status == "running" for r in runs()), 300), "no crawl started"
            os.kill(daemon.pid, signal.SIGKILL)
            daemon.wait()
            assert wait_for(lambda: not _marked(marker), 120), "a crawl outlived its daemon"
            killed = {r.id for r in runs() if r.status != "ok"}
            daemon = start()
            before = max(r.id for r in runs())
            assert wait_for(lambda: any(r.id > before and r.status == "ok" for r in runs()), 300)
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=180)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
    assert wait_for(lambda: not _marked(marker), 120), "orphans after the clean stop"
    final = runs()
    assert all(r.status != "running" for r in final), [(r.id, r.source, r.status) for r in final]
    assert all(r.status != "ok" for r in final if r.id in killed)  # a closed run stays closed
    by_source: dict[str, list] = {}
    for r in sorted(final, key=lambda r: r.started_at):
        by_source.setdefault(r.source, []).append(r)
    for source, seq in by_source.items():  # one crawl of a source at a time, across the restart
        for a, b in zip(seq, seq[1:]):
            assert a.finished_at is not None and b.started_at >= a.finished_at, (source, a.id, b.id)
    with Archive(db) as archive:
        totals = archive.reads.totals()
    assert totals["versions"] == totals["articles"]
    record(f"kill9_daemon_{backend}", {"runs": len(final), "killed_runs": len(killed), **totals})
