"""Search the archive: one interface, the same results in the same order on SQLite (FTS5) and
PostgreSQL.

Matching is exact and identical on both backends (see ``fulltext``). By date: newest first
(published time, first seen when unknown). By relevance: among the newest ``RANK_WINDOW``
matches, the articles whose headline holds the typed words together ("thanh hoa" as in
"Thanh Hóa") come first, then those whose headline alone satisfies the query, then headline
and lead, then the rest, newest first within each tier. For a press desk the
headline is the strongest sign an article is *about* the query, and recency the next; and
every tier is an index walk that stops after one page, so a ranked query on a million
articles costs about what it costs on a thousand. When more articles match than the window
(one common word over years of archive), the result says so (``windowed``) and its total
reads "1,000+".
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from huunghi.storage.models import Article, Source, UTCDateTime
from huunghi.storage.search import index as searchindex
from huunghi.storage.search import snippets
from huunghi.storage.search import tokens as fulltext
from huunghi.text.query import ALL, Node, is_loose, parse_query

if TYPE_CHECKING:
    from huunghi.storage.records import ArticleSummary
    from huunghi.storage.records import HasSessions as Archive

RANK_WINDOW = 1000
COUNT_CAP = RANK_WINDOW
SNIPPET_SCAN = 6000  # characters of lead + body searched for the snippet
ORDERS = ("relevance", "date")
# (score, where the query must hold, as typed words must stand together, in the form typed):
# Vietnamese writes a word in syllables, so "thanh hoa" typed plainly means "Thanh Hóa" before
# "thanh niên … Hoa Kỳ"; and a headline holding the words in the form typed ("hoa" without marks
# for "hoa", "Thanh Hóa" for "Thanh Hóa") comes before one holding them folded ("Thanh Hòa")
TIERS = (
    (4.5, ("title",), True, True),
    (4.0, ("title",), True, False),
    (3.5, ("title",), False, True),
    (3.0, ("title",), False, False),
    (2.0, ("title", "lead"), False, False),
)
# SQLite's time budget (``search(budget_ms=...)``) is looked at every STEPS_PER_CHECK virtual
# machine steps and counted in steps as well as on the clock: a millisecond allows STEPS_PER_MS
# steps (about what a modest server runs), so the same query is stopped at the same step on
# any machine, however loaded. A bounded search takes a few tens of thousands of steps.
STEPS_PER_CHECK = 1000
STEPS_PER_MS = 5000
PG_QUERY_CANCELED = "57014"  # SQLSTATE of a statement stopped by statement_timeout


class SearchTimeout(Exception):
    """The search ran past its time budget (and was stopped there, its transaction undone)."""

    def __init__(self, budget_ms: int) -> None:
        super().__init__(f"the search ran past its budget of {budget_ms} ms")
        self.budget_ms = budget_ms


@dataclass
class SearchQuery:
    """What people ask: words (``huunghi.text.query`` syntax) and filters, all optional."""

    text: str = ""
    sources: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)  # "Hữu nghị" also finds "Hữu nghị › …"
    tags: list[tuple[str, str]] = field(default_factory=list)  # every one of them
    tags_any: list[tuple[str, str]] = field(default_factory=list)  # at least one of them (topic rules)
    story_id: int | None = None
    date_from: datetime | None = None  # published (first seen when unknown) at or after
    date_to: datetime | None = None  # ... and before
    changed_since: datetime | None = None  # a new version (correction) stored since
    order: str = "relevance"
    limit: int = 20
    offset: int = 0
    loose: bool = False  # syllables may stand apart from the start (as a query starting with "~")
    group: str = ""  # "story": one entry per story, listing its sources (see monitor.searching)


@dataclass
class Hit:
    article: ArticleSummary
    score: float | None
    title_html: str
    snippet: str
    snippet_html: str
    tags: list[tuple[str, str]]
    also: list[Hit] = field(default_factory=list)  # grouped by story: the other portals' articles


@dataclass
class SearchResult:
    query: SearchQuery
    total: int
    total_exact: bool
    windowed: bool  # relevance ranked the newest RANK_WINDOW matches only
    hits: list[Hit]
    took_ms: float
    reading: str = "words"  # "words": syllables typed together as a word; "loose": standing apart

    @property
    def total_label(self) -> str:
        return f"{self.total:,}" + ("" if self.total_exact else "+")

    @property
    def reading_label(self) -> str:
        """What the count means, in the reader's words: "14 bài" / "44 bài có các từ rời nhau"."""
        return f"{self.total_label} bài" + (" có các từ rời nhau" if self.reading == "loose" else "")


