"""Finding article URLs: RSS/Atom feeds, sitemaps, and listing pages.

Each is read as a stream (lxml's pull parsers, every element cleared once read), so what a page
costs is its links, one at a time, not a tree of them: a hostile listing of 100,000 links or a
feed of 50,000 items must not cost the crawl hundreds of megabytes (issue 16). A feed lxml
cannot read (malformed XML, which portals do serve) goes to feedparser, which tolerates it.
"""

from __future__ import annotations

import codecs
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser
from feedparser.datetimes import _parse_date as feed_date
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, read_bom

from huunghi.fetchpolicy import gunzip_chunks

MAX_INFLATED = 50 * 1024 * 1024  # a sitemap is at most 50 MB uncompressed (sitemaps.org)
CHUNK = 64 * 1024  # bytes handed to a pull parser at a time
NEXT_TEXTS = ("trang sau", "trang tiếp", "tiếp", "sau", "next", "»", "›", "xem thêm")


@dataclass(slots=True)
class Discovered:
    url: str
    title: str = ""
    published: datetime | None = None


class DiscoveryError(ValueError):
    """A feed or sitemap that yields nothing usable; the message says why."""


def parse_feed(body: bytes, base_url: str) -> list[Discovered]:
    """Entries of an RSS or Atom feed; tolerant of malformed XML and relative links.

    Well-formed XML is read as a stream (an entry at a time; feedparser would hold every entry
    of a 50,000-item feed as dicts: ~80 MB and 15 s); what lxml cannot read goes to feedparser."""
    try:
        entries = list(_stream_feed(body, base_url))
    except etree.LxmlError:
        entries = []
    return entries or _feedparser_feed(body, base_url)


_ENTRY_TAGS = ("item", "entry")
# as feedparser maps them: published_parsed, else updated_parsed (dc:date is an update there)
_PUBLISHED = ("pubDate", "published", "issued")
_UPDATED = ("updated", "modified", "date")


