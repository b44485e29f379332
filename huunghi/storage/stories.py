"""Stories: articles that report one event, placed together as they are stored.

Two reports are one story when their texts overlap (``clusters``: copies, compilations, a wire
text republished) or when their events agree (``text.events``: the same people, figures, day
and place, whatever the wording), and never when their events differ where both say something
(another day, another province). Candidates are the articles sharing an LSH band or a specific
fact (a person, a figure) within the event's window, found by index, so placing an article costs
the same in a ten-year archive. What a person decides on two articles (``merge``, ``split``) is
kept and never undone by the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.orm import Session, load_only

from huunghi.storage import clusters, locks
from huunghi.storage.models import Article, Source, Story, StoryBand, StoryDecision, StoryKey, utcnow
from huunghi.storage.records import ArticleRecord, ArticleSummary, article_summary
from huunghi.storage.unit import Tx
from huunghi.text.events import EventSignature, compare

MAX_CANDIDATES = 500  # the newest sharers of a band or key in the window: a bound on one placement


def _day_number(when: date | datetime) -> int:
    if isinstance(when, datetime):
        return int(when.timestamp() // 86400)
    return int(datetime(when.year, when.month, when.day, tzinfo=UTC).timestamp() // 86400)


def day_of(art: Article) -> int:
    """The day the window counts from: the event's own day where the text gives one (so a page's
    later "updated" date does not push a report out of its story), else publication, else first seen."""
    day = (art.event or {}).get("d")
    if day:
        return _day_number(date.fromisoformat(day))
    return _day_number(art.published_at or art.first_seen or utcnow())


@dataclass(frozen=True)
class Match:
    """Why an article joins a candidate's story: the text overlap and the events' agreement."""

    story_id: int
    jaccard: float  # estimated Jaccard of the two texts' shingles
    event: float  # the weight of the facts both events share (text.events.compare)

    @property
    def rank(self) -> float:
        return self.event + 10 * self.jaccard


def judge(
    mine: tuple[bytes | None, int, EventSignature | None],
    theirs: tuple[bytes | None, int, EventSignature | None],
) -> tuple[bool, float, float]:
    """(one story?, Jaccard, event score) of two articles given (minhash, shingles, signature):
    the rule placement applies, shared with ``bench/stories.py``."""
    j = clusters.jaccard(clusters.signature(mine[0]), clusters.signature(theirs[0])) if mine[0] else 0.0
    text = bool(mine[0]) and clusters.same_story(j, mine[1], theirs[1])
    if mine[2] is not None and theirs[2] is not None:
        agreement = compare(mine[2], theirs[2])
        if agreement.conflict:  # another day or another province: look-alikes, however alike
            return False, j, agreement.score
        return text or agreement.same_event, j, agreement.score
    return text, j, 0.0


def _keep_out(s: Session, article_id: int) -> tuple[set[int], set[int]]:
    """(stories it must join, stories it must not): its articles decided one event with it, or not."""
    rows = s.execute(
        select(StoryDecision.article_a, StoryDecision.article_b, StoryDecision.same).where(
            or_(StoryDecision.article_a == article_id, StoryDecision.article_b == article_id)
        )
    ).all()
    if not rows:
        return set(), set()
    other = {b if a == article_id else a: same for a, b, same in rows}
    stories = {
        i: sid for i, sid in s.execute(select(Article.id, Article.story_id).where(Article.id.in_(other)))
    }
    join = {stories[i] for i, same in other.items() if same and stories.get(i) is not None}
    apart = {stories[i] for i, same in other.items() if not same and stories.get(i) is not None}
    return cast(set[int], join), cast(set[int], apart)


def _candidates(s: Session, art: Article, rec: ArticleRecord, day: int) -> list[Any]:
    window = (day - clusters.WINDOW_DAYS, day + clusters.WINDOW_DAYS)
    ids: list[Any] = []
    if rec.bands and rec.minhash:
        ids.append(
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
    keys = rec.event.keys() if rec.event else []
    if keys:
        ids.append(
            select(StoryKey.article_id)
            .where(StoryKey.key.in_(keys), StoryKey.day.between(*window), StoryKey.article_id != art.id)
            .distinct()
            .order_by(StoryKey.article_id.desc())
            .limit(MAX_CANDIDATES)
        )
    found: set[int] = set()
    for q in ids:
        found.update(s.scalars(q))
    if not found:
        return []
    return list(
        s.execute(
            select(Article.story_id, Article.minhash, Article.shingles, Article.event).where(
                Article.id.in_(found), Article.story_id.is_not(None)
            )
        )
    )


def best_match(s: Session, art: Article, rec: ArticleRecord) -> Match | None:
    """The story this article belongs to among its candidates, or None (it starts its own)."""
    join, apart = _keep_out(s, art.id) if art.id is not None else (set(), set())
    if join:
        return Match(min(join), 1.0, 0.0)
    mine = (rec.minhash, rec.shingles, rec.event)
    best: Match | None = None
    for story_id, blob, shingles, event in _candidates(s, art, rec, day_of(art)):
        if story_id in apart:
            continue
        theirs = (blob, shingles, EventSignature.from_json(event) if event else None)
        same, j, score = judge(mine, theirs)
        if same:
            match = Match(story_id, j, score)
            if best is None or match.rank > best.rank:
                best = match
    return best


def index(s: Session, art: Article, rec: ArticleRecord) -> None:
    """Index the article's bands and event keys by its day (replacing what was there)."""
    day = day_of(art)
    s.execute(delete(StoryBand).where(StoryBand.article_id == art.id))
    s.execute(delete(StoryKey).where(StoryKey.article_id == art.id))
    if rec.bands and rec.minhash:
        s.execute(
            cast(Table, StoryBand.__table__).insert(),  # SQLAlchemy types __table__ as FromClause
            [{"band_key": k, "day": day, "article_id": art.id} for k in rec.bands],
        )
    keys = rec.event.keys() if rec.event else []
    if keys:
        s.execute(
            cast(Table, StoryKey.__table__).insert(),
            [{"key": k, "day": day, "article_id": art.id} for k in keys],
        )


