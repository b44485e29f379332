"""The generic ``portal`` spider: one source definition in, article pages and page errors out.

``scrapy crawl portal -a source=NAME [-a config=huunghi.toml]`` works as Scrapy users expect;
``huunghi.crawler.runner`` passes the loaded source directly. Every failure becomes a ``PageError``
item, so it is recorded on the crawl run and the rest of the crawl goes on.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from twisted.python.failure import Failure

from huunghi.config import Config, SourceConfig, load_config
from huunghi.crawler.database import archive_of
from huunghi.crawler.discovery.parsing import (
    DiscoveryError,
    ListingLinks,
    absolute,
    listing_encoding,
    parse_feed,
    parse_sitemap,
)
from huunghi.crawler.extract.html import decode
from huunghi.crawler.items import FetchedPage, PageError
from huunghi.crawler.settings import from_config as settings_from_config
from huunghi.crawler.urls import canonical_url, host_aliases, url_key
from huunghi.fetchpolicy import TooLarge, refusal
from huunghi.safetext import strip_controls

MAX_SITEMAP_DEPTH = 3  # an index of indexes of sitemaps is as deep as real portals go


class PortalSpider(scrapy.Spider):
    name = "portal"

    BACKFILL_MAX_PAGES = 500  # listing pages walked back at most, even with --since

    def __init__(
        self,
        source: str | SourceConfig | None = None,
        config: str | None = None,
        database_url: str | None = None,
        since: datetime | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.database_url = database_url
        # backfill: walk listings past max_listing_pages until articles older than this appear
        self.since = datetime.fromisoformat(since).replace(tzinfo=UTC) if isinstance(since, str) else since
        self.oldest_seen: datetime | None = None
        self.loaded: Config | None = None
        # what a limit cut, recorded on the run when it closes: kind -> (count, example URL, reason)
        self.cuts: dict[str, tuple[int, str, str]] = {}
        self.article_requests = 0
        self.deadline_at: float | None = None  # time.monotonic() when the crawl must be over
        if isinstance(source, SourceConfig):
            self.source = source
        else:
            if not source:
                raise ValueError("portal spider needs a source: scrapy crawl portal -a source=NAME")
            self.loaded = load_config(config)
            self.source = self.loaded.source(source)
            # the loaded config's URL reaches every component through crawler.database

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> PortalSpider:
        """Under ``scrapy crawl``, apply huunghi.toml's [crawler] table; ``-s`` still wins."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.loaded is not None and not crawler.settings.frozen:
            crawler.settings.setdict(settings_from_config(spider.loaded), priority="spider")
        return spider

    # -- start ---------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[scrapy.Request]:
        if getattr(self, "busy", None):  # another process is crawling this source (its lease holds)
            return
        self._arm_deadline()
        self._plan_visits()
        for url in self.due.values():  # scheduled revisits, whether or not still listed anywhere
            # None: an alias of a revisit already requested (Scrapy would take a None for an item)
            if (request := self._article(url, revisit=True)) is not None:
                yield request
        for request in self._start_requests():
            yield request

    def _plan_visits(self) -> None:
        """Known articles are fetched again only when their revisit is due; new ones always."""
        self.aliases = host_aliases(self.source.homepage, self.source.mirrors)
        self.known: set[str] = set()
        self.due: dict[str, str] = {}
        self.requested: set[str] = set()
        self.requested_sitemaps: set[str] = set(self.source.sitemaps)
        archive = archive_of(self.crawler)
        if archive is not None:
            self.known, self.due = archive.articles.visit_plan(self.source.name, datetime.now(UTC))

    # -- limits ---------------------------------------------------------------------------
    @property
    def allow_private(self) -> bool:
        return bool(self.source.allow_private or self.settings.getbool("HUUNGHI_ALLOW_PRIVATE", False))

    def cut(self, kind: str, url: str, reason: str, count: int = 1) -> None:
        """Remember what a limit or the fetch policy left out; the run records it when it closes."""
        seen, first, _ = self.cuts.get(kind, (0, url, reason))
        self.cuts[kind] = (seen + count, first, reason)
        self.crawler.stats.inc_value(f"huunghi/cut_{kind}", count)

    def _refused(self, url: str) -> bool:
        reason = refusal(url, self.allow_private)
        if reason:
            self.cut("refused", url, reason)
        return reason is not None

    def _arm_deadline(self) -> None:
        """The crawl's own time limit (``[crawler] crawl_deadline_seconds``, or ``huunghi crawl
        --time-limit``), for every caller. Not Scrapy's CLOSESPIDER_TIMEOUT: its close waits for
        every download in flight, where FetchPolicyMiddleware cuts them at this deadline."""
        seconds = self.settings.getfloat("HUUNGHI_CRAWL_DEADLINE_S", 0)
        if seconds <= 0:
            return
        from twisted.internet import reactor

        self.deadline_at = time.monotonic() + seconds

        def overran() -> None:
            if self.crawler.engine is not None and self.crawler.engine.running:
                self.cut(
                    "deadline",
                    self.source.homepage or self.source.name,
                    f"crawl stopped at its deadline of {seconds:.0f} s",
                )
                # closes the spider (its run: "timed_out"); what was fetched is stored first
                deferred_from_coro(self.crawler.engine.close_spider_async(reason="huunghi_deadline"))

        # Any: the reactor is typed through zope interfaces (methods without self), which mypy misreads
        clock: Any = reactor
        call = clock.callLater(seconds, overran)
        self.crawler.signals.connect(
            lambda **_: call.active() and call.cancel(), signal=scrapy.signals.spider_closed, weak=False
        )

    def _take(
        self, urls: Iterable[tuple[str, datetime | None]], page_url: str, limit: int
    ) -> Iterator[scrapy.Request]:
        """Requests for the article URLs of one page, feed or sitemap, within the page's and crawl's caps.

        ``urls`` may be a stream (a listing page read as it is parsed): past a cap it is only counted."""
        per_crawl = self.settings.getint("HUUNGHI_MAX_URLS_PER_CRAWL", 0)
        taken = 0
        links = iter(urls)
        for url, when in links:
            if taken >= limit:
                self.cut(
                    "page-cap",
                    page_url,
                    f"more than {limit} article links on one page, feed "
                    "or sitemap; the links past it left out",
                    count=1 + sum(1 for _ in links),
                )
                return
            if per_crawl and self.article_requests >= per_crawl:
                self.cut(
                    "crawl-cap",
                    page_url,
                    f"crawl reached {per_crawl} article requests",
                    count=1 + sum(1 for _ in links),
                )
                return
            if (request := self._article(url, when)) is not None:
                taken += 1
                self.article_requests += 1
                yield request

    def _start_requests(self) -> Iterator[scrapy.Request]:
        src = self.source
        for url in src.feeds:
            yield scrapy.Request(url, self.parse_feed, errback=self.on_error, meta=_conditional("feed"))
        for url in src.sitemaps:
            yield scrapy.Request(url, self.parse_sitemap, errback=self.on_error, meta=_conditional("sitemap"))
        for url in src.listings:
            yield scrapy.Request(
                url, self.parse_listing, errback=self.on_error, meta={"role": "listing", "page": 1}
            )

    def _article(
        self, url: str, feed_date: datetime | None = None, revisit: bool = False
    ) -> scrapy.Request | None:
        key = url_key(canonical_url(url, None, self.aliases), self.aliases)
        if key in self.requested:
            self.crawler.stats.inc_value("huunghi/duplicate_links")  # listed twice in this crawl
            return None
        if not revisit and key in self.known and key not in self.due:
            self.crawler.stats.inc_value("huunghi/known_skipped")  # listed, known, not due: a sign of life
            return None
        self.requested.add(key)
        return scrapy.Request(
            url, self.parse_article, errback=self.on_error, meta={"role": "article", "feed_date": feed_date}
        )

    # -- discovery -----------------------------------------------------------------------
    def parse_feed(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            self.crawler.stats.inc_value("huunghi/not_modified")  # the source answered: it is alive
            return  # unchanged since the last crawl: nothing to parse
        try:
            entries = parse_feed(response.body, response.url)
        except DiscoveryError as exc:
            yield PageError(response.url, "feed", str(exc))
            return

        def wanted() -> Iterator[tuple[str, datetime | None]]:  # a stream: past the cap, only counted
            for entry in entries:
                url = absolute(response.url, entry.url)
                if not self._refused(url) and self.source.matches(url):
                    yield url, entry.published

        yield from self._take(
            wanted(), response.url, self.settings.getint("HUUNGHI_MAX_LINKS_PER_PAGE", 1000)
        )

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if response.status == 304:
            self.crawler.stats.inc_value("huunghi/not_modified")
            return
        limit = self.settings.getint("HUUNGHI_MAX_LINKS_PER_SITEMAP", 50000)
        try:
            limit_bytes = self.settings.getint("DOWNLOAD_MAXSIZE", 0)
            kind, entries = parse_sitemap(response.body, max_bytes=limit_bytes)
        except TooLarge as exc:
            yield PageError(response.url, "too-large", f"{exc} (sitemap)")
            return
        except DiscoveryError as exc:
            yield PageError(response.url, "sitemap", str(exc))
            return
        wanted: list[tuple[str, datetime | None]] = []
        for entry in entries:
            url = response.urljoin(entry.url)
            if self._refused(url):
                continue
            if kind == "index":
                depth = response.meta.get("sitemap_depth", 0) + 1
                if depth > MAX_SITEMAP_DEPTH or len(self.requested_sitemaps) >= limit:
                    self.cut("sitemap-cap", response.url, "sitemap index nested or long past its limit")
                    continue
                if url in self.requested_sitemaps:
                    continue
                self.requested_sitemaps.add(url)
                yield scrapy.Request(
                    url,
                    self.parse_sitemap,
                    errback=self.on_error,
                    meta={**_conditional("sitemap"), "sitemap_depth": depth},
                )
            elif self.since is not None and entry.published is not None and entry.published < self.since:
                continue  # older than the backfill reaches
            elif self.source.matches(url):
                wanted.append((url, None))
        yield from self._take(wanted, response.url, limit)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield PageError(response.url, "listing", "listing page is not HTML")
            return
        # read as a stream, not through response.css: a DOM and a Selector for each of a hostile
        # page's 100,000 links cost the crawl more than 100 MB (issue 16)
        links = ListingLinks(response.body, listing_encoding(response.body, _declared_charset(response)))

        def wanted() -> Iterator[tuple[str, datetime | None]]:
            base = ""
            for href in links:
                base = base or self._base(response, links)  # <base> is read (in <head>) before links
                url = absolute(base, href)
                if self.source.matches(url) and not self._refused(url):
                    yield url, None

        yield from self._take(
            wanted(), response.url, self.settings.getint("HUUNGHI_MAX_LINKS_PER_PAGE", 1000)
        )
        page = response.meta.get("page", 1)
        nxt = urljoin(self._base(response, links), links.next_href) if links.next_href else None
        if nxt and self._refused(nxt):
            nxt = None
        if nxt and self._more_listing_pages(page):
            yield scrapy.Request(
                nxt, self.parse_listing, errback=self.on_error, meta={"role": "listing", "page": page + 1}
            )

    @staticmethod
    def _base(response: Response, links: ListingLinks) -> str:
        """What the page's links are relative to: its ``<base href>``, else its own URL."""
        return urljoin(response.url, links.base_href.strip()) if links.base_href else response.url

    def _more_listing_pages(self, page: int) -> bool:
        if self.since is None:
            return page < self.source.max_listing_pages
        reached = self.oldest_seen is not None and self.oldest_seen < self.since
        return not reached and page < self.BACKFILL_MAX_PAGES

    def saw_published(self, when: datetime | None) -> None:
        """Called by the extract pipeline: how far back the crawl has reached."""
        if when is not None and (self.oldest_seen is None or when < self.oldest_seen):
            self.oldest_seen = when

    # -- articles ------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[Any]:
        if not response.body.strip():
            yield PageError(response.url, "empty", f"HTTP {response.status} with an empty body")
            return
        if not isinstance(response, TextResponse):
            yield PageError(
                response.url,
                "content-type",
                # cast: Scrapy types Headers.get as bytes | None even when given a bytes default
                f"not a text page ({cast(bytes, response.headers.get('Content-Type', b'?')).decode()})",
            )
            return
        if response.meta.get("redirect_urls") and urlsplit(response.url).path in ("", "/"):
            # a portal that withdraws an article often sends its URL to the home page
            first = response.meta["redirect_urls"][0]
            yield PageError(first, "removed", f"redirected to the home page ({response.url})", removed=True)
            return
        # decoded once here by our rules (UTF-8 wins over a wrong declaration); parsed once, later
        html, warning = decode(response.body, _declared_charset(response))
        html = strip_controls(html)  # nothing a terminal or XML would choke on is ever stored
        if warning:
            yield PageError(response.url, "charset", warning, severity="warning")
        yield FetchedPage(url=response.url, html=html, feed_date=response.meta.get("feed_date"))

    def on_error(self, failure: Failure) -> Iterator[PageError]:
        request = failure.request  # type: ignore[attr-defined]
        role = request.meta.get("role", "page")
        if failure.check(HttpError):
            status = failure.value.response.status
            yield PageError(
                request.url,
                "http",
                f"HTTP {status} ({role})",
                removed=role == "article" and status in (404, 410),
            )
        elif failure.check(ResponseDataLossError):
            yield PageError(
                request.url, "truncated", f"response broken off before its declared length ({role})"
            )
        elif failure.check(CannotResolveHostError):
            yield PageError(request.url, "dns", f"host not found ({role})")
        elif failure.check(DownloadTimeoutError):
            yield PageError(request.url, "timeout", f"timed out ({role})")
        elif failure.check(DownloadConnectionRefusedError):
            yield PageError(request.url, "network", f"connection refused ({role})")
        elif failure.check(DownloadCancelledError) or (
            failure.check(IgnoreRequest) and "max size" in (failure.getErrorMessage() or "")
        ):
            yield PageError(request.url, "too-large", f"response larger than the download limit ({role})")
        elif failure.check(IgnoreRequest) and "redirect" in (failure.getErrorMessage() or "").lower():
            yield PageError(request.url, "redirect", f"{failure.getErrorMessage()} ({role})")
        elif failure.check(IgnoreRequest) and getattr(failure.value, "refused", False):
            yield PageError(
                request.url, "refused", f"{failure.getErrorMessage()} ({role})", severity="warning"
            )
        elif failure.check(IgnoreRequest):
            yield PageError(
                request.url,
                "skipped",
                f"{failure.getErrorMessage() or 'request ignored'} ({role})",
                severity="warning",
            )
        else:
            yield PageError(
                request.url, failure.type.__name__.lower(), f"{failure.getErrorMessage()} ({role})"
            )


def _conditional(role: str) -> dict[str, Any]:
    """Meta of a feed or sitemap request: its 304 comes to the callback, not the errback."""
    return {"role": role, "handle_httpstatus_list": [304]}


def _declared_charset(response: Response) -> str | None:
    """The charset the server declared in Content-Type, if any (the page's <meta> is read later)."""
    ctype = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
    _, _, charset = ctype.partition("charset=")
    return charset.split(";")[0].strip().strip('"') or None