def _stream_feed(body: bytes, base_url: str) -> Iterator[Discovered]:
    events = etree.iterparse(
        io.BytesIO(body),
        events=("end",),
        tag=tuple(f"{{*}}{t}" for t in _ENTRY_TAGS),
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    for _, node in events:
        link = guid = title = ""
        published = updated = None
        for child in node:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            if name == "link":
                rel = child.get("rel", "alternate")
                href = child.get("href")
                if href is not None:  # Atom: the alternate link is the page
                    if rel == "alternate" and not link:
                        link = href.strip()
                elif not link:
                    link = (child.text or "").strip()
            elif name in ("guid", "id") and not guid:
                guid = (child.text or "").strip()
            elif name == "title" and not title:
                title = "".join(child.itertext()).strip()
            elif name in _PUBLISHED and published is None:
                published = _feed_when(child.text)
            elif name in _UPDATED and updated is None:
                updated = _feed_when(child.text)
        url = absolute(base_url, link) if link else guid  # an id is not a link: kept as given
        if url:
            yield Discovered(url=url, title=title, published=published or updated)
        _forget(node)


def absolute(base: str, href: str) -> str:
    """``urljoin(base, href)``, without its cost (most of a 50,000-item feed's) for an absolute link."""
    return href if href.startswith(("http://", "https://")) else urljoin(base, href)


def _feed_when(text: str | None) -> datetime | None:
    """A feed's date as feedparser reads it (RFC 822, W3C-DTF and the many odd forms portals use)."""
    stamp: time.struct_time | None = feed_date(text.strip()) if text and text.strip() else None
    return datetime(*stamp[:6]).replace(tzinfo=UTC) if stamp else None


def _forget(node: etree._Element) -> None:
    """Free what a pull parser built up to ``node`` (read already): the tree never grows whole."""
    node.clear(keep_tail=False)
    parent = node.getparent()
    if parent is not None:
        while node.getprevious() is not None:
            del parent[0]


def _feedparser_feed(body: bytes, base_url: str) -> list[Discovered]:
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
    (default: the protocol's 50 MB), so a small bomb cannot inflate into gigabytes (``TooLarge``).
    Read as a stream: neither the inflated body nor its tree is ever held whole."""
    if body[:2] == b"\x1f\x8b":
        chunks: Iterator[bytes] = gunzip_chunks(body, min(max_bytes or MAX_INFLATED, MAX_INFLATED), CHUNK)
    else:
        chunks = (body[i : i + CHUNK] for i in range(0, len(body), CHUNK))
    parser = etree.XMLPullParser(
        events=("start", "end"),
        recover=True,
        resolve_entities=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
    )
    kind = ""
    out: list[Discovered] = []
    depth = 0

    def read() -> None:
        nonlocal kind, depth
        for event, node in parser.read_events():
            if event == "start":
                if not kind:
                    kind = "index" if etree.QName(node).localname == "sitemapindex" else "urlset"
                depth += 1
                continue
            depth -= 1
            if depth == 1:  # an entry of the urlset or index: read, then forgotten
                if (entry := _sitemap_entry(node)) is not None:
                    out.append(entry)
                _forget(node)

    try:
        for chunk in chunks:
            parser.feed(chunk)
            read()
        parser.close()
        read()
    except etree.XMLSyntaxError as exc:
        if not kind:
            raise DiscoveryError(f"sitemap is not XML ({exc})") from exc
    if not kind:
        raise DiscoveryError("sitemap is empty")
    return kind, out


def _sitemap_entry(node: etree._Element) -> Discovered | None:
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
    return Discovered(url=loc, published=lastmod) if loc else None


class ListingLinks:
    """The links of a listing page, read as a stream: iterate for the ``href`` of every ``<a>``;
    once iterated, ``next_href`` is the next page's link (``rel=next``, else a link whose text
    says "next") and ``base_href`` the page's ``<base>``. The page's tree is never built whole."""

    def __init__(self, body: bytes, encoding: str | None = None) -> None:
        self.body = body
        self.encoding = encoding
        self.base_href: str | None = None
        self.next_href: str | None = None
        self._rel_next: str | None = None
        self._text_next: str | None = None

    def __iter__(self) -> Iterator[str]:
        try:
            parser = etree.HTMLPullParser(
                events=("start", "end"),
                encoding=self.encoding,
                remove_comments=True,
                remove_pis=True,
                no_network=True,
            )
        except LookupError:  # an encoding libxml2 does not know: let it read the page's own
            parser = etree.HTMLPullParser(events=("start", "end"), remove_comments=True, no_network=True)
        self._open_links = 0
        for i in range(0, len(self.body), CHUNK):
            parser.feed(self.body[i : i + CHUNK])
            yield from self._read(parser)
        try:
            parser.close()
        except etree.XMLSyntaxError:
            pass  # nothing at all to read
        yield from self._read(parser)
        self.next_href = self._rel_next or self._text_next

    def _read(self, parser: etree.HTMLPullParser) -> Iterator[str]:
        for event, node in parser.read_events():
            tag = node.tag
            if not isinstance(tag, str):
                continue
            if event == "start":
                if tag == "a":
                    self._open_links += 1
                elif tag == "base" and self.base_href is None:
                    self.base_href = node.get("href")
                continue
            href = node.get("href") if tag in ("a", "link") else None
            if href is not None and self._rel_next is None and "next" in node.get("rel", "").split():
                self._rel_next = href
            if tag == "a":
                self._open_links -= 1
                if href is not None:
                    if self._text_next is None and href:
                        text = " ".join(node.itertext()).strip().lower()
                        if text in NEXT_TEXTS:
                            self._text_next = href
                    yield href
            if not self._open_links:  # inside a link, its text is still to be read
                _forget(node)


def listing_encoding(body: bytes, declared: str | None) -> str:
    """The encoding a listing page is read in, as Scrapy would: the server's word, a BOM, the
    page's ``<meta>``, UTF-8 if it decodes, else cp1252 (without decoding the page whole)."""
    if declared:
        try:
            return codecs.lookup(declared).name
        except LookupError:
            pass
    bom, _ = read_bom(body)
    found = bom or html_body_declared_encoding(body[:4096])
    if found:
        try:
            return codecs.lookup(found).name
        except LookupError:
            pass
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for i in range(0, len(body), CHUNK):
            decoder.decode(body[i : i + CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