def place(
    s: Session, art: Article, rec: ArticleRecord, reuse: int | None = None, serialised: bool = False
) -> Match | None:
    """Join the story of the best candidate in the window, or start one (with id ``reuse``
    when a rebuild gives an article back the story it had).

    One placement at a time across processes (``locks.placement``, held to the commit): two
    workers storing reports of one event at once would otherwise both start a story.
    ``serialised``: the caller holds the lock already (a rebuild)."""
    art.event = rec.event.to_json() if rec.event else None
    if not serialised:
        locks.placement(s)
    match = best_match(s, art, rec)
    index(s, art, rec)
    if match is not None:
        art.story_id = match.story_id
        s.execute(
            update(Story).where(Story.id == match.story_id).values(size=Story.size + 1, updated_at=utcnow())
        )
        return match
    if reuse is not None:
        s.execute(update(Story).where(Story.id == reuse).values(title=art.title, size=1, updated_at=utcnow()))
        art.story_id = reuse
        return None
    story = Story(title=art.title, created_at=utcnow(), updated_at=utcnow(), size=1)
    s.add(story)
    s.flush()
    art.story_id = story.id
    return None


def reband(s: Session, art: Article, rec: ArticleRecord) -> None:
    """A re-extraction's new signature: its bands and keys replace the old ones (the story stays)."""
    art.event = rec.event.to_json() if rec.event else art.event
    index(s, art, rec)


def _resize(s: Session, story_ids: set[int]) -> None:
    """Recount the stories' sizes in one statement a chunk; a story left with no article is deleted."""
    count = (
        select(func.count(Article.id)).where(Article.story_id == Story.id).correlate(Story).scalar_subquery()
    )
    ids = sorted(story_ids)
    for lo in range(0, len(ids), 500):
        part = ids[lo : lo + 500]
        s.execute(update(Story).where(Story.id.in_(part)).values(size=count, updated_at=utcnow()))
        s.execute(delete(Story).where(Story.id.in_(part), Story.size == 0))


def _decide(s: Session, pairs: list[tuple[int, int]], same: bool) -> None:
    for x, y in pairs:
        a, b = min(x, y), max(x, y)
        found = s.get(StoryDecision, (a, b))
        if found is None:
            s.add(StoryDecision(article_a=a, article_b=b, same=same, decided_at=utcnow()))
        else:
            found.same, found.decided_at = same, utcnow()


class StoryNotFound(LookupError):
    pass


