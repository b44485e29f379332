"""Digest order as a Vietnamese reader expects: place headings collated (Đồng Nai before Thanh
Hóa, Hà Nội before Hungary), a story under its main province, custom topics under their title,
and a footer naming the broken sources by title, exactly those `huunghi status` calls broken."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from huunghi.config import load_config
from huunghi.crawler.extract.tags import find_tags
from huunghi.monitor.digests import build, render
from huunghi.storage.archive import Archive, ArticleRecord
from huunghi.text.collate import sorted_vi

VN = timezone(timedelta(hours=7))
STORIES = [
    (
        "Thanh Hóa: Liên hiệp các tổ chức hữu nghị đón đoàn Hà Nội",
        "Liên hiệp các tổ chức hữu nghị tỉnh Thanh Hóa đón đoàn đại biểu Hà Nội.",
    ),
    ("Hội hữu nghị tỉnh Đồng Nai thăm Lào", "Đoàn Hội hữu nghị tỉnh Đồng Nai thăm và làm việc tại Lào."),
    ("Hội hữu nghị Việt Nam – Hungary gặp mặt", "Hội hữu nghị Việt Nam – Hungary gặp mặt hội viên."),
    (
        "Liên hiệp các tổ chức hữu nghị Hà Nội tổng kết năm",
        "Liên hiệp các tổ chức hữu nghị thành phố Hà Nội họp.",
    ),
]


def config_file(tmp_path: Path, db: str) -> Path:
    path = tmp_path / "huunghi.toml"
    path.write_text(
        f"[archive]\nurl = {json.dumps(db)}\n"
        '[[topics]]\nname = "huu-nghi"\ntitle = "Hữu nghị các địa phương"\nquery = "huu nghi"\n'
        '[[topics]]\nname = "dong-nai"\nquery = "huu nghi"\ntags = ["province:Đồng Nai"]\n'
        '[[digests]]\nname = "sang"\nemail = ["desk@vufo.test"]\ntopics = ["dong-nai", "huu-nghi"]\n'
        '[[sources]]\nname = "thoidai"\ntitle = "Báo Thời Đại"\nfeeds = ["http://thoidai.test/rss"]\n'
        '[[sources]]\nname = "gone"\ntitle = "Báo đã đóng"\n'
        'feeds = ["http://127.0.0.1:9/rss"]\nallow_private = true\n'
        '[[sources]]\nname = "mended"\ntitle = "Báo đã sửa"\n'
        'feeds = ["http://127.0.0.1:9/rss"]\nallow_private = true\n',
        encoding="utf-8",
    )
    return path


def test_collation_is_vietnamese():
    assert sorted_vi(
        ["Thanh Hóa", "Hungary", "Đồng Nai", "Hà Nội", "Ấn Độ", "An Giang", "Đà Nẵng", "Hải Phòng"]
    ) == ["An Giang", "Ấn Độ", "Đà Nẵng", "Đồng Nai", "Hà Nội", "Hải Phòng", "Hungary", "Thanh Hóa"]
    assert sorted_vi(["mạ", "má", "mã", "mả", "mà", "ma"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted_vi(["Ơn", "Ôn", "On"]) == ["On", "Ôn", "Ơn"]


def test_digest_places_stories_topics_and_footer(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    config = load_config(config_file(tmp_path, db))
    now = datetime.now(UTC)
    with Archive(db) as archive:
        source = archive.crawls.ensure_source(
            "thoidai", "Hữu nghị › Bốn phương kết bạn", "http://thoidai.test/"
        )
        for n, (title, lead) in enumerate(STORIES):
            body = f"{lead} Hai bên trao đổi về hợp tác, giao lưu nhân dân và các hoạt động năm tới. " * 3
            archive.articles.store(
                source,
                ArticleRecord(
                    url=f"http://thoidai.test/bai-{n}-10000{n}.html",
                    title=title,
                    lead=lead,
                    body_text=body,
                    published_at=datetime(2026, 11, 20, 8 + n, tzinfo=VN),
                    tags=find_tags(title, lead, body),
                ),
            )
        for name, outcomes in (("gone", ["failed"]), ("mended", ["failed", "ok"])):
            sid = archive.crawls.ensure_source(name, "", "http://127.0.0.1:9/")
            for outcome in outcomes:
                run = archive.crawls.start_run(sid)
                if outcome == "failed":
                    archive.crawls.record_error(
                        run, "http://127.0.0.1:9/rss", "network", "connection refused (feed)"
                    )
                    archive.crawls.finish_run(run, 0)
                else:
                    archive.crawls.finish_run(run, 1, stats={"not_modified": 1})
        digest = config.digests[0]
        content = build(archive, config, digest, 0, archive.events.max_id(), now)
        _subject, text, html = render(config, digest, content, now)
        health = archive.crawls.source_health()
    assert "== Đồng Nai ==" in text and "dong-nai" not in text  # no title: headed by its tag's place
    rest = text.split("== Hữu nghị các địa phương ==")[1]  # the other stories go under the next topic
    headings = [line.strip("- ") for line in rest.splitlines() if line.startswith("-- ")]
    assert headings == ["Hà Nội", "Hungary", "Thanh Hóa"]
    thanh_hoa = text.index("-- Thanh Hóa --")
    assert text.index(STORIES[0][0]) > thanh_hoa  # named first, in its title: its main province
    assert "== Hữu nghị các địa phương ==" in text and "huu-nghi" not in text and "huu-nghi" not in html
    assert "Báo Thời Đại" in text and "Bốn phương kết bạn" not in text  # the source by its configured title
    broken = [name for name, h in health.items() if h["health"] == "broken"]
    assert broken == ["gone"]  # "mended" answered again: healthy, whatever its old event says
    footer = next(line for line in text.splitlines() if line.startswith("Nguồn đang lỗi"))
    assert "Báo đã đóng (gone): lần thu thập gần nhất thất bại" in footer and "mended" not in footer
    assert "Báo đã đóng (gone)" in html


def test_a_digest_writes_dates_as_the_page_does(tmp_path):
    """One date format for people (16/01/2026 10:08), in the digest as on the page and in alerts;
    the digest wrote "10:08 16/01/2026"."""
    db = f"sqlite:///{tmp_path / 'd.sqlite'}"
    config = load_config(config_file(tmp_path, db))
    published = datetime(2026, 1, 16, 10, 8, tzinfo=VN)
    with Archive(db) as archive:
        sid = archive.crawls.ensure_source("thoidai", "Báo Thời Đại", "http://thoidai.test/")
        run = archive.crawls.start_run(sid)
        record = ArticleRecord(
            url="http://thoidai.test/a-1.htm",
            title=STORIES[3][0],
            lead=STORIES[3][1],
            body_text=STORIES[3][1],
            published_at=published,
        )
        archive.articles.store(sid, record, run)
        archive.crawls.finish_run(run, 1)
        now = datetime(2026, 1, 17, 7, 0, tzinfo=VN).astimezone(UTC)
        content = build(archive, config, config.digests[0], 0, archive.events.max_id(), now)
        _subject, text, html = render(config, config.digests[0], content, now)
    assert "16/01/2026 10:08" in text and "16/01/2026 10:08" in html
    assert "10:08 16/01/2026" not in text and "07:00 17/01/2026" not in text


def test_a_preview_of_a_chosen_period_shows_what_an_earlier_digest_already_sent(tmp_path):
    """`digest preview NAME --since DAY` right after the digest went out showed "nothing new":
    the stories it carried were left out. A period the person chose is shown whole."""
    from huunghi.monitor.digests import preview, send_due

    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    path = config_file(tmp_path, db)
    path.write_text(path.read_text(encoding="utf-8").replace("[[sources]]", 'time = "00:00"\n[[sources]]', 1))
    config = load_config(path)
    with Archive(db) as archive:
        sid = archive.crawls.ensure_source("thoidai", "Báo Thời Đại", "http://thoidai.test/")
        run = archive.crawls.start_run(sid)
        for n, (title, lead) in enumerate(STORIES):
            record = ArticleRecord(
                url=f"http://thoidai.test/p-{n}.htm", title=title, lead=lead, body_text=lead
            )
            archive.articles.store(sid, record, run)
        archive.crawls.finish_run(run, len(STORIES))
        now = datetime.now(UTC)
        report = send_due(archive, config, now)
        assert report.composed == ["sang"] and report.sent == 1
        _html, after = preview(archive, config, "sang", None, now)  # since the last digest: nothing new
        _html, chosen = preview(archive, config, "sang", now - timedelta(days=1), now)
    assert after.stories == [] and len(chosen.stories) == len(STORIES)


def test_digests_group_by_the_main_place_stored_with_the_tags(tmp_path):
    """A story goes under its main province (named in its title or lead, not in passing): not the
    Hà Nội of "Đại học Quốc gia Hà Nội" its title names; one with none under what it mentions,
    one with no place under "Khác". Tags stored without where they were found (before 0013)
    are read again from the text, and group alike."""
    from huunghi.crawler.extract.tags import read_tags

    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    config = load_config(config_file(tmp_path, db))
    stories = [
        (
            "Sinh viên Đại học Quốc gia Hà Nội giao lưu hữu nghị với bạn Lào",
            "Chiều 5/11, tại tỉnh Bắc Ninh, đoàn sinh viên gặp gỡ thanh niên Lào.",
            "Hai bên trao đổi về hợp tác và giao lưu hữu nghị.",
        ),
        (
            "Hội hữu nghị tổng kết năm",
            "Hội hữu nghị tổng kết công tác năm.",
            "Ảnh: Báo Thanh Hóa. Hội nghị diễn ra sáng nay.",
        ),
        ("Gặp mặt hữu nghị cuối năm", "Các hội viên hữu nghị gặp mặt.", "Hai bên trao đổi."),
    ]
    with Archive(db) as archive:
        source = archive.crawls.ensure_source("thoidai", "", "http://thoidai.test/")
        for n, (title, lead, body) in enumerate(stories):
            tags = read_tags(title, lead, body)
            for kept in (True, False):  # with where each tag was found, and without (stored before)
                archive.articles.store(
                    source,
                    ArticleRecord(
                        url=f"http://thoidai.test/{'moi' if kept else 'cu'}-{n}-20000{n}.html",
                        title=title + ("" if kept else " (bản cũ)"),
                        lead=lead,
                        body_text=body,
                        published_at=datetime(2026, 11, 20, 8 + n, kept, tzinfo=VN),
                        tags=[(t.kind, t.value) for t in tags],
                        tag_found=[(t.kind, t.value, t.field, t.via, t.main) for t in tags] if kept else [],
                    ),
                )
        first = next(a for a in archive.reads.iter_articles() if "moi-0" in a.url)
        places = {(r["value"], r["field"], r["via"], r["main"]) for r in archive.reads.tag_places(first.id)}
        assert ("Bắc Ninh", "lead", "text", True) in places and ("Hà Nội", "title", "name", False) in places
        content = build(archive, config, config.digests[0], 0, archive.events.max_id(), datetime.now(UTC))
    groups = content.groups["huu-nghi"]
    titles = {p: sorted(e.title for e in entries) for p, entries in groups.items()}
    assert titles["Bắc Ninh"] == [stories[0][0], stories[0][0] + " (bản cũ)"]
    assert "Hà Nội" not in titles
    assert titles["Thanh Hóa"] == [stories[1][0], stories[1][0] + " (bản cũ)"]  # only mentioned
    assert titles["Khác"] == [stories[2][0], stories[2][0] + " (bản cũ)"]
