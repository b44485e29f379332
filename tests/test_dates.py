"""The date finder: every Vietnamese form, every trap (comments, sidebars, the future, zones), the
stored pages of bench/data/dates with their gold, the replicas, and the reason kept in the archive."""

from __future__ import annotations

import gzip
import json
import random
import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml.html import fromstring

from huunghi.clock import HANOI
from huunghi.crawler.extract.dates import Dates, find_dates, page_zone, parse_value, parse_visible
from huunghi.crawler.extract.extractor import Extractor, NotAnArticle
from huunghi.replicas.catalog import build_catalogs
from huunghi.replicas.templates import render_article
from huunghi.storage.archive import Archive, ArticleRecord

HERE = Path(__file__).resolve().parents[1] / "bench" / "data" / "dates"
PAGES = json.loads((HERE / "pages.json").read_text())
DEV = json.loads((HERE / "dev.json").read_text())["pages"]
DATA = Path("/work/shared/data/scrapinghub/html")
NOW = datetime(2026, 1, 16, 10, 0, tzinfo=HANOI)
UTC = UTC
FILL = (
    "<p>Liên hiệp các tổ chức hữu nghị tỉnh tổ chức gặp mặt bạn bè quốc tế nhân dịp năm mới "
    "với sự tham dự "
    "của đại diện nhiều cơ quan, tổ chức phi chính phủ nước ngoài đang hoạt động trên địa bàn tỉnh.</p>"
    "<p>Các đại biểu đã trao đổi về kết quả hợp tác trong năm qua và phương hướng cho năm tới.</p>"
)


def _page(top: str = "", head: str = "", after: str = "", lang: str = "vi") -> str:
    return (
        f'<html lang="{lang}"><head><title>Gặp mặt hữu nghị</title>{head}</head><body><article>'
        f"<h1>Gặp mặt hữu nghị</h1>{top}{FILL}</article>{after}</body></html>"
    )


def _dates(html: str, now: datetime = NOW, feed_date: datetime | None = None) -> Dates:
    return find_dates(fromstring(html), now, feed_date=feed_date)


def _day(value: str) -> date:
    return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)


# -- the visible Vietnamese forms ------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Thứ Năm, ngày 8 tháng 1 năm 2015", datetime(2015, 1, 8, tzinfo=HANOI)),
        ("2 Tháng Mười Hai, 2025", datetime(2025, 12, 2, tzinfo=HANOI)),
        ("Cập nhật lúc 09:15 ngày 12/03/2025", datetime(2025, 3, 12, 9, 15, tzinfo=HANOI)),
        ("21 giờ trước", NOW - timedelta(hours=21)),
        ("Chiều 15/1", datetime(2026, 1, 15, tzinfo=HANOI)),
        ("Sáng 20/12", datetime(2025, 12, 20, tzinfo=HANOI)),  # December seen in January: last year's
        ("10:08 | 16/01/2026 GMT+7", datetime(2026, 1, 16, 10, 8, tzinfo=timezone(timedelta(hours=7)))),
        (
            "09:15 (GMT+7) Thứ Hai, 05/01/2026",
            datetime(2026, 1, 5, 9, 15, tzinfo=timezone(timedelta(hours=7))),
        ),
        ("2:30 CH 05/01/2026", datetime(2026, 1, 5, 14, 30, tzinfo=HANOI)),
    ],
)
def test_each_vietnamese_form(text: str, expected: datetime) -> None:
    got = parse_visible(text, NOW, None)
    assert got == expected and got.date() == expected.date()


def test_a_year_less_date_takes_the_year_of_other_evidence_and_never_the_future() -> None:
    assert parse_visible("Tối 3/2", NOW, 2024) == datetime(2024, 2, 3, tzinfo=HANOI)
    assert parse_visible("Tối 3/2", NOW, None) == datetime(2025, 2, 3, tzinfo=HANOI)  # not 3/2/2026 (future)
    assert parse_visible("Chiều 17/1", NOW, 2026) == datetime(2025, 1, 17, tzinfo=HANOI)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Sun, 04 Oct 2020 22:00:00 CDT", datetime(2020, 10, 4, 22, tzinfo=timezone(timedelta(hours=-5)))),
        ("Sun, 04 Oct 2020 10:00:00 +0200", datetime(2020, 10, 4, 10, tzinfo=timezone(timedelta(hours=2)))),
        ("2020/10/04", datetime(2020, 10, 4, tzinfo=HANOI)),
        ("2022-1-26", datetime(2022, 1, 26, tzinfo=HANOI)),
        ("2019-03-12T23:50:00Z", datetime(2019, 3, 12, 23, 50, tzinfo=UTC)),
        ("2024-05-06T23:30:00+02:00", datetime(2024, 5, 6, 23, 30, tzinfo=timezone(timedelta(hours=2)))),
        ("2024-05-06 23:30", datetime(2024, 5, 6, 23, 30, tzinfo=HANOI)),  # naive is Hanoi time
        ("Tue Nov 19 2019 03:05:46 GMT+0000", datetime(2019, 11, 19, 3, 5, 46, tzinfo=UTC)),
    ],
)
def test_machine_values_keep_their_own_offset(value: str, expected: datetime) -> None:
    got = parse_value(value)
    assert got == expected and got.utcoffset() == expected.utcoffset() and got.date() == expected.date()


