"""Digests delivered to a real SMTP server (aiosmtpd): one per due subscription, grouped right,
valid MIME with both parts, no story repeated, sanitised, exactly once across SMTP failures."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from aiosmtpd.controller import Controller

from huunghi.config import DigestConfig, load_config
from huunghi.crawler.extract.extractor import Extractor
from huunghi.monitor.digests import last_due, send_due
from huunghi.replicas.catalog import build_catalogs
from huunghi.storage.archive import Archive, ArticleRecord
from tests.fixtures.archives import store
from tests.fixtures.servers import Inbox, free_port

VN = timezone(timedelta(hours=7))


def config_file(tmp_path: Path, db: str, port: int, weekly_day: str = "monday") -> Path:
    path = tmp_path / "huunghi.toml"
    path.write_text(
        f'''[archive]
url = "{db}"
[mail]
smtp_host = "127.0.0.1"
smtp_port = {port}
starttls = false
sender = "Huunghi <digest@vufo.test>"
[[topics]]
name = "nothing"
query = "xyzzy"
[[digests]]
name = "sang"
email = ["desk@vufo.test"]
topics = ["friendship-union"]
[[digests]]
name = "weekly-en"
email = ["board@vufo.test"]
schedule = "weekly"
day = "{weekly_day}"
time = "08:00"
language = "en"
send_empty = true
[[digests]]
name = "quiet"
email = ["quiet@vufo.test"]
topics = ["nothing"]
[[sources]]
name = "thoidai"
feeds = ["http://thoidai.test/rss"]
''',
        encoding="utf-8",
    )
    return path


def parts(msg) -> dict[str, str]:
    return {p.get_content_type(): p.get_content() for p in msg.iter_parts()}


def test_schedule_is_read_on_the_hanoi_clock():
    daily = DigestConfig(name="d", email=["x"], time="07:00")
    weekly = DigestConfig(name="w", email=["x"], schedule="weekly", day="monday", time="08:00")
    at = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # Tuesday 07:30 in Hanoi
    assert last_due(daily, at) == datetime(2026, 11, 24, 7, 0, tzinfo=VN)
    assert last_due(daily, at - timedelta(hours=1)) == datetime(2026, 11, 23, 7, 0, tzinfo=VN)
    assert last_due(weekly, at) == datetime(2026, 11, 23, 8, 0, tzinfo=VN)
    assert last_due(weekly, datetime(2026, 11, 23, 0, 59, tzinfo=UTC)) == datetime(
        2026, 11, 16, 8, 0, tzinfo=VN
    )


def test_digests_are_grouped_never_repeat_a_story_and_arrive_once(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    catalogs = build_catalogs()
    extractor = Extractor()
    # a fixed place in the schedules, whatever the clock says when the test runs: 10:00 in Hanoi
    # on the first day whose 07:00 is still ahead, the weekly digest due the day before
    here = datetime.now(VN)
    seven = here.replace(hour=7, minute=0, second=0, microsecond=0)
    seven += timedelta(days=1) if seven <= here else timedelta(0)
    now = (seven + timedelta(hours=3)).astimezone(UTC)
    weekly_day = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[
        (seven - timedelta(days=1)).weekday()
    ]
    try:
        config = load_config(config_file(tmp_path, db, port, weekly_day))
        with Archive(db) as archive:
            store(archive, "thoidai", catalogs["thoidai"].articles, extractor)
            store(archive, "baotinh", catalogs["baotinh"].articles, extractor)
            hostile = ArticleRecord(
                url="http://thoidai.test/x-999999.html",
                title='Hội hữu nghị <script>alert(1)</script><img src=x onerror="steal()">',
                lead='Liên hiệp các tổ chức hữu nghị <form action="http://evil"><input></form> họp.',
                body_text="Đối ngoại nhân dân. " * 20,
                published_at=datetime(2026, 1, 10, 9, 0, tzinfo=VN),
            )
            archive.articles.store(archive.crawls.source_id("thoidai"), hostile)
            report = send_due(archive, config, now)
        assert sorted(report.composed) == ["sang", "weekly-en"] and report.skipped_empty == ["quiet"]
        assert report.sent == 2 and not report.errors
        by_to = {m["To"]: m for m in inbox.messages}
        assert set(by_to) == {"desk@vufo.test", "board@vufo.test"}
        for msg in by_to.values():
            assert msg.get_content_type() == "multipart/alternative"
            assert set(parts(msg)) == {"text/plain", "text/html"}
            assert msg["List-Unsubscribe"].startswith("<mailto:digest@vufo.test?subject=unsubscribe")
        sang = parts(by_to["desk@vufo.test"])
        html, text = sang["text/html"], sang["text/plain"]
        # one entry for the event both portals reported, with both sources, under its province
        seed000, seed002 = catalogs["thoidai"].by_id(218974), catalogs["baotinh"].by_id(276512)
        assert html.count(seed002.title) == 1 and seed000.title not in html  # the earliest report leads
        assert "Thời Đại, Báo Thanh Hóa" in html or "Báo Thanh Hóa, Thời Đại" in html
        assert text.index("-- Thanh Hóa --") < text.index(seed002.title)
        assert "Thời tiết hôm nay" not in html  # not a friendship-union story
        assert "Thời tiết hôm nay" in parts(by_to["board@vufo.test"])["text/html"]  # "all" in the English one
        assert "new stories" in by_to["board@vufo.test"]["Subject"]
        # nothing a page contains becomes markup in the mail
        for body in (html, text):
            assert (
                "<script" not in body
                and "<form" not in body
                and "onerror" not in body
                and "<input" not in body
            )
        assert "Hội hữu nghị alert(1)" in html or "Hội hữu nghị" in html

        # the next day: a correction, and a new story on a third portal; nothing from yesterday again
        original = catalogs["thoidai"].by_id(218974)
        head, _s, tail = original.lead.rpartition("Thanh Hóa")
        corrected = dataclasses.replace(original, lead=head + "Đồng Nai" + tail)
        with Archive(db) as archive:
            store(archive, "thoidai", [corrected], extractor)
            store(archive, "quocte", [catalogs["quocte"].articles[0]], extractor)
            report = send_due(archive, config, now + timedelta(days=1))
        assert report.composed == ["sang"] and report.sent == 1, report  # the weekly one is not due again
        second = parts(inbox.messages[-1])["text/html"]
        assert catalogs["quocte"].articles[0].title in second
        assert "Đồng Nai" in second and "Bài được đính chính" in second
        first_titles = {a.title for a in catalogs["thoidai"].articles + catalogs["baotinh"].articles}
        entries = second.split("Bài được đính chính")[0]
        assert not [t for t in first_titles if f">{t}<" in entries]  # no story of the first digest again

        # SMTP is down when the third one is due; it waits, then arrives exactly once
        smtp.stop()
        third_title = "Liên hiệp các tổ chức hữu nghị tỉnh Nghệ An đón đoàn Hội hữu nghị Lào"
        with Archive(db) as archive:
            archive.articles.store(
                archive.crawls.source_id("thoidai"),
                ArticleRecord(
                    url="http://thoidai.test/nghe-an-lao-300001.html",
                    title=third_title,
                    lead=(
                        "Ngày 20/11, Liên hiệp các tổ chức hữu nghị tỉnh Nghệ An "
                        "tiếp đoàn đại biểu hữu nghị Lào."
                    ),
                    body_text="Hai bên trao đổi về hợp tác giáo dục, y tế và giao lưu thanh niên. " * 5,
                    published_at=datetime(2026, 11, 20, 9, 0, tzinfo=VN),
                ),
            )
            report = send_due(archive, config, now + timedelta(days=2))
            assert report.composed == ["sang"] and report.retrying == 1 and report.sent == 0
        smtp = Controller(inbox, hostname="127.0.0.1", port=port)
        smtp.start()
        for hours in (1, 3, 12):
            with Archive(db) as archive:  # as after restarts
                send_due(archive, config, now + timedelta(days=2, hours=hours))
        third = [m for m in inbox.messages if third_title in parts(m)["text/html"]]
        assert len(third) == 1
        assert len(inbox.messages) == 4
        with Archive(db) as archive:
            assert [d["status"] for d in archive.outbox.digests.listing("sang")] == ["sent", "sent", "sent"]
            assert [d["status"] for d in archive.outbox.digests.listing("quiet")] == [
                "skipped",
                "skipped",
                "skipped",
            ]
    finally:
        try:
            smtp.stop()
        except AssertionError:
            pass
