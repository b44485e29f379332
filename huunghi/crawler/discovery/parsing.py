"""Finding article URLs: RSS/Atom feeds (feedparser), sitemaps, and listing pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import feedparser
from lxml import etree

from huunghi.fetchpolicy import bounded_gunzip

MAX_INFLATED = 50 * 1024 * 1024  # a sitemap is at most 50 MB uncompressed (sitemaps.org)


@dataclass
class Discovered:
    url: str
    title: str = ""
    published: datetime | None = None


class DiscoveryError(ValueError):
    """A feed or sitemap that yields nothing usable; the message says why."""


def parse_feed(body: bytes, base_url: str) -> list[Discovered]:
    """Entries of an RSS or Atom feed; tolerant of malformed XML and relative links."""
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    if not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None)
        raise DiscoveryError(f"feed has no entries{f' ({reason})' if reason else ''}")
    out = []
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id")
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        when = datetime(*stamp[:6]).replace(tzinfo=UTC) if stamp else None
        out.append(Discovered(url=link, title=entry.get("title", ""), published=when))
    return out


def parse_sitemap(body: bytes, max_bytes: int = 0) -> tuple[str, list[Discovered]]:
    """('index', child sitemaps) or ('urlset', pages); gzip is unpacked, never past ``max_bytes``
    (default: the protocol's 50 MB), so a small bomb cannot inflate into gigabytes (``TooLarge``)."""
    if body[:2] == b"\x1f\x8b":
        body = bounded_gunzip(body, min(max_bytes or MAX_INFLATED, MAX_INFLATED))
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"sitemap is not XML ({exc})") from exc
    if root is None:
        raise DiscoveryError("sitemap is empty")
    kind = "index" if etree.QName(root).localname == "sitemapindex" else "urlset"
    out = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc = lastmod = None
        for child in node:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if name == "loc":
                loc = (child.text or "").strip()
            elif name in ("lastmod", "publication_date"):
                lastmod = _iso(child.text)
            elif name == "news":
                for sub in child.iter():
                    if isinstance(sub.tag, str) and etree.QName(sub).localname == "publication_date":
                        lastmod = _iso(sub.text) or lastmod
        if loc:
            out.append(Discovered(url=loc, published=lastmod))
    return kind, out


def _iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
