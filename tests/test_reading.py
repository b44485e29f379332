"""Pages are read in a worker process: in crawl order, surviving the worker's death, never outliving
the crawl."""

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
    return [
        (
            a.title,
            PageJob(
                base + T.article_path(catalog, a),
                T.render_article(catalog, a, base, rng),
                language="vi",
                revisit_after=(3600,),
            ),
        )
        for a in catalog.articles[:n]
    ]


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
        assert all(
            r.record.minhash and r.record.sealed and r.record.revisit_after == [3600] for r in readings
        )
        assert [r.record.raw_html for r in readings] == [
            job.html for _, job in pages
        ]  # kept for re-extraction
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


PARENT = """\
import asyncio, random, sys, time
sys.path.insert(0, {root!r})
from huunghi.crawler.reading import PageJob, ReadingWorker
from huunghi.replicas import templates as T
from huunghi.replicas.catalog import build_catalogs
catalog = build_catalogs()["thoidai"]
a = catalog.articles[0]
base = "http://portal.test"
job = PageJob(
    base + T.article_path(catalog, a),
    T.render_article(catalog, a, base, random.Random(5)),
    language="vi",
)
w = ReadingWorker(None)
w.start()
try:
    print(w.pid, flush=True)
    time.sleep(600)
except KeyboardInterrupt:  # Ctrl-C: the parent goes on using its worker, then waits for the test
    reading = asyncio.run(w.read(job))
    print(w.pid, reading.record.title if reading.record else "lost: " + reading.error.reason, flush=True)
    sys.stdin.readline()
"""


def line(proc: subprocess.Popen, deadline_s: float = 120) -> str:
    """The child's next line (a handshake), or a failure if it says nothing for a long time."""
    import select

    ready, _, _ = select.select([proc.stdout], [], [], deadline_s)
    assert ready, "the child said nothing"
    return proc.stdout.readline().strip()


def test_the_worker_never_outlives_a_crawl_process_that_was_killed():
    """Ctrl-C (SIGINT to the whole process group) is for the parent: its worker lives on and reads
    the next page for it; a parent killed outright (a crawl over its time limit) takes its worker
    along. No timing: the parent reports over a pipe, and the end is waited for as a condition."""
    ((title, _job),) = jobs(1)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT.format(root=str(ROOT))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        pid = int(line(parent))
        assert not gone(pid)
        os.killpg(parent.pid, signal.SIGINT)  # as a terminal's Ctrl-C: parent and worker both get it
        # The signal was pending in the worker before the page was sent: had it not been ignored,
        # the worker would have died before reading, and the page would be lost or read by another.
        after, read = line(parent).split(" ", 1)
        assert (int(after), read) == (pid, title)
        assert not gone(pid) and parent.poll() is None
        parent.kill()  # killed outright: the kernel takes the worker too (PR_SET_PDEATHSIG)
        parent.wait()
        deadline = time.monotonic() + 60
        while not gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(pid)
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.wait()