# -- structured data ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "head, source",
    [
        (
            '<meta property="article:published_time" content="2025-07-09T06:30:00+07:00">',
            "meta:article:published_time",
        ),
        (
            '<meta property="og:article:published_time" content="2025-07-09T06:30:00+07:00">',
            "meta:og:article:published_time",
        ),
        ('<meta name="dc.date" content="2025-07-09T06:30:00+07:00">', "meta:dc.date"),
        ('<meta name="DC:date" content="2025-07-09T06:30:00+07:00">', "meta:dc:date"),
        ('<meta name="DC.date.issued" content="2025-07-09T06:30:00+07:00">', "meta:dc.date.issued"),
        ('<meta itemprop="uploadDate" content="2025-07-09T06:30:00+07:00">', "meta:uploaddate"),
        ('<meta name="pubdate" content="2025-07-09T06:30:00+07:00">', "meta:pubdate"),
        (
            '<script type="application/ld+json">{"@type":"WebPage",'
            '"datePublished":"2025-07-09T06:30:00+07:00"}</script>',
            "json-ld",
        ),
        (
            '<script type="application/ld+json">{"@graph":[{"@type":"Organization"},{"@type":"NewsArticle",'
            '"datePublished":"2025-07-09T06:30:00+07:00"}]}</script>',
            "json-ld",
        ),
    ],
)
def test_structured_evidence_of_every_kind(head: str, source: str) -> None:
    found = _dates(_page(head=head, top='<p class="date">01/01/2024</p>'))
    assert found.published == datetime(2025, 7, 9, 6, 30, tzinfo=HANOI) and found.source == source


def test_json_ld_article_wins_over_a_webpage_and_a_comment_never_counts() -> None:
    ld = (
        '<script type="application/ld+json">[{"@type":"WebPage","datePublished":"2020-01-01T00:00:00Z"},'
        '{"@type":"Comment","datePublished":"2025-07-10T00:00:00Z"},'
        '{"@type":"Article","datePublished":"2025-07-09T06:30:00+07:00",'
        '"dateModified":"2025-07-09T09:00:00+07:00"}]'
        "</script>"
    )
    found = _dates(_page(head=ld))
    assert found.published == datetime(2025, 7, 9, 6, 30, tzinfo=HANOI)
    assert found.updated == datetime(2025, 7, 9, 9, 0, tzinfo=HANOI)


def test_itemprop_on_an_abbr_keeps_its_late_evening_day() -> None:
    abbr = '<abbr itemprop="datePublished" title="2024-05-06T23:30:00+02:00">May 6</abbr>'
    found = _dates(_page(lang="en", top=abbr))
    assert found.published is not None and found.published.date() == date(2024, 5, 6)
    assert found.published.utcoffset() == timedelta(hours=2) and found.source == "itemprop"


def test_a_utc_value_is_shown_in_the_pages_own_zone_without_changing_the_instant() -> None:
    head = (
        '<meta property="article:published_time" content="2019-11-20T02:59:46+00:00">'
        '<meta property="og:updated_time" content="2019-11-19T22:16:55-06:00">'
    )
    found = _dates(_page(head=head, lang="en"), now=datetime(2020, 1, 1, tzinfo=UTC))
    assert found.published == datetime(2019, 11, 20, 2, 59, 46, tzinfo=UTC)
    assert found.published.date() == date(2019, 11, 19)  # the day the page itself printed
    assert page_zone(["2019-11-18 20:58:46", "2019-11-19T04:58:46Z"]) == timezone(timedelta(hours=-8))


# -- traps -----------------------------------------------------------------------------------
COMMENTS = (
    '<section id="comments"><div class="comment">'
    '<time datetime="2026-01-12T21:00:00+07:00">12/01/2026</time><p>Hay quá.</p></div>'
    '<div class="comment"><span class="date">11/01/2026 07:12</span></div></section>'
)


