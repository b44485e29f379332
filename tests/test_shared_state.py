"""Shared state under concurrency: one story for one event stored by two processes at the same
moment, and a site template written only by a crawl that still holds its source."""

from __future__ import annotations

import multiprocessing
import socket
import urllib.request
from multiprocessing.synchronize import Barrier

import pytest
from sqlalchemy import select

from huunghi.replicas.server import ReplicaSet
from huunghi.storage.archive import Archive
from huunghi.storage.models import SiteTemplate
from tests.fixtures.processes import dead_pid
from tests.fixtures.services import pg_database

# seed 000 (Thời Đại) and seed 002 (Báo tỉnh): one event, reworded by two portals
EVENT = (("thoidai", 218974), ("baotinh", 276512))


def _store_at_once(db: str, source: str, url: str, barrier: Barrier, results: multiprocessing.Queue) -> None:
    """A crawl's storing, in its own process: read the portal's page as a crawl does, wait for the
    other process, then store (the pipeline's ``store_many``), so both place at the same moment."""
    from huunghi.crawler.extract.extractor import Extractor
    from huunghi.crawler.reading import PageJob, read_page

    with urllib.request.urlopen(url, timeout=60) as answer:
        html = answer.read().decode("utf-8")
    reading = read_page(Extractor(), PageJob(url, html))
    assert reading.record is not None, reading.error
    with Archive(db) as archive:
        source_id = archive.crawls.ensure_source(source, source, url.rsplit("/", 1)[0] + "/", {})
        run_id = archive.crawls.start_run(source_id)
        barrier.wait(timeout=120)
        outcome = archive.articles.store_many(source_id, [reading.record], run_id)
        archive.crawls.finish_run(run_id, 1)
    results.put((source, str(outcome[0])))


def _event_urls(replicas: ReplicaSet) -> list[tuple[str, str]]:
    out = []
    for name, article_id in EVENT:
        article = replicas.portals[name].catalog.by_id(article_id)
        out.append((name, replicas.article_url(name, article)))
    return out


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_one_event_stored_by_two_processes_at_once_is_one_story(backend, tmp_path):
    ctx = multiprocessing.get_context("spawn")  # clean processes, as two workers are
    with ReplicaSet() as replicas:
        urls = _event_urls(replicas)
        for round_ in range(4):  # a race won once may be luck: several rounds, each a fresh archive
            databases = pg_database() if backend == "postgresql" else None
            db = next(databases) if databases else f"sqlite:///{tmp_path / f'r{round_}.sqlite'}"
            try:
                with Archive(db):
                    pass  # migrated before the race: the race is about placing, not the schema
                barrier, results = ctx.Barrier(2), ctx.Queue()
                procs = [
                    ctx.Process(target=_store_at_once, args=(db, name, url, barrier, results))
                    for name, url in urls
                ]
                for p in procs:
                    p.start()
                for p in procs:
                    p.join(timeout=300)
                assert [p.exitcode for p in procs] == [0, 0]
                assert sorted(results.get(timeout=10)[1] for _ in procs) == ["StoreOutcome.NEW"] * 2
                with Archive(db) as archive:
                    articles = list(archive.reads.iter_articles())
                    assert len(articles) == 2
                    assert len({a.story_id for a in articles}) == 1, f"round {round_}: two stories"
                    (story,) = archive.stories.latest(limit=5)
                    assert story.size == 2 and story.sources == ["baotinh", "thoidai"]
            finally:
                if databases:
                    for _ in databases:  # drops the database
                        pass


def _template(archive: Archive, host: str) -> tuple[str, int] | None:
    with archive.session() as s:
        row = s.scalar(select(SiteTemplate).where(SiteTemplate.host == host))
        return (row.model, row.pages) if row else None


def test_a_template_is_written_only_under_its_runs_lease(archive_url):
    with Archive(archive_url) as archive:
        source = archive.crawls.ensure_source("s", "S", "http://s.test/", {})
        run = archive.crawls.start_run(source)  # this process, alive: it holds the source
        assert archive.crawls.save_template("s.test", '{"v": 1}', 3, run_id=run)
        assert _template(archive, "s.test") == ('{"v": 1}', 3)

        archive.crawls.finish_run(run, 1)  # the run let go of its source
        assert not archive.crawls.save_template("s.test", '{"v": 2}', 9, run_id=run)
        assert _template(archive, "s.test") == ('{"v": 1}', 3)  # left as it was

        # a run whose process is gone holds nothing, though nobody has closed it yet
        orphan = archive.crawls.start_run(source, owner=f"{socket.gethostname()}:{dead_pid()}")
        assert not archive.crawls.save_template("s.test", '{"v": 3}', 9, run_id=orphan)
        assert not archive.crawls.save_template("new.test", "{}", 1, run_id=orphan)
        assert _template(archive, "new.test") is None

        # the crawl now holding the source writes; so does the operator's re-extraction (no run)
        live = archive.crawls.start_run(source)
        assert archive.crawls.run(orphan).status == "interrupted"
        assert archive.crawls.save_template("s.test", '{"v": 4}', 12, run_id=live)
        assert not archive.crawls.save_template("s.test", '{"v": 5}', 13, run_id=orphan)
        assert not archive.crawls.save_template("s.test", '{"v": 5}', 13, run_id=0)  # no run at all
        assert _template(archive, "s.test") == ('{"v": 4}', 12)
        assert archive.crawls.save_template("s.test", '{"v": 6}', 14)
        assert _template(archive, "s.test") == ('{"v": 6}', 14)


