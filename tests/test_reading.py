"""Pages are read in a worker process: in crawl order, surviving the worker's death, never outliving the crawl."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from huunghi.crawler.reading import PageJob, ReadingWorker
from huunghi.replicas import templates as T
from huunghi.replicas.catalog import build_catalogs
from huunghi.storage.archive import Archive

ROOT = Path(__file__).resolve().parents[1]


def jobs(n: int, base: str = "http://portal.test") -> list[tuple[str, PageJob]]:
    catalog = build_catalogs()["thoidai"]
    rng = random.Random(5)
    return [(a.title, PageJob(base + T.article_path(catalog, a), T.render_article(catalog, a, base, rng),
                              language="vi", revisit_after=(3600,)))
            for a in catalog.articles[:n]]


def gone(pid: int) -> bool:
    try:
        return "State:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


def test_pages_are_read_in_order_by_one_worker_that_learns_and_saves_the_site_template(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    Archive(url).close()
    worker = ReadingWorker(url)
    worker.start()
    try:
        assert worker.pid not in (None, os.getpid())

        async def read_all():  # handed over all at once, as Scrapy does; answered in order
            return await asyncio.gather(*(worker.read(job) for _, job in pages))

        pages = jobs(12)
        readings = asyncio.run(read_all())
        assert [r.record.title for r in readings] == [title for title, _ in pages]
        assert all(r.record.minhash and r.record.sealed and r.record.revisit_after == [3600] for r in readings)
        assert [r.record.raw_html for r in readings] == [job.html for _, job in pages]  # kept for re-extraction
        assert readings[-1].method == "template"  # learned from the pages before it, in the worker
    finally:
        worker.close()
    with Archive(url) as archive:  # what the worker learned was saved for the next crawl
        [(host, learned_from, _saved, _model)] = archive.crawls.templates()
        assert host == "portal.test" and learned_from >= 3


def test_a_worker_that_dies_costs_the_page_it_was_reading_and_a_new_one_reads_the_next():
    worker = ReadingWorker(None)
    worker.start()
    try:
        first = worker.pid
        os.kill(first, signal.SIGKILL)
        (_, job), (title, nxt) = jobs(2)
        lost = asyncio.run(worker.read(job))
        assert lost.record is None and lost.error.kind == "extract" and "died" in lost.error.reason
        again = asyncio.run(worker.read(nxt))
        assert again.record is not None and again.record.title == title
        assert worker.pid not in (None, first)
    finally:
        worker.close()


def test_the_worker_never_outlives_a_crawl_process_that_was_killed():
    script = ("import sys, time\nsys.path.insert(0, %r)\nfrom huunghi.crawler.reading import ReadingWorker\n"
              "w = ReadingWorker(None)\nw.start()\nprint(w.pid, flush=True)\ntime.sleep(60)\n" % str(ROOT))
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        assert not gone(pid)
        parent.send_signal(signal.SIGINT)  # Ctrl-C is for the parent, which decides when the worker stops
        time.sleep(0.5)
        assert not gone(pid) or parent.poll() is not None
        parent.kill()  # killed outright (a crawl over its time limit): the kernel takes the worker too
        parent.wait()
        deadline = time.monotonic() + 5
        while not gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(pid)
    finally:
        if parent.poll() is None:
            parent.kill()
