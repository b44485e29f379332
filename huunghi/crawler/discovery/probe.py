"""`huunghi sources add URL`: look at a portal's home page and propose a source definition.

httpx fetches the home page, robots.txt and each candidate; only feeds and sitemaps that really
parse are proposed. The article URL pattern is read off the home page's own links.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from lxml import html as lxml_html

from huunghi.crawler.discovery.parsing import DiscoveryError, parse_feed, parse_sitemap
from huunghi.crawler.discovery.sitename import page_title, site_name
from huunghi.fetchpolicy import Refused, TooLarge, check

PATTERNS = (  # most specific first: what news portals' article URLs end with
    r"-\d{5,}\.html$",
    r"-\d{5,}\.htm$",
    r"-\d{5,}\.html?$",
    r"/\d{4}/\d{2}/\d{2}/[^/]+$",
    r"-\d{4,}$",
    r"/\d{6,}/?$",
)
FEED_GUESSES = ("/rss", "/rss.xml", "/feed", "/rss/home.rss", "/rss/tin-moi-nhat.rss")
SITEMAP_GUESSES = ("/sitemap.xml", "/sitemap_index.xml", "/sitemaps.xml")


@dataclass
class Proposal:
    name: str
    title: str
    homepage: str
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    article_pattern: str = ""
    notes: list[str] = field(default_factory=list)
    allow_private: bool = False  # probed on a local network by request: its source may be fetched there

    def table(self) -> dict[str, object]:
        """The [[sources]] table this proposes (verified = false until someone checks it)."""
        table: dict[str, object] = {
            "name": self.name,
            "title": self.title,
            "homepage": self.homepage,
            "feeds": self.feeds,
            "sitemaps": self.sitemaps,
            "listings": self.listings,
            "article_pattern": self.article_pattern,
            "verified": False,
        }
        if self.allow_private:
            table["allow_private"] = True
        return table

    def toml(self) -> str:
        """Written by tomlkit: a title with quotes, backslashes or newlines stays valid TOML."""
        import tomlkit

        doc = tomlkit.document()
        aot = tomlkit.aot()
        item = tomlkit.table()
        for note in self.notes:
            item.add(tomlkit.comment(" ".join(note.split())))
        for key, value in self.table().items():
            item.add(key, value)
        aot.append(item)
        doc.append("sources", aot)
        return tomlkit.dumps(doc)


def _name(host: str) -> str:
    if re.fullmatch(r"[\d.:]+", host):
        return "site-" + host.replace(".", "-").replace(":", "-")
    host = re.sub(r"^(www\d?|m)\.", "", host.lower())
    return re.sub(r"[^a-z0-9]+", "-", host.split(".")[0]).strip("-") or "source"


def _parse(response: httpx.Response) -> Any:
    """The charset the server declared, else the page's own <meta>, else UTF-8 (not lxml's Latin-1)."""
    content = response.content or b"<html/>"
    encoding = response.charset_encoding or (None if b"charset" in content[:4096].lower() else "utf-8")
    return lxml_html.fromstring(content, parser=lxml_html.HTMLParser(encoding=encoding))


def _sample_titles(client: httpx.Client, base: str, links: list[str], pattern: str | None) -> list[str]:
    """The <title> of three other pages of the site (articles first): what they share is its name."""
    others = [u for u in dict.fromkeys(u.split("#")[0] for u in links) if u.rstrip("/") != base.rstrip("/")]
    chosen = [u for u in others if pattern and re.search(pattern, u.split("?")[0])][:2]
    chosen += [u for u in others if u not in chosen][: 3 - len(chosen)]
    titles = []
    for u in chosen:
        try:
            r = client.get(u)
            if r.status_code == 200 and r.content:
                titles.append(page_title(_parse(r)))
        except (httpx.HTTPError, ValueError):
            continue
    return titles


MAX_PROBE_BYTES = 5 * 1024 * 1024  # a home page, feed or sitemap read at most this far
PROBE_DEADLINE_S = 30.0  # per fetch, however slowly the server drips


class BoundedClient(httpx.Client):
    """An httpx client whose every GET obeys the fetch policy (redirects too), stops reading at
    MAX_PROBE_BYTES (the body is cut: the parse fails or yields what came) and has a total deadline."""

    def __init__(self, allow_private: bool, **kwargs: object) -> None:
        def policed(request: httpx.Request) -> None:
            check(str(request.url), allow_private=allow_private, resolve=True)

        super().__init__(event_hooks={"request": [policed]}, **kwargs)  # type: ignore[arg-type]

    def get(self, url: str, **kwargs: object) -> httpx.Response:  # type: ignore[override]
        started = time.monotonic()
        with self.stream("GET", url, **kwargs) as response:  # type: ignore[arg-type]
            body = bytearray()
            for chunk in response.iter_bytes():  # as they come: a drip is checked byte by byte
                body += chunk
                if len(body) > MAX_PROBE_BYTES:
                    raise TooLarge(f"{url}: larger than {MAX_PROBE_BYTES // (1024 * 1024)} MB")
                if time.monotonic() - started > PROBE_DEADLINE_S:
                    raise httpx.ReadTimeout(f"{url}: not read within {PROBE_DEADLINE_S:.0f} s")
        return httpx.Response(
            response.status_code, headers=response.headers, content=bytes(body), request=response.request
        )


def probe(
    url: str, user_agent: str = "Huunghi/0.1 news monitor", timeout: float = 10.0, allow_private: bool = False
) -> Proposal:
    """Fetch and read; raises httpx.HTTPError (with the reason) when the home page cannot be had,
    ``Refused`` when the fetch policy does not allow it, ``TooLarge`` for a page past the bound."""
    with BoundedClient(
        allow_private, headers={"User-Agent": user_agent}, timeout=timeout, follow_redirects=True
    ) as client:
        home = client.get(url)
        home.raise_for_status()
        base = str(home.url)
        tree = _parse(home)
        host = urlsplit(base).hostname or ""
        proposal = Proposal(_name(host), "", base, listings=[base])

        def works(candidate: str, kind: str) -> bool:
            try:
                r = client.get(candidate)
                if r.status_code != 200:
                    return False
                (parse_feed(r.content, str(r.url)) if kind == "feed" else parse_sitemap(r.content))
                return True
            except (httpx.HTTPError, DiscoveryError, Refused, TooLarge):
                return False

        declared = [
            urljoin(base, h)
            for h in tree.xpath(
                '//link[@rel="alternate"][contains(@type,"rss") or contains(@type,"atom")]/@href'
            )
        ]
        linked = [urljoin(base, h) for h in tree.xpath("//a/@href") if re.search(r"(rss|feed|atom)", h, re.I)]
        for candidate in dict.fromkeys(declared + linked[:10] + [urljoin(base, g) for g in FEED_GUESSES]):
            if len(proposal.feeds) < 5 and works(candidate, "feed"):
                proposal.feeds.append(candidate)
        try:
            robots = client.get(urljoin(base, "/robots.txt"))
        except (httpx.HTTPError, Refused, TooLarge):
            robots = httpx.Response(404)
        from_robots = (
            re.findall(r"(?im)^\s*sitemap:\s*(\S+)", robots.text) if robots.status_code == 200 else []
        )
        for candidate in dict.fromkeys(from_robots + [urljoin(base, g) for g in SITEMAP_GUESSES]):
            if len(proposal.sitemaps) < 3 and works(candidate, "sitemap"):
                proposal.sitemaps.append(candidate)
        links = [urljoin(base, h) for h in tree.xpath("//a/@href")]
        same_site = [u for u in links if (urlsplit(u).hostname or "") == host]
        counts = Counter(
            p for p in PATTERNS for u in same_site if re.search(p, u.split("?")[0].split("#")[0])
        )
        best = next((p for p in PATTERNS if counts[p] >= 3), None)
        proposal.article_pattern = best or r"-\d+\.html?$"
        proposal.title = site_name(tree, _sample_titles(client, base, same_site, best), host)
        proposal.notes.append(
            f"article_pattern khớp {counts.get(best, 0)} trên {len(same_site)} liên kết của trang chủ"
            if best
            else "không thấy dạng địa chỉ bài nào trên trang chủ: cần kiểm tra article_pattern"
        )
        if not proposal.feeds:
            proposal.notes.append("không tìm thấy feed RSS/Atom nào dùng được (no working feed)")
        if not proposal.sitemaps:
            proposal.notes.append("không tìm thấy sitemap nào dùng được (no working sitemap)")
        return proposal
