"""What the configuration and the archive say together, as rows for the CLI's listings: each
configured source with its last crawl and health, the learned site templates, and the
subscriptions with each digest's next time. Kept here, not in the commands, so that every
reader of these facts (CLI today, web or daemon tomorrow) computes them one way."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from huunghi.config import Config

if TYPE_CHECKING:
    from huunghi.storage.archive import Archive
    from huunghi.storage.records import SourceOverview


def sources(config: Config, archive: Archive) -> list[SourceOverview]:
    """The configured sources first (unverified ones marked), then those only the archive knows."""
    from huunghi.storage.records import SourceOverview

    known = {s.name: s for s in archive.reads.sources_overview()}
    rows = []
    for src in config.sources:
        seen = known.pop(src.name, None)
        rows.append(
            SourceOverview(
                src.name,
                src.title + ("" if src.verified else " (unverified)") + (" (paused)" if src.paused else ""),
                src.homepage,
                seen.articles if seen else 0,
                seen.last_run if seen else None,
            )
        )
    rows.extend(known.values())  # sources in the archive but no longer configured
    return rows


def status(config: Config, archive: Archive, upcoming: dict[str, datetime | None]) -> list[dict[str, Any]]:
    """Each configured source's last run, health and next run (``upcoming``: the daemon's job
    store, job id -> next time; empty when no daemon has run)."""
    health = archive.crawls.source_health()
    rows = []
    for src in config.sources:
        h = health.get(src.name, {})
        rows.append(
            {
                "source": src.name,
                "enabled": src.enabled,
                "last_status": h.get("last_status"),
                "last_run": h.get("last_run"),
                "articles": h.get("articles", 0),
                "consecutive_failures": h.get("consecutive_failures", 0),
                "next_run": upcoming.get(f"crawl:{src.name}"),
                "health": h.get("health", "never run"),  # storage.health.assess decides
                "reason": h.get("reason", ""),
                "url": h.get("url", ""),
            }
        )
        if src.paused:  # a paused source is not crawled: say so rather than show a stale schedule
            rows[-1].update(health="paused", enabled=False)
    return rows


def templates(archive: Archive) -> list[dict[str, Any]]:
    """What was learned of each site's template, read from the saved model (an unreadable model
    counts as nothing learned, not as an error: the next crawl relearns it)."""
    rows = []
    for host, pages, saved, model in archive.crawls.templates():
        try:
            data = json.loads(model)
        except ValueError:
            data = {}
        rows.append(
            {
                "host": host,
                "pages_learned": pages,
                "template_pages": data.get("template_pages", 0),
                "fallbacks": data.get("fallbacks", 0),
                "misreads": data.get("misreads", 0),
                "slots": len(data.get("slots", {})),
                "saved": saved,
            }
        )
    return rows


def subscriptions(config: Config, now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Alert subscriptions and digests as configured, each digest with its next time after ``now``."""
    from huunghi.monitor.digests import last_due, period

    alerts = [
        {
            "name": s.name,
            "events": s.events,
            "topics": s.topics or ["(all)"],
            "email": s.email,
            "webhook": s.webhook,
        }
        for s in config.subscriptions
    ]
    digests = [
        {
            "name": d.name,
            "schedule": d.schedule + (f" {d.day}" if d.schedule == "weekly" else ""),
            "time": d.time,
            "language": d.language,
            "topics": d.topics or ["(all)"],
            "email": d.email,
            "next": last_due(d, now) + period(d),
        }
        for d in config.digests
    ]
    return alerts, digests
