"""Source health that means it: a quiet re-crawl of a healthy source is never "broken"; a failed
run, pages that stop yielding articles and a feed silent past its usual rhythm are. Status, the
web page's figures, the events and the digest footer all say the same (one function decides)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from huunghi.replicas.server import ReplicaSet
from huunghi.replicas.tomlgen import replica_config
from huunghi.storage.archive import Archive, ArticleRecord
from huunghi.storage.models import Article
from tests.fixtures.crawling import crawl

DEAD = (
    '[[sources]]\nname = "gone"\ntitle = "Báo đã đóng"\nhomepage = "http://127.0.0.1:9/"\n'
    'feeds = ["http://127.0.0.1:9/rss"]\nallow_private = true\n'
)


def huunghi(config: Path, *args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("huunghi", path=str(Path(sys.executable).parent)) or "huunghi"
    return subprocess.run([exe, "--config", str(config), *args], capture_output=True, text=True, timeout=120)


def broken_events(db: str) -> list:
    with Archive(db) as archive:
        return [e for e in archive.events.after(limit=10_000) if e.kind == "source_broken"]


def test_a_recrawl_that_finds_only_known_articles_is_healthy(tmp_path):
    """30 s after a first crawl (here: at once), feeds answer 304 and every listed link is known."""
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with ReplicaSet() as replicas:
        config = replica_config(
            tmp_path / "huunghi.toml", replicas, db, ["thoidai", "quocte"], revisits=[], extra=DEAD
        )
        crawl(config)
        crawl(config)
        td = replicas.portals["thoidai"]
        assert td.hits.get("304 /rss/home.rss", 0) >= 1  # the feed had not changed
    with Archive(db) as archive:
        second = {r.source: r for r in archive.crawls.runs(limit=3)}
        for name in ("thoidai", "quocte"):
            run = second[name]
            assert run.articles_new == run.articles_updated == run.articles_unchanged == 0
            assert run.status == "ok"
        with archive.session() as s:
            from huunghi.storage.models import CrawlRun

            stats = s.get(CrawlRun, second["thoidai"].id).stats
        assert stats["known_skipped"] > 0 and stats["not_modified"] >= 1
        health = archive.crawls.source_health()
    assert [e.source for e in broken_events(db)] == ["gone"]  # the dead one only, once
    assert health["thoidai"]["health"] == health["quocte"]["health"] == "ok"
    assert health["gone"]["health"] == "broken" and health["gone"]["code"] == "failed"
    assert health["gone"]["url"] == "http://127.0.0.1:9/rss"
    rows = {r["source"]: r for r in json.loads(huunghi(config, "status", "--json").stdout)}
    assert rows["thoidai"]["health"] == "ok" and rows["gone"]["health"] == "broken"
    assert "thất bại" in rows["gone"]["reason"]  # the reason in Vietnamese
    from starlette.testclient import TestClient

    from huunghi.config import load_config
    from huunghi.web.app import create_app

    with TestClient(create_app(load_config(config))) as web:  # the web page's figures say the same
        shown = web.get("/api/stats").json()["health"]
    assert {n: h["health"] for n, h in shown.items()} == {"thoidai": "ok", "quocte": "ok", "gone": "broken"}


def test_the_daemons_first_run_over_a_crawled_archive_raises_no_alert(tmp_path):
    from huunghi.monitor.daemon import alerts_job, crawl_job

    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with ReplicaSet() as replicas:
        config = replica_config(
            tmp_path / "huunghi.toml",
            replicas,
            db,
            ["baotinh"],
            revisits=[],
            extra=(
                '[[subscriptions]]\nname = "ops"\nemail = ["ops@vufo.test"]\nevents = ["source_broken"]\n'
            ),
        )
        crawl(config)  # `huunghi crawl` (or the demo) filled the archive ...
        assert crawl_job(str(config), "baotinh") == 0  # ... then the daemon starts: its first run
        alerts_job(str(config))
    assert broken_events(db) == []
    assert not list((tmp_path / "outbox").glob("*.eml"))
    with Archive(db) as archive:
        assert archive.crawls.source_health()["baotinh"]["health"] == "ok"


def _record(n: int, when: datetime) -> ArticleRecord:
    return ArticleRecord(
        url=f"http://tinh.test/a-{n}.htm",
        title=f"Bài số {n}",
        body_text=f"Nội dung bài {n}.",
        published_at=when,
    )


def test_pages_that_stop_yielding_articles_break_the_source_once(archive_url):
    with Archive(archive_url) as archive:
        source = archive.crawls.ensure_source("tinh", "Báo tỉnh", "http://tinh.test/")
        run = archive.crawls.start_run(source)
        for n in range(6):
            archive.articles.store(source, _record(n, datetime(2026, 11, 1, tzinfo=UTC)), run)
        archive.crawls.finish_run(run, 6, stats={"known_skipped": 0})
        for _ in range(2):  # the site changed its layout: pages come, none reads as an article
            run = archive.crawls.start_run(source)
            for n in range(4):
                archive.crawls.record_error(
                    run, f"http://tinh.test/b-{n}.htm", "not-article", "too little text"
                )
            archive.crawls.finish_run(run, 4, stats={"known_skipped": 6})
        verdict = archive.crawls.assess_source("tinh")
        assert verdict.broken and verdict.code == "unreadable" and verdict.url == "http://tinh.test/b-0.htm"
        assert _sources_row(archive_url, "tinh") == ("health-broken", True)  # no failed run, still broken
        assert [e.data["code"] for e in archive.events.after(limit=100) if e.kind == "source_broken"] == [
            "unreadable"
        ]
        # repaired: the next run reads again, the streak ends, a later breakage is a new event
        run = archive.crawls.start_run(source)
        archive.articles.store(source, _record(99, datetime(2026, 11, 2, tzinfo=UTC)), run)
        archive.crawls.finish_run(run, 1)
        assert archive.crawls.assess_source("tinh").state == "ok"
        run = archive.crawls.start_run(source)
        archive.crawls.record_error(run, "http://tinh.test/rss", "http", "HTTP 500 (feed)")
        archive.crawls.finish_run(run, 1)
        codes = [e.data["code"] for e in archive.events.after(limit=100) if e.kind == "source_broken"]
        assert codes == ["unreadable", "failed"]


def test_a_feed_silent_past_its_usual_rhythm_is_broken_a_quiet_day_is_not(archive_url):
    now = datetime.now(UTC)
    with Archive(archive_url) as archive:
        source = archive.crawls.ensure_source("tinh", "Báo tỉnh", "http://tinh.test/")
        run = archive.crawls.start_run(source)
        for n in range(12):  # an article every three hours
            archive.articles.store(source, _record(n, now - timedelta(days=6, hours=3 * n)), run)
        archive.crawls.finish_run(run, 12)

        def quiet_run() -> None:
            r = archive.crawls.start_run(source)
            archive.crawls.finish_run(r, 2, stats={"known_skipped": 12, "not_modified": 1})

        quiet_run()
        assert archive.crawls.assess_source("tinh").state == "ok"  # just seen: nothing to worry about
        with archive.session() as s:  # ... as if those articles had been first seen a day ago
            s.execute(update(Article).values(first_seen=now - timedelta(days=1)))
            s.commit()
        quiet_run()
        assert archive.crawls.assess_source("tinh").state == "ok"  # a quiet day is within the floor
        assert not [e for e in archive.events.after(limit=100) if e.kind == "source_broken"]
        with archive.session() as s:  # five days without anything new, for a source that writes every 3 h
            s.execute(update(Article).values(first_seen=now - timedelta(days=5)))
            s.commit()
        quiet_run()
        verdict = archive.crawls.assess_source("tinh")
        assert verdict.broken and verdict.code == "stale" and verdict.params["usual_hours"] == 3
        [event] = [e for e in archive.events.after(limit=100) if e.kind == "source_broken"]
        assert event.data["code"] == "stale" and "giờ không có bài mới" in event.data["reason"]
        assert archive.crawls.source_health()["tinh"]["health"] == "broken"


def test_a_cached_feed_over_failing_pages_stays_failed(archive_url):
    """A 304 means "as last time": after a failed run, 304s and errors are still a failure;
    after a good run, 304s with a stray error are a partial run of a healthy source."""
    with Archive(archive_url) as archive:
        for name, first in (("down", "failed"), ("fine", "ok")):
            sid = archive.crawls.ensure_source(name)
            run = archive.crawls.start_run(sid)
            if first == "failed":
                archive.crawls.record_error(run, f"http://{name}.test/a-1.htm", "http", "HTTP 500 (article)")
            else:
                archive.articles.store(sid, _record(2, datetime(2026, 11, 1, tzinfo=UTC)), run)
            archive.crawls.finish_run(run, 2, stats={"requested": 1})
            run = archive.crawls.start_run(sid)
            archive.crawls.record_error(run, f"http://{name}.test/sitemap.xml", "http", "HTTP 500 (sitemap)")
            summary = archive.crawls.finish_run(run, 2, stats={"not_modified": 1})
            assert summary.status == ("failed" if name == "down" else "partial")
        assert (
            archive.crawls.assess_source("down").code == "failed"
            and archive.crawls.assess_source("fine").state == "ok"
        )


def test_a_broken_source_that_runs_well_again_is_recovered_once(tmp_path):
    """Broken, then a good run: one "source_recovered" event, an alert and a digest line naming the
    source; good after good: none. A source that was never broken never "recovers"."""
    import email
    import email.policy

    from huunghi.config import load_config
    from huunghi.monitor.alerts import plan, send_due
    from huunghi.monitor.digests import build, render

    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    path = tmp_path / "huunghi.toml"
    path.write_text(
        f"[archive]\nurl = {json.dumps(db)}\n"
        '[[subscriptions]]\nname = "ops"\nemail = ["ops@vufo.test"]\n'
        'events = ["source_broken", "source_recovered"]\n'
        '[[digests]]\nname = "sang"\nemail = ["desk@vufo.test"]\n'
        '[[sources]]\nname = "tinh"\ntitle = "Báo tỉnh"\nhomepage = "http://tinh.test/"\n'
        'feeds = ["http://tinh.test/rss"]\n',
        encoding="utf-8",
    )
    config = load_config(path)

    def kinds(archive: Archive) -> list[str]:
        return [e.kind for e in archive.events.after(limit=100) if e.kind.startswith("source_")]

    with Archive(db) as archive:
        source = archive.crawls.ensure_source("tinh", "Báo tỉnh", "http://tinh.test/")
        run = archive.crawls.start_run(source)
        archive.articles.store(source, _record(1, datetime(2026, 11, 1, tzinfo=UTC)), run)
        archive.crawls.finish_run(run, 1)
        run = archive.crawls.start_run(source)  # good after good: nothing to say
        archive.articles.store(source, _record(2, datetime(2026, 11, 1, tzinfo=UTC)), run)
        archive.crawls.finish_run(run, 1)
        assert kinds(archive) == []
        run = archive.crawls.start_run(source)
        archive.crawls.record_error(run, "http://tinh.test/rss", "http", "HTTP 500 (feed)")
        archive.crawls.finish_run(run, 1)
        assert archive.crawls.assess_source("tinh").broken and kinds(archive) == ["source_broken"]
        for n in (3, 4):  # repaired: the first good run says so, the next one does not
            run = archive.crawls.start_run(source)
            archive.articles.store(source, _record(n, datetime(2026, 11, 2, tzinfo=UTC)), run)
            archive.crawls.finish_run(run, 1)
        assert kinds(archive) == ["source_broken", "source_recovered"]
        [event] = [e for e in archive.events.after(limit=100) if e.kind == "source_recovered"]
        assert event.source == "tinh" and event.data["code"] == "failed"

        plan(archive, config)
        assert send_due(archive, config).sent == 2
        now = datetime.now(UTC)
        content = build(archive, config, config.digests[0], 0, archive.events.max_id(), now)
        _subject, text, html = render(config, config.digests[0], content, now)
    assert (
        "Nguồn Báo tỉnh (tinh) đã hoạt động lại" in text and "Nguồn Báo tỉnh (tinh) đã hoạt động lại" in html
    )
    assert "Nguồn đang lỗi" not in text  # healthy now: not in the broken footer
    found = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted((tmp_path / "outbox").glob("*.eml"))
    ]
    subjects = sorted(str(m["Subject"]) for m in found)
    assert len(subjects) == 2 and subjects[0] == "[Huunghi] Nguồn hoạt động lại: Báo tỉnh (tinh)"
    assert subjects[1].startswith("[Huunghi] Nguồn lỗi: Báo tỉnh (tinh) — ")
    recovered = next(m for m in found if "hoạt động lại" in str(m["Subject"]))
    body = next(p for p in recovered.iter_parts() if p.get_content_type() == "text/plain").get_content()
    assert "Nguồn Báo tỉnh (tinh) đã hoạt động lại" in body and "http://tinh.test/" in body


def _sources_row(db: str, name: str) -> tuple[str, bool]:
    """The web page of sources for one source: its health class, and whether it gives the reason."""
    import re

    from starlette.testclient import TestClient

    from huunghi.config import parse_config
    from huunghi.web.app import create_app

    config = parse_config(
        {"archive": {"url": db}, "sources": [{"name": name, "feeds": [f"http://{name}.test/"]}]}
    )
    with TestClient(create_app(config)) as web:
        page = web.get("/sources").text
    row = re.search(rf'<tr class="source (health-\w+)" id="source-{name}">(.*?)</tr>', page, re.S)
    assert row is not None, page[-2000:]
    return row.group(1), "không đọc được bài nào" in row.group(2)