def test_reader_comments_never_give_the_date() -> None:
    found = _dates(_page(top='<p class="date">Thứ Hai, 05/01/2026 08:30</p>', after=COMMENTS))
    assert found.published == datetime(2026, 1, 5, 8, 30, tzinfo=HANOI) and found.source == "visible:vi"
    alone = _dates(_page(after=COMMENTS))
    assert alone.published is None or alone.published.date() not in (date(2026, 1, 12), date(2026, 1, 11))


def test_a_sidebar_date_is_lower_evidence_but_still_evidence() -> None:
    side = '<aside class="sidebar"><time datetime="2026-01-14T08:00:00+07:00">14/01</time></aside>'
    found = _dates(side + _page(top='<p class="byline">Thu Hà - ngày 3/1/2026</p>'))
    assert found.published == datetime(2026, 1, 3, tzinfo=HANOI)
    box = '<aside class="box"><time datetime="2025-11-20T10:00:00+07:00">20/11</time></aside>'
    only = _dates(_page(after=box))
    assert only.published == datetime(2025, 11, 20, 10, tzinfo=HANOI)


def test_never_a_date_in_the_future() -> None:
    head = '<meta property="article:published_time" content="2027-05-01T08:00:00+07:00">'
    found = _dates(_page(head=head, top='<span class="date">14/01/2026 16:20</span>'))
    assert found.published == datetime(2026, 1, 14, 16, 20, tzinfo=HANOI)
    ahead = _dates(_page(), feed_date=NOW + timedelta(days=2))
    assert ahead.published is None or ahead.published <= NOW + timedelta(minutes=10)


def test_published_and_updated_are_kept_apart() -> None:
    line = '<p class="time">Đăng lúc 07:40 ngày 11/03/2025 | Cập nhật lúc 09:15 ngày 12/03/2025</p>'
    found = _dates(_page(top=line))
    assert found.published == datetime(2025, 3, 11, 7, 40, tzinfo=HANOI)
    assert found.updated == datetime(2025, 3, 12, 9, 15, tzinfo=HANOI)


def test_the_feeds_date_when_the_page_has_none() -> None:
    feed = datetime(2026, 1, 10, 6, 0, tzinfo=UTC)
    found = _dates('<html lang="vi"><body><h1>Tin</h1><p>Không có ngày.</p></body></html>', feed_date=feed)
    assert found.published == feed and found.source == "feed"


def test_a_page_that_is_not_an_article_keeps_its_date() -> None:
    html = (
        '<html lang="vi"><body><h1>Ảnh</h1><div class="date">Thứ Sáu, ngày 9 tháng 1 năm 2026</div>'
        "</body></html>"
    )
    with pytest.raises(NotAnArticle) as info:
        Extractor(learn=False).extract(html, "", now=NOW)
    kept = info.value.dates
    assert isinstance(kept, Dates) and kept.published == datetime(2026, 1, 9, tzinfo=HANOI)


# -- stored pages with their gold ------------------------------------------------------------
def _extract(html: str, now: datetime, feed_date: datetime | None) -> Dates:
    try:
        art = Extractor(learn=False).extract(html, "", feed_date=feed_date, now=now)
        return Dates(art.published, art.updated, art.published_source)
    except NotAnArticle as exc:
        return exc.dates  # type: ignore[return-value]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_written_pages(name: str) -> None:
    gold = PAGES[name]
    html = (HERE / "pages" / f"{name}.html").read_text()
    feed = datetime.fromisoformat(gold["feed_date"]) if gold["feed_date"] else None
    found = _extract(html, datetime.fromisoformat(gold["now"]), feed)
    assert found.published is not None and found.published.date() == _day(gold["published"]), found
    if "T" in gold["published"]:
        assert found.published == datetime.fromisoformat(gold["published"])
    if gold["updated"]:
        assert found.updated == datetime.fromisoformat(gold["updated"])


@pytest.mark.parametrize("key", sorted(DEV))
def test_dev_pages_with_a_verified_day(key: str) -> None:
    path = DATA / f"{key}.html.gz"
    if not path.exists():
        pytest.skip("the dev data is not on this machine")
    raw = gzip.open(path).read().decode("utf-8", "replace")
    html = re.sub(r"<link[^>]+rel=[\"']?canonical[^>]*>", "", raw)
    found = _extract(html, datetime(2026, 12, 1, tzinfo=UTC), None)
    assert found.published is not None
    assert found.published.date() == _day(DEV[key]["published"])  # the newsroom's own day


@pytest.mark.parametrize("portal", sorted(build_catalogs()))
def test_replicas_exact_and_zone_aware(portal: str) -> None:
    catalog = build_catalogs()[portal]
    for article in catalog.articles:
        html = render_article(catalog, article, "http://127.0.0.1:8000", random.Random(article.id))
        found = _extract(html, article.published + timedelta(days=1), None)
        assert found.published == article.published and found.published.date() == article.published.date()


