"""A crawl of a portal that misbehaves on purpose: nothing local is read, nothing unbounded is done,
and what was cut or refused is recorded on the run."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from huunghi.storage.archive import Archive
from tests.fixtures.hostile import HostilePortal, hostile_config


def crawl_hostile(
    tmp_path: Path, portal: HostilePortal, database_url: str, extra: str = "", timeout: float = 4.0
) -> int:
    """Crawl in a child process; returns the child's peak RSS in kB (the children's maximum so far)."""
    from huunghi.crawler.runner import crawl_in_subprocess

    config = hostile_config(tmp_path / "huunghi.toml", portal, database_url, extra, timeout)
    assert crawl_in_subprocess(config, timeout=300) == 0
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    db = f"sqlite:///{tmp / 'h.sqlite'}"
    with HostilePortal(links=5000, feed_items=3000) as portal:
        crawl_hostile(tmp, portal, db)
        with Archive(db) as archive:
            run = archive.crawls.runs()[0]
            urls = [a.url for a in archive.reads.latest_articles(limit=1000)]
        yield portal, run, urls, db


def crawled_db(crawled) -> str:
    return crawled[3]


def test_nothing_but_http_is_read_or_stored(crawled):
    portal, run, urls, _db = crawled
    assert urls and all(u.startswith(portal.base + "/") for u in urls), urls
    kinds = {(e.kind, e.severity) for e in run.errors}
    assert ("refused", "warning") in kinds
    refused = next(e for e in run.errors if e.kind == "refused")
    assert "http" in refused.reason


def test_a_javascript_canonical_is_not_believed(crawled):
    portal, _run, urls, _db = crawled
    assert portal.base + "/canon-123456.html" in urls


def test_the_gzip_bomb_is_cut_and_the_run_says_so(crawled):
    _portal, run, _urls, _db = crawled
    bomb = [e for e in run.errors if e.url.endswith("/bomb.xml.gz")]
    assert bomb and bomb[0].kind == "too-large" and bomb[0].severity == "error"
    assert run.status != "ok"


def test_links_per_page_and_feed_are_capped_and_recorded(crawled):
    portal, run, _urls, _db = crawled
    fetched = sum(n for p, n in portal.hits.items() if p.startswith("/many/"))
    assert fetched <= 2 * 1000, fetched  # one page's cap plus one feed's cap
    cut = [e for e in run.errors if e.kind == "page-cap"]
    assert cut and "left out" in cut[0].reason


def test_redirect_loops_and_drips_are_errors_on_the_run(crawled):
    _portal, run, _urls, _db = crawled
    by_url = {e.url.rsplit("/", 1)[-1]: e.kind for e in run.errors}
    assert by_url.get("loop-1.html") == "redirect"
    assert by_url.get("drip-123458.html") == "timeout"


def test_a_crawl_has_a_deadline_of_its_own(tmp_path):
    db = f"sqlite:///{tmp_path / 'd.sqlite'}"
    with HostilePortal(links=50, feed_items=10) as portal:
        crawl_hostile(tmp_path, portal, db, extra="crawl_deadline_seconds = 2", timeout=600.0)
    with Archive(db) as archive:
        run = archive.crawls.runs()[0]
    assert run.status != "running"
    assert any(e.kind == "deadline" for e in run.errors), [(e.kind, e.reason) for e in run.errors]


def test_control_characters_never_reach_the_archive(crawled):
    from tests.fixtures.hostile import HOSTILE_TITLE

    portal, _run, urls, _db = crawled
    assert portal.base + "/ctrl-123457.html" in urls
    with Archive(crawled_db(crawled)) as archive:
        titles = [a.title for a in archive.reads.latest_articles(limit=1000)]
    assert "Tin đỏ [/] [bold]đậm hữu nghị" in titles, titles
    assert HOSTILE_TITLE not in titles and not any("\x1b" in t or "\x07" in t for t in titles)
