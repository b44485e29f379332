"""Retries that listen: a 429 or 503 with Retry-After slows that host down for the rest of the
crawl and retries after the wait; a wait longer than MAX_RETRY_AFTER is not waited for (the
page is recorded as failed with the server's own words, and the next scheduled crawl tries again)."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response

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
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    def process_response(self, request: Request, response: Response, spider: object = None) -> Request | Response:
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
