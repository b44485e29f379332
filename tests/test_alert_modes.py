"""Alerts people act on: they name the source and link to the portal and to Huunghi's own page;
per subscription one mail per event or one per pass (or per N minutes) grouped by story, in
Vietnamese or English, held through quiet hours; Apprise channels tested against a local receiver."""

from __future__ import annotations

import email
import email.policy
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from huunghi.clock import HANOI
from huunghi.config import load_config
from huunghi.monitor.alerts import plan, quiet_until, send_due
from huunghi.replicas import templates as T
from huunghi.replicas.catalog import build_catalogs
from huunghi.storage.archive import Archive
from tests.fixtures.crawling import crawl
from tests.fixtures.servers import Hooks

ENGLISH_IN_VI = ("empty run", "crawl failed", "errors)", "Read on the portal", "Source broken", "New article")


def mails(folder: Path, to: str) -> list[email.message.EmailMessage]:
    found = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(folder.glob("*.eml"))
    ]
    return [m for m in found if m["To"] == to]


def text_of(msg) -> str:
    return next(p for p in msg.iter_parts() if p.get_content_type() == "text/plain").get_content()


def html_of(msg) -> str:
    return next(p for p in msg.iter_parts() if p.get_content_type() == "text/html").get_content()


def test_a_broken_source_alert_names_the_source_in_vietnamese_with_its_url(tmp_path):
    hooks, apprise_in = Hooks(), Hooks()
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    port = apprise_in.server.server_address[1]
    path = tmp_path / "huunghi.toml"
    path.write_text(
        f"[archive]\nurl = {json.dumps(db)}\n[crawler]\nretries = 0\ntimeout = 3.0\n"
        '[[subscriptions]]\nname = "ops"\nemail = ["ops@vufo.test"]\nevents = ["source_broken"]\n'
        f'webhook = "{hooks.url}"\nnotify = ["json://127.0.0.1:{port}/apprise"]\nallow_private = true\n'
        '[[sources]]\nname = "gone"\ntitle = "Báo \\"Đã đóng\\""\nhomepage = "http://127.0.0.1:9/"\n'
        'feeds = ["http://127.0.0.1:9/rss"]\nallow_private = true\n',
        encoding="utf-8",
    )
    try:
        crawl(path)
        config = load_config(path)
        with Archive(db) as archive:
            plan(archive, config)
            report = send_due(archive, config)
        assert report.sent == 3 and not report.errors, report
        [mail] = mails(tmp_path / "outbox", "ops@vufo.test")
        subject, text, html = str(mail["Subject"]), text_of(mail), html_of(mail)
        assert subject.startswith(
            '[Huunghi] Nguồn lỗi: Báo "Đã đóng" (gone) — lần thu thập gần nhất thất bại'
        )
        assert "http://127.0.0.1:9/rss" in text and 'href="http://127.0.0.1:9/rss"' in html
        assert "&#34;Đã đóng&#34;" in html or "&quot;Đã đóng&quot;" in html  # escaped, never raw markup
        for body in (subject, text, html):
            assert not [w for w in ENGLISH_IN_VI if w in body], body
        [(_headers, body)] = hooks.received
        payload = json.loads(body)
        assert payload["kind"] == "source_broken" and payload["source"] == "gone"
        assert payload["source_title"] == 'Báo "Đã đóng"' and payload["url"] == "http://127.0.0.1:9/rss"
        assert payload["reason_code"] == "failed" and "thất bại" in payload["reason"]
        [(_headers, note)] = apprise_in.received
        note = json.loads(note)
        assert 'Báo "Đã đóng" (gone)' in note["title"] and "http://127.0.0.1:9/rss" in note["message"]
    finally:
        hooks.close()
        apprise_in.close()


