"""End to end: replicas on localhost → the real Scrapy spider (in a child process) → the archive."""

import subprocess
import sys
from pathlib import Path

import pytest

from huunghi.replicas.catalog import build_catalogs
from huunghi.replicas.server import FAULTS
from huunghi.replicas.tomlgen import replica_config
from huunghi.storage.archive import Archive, ArticleRecord
from tests.fixtures.crawling import crawl

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]


def write_config(path: Path, replicas, database_url: str, names=None) -> Path:
    return replica_config(path, replicas, database_url, names)


def test_crawl_all_replicas_then_recrawl_adds_nothing(replicas, archive_url, tmp_path):
    config = write_config(tmp_path / "huunghi.toml", replicas, archive_url)
    expected = {name: len(p.catalog.articles) for name, p in replicas.portals.items()}
    crawl(config)
    with Archive(archive_url) as archive:
        stored = {s.name: s.articles for s in archive.reads.sources_overview()}
        assert stored == expected
        totals = archive.reads.totals()
        assert totals["versions"] == totals["articles"] == sum(expected.values())
        runs = {r.source: r for r in archive.crawls.runs()}
        assert runs["thoidai"].status == runs["quocte"].status == "ok"
        # the broken pages of one portal are recorded with URL and reason; the rest went on
        bad = runs["baotinh"]
        assert bad.status == "partial" and bad.articles_new == expected["baotinh"]
        recorded = {e.url.split("/", 3)[3]: (e.kind, e.severity, e.reason) for e in bad.errors}
        assert {"/" + k for k in recorded} == set(FAULTS)
        kinds = {FAULTS["/" + k]: v[0] for k, v in recorded.items()}
        assert kinds == {
            "server-error": "http",
            "not-found": "http",
            "empty": "empty",
            "truncated": "truncated",
            "wrong-charset": "charset",
        }
        assert recorded["thoi-su/loi-may-chu-900001.htm"][2].startswith("HTTP 500")
        assert recorded["thoi-su/sai-bang-ma-900003.htm"][1] == "warning"
        # the page served with a wrong charset was repaired: its text reads right
        titles = [a.title for a in archive.reads.latest_articles(limit=100, source="baotinh")]
        assert all("Ã" not in t for t in titles)
        # articles carry what the demo and later issues rely on
        seed = next(a for a in archive.reads.latest_articles(limit=100) if a.url.endswith("-218974.html"))
        assert seed.section == "Hữu nghị › Bốn phương kết bạn" and seed.author == "Minh Thái (tổng hợp)"
        assert seed.published_at.isoformat() == "2026-01-16T03:08:00+00:00"
        assert [i["caption"] for i in seed.images] == replicas.portals["thoidai"].catalog.by_id(
            218974
        ).captions
        # the page as fetched is kept (compressed) for re-extraction, and each site's template
        raw = archive.articles.raw_page(seed.id)
        assert raw is not None and seed.title in raw and "Đọc nhiều" in raw
        hosts = {host: pages for host, pages, _saved, _model in archive.crawls.templates()}
        assert len(hosts) == len(build_catalogs()) and all(pages >= 3 for pages in hosts.values())

    crawl(config)  # sidebars rotate between visits; nothing else changed
    with Archive(archive_url) as archive:
        assert archive.reads.totals()["articles"] == sum(expected.values())
        assert archive.reads.totals()["versions"] == sum(expected.values())
        latest = {r.source: r for r in archive.crawls.runs(limit=len(expected))}
        assert all(r.articles_new == 0 and r.articles_updated == 0 for r in latest.values())
        assert sum(r.articles_unchanged for r in latest.values()) >= sum(expected.values())
        # the second crawl started from the stored templates: most pages read without trafilatura
        methods = [a.extraction for a in archive.reads.iter_articles()]
        assert methods.count("template") >= len(methods) * 0.6, methods

        # re-extraction with the same extractor changes nothing; a damaged article is repaired
        from huunghi.crawler.batch import reextract

        report = reextract(archive)
        assert report.pages == sum(expected.values()) and report.changed == 0 and not report.problems
        seed = next(a for a in archive.reads.latest_articles(limit=100) if a.url.endswith("-218974.html"))
        damaged = ArticleRecord(
            url=seed.url,
            title=seed.title,
            lead=seed.lead,
            body_text=seed.body_text + "\n\nĐọc nhiều: tin rác",
            published_at=seed.published_at,
            author=seed.author,
            credit=seed.credit,
            section=seed.section,
            language=seed.language,
            images=seed.images,
            extraction=seed.extraction,
            published_source=seed.published_source,
        )
        assert archive.articles.replace_extraction(seed.id, damaged) == ["body_text", "body_html"]
        report = reextract(archive, "thoidai")
        assert report.pages == expected["thoidai"] and report.changed == 1
        assert dict(report.fields) == {"body_text": 1, "body_html": 1}
        assert "tin rác" not in archive.reads.article(seed.id).body_text
        assert archive.reads.totals()["versions"] == sum(expected.values())  # a better reading is not an edit


@pytest.mark.parametrize("in_worker", [True, False], ids=["read-in-worker", "read-in-process"])
def test_scrapy_crawl_portal_works_as_scrapy_users_expect(replicas, tmp_path, in_worker):
    db = tmp_path / "a.sqlite"
    config = write_config(tmp_path / "huunghi.toml", replicas, f"sqlite:///{db}", names={"quocte"})
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "[crawler]\n", f"[crawler]\nread_in_worker = {str(in_worker).lower()}\n"
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "portal",
            "-a",
            "source=quocte",
            "-a",
            f"config={config}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with Archive(f"sqlite:///{db}") as archive:
        assert archive.reads.totals()["articles"] == len(replicas.portals["quocte"].catalog.articles)


def test_an_unreachable_source_is_recorded_and_does_not_stop_the_others(replicas, tmp_path):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    config = write_config(tmp_path / "huunghi.toml", replicas, db, names={"quocte"})
    config.write_text(
        config.read_text(encoding="utf-8")
        + (
            '\n[[sources]]\nname = "dead"\nallow_private = true\n'
            'feeds = ["http://127.0.0.1:9/rss"]\nlistings = ["http://127.0.0.1:9/"]\n'
        ),
        encoding="utf-8",
    )
    crawl(config)
    with Archive(db) as archive:
        runs = {r.source: r for r in archive.crawls.runs()}
        assert runs["quocte"].status == "ok" and runs["quocte"].articles_new == 7
        assert runs["dead"].status == "failed"
        assert {e.url for e in runs["dead"].errors} >= {"http://127.0.0.1:9/rss", "http://127.0.0.1:9/"}
