"""Conditional GET for feeds and sitemaps: send back the ETag / Last-Modified they last gave,
so an unchanged feed answers 304 and costs neither a download nor a parse."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from storage.archive import Archive

ROLES = ("feed", "sitemap")


class ConditionalGetMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ConditionalGetMiddleware":
        return cls(crawler)

    def archive(self) -> Archive | None:
        if self._archive is None:
            url = self.crawler.settings.get("HUUNGHI_DATABASE_URL") or getattr(self.crawler.spider, "database_url", None)
            self._archive = Archive(url) if url else None
        return self._archive

    def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("role") not in ROLES or (archive := self.archive()) is None:
            return None
        known = archive.validators(request.url)
        if known:
            etag, last_modified = known
            if etag:
                request.headers.setdefault("If-None-Match", etag)
            if last_modified:
                request.headers.setdefault("If-Modified-Since", last_modified)
        return None

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if request.meta.get("role") not in ROLES or (archive := self.archive()) is None:
            return response
        if response.status == 304:
            self.crawler.stats.inc_value("huunghi/not_modified")
        elif response.status == 200:
            etag = response.headers.get("ETag", b"").decode("latin-1")
            last_modified = response.headers.get("Last-Modified", b"").decode("latin-1")
            if etag or last_modified:
                archive.put_validators(request.url, etag, last_modified)
        return response