@pytest.mark.postgres
def test_crawls_storing_at_once_into_new_quarters_lose_nothing():
    """Several crawls storing at the same moment, each batch needing search partitions that do not
    exist yet: every article is stored. (Partitions made inside the store transactions deadlocked,
    and PostgreSQL dropped a batch without the run saying so.)"""
    import threading
    from datetime import UTC, datetime

    from huunghi.storage.records import ArticleRecord
    from huunghi.storage.search.engine import SearchQuery

    writers, rounds, per_batch = 8, 4, 4
    databases = pg_database()
    db = next(databases)
    try:
        with Archive(db) as archive:
            sources = [
                archive.crawls.ensure_source(f"s{w}", f"Nguồn {w}", f"http://s{w}.test/", {})
                for w in range(writers)
            ]
        barrier = threading.Barrier(writers, timeout=120)
        failures: list[BaseException] = []

        def write(w: int) -> None:
            try:
                with Archive(db) as archive:
                    run_id = archive.crawls.start_run(sources[w])
                    for r in range(rounds):
                        batch = [
                            ArticleRecord(
                                url=f"http://s{w}.test/bai-{r}-{n}.html",
                                title=f"Bài {w} {r} {n} về hữu nghị",
                                body_text=f"Nội dung riêng {w} {r} {n} " * 30,
                                # every writer's batch of a round needs the same four new quarters
                                published_at=datetime(1990 + r, 1 + 3 * n, 15, tzinfo=UTC),
                            )
                            for n in range(per_batch)
                        ]
                        barrier.wait()
                        outcomes = archive.articles.store_many(sources[w], batch, run_id)
                        failures.extend(o for o in outcomes if isinstance(o, Exception))
                    archive.crawls.finish_run(run_id, rounds * per_batch)
            except BaseException as exc:  # noqa: BLE001 - reported by the test below
                failures.append(exc)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not failures, failures[:3]
        with Archive(db) as archive:
            stored = sum(1 for _ in archive.reads.iter_articles())
            found = archive.search(SearchQuery("hữu nghị", limit=1)).total
        assert stored == writers * rounds * per_batch
        assert found == writers * rounds * per_batch  # every one indexed, too
    finally:
        databases.close()


@pytest.mark.e2e
@pytest.mark.postgres
def test_ten_crawls_at_once_into_a_fresh_postgresql_archive_store_every_article(tmp_path):
    """Ten `huunghi crawl` processes, one source each, started together on a fresh archive: every
    article page a host served is stored, and every run says so (none lost without an error)."""
    import subprocess

    from tests.fixtures.crawling import huunghi_exe
    from tests.fixtures.fleet import Hosts

    databases = pg_database()
    db = next(databases)
    try:
        with Hosts(10) as hosts:
            config = hosts.config(tmp_path / "huunghi.toml", db, delay=0.0)
            subprocess.run(
                [huunghi_exe(), "--config", str(config), "archive", "upgrade"], check=True, timeout=300
            )
            crawls = [
                subprocess.Popen(
                    [huunghi_exe(), "--config", str(config), "crawl", "--source", name],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
                for name in hosts.names
            ]
            outs = [p.communicate(timeout=600)[0].decode("utf-8", "replace") for p in crawls]
            served = hosts.articles_served()
        with Archive(db) as archive:
            stored = {name: 0 for name in hosts.names}
            for article in archive.reads.iter_articles():
                stored[article.source] = stored.get(article.source, 0) + 1
            runs = archive.crawls.runs(limit=100)
        assert all(p.returncode == 0 for p in crawls), "\n".join(outs)
        assert stored == served, "\n".join(outs)
        assert all(r.status == "ok" and r.error_count == 0 for r in runs), [
            (r.source, r.status) for r in runs
        ]
    finally:
        databases.close()
