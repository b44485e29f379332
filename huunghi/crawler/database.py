"""The crawl's archive: its URL decided in one place, and one ``Archive`` (one engine) per crawl
process, shared by the spider's visit plan, the conditional-GET middleware, the pipelines, the
in-process reader and the runner (a reading worker process opens its own)."""

from __future__ import annotations

from typing import Any

from huunghi.config import resolve_database_url
from huunghi.storage.archive import Archive

_OPEN: dict[str, Archive] = {}


def database_url(crawler: Any) -> str | None:
    """The archive URL of this crawl (``config.resolve_database_url``): the spider's
    ``database_url`` argument, else the HUUNGHI_DATABASE_URL setting (``-s``, or huunghi.toml's
    through ``settings.from_config``), else the environment, else the spider's loaded config."""
    spider = getattr(crawler, "spider", None)
    loaded = getattr(spider, "loaded", None)
    explicit = getattr(spider, "database_url", None) or crawler.settings.get("HUUNGHI_DATABASE_URL")
    return resolve_database_url(explicit, loaded.database_url if loaded is not None else None)


def archive_of(crawler: Any) -> Archive | None:
    """The crawl's one Archive, or None when no archive is configured."""
    url = database_url(crawler)
    return shared(url) if url else None


def shared(url: str) -> Archive:
    """The process's Archive for ``url``, opened (and migrated) on first use."""
    if url not in _OPEN:
        _OPEN[url] = Archive(url)
    return _OPEN[url]


def close_shared() -> None:
    """Close every shared Archive (the end of a crawl process's crawls)."""
    while _OPEN:
        _OPEN.popitem()[1].close()


def forget_after_fork() -> None:
    """In a forked child: drop the parent's engines without closing its connections (closing
    them here would end the parent's sessions on PostgreSQL)."""
    while _OPEN:
        _OPEN.popitem()[1].engine.dispose(close=False)
