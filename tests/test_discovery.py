import gzip
from datetime import UTC, datetime

import pytest

from huunghi.crawler.discovery.parsing import DiscoveryError, parse_feed, parse_sitemap
from huunghi.crawler.urls import canonical_url

MALFORMED_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T\xe1\xbb\x9di \xc4\x90\xe1\xba\xa1i</title>
<item><title>Relative & unescaped</title><link>/huu-nghi/bai-218974.html</link>
<pubDate>Fri, 16 Jan 2026 10:08:00 +0700</pubDate></item>
<item><title>Absolute</title><link>https://thoidai.com.vn/bai-217650.html</link></item>
</channel>"""


def test_feed_tolerates_malformed_xml_and_relative_links():
    entries = parse_feed(MALFORMED_RSS, "https://thoidai.com.vn/rss/huu-nghi.rss")
    assert [e.url for e in entries] == [
        "https://thoidai.com.vn/huu-nghi/bai-218974.html",
        "https://thoidai.com.vn/bai-217650.html",
    ]
    assert entries[0].published == datetime(2026, 1, 16, 3, 8, tzinfo=UTC)


def test_a_feed_without_entries_is_an_error_with_a_reason():
    with pytest.raises(DiscoveryError, match="no entries"):
        parse_feed(b"<html><body>Not a feed</body></html>", "https://x/rss")


def test_sitemaps_index_gzip_and_news_dates():
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://x/s1.xml.gz</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(index) == ("index", [parse_sitemap(index)[1][0]])
    assert parse_sitemap(index)[1][0].url == "https://x/s1.xml.gz"
    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://x/a-1.htm</loc><news:news><news:publication_date>2026-01-15T21:05:00+07:00
      </news:publication_date></news:news></url>
      <url><loc>https://x/b-2.htm</loc><lastmod>2025-02-03</lastmod></url></urlset>"""
    kind, entries = parse_sitemap(gzip.compress(news))
    assert kind == "urlset"
    assert [e.url for e in entries] == ["https://x/a-1.htm", "https://x/b-2.htm"]
    assert entries[0].published == datetime(2026, 1, 15, 14, 5, tzinfo=UTC)
    with pytest.raises(DiscoveryError):
        parse_sitemap(b"")


def test_canonical_urls():
    assert (
        canonical_url("HTTPS://ThoiDai.com.vn:443/a-1.html?utm_source=fb&id=2#top")
        == "https://thoidai.com.vn/a-1.html?id=2"
    )
    # rel=canonical on the same site wins; one on another site is ignored
    assert (
        canonical_url("https://thoidai.com.vn/a-1.html?amp", "/a-1.html") == "https://thoidai.com.vn/a-1.html"
    )
    assert (
        canonical_url("https://www.thoidai.com.vn/x", "https://thoidai.com.vn/y")
        == "https://thoidai.com.vn/y"
    )
    assert (
        canonical_url("https://thoidai.com.vn/a-1.html", "https://baothanhhoa.vn/b-2.htm")
        == "https://thoidai.com.vn/a-1.html"
    )


def test_a_well_formed_feed_is_read_as_a_stream_as_feedparser_reads_it():
    from huunghi.crawler.discovery.parsing import _feedparser_feed, _stream_feed

    rss = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"
      xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>x</title><link>https://x/</link>
      <item><title><![CDATA[Tin <b>đỏ</b>]]></title><link> /a-1.html </link>
      <pubDate>Fri, 16 Jan 2026 10:08:00 +0700</pubDate></item>
      <item><title>B</title><guid>https://x/b-2.html</guid><dc:date>2026-01-15T21:05:00+07:00</dc:date></item>
      </channel></rss>""".encode()
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
      <entry><title>A</title><link rel="self" href="https://x/self"/><link href="https://x/a-1.html"/>
      <id>urn:x</id><updated>2026-01-15T21:05:00Z</updated><published>2026-01-14T21:05:00Z</published></entry>
      <entry><title>B</title><link rel="alternate" type="text/html" href="/b-2.html"/><id>urn:y</id>
      <updated>2026-01-15T21:05:00Z</updated></entry></feed>"""
    for feed in (rss, atom):
        streamed = list(_stream_feed(feed, "https://x/rss"))
        assert streamed == _feedparser_feed(feed, "https://x/rss") == parse_feed(feed, "https://x/rss")
        assert [e.url for e in streamed] == ["https://x/a-1.html", "https://x/b-2.html"]
        assert all(e.published is not None for e in streamed)


def test_a_listing_page_is_read_as_a_stream_with_its_base_and_next_page():
    from huunghi.crawler.discovery.parsing import ListingLinks, listing_encoding

    page = """<html><head><base href="/muc/"></head><body><ul>
      <li><a href="a-1.html">A</a></li><li><a>no link</a></li><li><a href="b-2.html">Bài <b>hai</b></a></li>
      </ul><a href="?trang=2"><span>Trang sau</span></a></body></html>""".encode()
    links = ListingLinks(page, listing_encoding(page, None))
    assert list(links) == ["a-1.html", "b-2.html", "?trang=2"]
    assert links.base_href == "/muc/" and links.next_href == "?trang=2"
    ranked = '<a href="p3" rel="nofollow next">3</a><a href="p2">tiếp</a><link rel="next" href="p4">'.encode()
    links = ListingLinks(ranked, "utf-8")
    assert list(links) == ["p3", "p2"] and links.next_href == "p3"  # rel=next wins over the text
    assert listing_encoding("tiếp".encode(), None) == "utf-8"
    assert listing_encoding("tiếp".encode("cp1252", "replace") + b"\xe9", None) == "cp1252"


def test_a_sitemap_bomb_is_cut_while_it_inflates():
    from huunghi.fetchpolicy import TooLarge

    head = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    bomb = gzip.compress(head + b" " * (3 * 1024 * 1024) + b"</urlset>")
    with pytest.raises(TooLarge):
        parse_sitemap(bomb, max_bytes=1024 * 1024)
    assert parse_sitemap(bomb, max_bytes=4 * 1024 * 1024) == ("urlset", [])
