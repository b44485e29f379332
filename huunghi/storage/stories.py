"""Stories: articles that report one event, placed together as they are stored.

The similarity rules live in ``clusters`` (MinHash, Jaccard, containment); this module finds
the candidates (articles sharing an LSH band within the window) and keeps the story rows.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from huunghi.storage import clusters
from huunghi.storage.models import Article, Source, Story, StoryBand, utcnow
from huunghi.storage.records import ArticleRecord, ArticleSummary, article_summary
from huunghi.storage.unit import Tx

MAX_CANDIDATES = 500  # the newest sharers of a band in the window; a bound on one placement's cost


def day_of(art: Article) -> int:
    """The article's day number (publication, else first seen): what the window counts in."""
    when = art.published_at or art.first_seen or utcnow()
    return int(when.timestamp() // 86400)


def place(s: Session, art: Article, rec: ArticleRecord) -> None:
    """Join the story of the closest candidate sharing an LSH band in the window, or start one."""
    day = day_of(art)
    if rec.bands and rec.minhash:
        window = (day - clusters.WINDOW_DAYS, day + clusters.WINDOW_DAYS)
        candidates = (
            select(StoryBand.article_id)
            .where(
                StoryBand.band_key.in_(rec.bands),
                StoryBand.day.between(*window),
                StoryBand.article_id != art.id,
            )
            .distinct()
            .order_by(StoryBand.article_id.desc())
            .limit(MAX_CANDIDATES)
        )
        mine = clusters.signature(rec.minhash)
        best: tuple[float, int | None] | None = None  # story_id IS NOT NULL in the query
        rows = s.execute(
            select(Article.story_id, Article.minhash, Article.shingles).where(
                Article.id.in_(candidates.scalar_subquery()), Article.story_id.is_not(None)
            )
        )
        for story_id, blob, shingles in rows:
            j = clusters.jaccard(mine, clusters.signature(blob))
            if clusters.same_story(j, rec.shingles, shingles) and (best is None or j > best[0]):
                best = (j, story_id)
        s.execute(
            cast(Table, StoryBand.__table__).insert(),  # SQLAlchemy types __table__ as FromClause
            [{"band_key": k, "day": day, "article_id": art.id} for k in rec.bands],
        )
        if best is not None:
            art.story_id = best[1]
            s.execute(
                update(Story).where(Story.id == best[1]).values(size=Story.size + 1, updated_at=utcnow())
            )
            return
    story = Story(title=art.title, created_at=utcnow(), updated_at=utcnow(), size=1)
    s.add(story)
    s.flush()
    art.story_id = story.id


def reband(s: Session, art: Article, bands: list[str]) -> None:
    """A re-extraction's new signature: its bands replace the old ones (the story stays)."""
    s.execute(cast(Table, StoryBand.__table__).delete().where(StoryBand.article_id == art.id))
    s.add_all(StoryBand(band_key=k, day=day_of(art), article_id=art.id) for k in bands)


class Stories:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def story_of(self, article_id: int) -> list[ArticleSummary]:
        """Every article of the story this one belongs to (itself included), oldest first."""
        with self._tx() as s:
            story_id = s.scalar(select(Article.story_id).where(Article.id == article_id))
            if story_id is None:
                return []
            rows = s.execute(
                select(Article, Source.name)
                .join(Source)
                .where(Article.story_id == story_id)
                .order_by(Article.first_seen, Article.id)
            )
            return [article_summary(a, name) for a, name in rows]