@dataclass(frozen=True)
class DecisionReview:
    article_a: int
    article_b: int
    title_a: str
    title_b: str
    same: bool  # what the person decided
    rule_same: bool  # what the rule says today
    jaccard: float
    event_score: float
    conflict: str
    decided_at: datetime


@dataclass(frozen=True)
class RebuildReport:
    articles: int
    stories_before: int
    stories_after: int
    moved: int  # articles whose story id changed


@dataclass(frozen=True)
class StoryRow:
    id: int
    title: str
    size: int
    updated_at: datetime
    sources: list[str]


class Stories:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    def story_of(self, article_id: int) -> list[ArticleSummary]:
        """Every article of the story this one belongs to (itself included), oldest first."""
        with self._tx() as s:
            story_id = s.scalar(select(Article.story_id).where(Article.id == article_id))
            if story_id is None:
                return []
            return self._members(s, story_id)

    def members(self, story_id: int) -> list[ArticleSummary]:
        """The articles of one story, oldest first (StoryNotFound when there is no such story)."""
        with self._tx() as s:
            if s.get(Story, story_id) is None:
                raise StoryNotFound(story_id)
            return self._members(s, story_id)

    @staticmethod
    def _members(s: Session, story_id: int) -> list[ArticleSummary]:
        rows = s.execute(
            select(Article, Source.name)
            .join(Source)
            .where(Article.story_id == story_id)
            .order_by(Article.first_seen, Article.id)
        )
        return [article_summary(a, name) for a, name in rows]

    def latest(self, limit: int = 20, min_size: int = 1) -> list[StoryRow]:
        """The most recently grown stories, with the sources that reported each."""
        with self._tx() as s:
            stories = list(
                s.scalars(
                    select(Story)
                    .where(Story.size >= min_size)
                    .order_by(Story.updated_at.desc(), Story.id.desc())
                    .limit(limit)
                )
            )
            names: dict[int | None, list[str]] = {st.id: [] for st in stories}
            for sid, name in s.execute(
                select(Article.story_id, Source.name)
                .join(Source)
                .where(Article.story_id.in_(names))
                .distinct()
                .order_by(Source.name)
            ):
                names[sid].append(name)
            return [StoryRow(st.id, st.title, st.size, st.updated_at, names[st.id]) for st in stories]

    def merge(self, story_ids: list[int]) -> int:
        """One story of several (the oldest keeps its id); every pair across them is decided
        one event, so no later placement or rebuild parts them. Returns the kept story's id."""
        with self._tx() as s:
            locks.placement(s)  # no placement joins a story while it is merged away
            found = sorted(set(s.scalars(select(Story.id).where(Story.id.in_(story_ids)))))
            missing = sorted(set(story_ids) - set(found))
            if missing:
                raise StoryNotFound(missing[0])
            keep = found[0]
            groups = {
                sid: list(s.scalars(select(Article.id).where(Article.story_id == sid))) for sid in found
            }
            pairs = [
                (x, y)
                for i, a in enumerate(found)
                for b in found[i + 1 :]
                for x in groups[a]
                for y in groups[b]
            ]
            _decide(s, pairs, True)
            s.execute(update(Article).where(Article.story_id.in_(found)).values(story_id=keep))
            _resize(s, set(found))
            self._tx.commit(s)
            return keep

    def split(self, article_ids: list[int]) -> int:
        """Take articles out of their story into a new one of their own; each is decided another
        event than every article left behind. Returns the new story's id."""
        with self._tx() as s:
            locks.placement(s)
            arts = list(s.scalars(select(Article).where(Article.id.in_(article_ids))))
            if len(arts) != len(set(article_ids)):
                missing = sorted(set(article_ids) - {a.id for a in arts})
                raise LookupError(f"article {missing[0]}")
            old = {a.story_id for a in arts}
            if len(old) != 1 or None in old:
                raise ValueError("các bài phải cùng một câu chuyện (articles must share one story)")
            (story_id,) = old
            leaving = {a.id for a in arts}
            staying = [
                i
                for i in s.scalars(select(Article.id).where(Article.story_id == story_id))
                if i not in leaving
            ]
            if not staying:
                raise ValueError("câu chuyện chỉ còn các bài này (nothing would be left behind)")
            _decide(s, [(x, y) for x in leaving for y in staying], False)
            _decide(s, [(x, y) for x in leaving for y in leaving if x < y], True)
            first = min(arts, key=lambda a: (a.first_seen, a.id))
            new = Story(title=first.title, created_at=utcnow(), updated_at=utcnow(), size=len(arts))
            s.add(new)
            s.flush()
            for a in arts:
                a.story_id = new.id
            _resize(s, {cast(int, story_id)})
            self._tx.commit(s)
            return new.id

    def rebuild(
        self,
        signer: Callable[[Article], EventSignature | None],
        progress: Callable[[int, int], None] | None = None,
    ) -> RebuildReport:
        """Place every article again, oldest first, with the signature ``signer`` gives it (the
        crawler's, from the stored text): after an upgrade, or a change of the rule. Decisions
        are honoured; an article that starts a story gets back its old story's id when it is
        free, so digests remember what they sent. One transaction: stopped, it changes nothing."""
        with self._tx() as s:
            locks.placement(s)  # held to the end: no crawl places an article meanwhile
            order = list(
                s.execute(
                    select(Article.id, Article.story_id).order_by(
                        func.coalesce(Article.published_at, Article.first_seen), Article.id
                    )
                )
            )
            before = {i: sid for i, sid in order}
            s.execute(update(Article).values(story_id=None))
            used: set[int] = set()
            for n, (article_id, old) in enumerate(order, 1):
                art = s.get(Article, article_id)
                assert art is not None
                bands = list(s.scalars(select(StoryBand.band_key).where(StoryBand.article_id == article_id)))
                rec = ArticleRecord(
                    url=art.url, title=art.title, minhash=art.minhash, shingles=art.shingles, bands=bands
                )
                rec.event = signer(art)
                reuse = old if old is not None and old not in used else None
                place(s, art, rec, reuse, serialised=True)
                used.add(cast(int, art.story_id))
                s.flush()
                if progress:
                    progress(n, len(order))
            stale = set(s.scalars(select(Story.id))) - used
            if stale:
                s.execute(delete(Story).where(Story.id.in_(stale)))
            _resize(s, used)
            after = {i: sid for i, sid in s.execute(select(Article.id, Article.story_id))}
            self._tx.commit(s)
        return RebuildReport(
            articles=len(order),
            stories_before=len({v for v in before.values() if v is not None}),
            stories_after=len(set(after.values())),
            moved=sum(1 for i in after if after[i] != before.get(i)),
        )

    def facts(self, article_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The stored event signatures of these articles (as ``EventSignature.to_json``)."""
        with self._tx() as s:
            return {
                i: event
                for i, event in s.execute(
                    select(Article.id, Article.event).where(Article.id.in_(article_ids))
                )
                if event
            }

    def review(self) -> list[DecisionReview]:
        """Every pair a person decided, with what the machine's rule says of it today: where they
        disagree is what the rule has to learn (``huunghi stories decisions``; bench/stories.py
        measures the rule on labelled pairs the same way)."""
        with self._tx() as s:
            pairs = list(
                s.execute(select(StoryDecision).order_by(StoryDecision.decided_at, StoryDecision.article_a))
            )
            ids = {i for (d,) in pairs for i in (d.article_a, d.article_b)}
            arts = {
                a.id: a
                for a in s.scalars(
                    select(Article)
                    .where(Article.id.in_(ids))
                    .options(
                        load_only(Article.id, Article.title, Article.minhash, Article.shingles, Article.event)
                    )
                )
            }
            out = []
            for (d,) in pairs:
                a, b = arts[d.article_a], arts[d.article_b]
                ea = EventSignature.from_json(a.event) if a.event else None
                eb = EventSignature.from_json(b.event) if b.event else None
                same, j, score = judge((a.minhash, a.shingles, ea), (b.minhash, b.shingles, eb))
                conflict = compare(ea, eb).conflict if ea and eb else ""
                out.append(
                    DecisionReview(
                        a.id, b.id, a.title, b.title, d.same, same, round(j, 3), score, conflict, d.decided_at
                    )
                )
            return out

    def decisions(self) -> list[tuple[int, int, bool]]:
        """Every pair a person decided: (article, article, one event?)."""
        with self._tx() as s:
            return [
                (a, b, same)
                for a, b, same in s.execute(
                    select(StoryDecision.article_a, StoryDecision.article_b, StoryDecision.same).order_by(
                        StoryDecision.article_a, StoryDecision.article_b
                    )
                )
            ]
