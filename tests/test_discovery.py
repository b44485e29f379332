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
