"""Sources crawled per minute by 1, 2 and 4 ``huunghi worker``s, against politeness-bound hosts.

    .venv/bin/python bench/fleet.py [--hosts 8] [--workers 1,2,4] [--delay 1.0] [--json]

HOSTS replica portals, each on its own address (127.0.0.2 onwards), are crawled by their feeds
with the politeness a real portal gets (``download_delay`` 1 s, one request at a time per
host). For each fleet size N: a fresh PostgreSQL database (``archive upgrade``), N workers
(``huunghi worker``, one crawl at a time each) started and registered, then every source queued
at once (what the daemon's round does); the clock runs from the queueing to the last run
finished. A crawl here is bound by the hosts' delays, not by the CPU, so N workers should crawl
close to N times as many sources a minute until the CPU or the hosts run out. Ratios are against
one worker in the same run.

PostgreSQL: ``$HUUNGHI_TEST_PG`` (default postgresql://postgres@127.0.0.1:5432/test), whose
server creates and drops one database per fleet size.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from huunghi.replicas.server import ReplicaSet  # noqa: E402
from huunghi.replicas.tomlgen import single_portal_sources  # noqa: E402

LAYOUTS = ["tinxua", "baotinh", "quocte", "baocu", "thoidai"]
ADMIN = os.environ.get("HUUNGHI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
HUUNGHI = str(Path(sys.executable).parent / "huunghi")


def _config(path: Path, url: str, sets: list[ReplicaSet], names: list[str], delay: float) -> Path:
    lines = [
        f"[archive]\nurl = {json.dumps(url)}\n",
        f"[crawler]\ndownload_delay = {delay}\nautothrottle = false\nconcurrent_per_host = 1\nretries = 0\n"
        'contact = "mailto:bench@localhost"\n',
        '[daemon]\nexecutor = "queue"\n',
    ]
    lines += single_portal_sources(sets, names)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _database() -> str:
    name = f"huunghi_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return ADMIN.replace("+psycopg", "").rpartition("/")[0] + f"/{name}"


def _drop(url: str) -> None:
    with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


def _count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def one_fleet(workers: int, sets: list[ReplicaSet], names: list[str], delay: float, tmp: Path) -> dict:
    from huunghi.monitor import queue

    url = _database()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        config = _config(tmp / f"fleet{workers}.toml", url, sets, names, delay)
        subprocess.run(
            [HUUNGHI, "--config", str(config), "archive", "upgrade"], check=True, capture_output=True
        )
        log = open(tmp / f"fleet{workers}.log", "ab")  # noqa: SIM115 - closed with the workers
        for _ in range(workers):
            procs.append(
                subprocess.Popen([HUUNGHI, "--config", str(config), "worker"], stdout=log, stderr=log)
            )
        deadline = time.monotonic() + 300
        while _count(url, "SELECT count(*) FROM procrastinate_workers") < workers:
            if time.monotonic() > deadline:
                raise SystemExit(f"{workers} workers did not start: see {log.name}")
            time.sleep(0.2)
        started = time.monotonic()
        for name in names:
            assert queue.defer_crawl(str(config), name) is not None
        deadline = time.monotonic() + 1800
        done_sql = "SELECT count(*) FROM crawl_runs WHERE status <> 'running'"
        while _count(url, done_sql) < len(names):
            if time.monotonic() > deadline:
                raise SystemExit(f"the crawls of {workers} workers did not finish: see {log.name}")
            time.sleep(0.2)
        took = time.monotonic() - started
        ok = _count(url, "SELECT count(*) FROM crawl_runs WHERE status = 'ok'")
        pages = _count(url, "SELECT coalesce(sum(pages_fetched), 0) FROM crawl_runs")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(120)
        queue.close_apps()
        _drop(url)
    return {
        "workers": workers,
        "sources": len(names),
        "ok": ok,
        "pages": pages,
        "seconds": round(took, 1),
        "sources_per_minute": round(len(names) * 60 / took, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=8)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--delay", type=float, default=1.0, help="download_delay of every host (s)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(n) for n in args.workers.split(",")]
    sets = [ReplicaSet(host=f"127.0.0.{i + 2}", names=[LAYOUTS[i % len(LAYOUTS)]]) for i in range(args.hosts)]
    names = [f"{LAYOUTS[i % len(LAYOUTS)]}-{i + 2:03d}" for i in range(args.hosts)]
    for rs in sets:
        rs.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rows = [one_fleet(n, sets, names, args.delay, Path(tmp)) for n in sizes]
    finally:
        for rs in sets:
            rs.stop()
    base = rows[0]["sources_per_minute"]
    for row in rows:
        row["ratio"] = round(row["sources_per_minute"] / base, 2)
    if args.json:
        print(json.dumps({"hosts": args.hosts, "delay": args.delay, "fleets": rows}, indent=2))
        return
    print(f"{args.hosts} hosts, download_delay {args.delay} s, one request at a time per host")
    print(f"{'workers':>8} {'sources/min':>12} {'× 1 worker':>11} {'seconds':>8} {'pages':>6} {'ok':>4}")
    for row in rows:
        bar = "#" * round(row["sources_per_minute"])
        print(
            f"{row['workers']:>8} {row['sources_per_minute']:>12} {row['ratio']:>11} {row['seconds']:>8} "
            f"{row['pages']:>6} {row['ok']:>4}  {bar}"
        )


if __name__ == "__main__":
    main()
