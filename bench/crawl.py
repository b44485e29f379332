"""End-to-end crawl throughput against a bare Scrapy crawl of the same pages, and the daemon's
memory across many scheduled crawl cycles, in one run.

    .venv/bin/python bench/crawl.py [--pages 600] [--cycles 200] [--repeat 3] [--json]

Throughput: a replica portal's feed lists N article URLs; the full pipeline (discover, fetch,
extract with site templates, dedup signature, store with versions and events in SQLite) is
timed against a bare Scrapy spider that fetches the same URLs and does nothing with them, same
settings (no delay, 16 per host). Both in a child process, wall-clock, pages per second.

Memory: the daemon's own job (crawl_job: a child process per crawl, then the archive
bookkeeping) is run CYCLES times in this process against a replica; the resident memory of
this process after the first cycles and after the last shows whether anything accumulates.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from huunghi.replicas.server import ReplicaSet  # noqa: E402
from huunghi.replicas.tomlgen import replica_config  # noqa: E402

LOG_LEVEL = "ERROR"


def _bare(feed: str, out: str) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from huunghi.crawler.discovery.parsing import parse_feed

    counts = {"pages": 0}

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):
            yield scrapy.Request(feed, self.parse_feed)

        def parse_feed(self, response):
            for entry in parse_feed(response.body, response.url):
                yield scrapy.Request(entry.url, self.page)

        def page(self, response):
            counts["pages"] += 1

    process = CrawlerProcess(
        {
            "LOG_LEVEL": LOG_LEVEL,
            "ROBOTSTXT_OBEY": True,
            "DOWNLOAD_DELAY": 0,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
            "CONCURRENT_REQUESTS": 16,
            "AUTOTHROTTLE_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
        }
    )
    process.crawl(Bare)
    start = time.perf_counter()
    process.start()
    Path(out).write_text(json.dumps({"pages": counts["pages"], "seconds": time.perf_counter() - start}))


def _full(config: str, out: str) -> None:
    import huunghi.crawler.pipelines  # noqa: F401 - imported before the clock starts, as in a running daemon
    from huunghi.config import load_config
    from huunghi.crawler.runner import crawl
    from huunghi.storage.archive import Archive

    loaded = load_config(config)
    with Archive(loaded.database_url):  # the schema made before the clock: a daemon's archive exists
        pass
    start = time.perf_counter()
    runs = crawl(loaded, ["quocte"], log_level="ERROR")
    Path(out).write_text(
        json.dumps(
            {
                "pages": runs[0].pages_fetched,
                "stored": runs[0].articles_new + runs[0].articles_updated + runs[0].articles_unchanged,
                "seconds": time.perf_counter() - start,
            }
        )
    )


def _in_child(target, *args) -> dict:
    ctx = multiprocessing.get_context("spawn")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    proc.join(600)
    return json.loads(Path(out).read_text())


def throughput(pages: int, work: Path, replicas: ReplicaSet, repeat: int = 3) -> dict[str, object]:
    feed = replicas.base("quocte") + f"/rss/bench.rss?n={pages}"
    config = replica_config(
        work / "bench.toml",
        replicas,
        f"sqlite:///{work / 'bench.sqlite'}",
        ["quocte"],
        amend={
            "quocte": {
                "feeds": [feed],
                "sitemaps": [],
                "listings": [],
                "article_pattern": r"-\d{5,}\.html(\?v=\d+)?$",
            }
        },
        retries=0,
        extra="",
        revisits=[0],
    )
    text = config.read_text().replace("concurrent_per_host = 8", "concurrent_per_host = 16")
    config.write_text(text)
    rounds = []
    for n in range(repeat):  # bare and full in turns, each full crawl into a fresh (upgraded) archive
        bare = _in_child(_bare, feed)
        db = work / f"bench-{n}.sqlite"
        config.write_text(text.replace(str(work / "bench.sqlite"), str(db)))
        full = _in_child(_full, str(config))
        rounds.append((bare["pages"] / bare["seconds"], full["pages"] / full["seconds"], full["stored"]))
    bare_rate, full_rate, stored = sorted(rounds, key=lambda r: r[1] / r[0])[
        len(rounds) // 2
    ]  # the median round
    return {
        "pages": pages,
        "rounds": len(rounds),
        "bare_pages_per_s": round(bare_rate, 1),
        "full_pages_per_s": round(full_rate, 1),
        "full_stored": stored,
        "full_vs_bare": round(full_rate / bare_rate, 2),
        "full_vs_bare_each_round": [round(f / b, 2) for b, f, _ in rounds],
    }


def memory(cycles: int, work: Path, replicas: ReplicaSet) -> dict[str, object]:
    from huunghi.monitor.daemon import alerts_job, crawl_job

    config = replica_config(
        work / "mem.toml",
        replicas,
        f"sqlite:///{work / 'mem.sqlite'}",
        ["baotinh"],
        retries=0,
        revisits=[0] * 5,
    )
    samples = []
    for n in range(1, cycles + 1):
        crawl_job(str(config), "baotinh")
        alerts_job(str(config))
        if n in (10, cycles // 2, cycles):
            samples.append((n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))
    first = samples[0][1]
    return {
        "cycles": cycles,
        "rss_mb": {str(n): mb for n, mb in samples},
        "growth_after_10_cycles": round(samples[-1][1] / first - 1, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument(
        "--repeat", type=int, default=3, help="throughput rounds; the median round is reported"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, ReplicaSet() as replicas:
        work = Path(tmp)
        result = {"throughput": throughput(args.pages, work, replicas, args.repeat)}
        if args.cycles:
            result["memory"] = memory(args.cycles, work, replicas)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    t = result["throughput"]
    print(
        f"throughput, {t['pages']} pages, median of {t['rounds']} rounds: "
        f"bare Scrapy {t['bare_pages_per_s']} pages/s; "
        f"full pipeline {t['full_pages_per_s']} pages/s ({t['full_stored']} stored) = "
        f"{t['full_vs_bare']:.2f} × bare "
        f"(each round: {', '.join(f'{r:.2f}' for r in t['full_vs_bare_each_round'])})"
    )
    if "memory" in result:
        m = result["memory"]
        print(
            f"daemon memory over {m['cycles']} crawl cycles, max RSS MB at cycle: {m['rss_mb']}; "
            f"growth after cycle 10: {m['growth_after_10_cycles']:+.1%}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
