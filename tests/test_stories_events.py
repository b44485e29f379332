"""One story, one event: URL identity, mirrors, content dedup, story clusters, versions with word
diffs, and the events a crawl raises — on the replicas, through the real spider, on both backends."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest

from huunghi.crawler.extract.extractor import Extractor
from huunghi.crawler.pipelines import to_record
from huunghi.replicas import templates as T
from huunghi.replicas.catalog import build_catalogs
from huunghi.replicas.server import ReplicaSet
from huunghi.replicas.tomlgen import replica_config
from huunghi.storage.archive import Archive
from tests.fixtures.crawling import crawl


def write_config(
    path: Path,
    replicas: ReplicaSet,
    database_url: str,
    names: list[str],
    extra: dict[str, dict[str, object]] | None = None,
) -> Path:
    return replica_config(path, replicas, database_url, names, amend=extra, retries=0)


def _by_suffix(archive: Archive, suffix: str):
    return next(a for a in archive.reads.iter_articles() if a.url.endswith(suffix))


@pytest.mark.e2e
def test_mirrors_stories_versions_removals_and_events(archive_url, tmp_path):
    with ReplicaSet() as replicas:
        td = replicas.portals["thoidai"]
        mirror_feed = td.base + "/rss/mirror.rss"  # the same articles under the host name "localhost"
        config = write_config(
            tmp_path / "huunghi.toml",
            replicas,
            archive_url,
            ["thoidai", "baotinh"],
            {"thoidai": {"feeds": [td.base + "/rss/home.rss", mirror_feed], "mirrors": ["localhost"]}},
        )
        crawl(config)
        with Archive(archive_url) as archive:
            stored = {s.name: s.articles for s in archive.reads.sources_overview()}
            assert stored == {"thoidai": 12, "baotinh": 6}  # mirror URLs did not double anything
            events = archive.events.after(limit=1000)
            assert [e.kind for e in events] == ["new"] * 18
            seed000 = _by_suffix(archive, "-218974.html")
            seed002 = _by_suffix(archive, "-276512.htm")
            seed001 = _by_suffix(archive, "-217650.html")
            seed004 = _by_suffix(archive, "-201133.html")
            # seeds 000 and 002: one event, reworded on two portals → one story
            assert seed000.story_id == seed002.story_id is not None
            story = archive.stories.story_of(seed000.id)
            assert {a.source for a in story} == {"thoidai", "baotinh"} and len(story) == 2
            # same province and organisation, other events → other stories; and nothing else merged
            assert len({seed000.story_id, seed001.story_id, seed004.story_id}) == 3
            assert len({a.story_id for a in archive.reads.iter_articles()}) == 17
            assert ("province", "Đồng Nai") in archive.reads.tags(seed000.id)
            assert ("org", "Liên hiệp các tổ chức hữu nghị Thanh Hóa") in archive.reads.tags(seed002.id)

        # trap 4: the editors correct seed 000's lead (the second "Thanh Hóa" should be "Đồng Nai")
        original = td.catalog.by_id(218974)
        head, sep, tail = original.lead.rpartition("Thanh Hóa")
        assert sep, original.lead
        td.edits[218974] = dataclasses.replace(original, lead=head + "Đồng Nai" + tail)
        td.removed[219001] = 410  # withdrawn
        td.removed[219002] = 301  # sent to the home page
        crawl(config)
        with Archive(archive_url) as archive:
            changed = [e for e in archive.events.after(limit=1000) if e.kind != "new"]
            assert sorted(e.kind for e in changed) == ["changed", "removed", "removed"]
            correction = next(e for e in changed if e.kind == "changed")
            assert correction.data["version"] == 2
            assert [(d["field"], d["old"], d["new"]) for d in correction.data["diff"]] == [
                ("lead", "Thanh Hóa", "Đồng Nai")
            ] or [(d["field"], d["old"], d["new"]) for d in correction.data["diff"]] == [
                ("lead", "Hóa", "Đồng Nai")
            ]
            assert all(d["field"] == "lead" for d in correction.data["diff"])
            versions = archive.reads.versions(correction.article_id)
            assert [v["version"] for v in versions] == [1, 2] and versions[1]["diff"] == correction.data[
                "diff"
            ]
            removed = {e.data["url"].rsplit("-", 1)[1] for e in changed if e.kind == "removed"}
            assert removed == {"219001.html", "219002.html"}

        crawl(config)  # rotated sidebars, the same corrections and removals: nothing new to say
        with Archive(archive_url) as archive:
            assert len(archive.events.after(limit=1000)) == 18 + 3
            assert archive.reads.totals()["versions"] == 18 + 1


def test_sidebar_churn_on_a_seed_004_like_page_gives_no_version(archive_url):
    """Trap 2: a 2024 article re-crawled 20 times with ever new 2025 sidebars is not news."""
    catalog = build_catalogs()["thoidai"]
    article = catalog.by_id(201133)
    url = "http://thoidai.test" + T.article_path(catalog, article)
    extractor = Extractor()
    for other in catalog.articles[:6]:  # the site's template is learned, as in a real crawl
        extractor.extract(
            T.render_article(catalog, other, "http://thoidai.test", random.Random(0)),
            "http://thoidai.test" + T.article_path(catalog, other),
        )
    with Archive(archive_url) as archive:
        source = archive.crawls.ensure_source("thoidai", "Thời Đại", "http://thoidai.test/")
        outcomes = []
        for visit in range(20):
            html = T.render_article(catalog, article, "http://thoidai.test", random.Random(1000 + visit))
            outcomes.append(
                archive.articles.store(source, to_record(extractor.extract(html, url), url, html, None))
            )
        assert [o.value for o in outcomes] == ["new"] + ["unchanged"] * 19
        assert archive.reads.totals()["versions"] == 1
        assert [e.kind for e in archive.events.after()] == ["new"]


def test_the_same_body_under_another_url_is_one_article(archive_url):
    catalog = build_catalogs()["baotinh"]
    article = catalog.articles[0]
    html = T.render_article(catalog, article, "http://baotinh.test", random.Random(3))
    got = Extractor().extract(html, "http://baotinh.test/a")
    with Archive(archive_url) as archive:
        source = archive.crawls.ensure_source("baotinh", "Báo tỉnh", "http://baotinh.test/")
        first = archive.articles.store(
            source, to_record(got, "http://baotinh.test/thoi-su/bai-1.htm", None, None)
        )
        again = archive.articles.store(
            source, to_record(got, "http://baotinh.test/in/bai-1-print.htm", None, None)
        )
        amp = archive.articles.store(
            source, to_record(got, "https://m.baotinh.test/amp/thoi-su/bai-1.htm", None, None)
        )
        assert (first.value, again.value, amp.value) == ("new", "unchanged", "unchanged")
        assert archive.reads.totals()["articles"] == 1
        assert archive.articles.known_url("baotinh.test/in/bai-1-print.htm")
        assert archive.articles.known_url("baotinh.test/thoi-su/bai-1.htm")


@pytest.mark.e2e
def test_a_broken_source_raises_one_event_per_bad_streak(archive_url, tmp_path):
    config = tmp_path / "huunghi.toml"
    config.write_text(
        f"[archive]\nurl = {json.dumps(archive_url)}\n[crawler]\nretries = 0\ntimeout = 3.0\n"
        '[[sources]]\nname = "dead"\nallow_private = true\nhomepage = "http://127.0.0.1:9/"\nfeeds = ["http://127.0.0.1:9/rss"]\n',
        encoding="utf-8",
    )
    crawl(config)
    crawl(config)
    with Archive(archive_url) as archive:
        runs = archive.crawls.runs()
        assert [r.status for r in runs] == ["failed", "failed"]
        broken = [e for e in archive.events.after() if e.kind == "source_broken"]
        assert len(broken) == 1 and broken[0].source == "dead" and broken[0].data["code"] == "failed"


def test_tags_know_provinces_old_and_new_countries_in_context_and_organisations():
    from huunghi.crawler.extract.tags import find_tags

    tags = find_tags(
        "Chủ tịch Hồ Chí Minh bàn về hòa bình; chị Thu Nga và anh Minh Đức; Liên bang Nga; "
        "Hội hữu nghị Việt Nam – Lào họp ở tỉnh Lào Cai; Hòa Bình cũ; Đại sứ quán Đức; TP.HCM; "
        "Liên hiệp các tổ chức hữu nghị tỉnh Thanh Hoá"
    )
    assert tags == [
        ("country", "Lào"),
        ("country", "Nga"),
        ("country", "Đức"),
        ("former_province", "Hòa Bình"),
        ("org", "Hội hữu nghị Việt Nam - Lào"),
        ("org", "Liên hiệp các tổ chức hữu nghị Thanh Hóa"),
        ("province", "Lào Cai"),
        ("province", "Phú Thọ"),
        ("province", "TP Hồ Chí Minh"),
        ("province", "Thanh Hóa"),
    ]
    assert find_tags("hòa bình, thu nga, minh đức") == []