def search(archive: Archive, q: SearchQuery, budget_ms: int | None = None) -> SearchResult:
    """Run ``q``; a query that cannot be read raises ``QueryError`` saying where. With
    ``budget_ms``, each of its transactions is stopped past that budget (``SearchTimeout``):
    ``statement_timeout`` on PostgreSQL, a progress handler on SQLite."""
    if q.order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {q.order!r}")
    started = time.perf_counter()
    loose = q.loose or is_loose(q.text)
    node = parse_query(q.text, loose=loose)
    result = _search(archive, q, node, started, budget_ms)
    if not loose and result.total == 0:
        apart = parse_query(q.text, loose=True)
        if apart != node:  # the word reading found nothing: let the syllables stand apart
            result = _search(archive, q, apart, started, budget_ms)
            result.reading = "loose"
    elif loose:
        plain = q.text.lstrip()[1:] if is_loose(q.text) else q.text
        result.reading = "loose" if parse_query(plain) != node else "words"
    return result


def _search(
    archive: Archive, q: SearchQuery, node: Node, started: float, budget_ms: int | None = None
) -> SearchResult:
    with archive.session() as s, _budget(s, budget_ms):
        plan = _Plan(s, node, q)
        if not plan.sqlite and "match" in plan.params:
            # GIN bitmaps, one quarter at a time: words and two-word phrases are answered by the index
            # alone; only longer phrases read the candidates' tsvectors back to check positions
            for setting in ("enable_indexscan", "enable_seqscan"):
                s.execute(text(f"SET LOCAL {setting} = off"))
            s.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        if plan.empty:
            keys: list[tuple[int, float | None]] = []
            total, exact, windowed = 0, True, False
        elif node is ALL or q.order == "date":
            # one read serves the page and the count (exact up to COUNT_CAP)
            want = max(q.offset + q.limit, COUNT_CAP + 1)
            found = plan.newest(s, want)
            keys = [(k, None) for k in found[q.offset : q.offset + q.limit]]
            total, exact = (len(found), True) if len(found) < want else (COUNT_CAP, False)
            windowed = False
        else:
            keys, total, exact, windowed = _ranked(s, plan, q)
        hits = _hits(s, keys, fulltext.positive_terms(node) if node is not ALL else [])
    return SearchResult(q, total, exact, windowed, hits, (time.perf_counter() - started) * 1000)


