"""Read models: what the CLI and the web page show (lists, one article, its versions, the
sources' overview, filter choices, activity per day, totals). Reads only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from huunghi.clock import HANOI
from huunghi.storage.crawls import Crawls, run_summary
from huunghi.storage.models import (
    Article,
    ArticleTag,
    ArticleVersion,
    CrawlError,
    CrawlRun,
    Event,
    Source,
    utcnow,
)
from huunghi.storage.records import (
    VERSIONED_FIELDS,
    ArticleSummary,
    SourceOverview,
    article_summary,
    tags_by_article,
)
from huunghi.storage.unit import Tx
from huunghi.text.collate import sort_key


class Reads:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def tags(self, article_id: int) -> list[tuple[str, str]]:
        with self._tx() as s:
            return [
                (t.kind, t.value)
                for t in s.scalars(
                    select(ArticleTag)
                    .where(ArticleTag.article_id == article_id)
                    .order_by(ArticleTag.kind, ArticleTag.value)
                )
            ]

    def tag_places(self, article_id: int) -> list[dict[str, Any]]:
        """The article's tags with where each was found: kind, value, field (title, lead, body),
        via (text, org, name) and main (one of the places it is about); the last three None for
        tags stored before the archive kept them (migration 0013)."""
        with self._tx() as s:
            return [
                {"kind": t.kind, "value": t.value, "field": t.field, "via": t.via, "main": t.main}
                for t in s.scalars(
                    select(ArticleTag)
                    .where(ArticleTag.article_id == article_id)
                    .order_by(ArticleTag.kind, ArticleTag.value)
                )
            ]

    def latest_articles(self, limit: int = 20, source: str | None = None) -> list[ArticleSummary]:
        """Newest first by publication time (then first seen), optionally for one source."""
        with self._tx() as s:
            q = (
                select(Article, Source.name)
                .join(Source)
                .order_by(Article.published_at.desc().nulls_last(), Article.first_seen.desc())
                .limit(limit)
            )
            if source:
                q = q.where(Source.name == source)
            return [article_summary(a, name) for a, name in s.execute(q)]

    def article(self, article_id: int) -> ArticleSummary | None:
        with self._tx() as s:
            row = s.execute(select(Article, Source.name).join(Source).where(Article.id == article_id)).first()
            return article_summary(*row) if row else None

    def iter_articles(
        self,
        source: str | None = None,
        sources: list[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        with_tags: bool = False,
    ) -> Iterator[Any]:
        """Articles in the order they were stored; ``since``/``until`` bound the publication time
        (first seen when unknown); ``with_tags`` yields (article, tags) pairs."""
        names = ([source] if source else []) + list(sources or [])
        with self._tx() as s:
            q = select(Article, Source.name).join(Source).order_by(Article.id)
            if names:
                q = q.where(Source.name.in_(names))
            if since is not None:
                q = q.where(_dated(since, after=True))
            if until is not None:
                q = q.where(_dated(until, after=False))
            for chunk in s.execute(q.execution_options(yield_per=500)).partitions():
                tags = tags_by_article(s, [a.id for a, _ in chunk]) if with_tags else {}
                for a, name in chunk:
                    summary = article_summary(a, name)
                    yield (summary, tags.get(a.id, [])) if with_tags else summary

    def versions(self, article_id: int) -> list[dict[str, Any]]:
        with self._tx() as s:
            rows = s.scalars(
                select(ArticleVersion)
                .where(ArticleVersion.article_id == article_id)
                .order_by(ArticleVersion.version)
            )
            return [
                dict(
                    version=v.version,
                    fetched_at=v.fetched_at,
                    **{name: getattr(v, name) for name in VERSIONED_FIELDS},
                    content_hash=v.content_hash,
                    diff=v.diff or [],
                )
                for v in rows
            ]

    def sources_overview(self) -> list[SourceOverview]:
        with self._tx() as s:
            counts = dict(
                s.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all()
            )
            out = []
            for src in s.scalars(select(Source).order_by(Source.name)):
                last = s.scalar(
                    select(CrawlRun).where(CrawlRun.source_id == src.id).order_by(CrawlRun.id.desc()).limit(1)
                )
                out.append(
                    SourceOverview(
                        src.name,
                        src.title,
                        src.homepage,
                        counts.get(src.id, 0),
                        run_summary(last, with_errors=False) if last else None,
                    )
                )
            return out

    def filter_choices(self, most: int = 40) -> dict[str, Any]:
        """What the web page offers to filter by: every source, and the most used sections and
        tags (per kind), each with its article count."""
        with self._tx() as s:
            counts = dict(
                s.execute(select(Article.source_id, func.count()).group_by(Article.source_id)).all()
            )
            sources: list[dict[str, Any]] = [
                {"name": src.name, "articles": counts.get(src.id, 0)}
                for src in s.scalars(select(Source).order_by(Source.name))
            ]
            sections: list[dict[str, Any]] = [
                {"name": name, "articles": n}
                for name, n in s.execute(
                    select(Article.section, func.count().label("n"))
                    .where(Article.section != "")
                    .group_by(Article.section)
                    .order_by(func.count().desc(), Article.section)
                    .limit(most)
                )
            ]
            tags: dict[str, list[dict[str, Any]]] = {}
            for kind, value, n in s.execute(
                select(ArticleTag.kind, ArticleTag.value, func.count())
                .group_by(ArticleTag.kind, ArticleTag.value)
                .order_by(ArticleTag.kind, func.count().desc(), ArticleTag.value)
            ):
                if len(tags.setdefault(kind, [])) < most:
                    tags[kind].append({"value": value, "articles": n})
        # in Vietnamese order, as people look them up (Đồng Nai after Đắk Lắk, not after Yên Bái)
        sources.sort(key=lambda r: sort_key(r["name"]))
        sections.sort(key=lambda r: (-r["articles"], sort_key(r["name"])))
        for rows in tags.values():
            rows.sort(key=lambda r: (-r["articles"], sort_key(r["value"])))
        return {"sources": sources, "sections": sections, "tags": tags}

    def activity(self, days: int = 14, now: datetime | None = None) -> dict[str, Any]:
        """Articles per source and day, events per kind and day (days on the Hanoi clock, the
        newest last), and each source's health: what ``huunghi stats`` shows."""
        hanoi = HANOI
        today = (now or utcnow()).astimezone(hanoi).date()
        labels = [(today - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]
        since = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), hanoi)
        articles: dict[str, dict[str, int]] = {}
        events: dict[str, dict[str, int]] = {}
        with self._tx() as s:
            rows = s.execute(
                select(Source.name, Article.published_at, Article.first_seen)
                .join(Source)
                .where(_dated(since, after=True))
            )
            for name, published, first_seen in rows:
                label = (published or first_seen).astimezone(hanoi).date().isoformat()
                per_day = articles.setdefault(name, {})
                per_day[label] = per_day.get(label, 0) + 1
            for kind, created in s.execute(
                select(Event.kind, Event.created_at).where(Event.created_at >= since)
            ):
                label = created.astimezone(hanoi).date().isoformat()
                per_day = events.setdefault(kind, {})
                per_day[label] = per_day.get(label, 0) + 1
        health = {
            name: {**h, "last_run": h["last_run"].astimezone(hanoi).isoformat() if h["last_run"] else None}
            for name, h in sorted(Crawls(self._tx).source_health().items())
        }
        return {
            "days": labels,
            "articles": dict(sorted(articles.items())),
            "events": dict(sorted(events.items())),
            "health": health,
        }

    def totals(self) -> dict[str, int]:
        with self._tx() as s:
            return {
                "sources": s.scalar(select(func.count()).select_from(Source)) or 0,
                "articles": s.scalar(select(func.count()).select_from(Article)) or 0,
                "versions": s.scalar(select(func.count()).select_from(ArticleVersion)) or 0,
                "runs": s.scalar(select(func.count()).select_from(CrawlRun)) or 0,
                "errors": s.scalar(select(func.count()).select_from(CrawlError)) or 0,
            }


def _dated(when: datetime, after: bool) -> Any:
    """Published at or after ``when`` (``after``) or before it; first seen when the date is unknown."""
    published, seen = (
        (Article.published_at >= when, Article.first_seen >= when)
        if after
        else (Article.published_at < when, Article.first_seen < when)
    )
    return or_(published, and_(Article.published_at.is_(None), seen))
