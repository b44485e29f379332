"""The extractor on the replicas (one page at a time, no template), against their ground truth."""

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bench.metric import f1, page_pr
from huunghi.crawler.extract.extractor import NotAnArticle, extract
from huunghi.replicas import templates as T
from huunghi.replicas.catalog import build_catalogs

VN = timezone(timedelta(hours=7))


def shingle_f1(pred: str, truth: str) -> float:
    return f1(*page_pr(pred, truth))


CASES = [(name, art) for name, cat in build_catalogs().items() for art in cat.articles]


@pytest.mark.parametrize("name,article", CASES, ids=[f"{n}-{a.id}" for n, a in CASES])
def test_replica_articles_extract_cleanly(name, article):
    catalog = build_catalogs()[name]
    html = T.render_article(catalog, article, "http://replica", random.Random(article.id))
    got = extract(html, "http://replica" + T.article_path(catalog, article))
    assert got.title == article.title
    assert got.lead == article.lead
    assert "Cập nhật lúc" not in got.text  # an "updated at" line is not body text
    assert got.published == article.published
    assert got.published.utcoffset() == timedelta(hours=7)
    assert shingle_f1(got.text, article.text) >= 0.99
    # nothing of the sidebars, rails or widgets (other articles' titles and leads included)
    assert catalog.leaks(article, got.text) == []
    for widget in ("Tin bài liên quan", "Đọc nhiều", "Xin chờ trong giây lát", "Phiên bản di động"):
        assert widget not in got.text
    # one caption per image, the visible one (not the alt text as well), and not in the body
    assert [i["caption"] for i in got.images] == article.captions
    assert all(i["caption_source"] == "caption" for i in got.images)
    assert got.author == article.author
    if article.credit:
        assert article.credit in got.credit
    assert got.section.split(" › ")[0] == article.section[0]
    assert got.language == "vi"


def test_sidebar_rotation_does_not_change_the_extracted_article():
    catalog = build_catalogs()["thoidai"]
    article = catalog.articles[0]
    texts = {
        extract(T.render_article(catalog, article, "http://r", random.Random(seed))).text for seed in range(5)
    }
    assert len(texts) == 1


def test_dates_read_as_gmt7_and_never_in_the_future():
    page = (
        '<html><body><span class="post-time">10:08 | 16/01/2026 GMT+7</span><h1>Tiêu đề bài</h1>'
        "<article><p>" + "Nội dung bài viết dài đủ để trích xuất. " * 20 + "</p></article></body></html>"
    )
    got = extract(page)
    assert got.published == datetime(2026, 1, 16, 10, 8, tzinfo=VN)
    early = extract(page, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert early.published is None


@pytest.mark.parametrize(
    "html", ["", "   ", "<html><body></body></html>", "<html><body><nav>Trang chủ</nav>"]
)
def test_pages_without_articles_give_a_reason(html):
    with pytest.raises(NotAnArticle):
        extract(html)


def test_a_page_sent_in_nfd_hashes_like_nfc_and_is_stored_as_published():
    import unicodedata

    from huunghi.crawler.pipelines import to_record

    catalog = build_catalogs()["thoidai"]
    article = catalog.articles[0]
    html = T.render_article(catalog, article, "http://replica", random.Random(1))
    nfd = unicodedata.normalize("NFD", html).replace("Thanh Hóa", "Thanh Hoá")  # also the other tone style
    a, b = extract(html, "http://replica/a-1.html"), extract(nfd, "http://replica/a-1.html")
    assert a.text != b.text  # as published, code points differ ...
    assert unicodedata.is_normalized("NFD", b.title)
    rec_a = to_record(a, "http://replica/a-1.html", None, None)
    rec_b = to_record(b, "http://replica/a-1.html", None, None)
    assert rec_a.content_hash() == rec_b.content_hash()  # ... but hash (and index) see one form
    assert rec_b.body_text == b.body_text  # nothing is rewritten on the way to the archive


STORY = [
    "Nearly half a million people have signed a petition urging the regulator to require greater "
    "disclosure from corporations about their political donations, the campaigners said on Sunday.",
    "A broad coalition of activists and officials has formed to press for a rule that would require "
    "publicly traded companies to disclose their political spending to their shareholders.",
    "The rule could take a year to write, and opponents have said they would challenge it in court "
    "if the commission went ahead without a vote of its full membership.",
]


def test_a_marked_byline_opening_the_body_is_the_author_not_text():
    page = (
        "<html><body><h1>Regulator may require more disclosure</h1><div class='story'>"
        "<span class='byline'><span class='byline-name'>By Jane Doe</span>"
        "<span class='byline-title'>Business reporter</span></span>"
        + "".join(f"<p>{p}</p>" for p in STORY)
        + "</div></body></html>"
    )
    got = extract(page, "http://news.example/a")
    assert got.author == "By Jane Doe"
    assert "Jane Doe" not in got.text and "Business reporter" not in got.text
    assert got.text.endswith(STORY[-1])


def test_a_date_line_in_english_is_not_body_text_but_an_events_dates_are():
    stamp, dates = "17 February 2013 Last updated at 22:15 GMT", "29 November 2018 | 20 January 2019"
    page = (
        "<html><body><h1>Regulator may require more disclosure</h1><div class='story'>"
        f"<p>{STORY[0]}</p><p>{stamp}</p><p>{dates}</p><p>{STORY[1]}</p><p>{STORY[2]}</p></div></body></html>"
    )
    got = extract(page, "http://news.example/a")
    assert stamp not in got.text
    assert dates in got.text and STORY[1] in got.text


def test_a_sentence_with_a_month_and_a_year_stays_in_the_body():
    line = "Sales fell in May 2013 after the regulator opened its inquiry."
    page = (
        "<html><body><h1>Regulator may require more disclosure</h1><div class='story'>"
        f"<p>{STORY[0]}</p><p>{line}</p><p>{STORY[1]}</p></div></body></html>"
    )
    assert line in extract(page, "http://news.example/a").text


def test_a_heading_never_ends_the_body_and_a_follow_us_line_is_a_sign_off():
    page = (
        "<html><body><h1>Regulator may require more disclosure</h1><div class='story'>"
        + "".join(f"<p>{p}</p>" for p in STORY)
        + "<p>Follow us on Twitter @example and on Facebook.</p><h3>Comments</h3></div></body></html>"
    )
    got = extract(page, "http://news.example/a")
    assert got.text.endswith(STORY[-1])


@pytest.mark.parametrize(
    "line",
    [
        "Additional reporting by Joseph Hudak",
        "With reporting from Kelly O’Donnell.",
        "Keith Bradsher contributed reporting from Hong Kong.",
    ],
)
def test_a_closing_credit_for_the_reporting_is_the_credit_not_text(line):
    page = (
        "<html><body><h1>Regulator may require more disclosure</h1><div class='story'>"
        + "".join(f"<p>{p}</p>" for p in STORY)
        + f"<p>{line}</p></div></body></html>"
    )
    got = extract(page, "http://news.example/a")
    assert got.credit == line
    assert got.text.endswith(STORY[-1])