# -- the reason is kept with the article -----------------------------------------------------
def test_the_reason_is_stored_and_read_back(archive_url: str) -> None:
    with Archive(archive_url) as archive:
        sid = archive.crawls.ensure_source("thoidai", "Thời Đại")
        rec = ArticleRecord(
            url="https://thoidai.com.vn/a",
            title="Gặp mặt",
            body_text="Nội dung " * 30,
            published_at=datetime(2026, 1, 5, 8, 30, tzinfo=HANOI),
            published_source="visible:vi",
        )
        archive.articles.store(sid, rec.seal())
        [listed] = archive.reads.latest_articles(5)
        assert listed.published_source == "visible:vi"
        summary = archive.reads.article(listed.id)
        assert summary is not None and summary.published_source == "visible:vi"
        assert summary.published_at == datetime(2026, 1, 5, 8, 30, tzinfo=HANOI)


def test_huunghi_extract_keeps_the_pages_own_offset_and_a_stub_pages_date() -> None:
    from huunghi.crawler.batch import extract_lines

    evening = _page(
        lang="en", head='<meta property="article:published_time" content="2024-05-06T23:30:00+02:00">'
    )
    stub = (
        '<html lang="vi"><body><h1>Ảnh</h1><p class="date">Thứ Sáu, ngày 9 tháng 1 năm 2026</p></body></html>'
    )
    lines = [
        json.dumps({"url": "https://a.example/1", "html": evening}),
        json.dumps({"url": "https://a.example/2", "html": stub}),
    ]
    article, not_article = list(extract_lines(lines, Extractor(learn=False)))
    assert article["published"] == "2024-05-06T23:30:00+02:00"
    assert article["published_source"] == "meta:article:published_time"
    assert not_article["reason"] and not_article["published"].startswith("2026-01-09")


def test_reader_comments_are_put_back_after_dating_the_page():
    """htmldate reads the page without its comment blocks; the tree itself comes back whole
    (class values running over several lines do not shift which element is which)."""
    from lxml import html as lxml_html

    from huunghi.crawler.extract.html import parse

    page = (
        "<html><head><title>Bài</title></head><body><div id='main' class='wrap\n  page'>"
        "<p class='one\ntwo\nthree'>Nội dung bài viết, không có ngày.</p>"
        "<div class='comments'>Ý kiến <div class='comment-item'>Bạn đọc viết ngày 02/01/2024</div> tail</div>"
        "<p>Đoạn cuối.</p></div><ul id='binh-luan'><li>15/03/2023</li></ul></body></html>"
    )
    tree = parse(page)
    before = lxml_html.tostring(tree)
    found = find_dates(tree, datetime(2025, 1, 1, tzinfo=UTC))
    assert lxml_html.tostring(tree) == before
    assert found.published is None or found.published.year not in (2023, 2024)


def test_a_site_dated_only_by_the_text_wide_search_goes_to_it_directly_with_the_same_dates():
    """baocu prints only "Cập nhật lúc …": htmldate's cheap pass never finds its day. After
    DEEP_DATES_AFTER such pages the extractor skips that pass; the dates stay what they were."""
    from huunghi.crawler.extract.extractor import DEEP_DATES_AFTER, Extractor
    from huunghi.replicas import templates as T
    from huunghi.replicas.catalog import build_catalogs

    catalog = build_catalogs()["baocu"]
    rng = random.Random(3)
    host = "http://baocu.example"
    pages = [
        (host + T.article_path(catalog, a), T.render_article(catalog, a, host, rng)) for a in catalog.articles
    ]
    batch = Extractor()
    learned = [batch.extract(html, url) for url, html in pages]
    assert batch._deep_dates["baocu.example"] > DEEP_DATES_AFTER
    alone = [Extractor().extract(html, url) for url, html in pages]
    assert [(a.published, a.updated) for a in learned] == [(a.published, a.updated) for a in alone]
    assert [a.published for a in learned] == [a.published for a in catalog.articles]


def test_comment_blocks_are_found_by_class_and_id_even_after_multi_line_class_values():
    from huunghi.crawler.extract.dates import _comment_blocks
    from huunghi.crawler.extract.html import parse

    tree = parse(
        "<html><body class='has-comments'><div class='a\nb\nc'><p class='x\ny'>Bài</p>"
        "<div class='box\nComment-list' id='c1'>1</div><p class='z'>Giữa</p>"
        "<section id='Binh-Luan'>2</section><div class='fb-comments reply'>3</div></div></body></html>"
    )
    assert [n.text_content() for n in _comment_blocks(tree)] == ["1", "3", "2"]