@contextmanager
def _budget(s: Session, budget_ms: int | None) -> Iterator[None]:
    """Stop what ``s`` runs past ``budget_ms`` (None or 0: no budget) with ``SearchTimeout``.
    PostgreSQL: ``SET LOCAL statement_timeout``, so it ends with the transaction. SQLite: a
    progress handler on the session's connection, removed afterwards (connections are pooled)."""
    if not budget_ms:
        yield
        return
    budget = int(budget_ms)
    sqlite = s.get_bind().dialect.name == "sqlite"
    raw: Any = None
    if sqlite:
        raw = s.connection().connection.driver_connection
        allowed, checks = max(1, budget * STEPS_PER_MS // STEPS_PER_CHECK), 0
        deadline = time.monotonic() + budget / 1000

        def over() -> int:
            nonlocal checks
            checks += 1
            return int(checks > allowed or time.monotonic() > deadline)

        raw.set_progress_handler(over, STEPS_PER_CHECK)
    else:
        s.execute(text(f"SET LOCAL statement_timeout = {budget}"))
    try:
        yield
    except DBAPIError as exc:
        stopped = (
            "interrupted" in str(exc.orig)
            if sqlite
            else getattr(exc.orig, "sqlstate", None) == PG_QUERY_CANCELED
        )
        if stopped:
            raise SearchTimeout(budget) from exc
        raise
    finally:
        if raw is not None:
            raw.set_progress_handler(None, 0)


def _ranked(
    s: Session, plan: _Plan, q: SearchQuery
) -> tuple[list[tuple[int, float | None]], int, bool, bool]:
    """Relevance: the newest RANK_WINDOW matches (one index walk), then in tier order those
    whose headline holds the typed words together (4), whose headline satisfies the query
    (3), whose headline and lead do (2), then the rest (1); newest first within each. A tier
    looks only at the headline and lead (small on every backend), of the window's keys
    (``scored``: the headline tiers in one read) or, for headline and lead on PostgreSQL,
    through the ``head`` index from the window's oldest key on, keeping what is in the window.
    So a ranked query on a million articles costs about what it costs on a thousand, and both
    backends give the same order."""
    keys = plan.newest(s, RANK_WINDOW)
    if not keys:
        return [], 0, True, False
    window, need = set(keys), q.offset + q.limit
    together = _as_phrase(plan.node)
    # cast: together is not None wherever as_phrase holds (the first test of the filter)
    tiers: list[tuple[float, tuple[str, ...], Node]] = [
        (score, columns, _exact_form(base) if exact else base)
        for score, columns, as_phrase, exact in TIERS
        if not (as_phrase and together is None)
        and not (together is plan.node and columns == ("title",) and not as_phrase)
        # the same test
        for base in [cast(Node, together) if as_phrase else plan.node]
        if not (exact and _exact_form(base) == base)
    ]
    lines = [t for t in tiers if plan.sqlite or t[1] == ("title",)]  # PostgreSQL keeps a headline line only
    ordered: list[tuple[int, float | None]] = plan.scored(s, keys, lines, need)
    seen: set[int] = {k for k, _ in ordered}
    for score, _columns, node in [t for t in tiers if t not in lines]:  # PostgreSQL: headline and lead
        if len(ordered) >= need:
            break
        limit, params = need, {**plan.params, "tier": plan.tier(node), "low": keys[-1], "high": keys[0]}
        while True:  # a candidate outside the window (a NOT met in the body) does not count: read on
            rows = plan.keys(s, plan.tier_sql(limit), params)
            found = [k for k in rows if k in window and k not in seen]
            if len(ordered) + len(found) >= need or len(rows) < limit or limit >= 4 * RANK_WINDOW:
                break
            limit *= 4
        seen.update(found)
        ordered += [(k, score) for k in found]
    ordered += [(k, 1.0) for k in keys if k not in seen][: max(0, need - len(ordered))]
    windowed = len(keys) >= RANK_WINDOW
    return ordered[q.offset : need], len(keys), not windowed, windowed


def _exact_form(node: Node) -> Node:
    """``node`` with every word in the form typed: a bare word as written without marks (its key
    is its folded form), a marked one as typed; prefixes stay as they are. Headline tiers only:
    the index holds no key token for a word without marks, a line of keys does."""
    if node.op == "words":
        marks = tuple(
            "" if w.endswith("*") else (node.marks[i] if node.marks and node.marks[i] else w)
            for i, w in enumerate(node.words)
        )
        return Node("words", words=node.words, marks=marks if any(marks) else ())
    if node.op == "not":  # what must not be there stays as typed
        return node
    return Node(node.op, children=tuple(_exact_form(c) for c in node.children))


def _as_phrase(node: Node) -> Node | None:
    """Plain words typed one after another ("thanh hoa"), as the phrase they may mean (the query
    itself when it is one phrase); None for a single word or a query with operators."""
    if node.op == "words" and len(node.words) > 1 and not node.words[-1].endswith("*"):
        return node  # syllables typed together, read as the word they make (or a quoted phrase)
    parts = node.children if node.op == "and" else (node,)
    if len(parts) < 2 or any(p.op != "words" or len(p.words) != 1 or p.words[0].endswith("*") for p in parts):
        return None
    marks = tuple(p.marks[0] if p.marks else "" for p in parts)
    return Node("words", words=tuple(p.words[0] for p in parts), marks=marks if any(marks) else ())


class _Plan:
    """The SQL of one search on one backend. Words and filters (as facet tokens, see
    ``fulltext.facets``) are one full-text condition; dates are a range of the sort key."""

    def __init__(self, s: Session, node: Any, q: SearchQuery) -> None:
        self.sqlite = s.get_bind().dialect.name == "sqlite"
        self.node, self.q = node, q
        self.params: dict[str, Any] = {}
        self.binds: list[Any] = []
        self.where: list[str] = []
        self.empty = False  # a filter names something that does not exist: nothing can match
        self.groups = self._facet_groups(s, q)
        self.expand = (
            searchindex.expansions(s, fulltext.prefixes(node)) if self.sqlite and node is not ALL else {}
        )
        bare = fulltext.bare_words(node) if self.sqlite and node is not ALL else []
        self.bare_keys = searchindex.key_variants(s, bare) if bare else None  # keys of words typed bare
        if node is ALL and not self.groups:
            self.key, self.from_ = "d.sort_key", "search_docs AS d"
        elif self.sqlite:
            self.key, self.from_ = "search_fts.rowid", "search_fts"
            self.where.append("search_fts MATCH :match")
            self.params["match"] = self.match()
            if node is not ALL and fulltext.needs_check(node, self.bare_keys):
                # a term of marked and bare words: FTS5 finds a superset, the line of keys tells
                line = " || ' | ' || ".join(f"search_fts.{c}" for c in fulltext.COLUMNS)
                self.where.append(
                    fulltext.to_phrase_sql(node, f"(' ' || {line} || ' ')", self.params, sqlite=True)
                )
        else:
            self.key, self.from_ = "d.sort_key", "search_docs AS d"
            self.where.append("d.tsv @@ CAST(:match AS tsquery)")
            self.params["match"] = self.match()
            if node is not ALL and fulltext.needs_positions(node):
                self.params["loose"] = self.match(loose=True)
        self._ranges(q)

    def match(self, loose: bool = False) -> str:
        """The full-text condition: the words and every filter group (``loose``: see
        ``fulltext.to_tsquery``)."""
        if self.node is ALL:
            return self._join([])
        if loose:
            return self._join([fulltext.to_tsquery(self.node, fulltext.COLUMNS, loose=True)])
        if self.sqlite:
            loose_ = fulltext.needs_check(self.node, self.bare_keys)
            return self._join(
                [fulltext.to_fts5(self.node, fulltext.COLUMNS, self.expand, loose_, self.bare_keys)]
            )
        return self._join([self._words(self.node)])

    def tier(self, node: Node) -> str:
        """PostgreSQL, the headline-and-lead tier: ``node`` and the filters, matched against
        ``head``, which holds only those two fields, unlabelled, so GIN alone answers it."""
        return self._join([self._words(node)])

    def _words(self, node: Node) -> str:
        columns = fulltext.COLUMNS
        return (
            fulltext.to_fts5(node, columns, self.expand)
            if self.sqlite
            else fulltext.to_tsquery(node, columns)
        )

    def _join(self, words: list[str]) -> str:
        if self.sqlite:
            return " AND ".join(
                words
                + ["facets : (" + " OR ".join(f'"{fulltext.PAIR}{t}"' for t in g) + ")" for g in self.groups]
            )
        return " & ".join(words + ["(" + " | ".join(f"'#{t}'" for t in g) + ")" for g in self.groups])

    def scored(
        self, s: Session, window: list[int], tiers: list[tuple[float, tuple[str, ...], Node]], need: int
    ) -> list[tuple[int, float | None]]:
        """The window's keys in these tiers, best tier first, newest first within each, decided
        on lines of folded words read by key: the headline (then, if the headline tiers do not
        fill the page, headline and lead) as FTS5 keeps them in its content table on SQLite,
        the headline line of ``search_text`` on PostgreSQL; a few hundred bytes an article.
        Walking an index for a tier instead reads the positions of common words across the
        window's span (``{title}: huu AND {title}: nhat``; on PostgreSQL, weight labels in
        every candidate's vector): on a million articles ten times the cost, and unbounded."""
        out: list[tuple[int, float | None]] = []
        seen: set[int] = set()
        for columns in (("title",), ("title", "lead")):
            arms: list[str] = []
            patterns: dict[str, str] = {}
            params: dict[str, Any]
            for score, cols, node in tiers:
                if cols != columns:
                    continue
                if self.sqlite:
                    line = " || ' | ' || ".join(f"c.c{fulltext.COLUMNS.index(c)}" for c in cols)
                    check = fulltext.to_phrase_sql(node, f"(' ' || {line} || ' ')", patterns, sqlite=True)
                else:  # the headline's keys: the line of keys up to its first field mark
                    marks = f"(split_part(c.marks, ' {fulltext.FIELD_MARK} ', 1) || ' ')"
                    check = fulltext.to_phrase_sql(node, "c.title", patterns, marks_column=marks)
                arms.append(f"WHEN {check} THEN {float(score)!r}")
            if not arms or len(out) >= need:
                continue
            if self.sqlite:  # the window as one JSON array: a thousand bound values cost more to bind
                source, params = (
                    (
                        "SELECT c.id AS k, {} AS score FROM search_fts_content AS c "
                        "WHERE c.id IN (SELECT value FROM json_each(:window))"
                    ),
                    {"window": json.dumps(window)},
                )
            else:
                source, params = (
                    (
                        "SELECT c.sort_key AS k, {} AS score FROM search_text AS c "
                        "WHERE c.sort_key = ANY(:window)"
                    ),
                    {"window": window},
                )
            sql = (
                f"SELECT k, score FROM ({source.format('CASE ' + ' '.join(arms) + ' END')}) AS x "
                "WHERE score IS NOT NULL ORDER BY score DESC, k DESC"
            )
            for k, score in s.execute(text(sql), {**params, **patterns}):
                if k not in seen:
                    seen.add(k)
                    out.append((k, float(score)))  # PostgreSQL reads the literal as numeric (Decimal)
        return out

    def tier_sql(self, limit: int) -> str:
        """PostgreSQL: keys of a tier's candidates within the window's span (:low to :high), newest first."""
        return (
            f"SELECT {self.key} FROM {self.from_} WHERE d.head @@ CAST(:tier AS tsquery) "
            f"AND {self.key} BETWEEN :low AND :high ORDER BY {self.key} DESC LIMIT {int(limit)}"
        )

    def _facet_groups(self, s: Session, q: SearchQuery) -> list[list[str]]:
        """Each filter as a group of facet tokens, any of which will do; groups all must hold."""
        groups: list[list[str]] = []
        if q.sources:
            ids = list(s.scalars(select(Source.id).where(Source.name.in_(q.sources))))
            self.empty |= not ids
            groups.append([f"s{i}" for i in ids])
        if q.sections:
            groups.append([fulltext.section_facet(x) for x in q.sections])
        groups += [[fulltext.tag_facet(kind, value)] for kind, value in q.tags]
        if q.tags_any:
            groups.append([fulltext.tag_facet(kind, value) for kind, value in q.tags_any])
        if q.story_id is not None:
            groups.append([f"y{int(q.story_id)}"])
        return groups

    def _ranges(self, q: SearchQuery) -> None:
        lo, hi = fulltext.key_bounds(q.date_from, q.date_to)
        if lo is not None:
            self.where.append(f"{self.key} >= :key_lo")
            self.params["key_lo"] = lo
        if hi is not None:
            self.where.append(f"{self.key} <= :key_hi")
            self.params["key_hi"] = hi
        if q.changed_since is not None:
            self.where.append(
                f"{self.key} IN (SELECT c.sort_key FROM search_docs AS c WHERE c.article_id IN "
                "(SELECT v.article_id FROM article_versions AS v WHERE v.version > 1 "
                "AND v.fetched_at >= :changed))"
            )
            self.params["changed"] = q.changed_since
            self.binds.append(bindparam("changed", type_=UTCDateTime()))

    def select_sql(
        self, limit: int | None = None, order: bool = False, extra: list[str] | None = None
    ) -> str:
        where = self.where + (extra or [])
        sql = f"SELECT {self.key} AS k FROM {self.from_}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        if order:
            sql += f" ORDER BY {self.key} DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return sql

    def newest(self, s: Session, limit: int) -> list[int]:
        """The keys of the newest ``limit`` matches. On PostgreSQL the four newest quarters one by
        one, then all the rest in one statement, stopping once there are enough: a common word
        reads one quarter, not ten years, and a rare one costs five small statements."""
        if self.sqlite or "match" not in self.params:
            sql = self.select_sql(limit=limit, order=True)
            return self.keys(s, sql, self.params)
        quarters = self._quarters(s)
        out: list[int] = []
        for chunk in [quarters[i : i + 1] for i in range(min(4, len(quarters)))] + [quarters[4:]]:
            if not chunk or len(out) >= limit:
                continue
            params = {**self.params, "part_lo": chunk[-1][1], "part_hi": chunk[0][2]}
            if "loose" in self.params:
                out += self._verified(s, limit - len(out), params)
                continue
            sql = self.select_sql(
                limit=limit - len(out),
                order=True,
                extra=[f"{self.key} >= :part_lo", f"{self.key} < :part_hi"],
            )
            out += self.keys(s, sql, params)
        return out

    def _verified(self, s: Session, limit: int, params: dict[str, Any]) -> list[int]:
        """PostgreSQL, a query with phrases of four words or more: the newest candidates of the
        loose query (GIN alone), then the query itself checked on those candidates' lines of
        words (``search_text``), a batch at a time. A GIN bitmap of the exact query would read
        back the tsvector (about 11 kB) of every candidate in the quarter to check positions."""
        where = [w for w in self.where if ":match" not in w]
        where += ["d.tsv @@ CAST(:loose AS tsquery)", "d.sort_key >= :part_lo", "d.sort_key < :part_hi"]
        patterns: dict[str, str] = {}
        check = fulltext.to_phrase_sql(self.node, "t.words", patterns, marks_column="t.marks")
        out: list[int] = []
        batch, before = limit + limit // 4 + 20, params["part_hi"]
        while len(out) < limit:
            cands = self.keys(
                s,
                f"SELECT d.sort_key FROM search_docs AS d WHERE {' AND '.join(where)} "
                f"AND d.sort_key < :before ORDER BY d.sort_key DESC LIMIT {int(batch)}",
                {**params, "before": before},
            )
            if not cands:
                break
            out += self.keys(
                s,
                f"SELECT t.sort_key FROM search_text AS t WHERE t.sort_key = ANY(:keys) "
                f"AND {check} ORDER BY t.sort_key DESC",
                {"keys": cands, **patterns},
            )
            if len(cands) < batch:
                break
            before, batch = cands[-1], batch * 4
        return out[:limit]

    def keys(self, s: Session, sql: str, params: dict[str, Any]) -> list[int]:
        """The keys ``sql`` selects (its one column), newest first. PostgreSQL hands them over as
        one array: a thousand rows one by one cost more in Python than the query in the server."""
        binds = [b for b in self.binds if f":{b.key}" in sql]
        if self.sqlite:
            return list(s.execute(text(sql).bindparams(*binds), params).scalars())
        wrapped = f"SELECT coalesce(array_agg(q.k ORDER BY q.k DESC), '{{}}') FROM ({sql}) AS q(k)"
        return list(s.execute(text(wrapped).bindparams(*binds), params).scalar_one())

    def _quarters(self, s: Session) -> list[tuple[str, int, int]]:
        """The partitions a search may need as (name, first key, end key), newest first."""
        names = s.execute(
            text(
                "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = CAST('search_docs' AS regclass)"
            )
        ).scalars()
        lo, hi = self.params.get("key_lo"), self.params.get("key_hi")
        parts = sorted((searchindex.quarter_of_name(n) for n in names), key=lambda p: p[1], reverse=True)
        return [p for p in parts if (lo is None or p[2] > lo) and (hi is None or p[1] <= hi)]


# the ArticleSummary fields a hit reads, each from its column (no body: the snippet stands for it)
_HIT_COLUMNS = (
    Article.id.label("id"),
    Source.name.label("source"),
    *(
        getattr(Article, column).label(name)
        for name, column in (
            ("url", "url"),
            ("title", "title"),
            ("lead", "lead"),
            ("published_at", "published_at"),
            ("author", "author"),
            ("credit", "credit"),
            ("section", "section"),
            ("language", "language"),
            ("versions", "version_count"),
            ("first_seen", "first_seen"),
            ("last_seen", "last_seen"),
            ("updated_at", "updated_at"),
            ("images", "images"),
            ("extraction", "extraction"),
            ("story_id", "story_id"),
            ("removed_at", "removed_at"),
            ("published_source", "published_source"),
        )
    ),
)


def _hits(s: Session, keys: list[tuple[int, float | None]], terms: list[fulltext.Term]) -> list[Hit]:
    """The articles behind the keys, with highlighted title and snippet. A hit's ``body_text``
    is left empty (the snippet stands for it), so a page of hits never loads whole bodies."""
    from huunghi.storage.records import ArticleSummary, tags_by_article

    ids = [fulltext.article_id_of(k) for k, _ in keys]
    if not ids:
        return []
    query = (
        select(*_HIT_COLUMNS, func.substr(Article.body_text, 1, SNIPPET_SCAN).label("body"))
        .join(Source, Source.id == Article.source_id)
        .where(Article.id.in_(ids))
    )
    rows = {r[0]: r for r in s.execute(query)}
    tags = tags_by_article(s, ids)
    hits = []
    for (_key, score), article_id in zip(keys, ids):
        if article_id not in rows:  # deleted between the two reads
            continue
        row = rows[article_id]._mapping
        fields = {name: row[name] for name in row.keys() if name != "body"}
        summary = ArticleSummary(**{**fields, "body_text": "", "images": list(fields["images"] or [])})
        lead, title, body = summary.lead, summary.title, row["body"]
        cut = snippets.snippet(lead + " " + (body or ""), terms)
        hits.append(
            Hit(
                summary,
                score,
                snippets.highlight(title, terms).html(),
                cut.plain(),
                cut.html(),
                tags.get(article_id, []),
            )
        )
    return hits