def _store_articles(db: str, n: int) -> list[int]:
    catalog = build_catalogs()["thoidai"]
    from huunghi.crawler.extract.extractor import Extractor
    from huunghi.crawler.pipelines import to_record

    ids = []
    with Archive(db) as archive:
        source = archive.crawls.ensure_source("thoidai", "Thời Đại", "http://thoidai.test/")
        for art in catalog.articles[:n]:
            url = "http://thoidai.test" + T.article_path(catalog, art)
            html = T.render_article(catalog, art, "http://thoidai.test", random.Random(1))
            archive.articles.store(source, to_record(Extractor().extract(html, url), url, None, None))
        ids = [a.id for a in archive.reads.latest_articles(limit=n)]
    return ids


def test_batched_each_english_quiet_hours_and_apprise(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    receiver = Hooks()
    now = datetime.now(UTC)
    local = now.astimezone(HANOI)
    quiet = f"{(local - timedelta(hours=1)):%H:%M}-{(local + timedelta(hours=1)):%H:%M}"
    path = tmp_path / "huunghi.toml"
    path.write_text(
        f'[archive]\nurl = {json.dumps(db)}\n[web]\nbase_url = "https://tin.vufo.test/"\n'
        '[[subscriptions]]\nname = "desk"\nemail = ["desk@vufo.test"]\nmode = "batched"\n'
        '[[subscriptions]]\nname = "board"\nemail = ["board@vufo.test"]\nlanguage = "en"\n'
        f'[[subscriptions]]\nname = "night"\nemail = ["night@vufo.test"]\nquiet_hours = "{quiet}"\n'
        '[[subscriptions]]\nname = "gather"\nemail = ["gather@vufo.test"]\n'
        'mode = "batched"\nbatch_minutes = 30\n'
        f'[[subscriptions]]\nname = "chat"\nnotify = ["json://127.0.0.1:{receiver.server.server_address[1]}/n"]\n'
        'mode = "batched"\n'
        '[[sources]]\nname = "thoidai"\ntitle = "Báo Thời Đại"\nhomepage = "http://thoidai.test/"\n'
        'feeds = ["http://thoidai.test/rss"]\n',
        encoding="utf-8",
    )
    ids = _store_articles(db, 3)
    config = load_config(path)
    outbox = tmp_path / "outbox"
    try:
        with Archive(db) as archive:
            plan(archive, config)
            now = datetime.now(UTC)  # the deliveries are due from now on
            report = send_due(archive, config, now)
            titles = [archive.reads.article(i).title for i in ids]
            urls = [archive.reads.article(i).url for i in ids]
        assert report.held == 3 + 3 and not report.errors, report  # night (quiet) and gather (30 min)
        [desk] = mails(outbox, "desk@vufo.test")  # one mail for the pass, not three
        text, html = text_of(desk), html_of(desk)
        assert str(desk["Subject"]).startswith("[Huunghi] 3 thông báo:")
        for i, title, url in zip(ids, titles, urls):
            assert title in text and url in text and f"https://tin.vufo.test/articles/{i}" in text
            assert f'href="https://tin.vufo.test/articles/{i}"' in html
        assert "Nguồn: Báo Thời Đại (thoidai)" in text and "Xem trong Huunghi" in text
        assert not [w for w in ENGLISH_IN_VI if w in text + html]
        board = mails(outbox, "board@vufo.test")
        assert len(board) == 3 and all(str(m["Subject"]).startswith("[Huunghi] New article:") for m in board)
        assert all("Read on the portal" in text_of(m) and "Xem trên" not in text_of(m) for m in board)
        assert mails(outbox, "night@vufo.test") == [] and mails(outbox, "gather@vufo.test") == []
        [(_h, body)] = receiver.received
        note = json.loads(body)
        assert "3 thông báo" in note["title"] and all(t in note["message"] for t in titles)

        with Archive(db) as archive:  # a quarter of an hour on: still quiet, still gathering
            report = send_due(archive, config, now + timedelta(minutes=15))
        assert report.sent == 0 and mails(outbox, "gather@vufo.test") == []
        with Archive(db) as archive:  # the batch is complete: one mail
            send_due(archive, config, now + timedelta(minutes=31))
        assert len(mails(outbox, "gather@vufo.test")) == 1 and mails(outbox, "night@vufo.test") == []
        end = quiet_until(config.subscriptions[2], now)
        assert end is not None and end > now
        with Archive(db) as archive:  # the quiet hours are over: what was held is sent, once each
            report = send_due(archive, config, end + timedelta(seconds=1))
            again = send_due(archive, config, end + timedelta(hours=3))
        assert report.sent == 3 and again.sent == 0
        assert len(mails(outbox, "night@vufo.test")) == 3
        assert len(receiver.received) == 1 and len(mails(outbox, "desk@vufo.test")) == 1
    finally:
        receiver.close()


def test_quiet_hours_across_midnight():
    from huunghi.config import SubscriptionConfig

    sub = SubscriptionConfig(name="n", email=["x"], quiet_hours="22:00-06:30")
    at = datetime(2026, 12, 1, 23, 15, tzinfo=HANOI)
    assert quiet_until(sub, at) == datetime(2026, 12, 2, 6, 30, tzinfo=HANOI)
    assert quiet_until(sub, datetime(2026, 12, 2, 5, 0, tzinfo=HANOI)) == datetime(
        2026, 12, 2, 6, 30, tzinfo=HANOI
    )
    assert quiet_until(sub, datetime(2026, 12, 2, 12, 0, tzinfo=HANOI)) is None


def test_a_batch_groups_the_reports_of_one_story(tmp_path):
    from huunghi.crawler.extract.extractor import Extractor
    from tests.fixtures.archives import store

    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    catalogs = build_catalogs()
    path = tmp_path / "huunghi.toml"
    path.write_text(
        f"[archive]\nurl = {json.dumps(db)}\n"
        '[[subscriptions]]\nname = "desk"\nemail = ["desk@vufo.test"]\nmode = "batched"\n'
        '[[sources]]\nname = "thoidai"\nfeeds = ["http://thoidai.test/rss"]\n',
        encoding="utf-8",
    )
    extractor = Extractor()
    with Archive(db) as archive:
        store(
            archive,
            "thoidai",
            [catalogs["thoidai"].by_id(218974), catalogs["thoidai"].articles[5]],
            extractor,
        )
        store(archive, "baotinh", [catalogs["baotinh"].by_id(276512)], extractor)
        config = load_config(path)
        plan(archive, config)
        report = send_due(archive, config, datetime.now(UTC) + timedelta(seconds=1))
        stories = {a.story_id for a in archive.reads.latest_articles(limit=10)}
    assert report.sent == 3 and report.messages == 1 and len(stories) == 2
    [mail] = mails(tmp_path / "outbox", "desk@vufo.test")
    text = text_of(mail)
    sections = [part for part in text.split("\n== ")[1:]]
    assert len(sections) == 2  # one heading per story, not per article
    shared = next(part for part in sections if catalogs["thoidai"].by_id(218974).title in part)
    assert catalogs["baotinh"].by_id(276512).title in shared  # both portals' reports under one story


def test_a_long_vietnamese_subject_keeps_every_space(tmp_path):
    """The email package folded "(tinh) — lần" into two encoded words and lost the space between
    them ("(tinh)— lần"); every subject must read back exactly as it was written."""
    from huunghi.monitor.mail import new_message

    config = load_config(_minimal(tmp_path))
    words = (
        "Nguồn lỗi: Báo tỉnh (tinh) — lần thu thập gần nhất thất bại (1 lỗi), không lấy được trang".split()
    )
    rng = random.Random(7)
    for _ in range(200):
        subject = "[Huunghi] " + " ".join(rng.choice(words) for _ in range(rng.randint(1, 40)))
        msg = new_message(config, subject, ["desk@vufo.test"], "t")
        msg.set_content("x")
        back = email.message_from_bytes(msg.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
        assert back["Subject"] == subject
        assert max(len(line) for line in msg.as_bytes().split(b"\n")) <= 78


def _minimal(tmp_path: Path) -> Path:
    path = tmp_path / "huunghi.toml"
    db = f"sqlite:///{tmp_path / 'm.sqlite'}"
    path.write_text(f"[archive]\nurl = {json.dumps(db)}\n", encoding="utf-8")
    return path
