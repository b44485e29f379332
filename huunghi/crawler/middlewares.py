"""Huunghi's downloader middlewares (Scrapy wires them by ``DOWNLOADER_MIDDLEWARES``).

- ``FetchPolicyMiddleware``: http(s) only, no private addresses unless allowed (``huunghi.fetchpolicy``).
- ``RetryAfterMiddleware``: retries that listen: a 429 or 503 with Retry-After slows that host down for
  the rest of the crawl and retries after the wait; a wait longer than MAX_RETRY_AFTER is not waited for
  (the page is recorded as failed with the server's own words, and the next scheduled crawl tries again).
- ``ConditionalGetMiddleware``: conditional GET for feeds and sitemaps: send back the ETag / Last-Modified
  they last gave, so an unchanged feed answers 304 and costs neither a download nor a parse.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from huunghi.crawler.database import archive_of
from huunghi.fetchpolicy import refusal
from huunghi.storage.archive import Archive


class RefusedRequest(IgnoreRequest):
    """A request the fetch policy does not allow (scheme, address); recorded as a warning."""

    refused = True


class FetchPolicyMiddleware:
    """Every request, redirects and robots.txt included, obeys ``huunghi.fetchpolicy``.

    The host name is resolved here too (cached), so a public-looking name that points into our
    own network is refused unless the source allows private addresses.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FetchPolicyMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        source = getattr(self.crawler.spider, "source", None)
        allow = bool(
            getattr(source, "allow_private", False)
            or self.crawler.settings.getbool("HUUNGHI_ALLOW_PRIVATE", False)
        )
        reason = refusal(request.url, allow, resolve=True)
        if reason:
            self.crawler.stats.inc_value("huunghi/refused")
            raise RefusedRequest(f"refused by the fetch policy: {reason}")
        deadline = getattr(self.crawler.spider, "deadline_at", None)
        if deadline is not None:
            # no download outlives the crawl's deadline (Scrapy's close waits for those in flight)
            left = deadline - time.monotonic()
            if left <= 0:
                raise IgnoreRequest("the crawl's deadline has passed")
            timeout = request.meta.get("download_timeout") or self.crawler.settings.getfloat(
                "DOWNLOAD_TIMEOUT", 180
            )
            request.meta["download_timeout"] = max(0.5, min(float(timeout), left + 1.0))
        return None


MAX_RETRY_AFTER = 300.0


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    def process_response(
        self, request: Request, response: Response, spider: object = None
    ) -> Request | Response:
        if response.status in (429, 503) and not request.meta.get("dont_retry", False):
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None:
                self.crawler.stats.inc_value("huunghi/retry_after")
                if wait > MAX_RETRY_AFTER:
                    return response  # recorded as HTTP 429/503; the next scheduled crawl tries again
                self._slow_down(request, wait)
                return self._retry(request, f"{response.status} with Retry-After {wait:.0f} s") or response
        return super().process_response(request, response)

    def _slow_down(self, request: Request, wait: float) -> None:
        """The host's download slot waits at least ``wait`` between requests from now on."""
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None) if engine else None
        if downloader is None:
            return
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, wait)
            # a randomised delay could come back before the server asked (Scrapy ≥ 2.14: jitter)
            if hasattr(slot, "jitter"):
                slot.jitter = 0.0
            else:
                slot.randomize_delay = False
            self.crawler.stats.max_value("huunghi/retry_after_wait_s", wait)


class RedirectLoopMiddleware:
    """A redirect back into its own chain is an error on the run (Scrapy's duplicate filter
    would drop it without a word). Sits below RedirectMiddleware, so it sees the 3xx first."""

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if response.status in (301, 302, 303, 307, 308) and (location := response.headers.get("Location")):
            target = urljoin(request.url, location.decode("latin-1").strip())
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if target.split("#")[0] in chain:
                raise IgnoreRequest(f"redirect loop: {len(chain)} redirection(s) back to {target[:200]}")
        return response


ROLES = ("feed", "sitemap")


class ConditionalGetMiddleware:
    """If-None-Match / If-Modified-Since on feeds and sitemaps, from the validators of the last
    crawl that finished. Validators seen are kept until the crawl finishes: a crawl killed, stopped
    or cut by its deadline before it stored what a feed listed must not leave the feed answering
    304 to the next crawl, which would then never see the articles left behind."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._archive: Archive | None = None
        self.pending: dict[str, tuple[str, str]] = {}  # url → (etag, last modified), saved at a finish
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    def _closed(self, spider: Any = None, reason: str = "") -> None:
        pending, self.pending = self.pending, {}
        if reason != "finished" or not pending or (archive := self.archive()) is None:
            return
        for url, (etag, last_modified) in pending.items():
            archive.crawls.put_validators(url, etag, last_modified)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalGetMiddleware:
        return cls(crawler)

    def archive(self) -> Archive | None:
        if self._archive is None:
            self._archive = archive_of(self.crawler)
        return self._archive

    def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("role") not in ROLES or (archive := self.archive()) is None:
            return None
        known = archive.crawls.validators(request.url)
        if known:
            etag, last_modified = known
            if etag:
                request.headers.setdefault("If-None-Match", etag)
            if last_modified:
                request.headers.setdefault("If-Modified-Since", last_modified)
        return None

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if request.meta.get("role") not in ROLES or self.archive() is None:
            return response
        if response.status == 304:
            self.crawler.stats.inc_value("huunghi/not_modified")
        elif response.status == 200:
            etag = (response.headers.get("ETag") or b"").decode("latin-1")
            last_modified = (response.headers.get("Last-Modified") or b"").decode("latin-1")
            if etag or last_modified:
                self.pending[request.url] = (etag, last_modified)
        return response
