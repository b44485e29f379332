"""What the CLI and the web page share about search: reading filters as people type them,
and one JSON shape for results and articles (so ``huunghi search --json`` and ``/api/search``
answer alike)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from huunghi.clock import HANOI as VN
from huunghi.monitor.places import main_places_of
from huunghi.storage.archive import Archive, ArticleSummary
from huunghi.storage.search.engine import ORDERS, Hit, SearchQuery, SearchResult
from huunghi.text.query import QueryError, parse_query

MAX_LIMIT = 200
GROUPS = ("", "story")
STORY_READ = 3  # grouped by story: read this many articles per entry asked, as a story has a few
MAX_OFFSET = 10_000  # nobody pages further; a larger offset is work for nothing
MAX_WEB_QUERY_CHARS = 1000
MAX_ID = 2**63 - 1  # the archive's ids are 64-bit
YEARS = (1900, 2200)  # dates outside this are typing errors (and 9999-12-31 + 1 day overflows)


class BadRequest(ValueError):
    """A filter that cannot be read; the message says which and why."""


# The search's error messages (here and in huunghi.text.query) are written in English once; people
# read them in Vietnamese: the page in its language (``web.texts.error_text``), the CLI and the API
# as ``bilingual`` (Vietnamese, then the English in parentheses). Unknown ones stay as they are.
_ERRORS_VI: tuple[tuple[str, str], ...] = (
    (r"query (.+?): (.*)", "câu tìm {0}: {1*}"),
    (
        r"the query ends where a word, phrase or '\(' was expected",
        "câu tìm dừng ở chỗ còn cần một từ, một cụm từ hoặc '('",
    ),
    (r"a '\(' is never closed", "có dấu '(' chưa được đóng"),
    (r"unexpected (.+) at token (\d+)", "không hiểu {0} ở vị trí {1}"),
    (r"unexpected (.+)", "không hiểu {0}"),
    (r"(.+) holds no word( to search)?", "{0} không chứa từ nào"),
    (r"'(.+)': a \* may only end a phrase \(its last word\)", "'{0}': dấu * chỉ được ở cuối cụm từ"),
    (
        r"NOT needs a word that must occur beside it.*",
        "NOT cần đi kèm một từ bắt buộc có, ví dụ 'vufo NOT bóng'",
    ),
    (r"(\w+): (.+) is not a date \(YYYY-MM-DD\)", "{0}: {1} không phải một ngày (YYYY-MM-DD)"),
    (r"tag (.+): expected kind:value.*", "thẻ {0}: cần dạng loại:giá trị, ví dụ province:Thanh Hóa"),
    (r"order: (.+) is not one of (.+)", "thứ tự {0}: chỉ có {1}"),
    (r"limit: (.+) is not between 1 and (\d+)", "limit {0}: phải từ 1 đến {1}"),
    (r"offset: must not be negative", "offset: không được âm"),
    (r"offset: between 0 and (\d+)", "offset: phải từ 0 đến {0}"),
    (r"story: no such story id", "câu chuyện: không có mã này"),
    (r"group: (.+) is not one of story or nothing", "group {0}: chỉ có thể là story hoặc để trống"),
    (r"story: (.+) is not a number", "sự kiện {0}: không phải một số"),
)


def vietnamese(message: str) -> str:
    """A search error in Vietnamese ({1*}: the rest, translated in turn); unknown ones unchanged."""
    import re

    for pattern, template in _ERRORS_VI:
        m = re.fullmatch(pattern, message)
        if m:
            groups = list(m.groups())
            if "{1*}" in template:
                return template.replace("{0}", groups[0]).replace("{1*}", vietnamese(groups[1]))
            return template.format(*[g or "" for g in groups])
    return message


def bilingual(message: str) -> str:
    """Vietnamese first, the English it came from in parentheses (scripts and operators grep it)."""
    said = vietnamese(message)
    return message if said == message else f"{said} ({message})"


def day(value: str | None, name: str, end: bool = False) -> datetime | None:
    """YYYY-MM-DD as a day on the Hanoi clock; ``end``: the start of the next day (an inclusive "to")."""
    if not value:
        return None
    try:
        start = datetime.fromisoformat(value.strip()[:40]).replace(tzinfo=VN)
    except ValueError:
        raise BadRequest(f"{name}: {value[:40]!r} is not a date (YYYY-MM-DD)") from None
    if not YEARS[0] <= start.year <= YEARS[1]:
        raise BadRequest(f"{name}: năm {start.year} ngoài {YEARS[0]}–{YEARS[1]} (year out of range)")
    return start + timedelta(days=1) if end and len(value.strip()) <= 10 else start


def number(value: str | int | None, name: str, default: int, low: int = 0, high: int = MAX_ID) -> int:
    """An integer parameter as typed, within bounds; ``BadRequest`` (a 4xx) otherwise."""
    if value is None or value == "":
        return default
    text = str(value).strip()
    if len(text) > 20 or not text.lstrip("-").isdigit():
        raise BadRequest(f"{name}: {text[:30]!r} không phải số (not a number)")
    n = int(text)
    if not low <= n <= high:
        raise BadRequest(f"{name}: {n} ngoài khoảng {low}–{high} (out of range)")
    return n


def tag(value: str) -> tuple[str, str]:
    kind, sep, name = value.partition(":")
    if not sep or not kind.strip() or not name.strip():
        raise BadRequest(f"tag {value!r}: expected kind:value, as in province:Thanh Hóa or country:Lào")
    return kind.strip(), name.strip()


def build_query(
    text: str = "",
    sources: list[str] | None = None,
    sections: list[str] | None = None,
    tags: list[str] | None = None,
    story: int | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    changed_since: str | None = None,
    order: str = "relevance",
    limit: int = 20,
    offset: int = 0,
    group: str = "",
) -> SearchQuery:
    """A SearchQuery from strings as typed; ``BadRequest`` for anything that cannot be read."""
    if order not in ORDERS:
        raise BadRequest(f"order: {order!r} is not one of {', '.join(ORDERS)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit: {limit} is not between 1 and {MAX_LIMIT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise BadRequest(f"offset: between 0 and {MAX_OFFSET}")
    if story is not None and not 0 < story <= MAX_ID:
        raise BadRequest("story: no such story id")
    typed = [
        text or "",
        *(sources or []),
        *(sections or []),
        *(tags or []),
        date_from or "",
        date_to or "",
        changed_since or "",
    ]
    if any("\x00" in v for v in typed):  # PostgreSQL refuses NUL in text: a 400, not a 500
        raise BadRequest("tham số chứa ký tự NUL (a parameter contains a NUL character)")
    if len(text or "") > MAX_WEB_QUERY_CHARS:
        raise BadRequest(f"query: dài quá {MAX_WEB_QUERY_CHARS} ký tự (too long)")
    if (group or "") not in GROUPS:
        raise BadRequest(f"group: {group!r} is not one of story or nothing")
    try:
        parse_query(text)
    except QueryError as exc:
        raise BadRequest(f"query {text!r}: {exc}") from None
    return SearchQuery(
        text=text or "",
        sources=[s for s in sources or [] if s],
        sections=[s for s in sections or [] if s],
        tags=[tag(t) for t in tags or [] if t],
        story_id=story,
        date_from=day(date_from, "from"),
        date_to=day(date_to, "to", end=True),
        changed_since=day(changed_since, "changed since"),
        order=order,
        limit=limit,
        offset=offset,
        group=group or "",
    )


def run(archive: Archive, q: SearchQuery, budget_ms: int | None = None) -> SearchResult:
    """``q`` as asked (grouped by story if so); ``budget_ms``: ``SearchTimeout`` past that time."""
    try:
        if q.group != "story":
            return archive.search(q, budget_ms)
        result = archive.search(
            replace(q, limit=q.limit * STORY_READ, offset=q.offset * STORY_READ), budget_ms
        )
    except QueryError as exc:  # a query the engines cannot run (e.g. only a NOT)
        raise BadRequest(f"query {q.text!r}: {exc}") from None
    result.hits = by_story(result.hits)[: q.limit]
    result.query = q
    return result


def by_story(hits: list[Hit]) -> list[Hit]:
    """One entry per story: its best-placed hit, the story's other hits (other portals, the same
    event) listed under it (``Hit.also``), in the order they came."""
    out: list[Hit] = []
    first: dict[int, Hit] = {}
    for h in hits:
        story = h.article.story_id
        if story is not None and story in first:
            first[story].also.append(h)
            continue
        if story is not None:
            first[story] = h
        out.append(h)
    return out


def iso(when: datetime | None) -> str | None:
    return when.astimezone(VN).isoformat() if when else None


def article_json(a: ArticleSummary, with_body: bool = True) -> dict[str, Any]:
    out = {
        "id": a.id,
        "source": a.source,
        "url": a.url,
        "title": a.title,
        "lead": a.lead,
        "published_at": iso(a.published_at),
        "updated_at": iso(a.updated_at),
        "author": a.author,
        "credit": a.credit,
        "section": a.section,
        "language": a.language,
        "versions": a.versions,
        "first_seen": iso(a.first_seen),
        "last_seen": iso(a.last_seen),
        "story_id": a.story_id,
        "removed_at": iso(a.removed_at),
        "images": a.images,
        "published_source": a.published_source,
    }
    if with_body:
        out["body_text"] = a.body_text
    return out


def hit_json(h: Hit, grouped: bool = False) -> dict[str, Any]:
    out = {
        **article_json(h.article, with_body=False),
        "score": h.score,
        "snippet": h.snippet,
        "snippet_html": h.snippet_html,
        "title_html": h.title_html,
        "tags": [f"{k}:{v}" for k, v in h.tags],
    }
    if grouped:  # the story's sources, this article first; absent unless asked, so the shape stays
        out["sources"] = [
            {
                "id": x.article.id,
                "source": x.article.source,
                "url": x.article.url,
                "title": x.article.title,
                "published_at": iso(x.article.published_at),
            }
            for x in (h, *h.also)
        ]
    return out


def result_json(r: SearchResult) -> dict[str, Any]:
    q = r.query
    return {
        "query": {
            "text": q.text,
            "sources": q.sources,
            "sections": q.sections,
            "tags": [f"{k}:{v}" for k, v in q.tags],
            "story": q.story_id,
            "from": iso(q.date_from),
            "to": iso(q.date_to),
            "changed_since": iso(q.changed_since),
            "order": q.order,
            "limit": q.limit,
            "offset": q.offset,
        },
        "total": r.total,
        "total_exact": r.total_exact,
        "windowed": r.windowed,
        "took_ms": round(r.took_ms, 2),
        "hits": [hit_json(h, q.group == "story") for h in r.hits],
        **({"group": q.group} if q.group else {}),
        # only when the syllables stood apart ("44 bài có các từ rời nhau"): a result read as
        # typed keeps the shape it always had
        **({"reading": r.reading} if r.reading == "loose" else {}),
    }


def article_detail(archive: Archive, article_id: int) -> dict[str, Any] | None:
    """An article with its tags, the other articles of its story, and every version with its diff."""
    if not 0 < article_id <= MAX_ID:
        return None
    a = archive.reads.article(article_id)
    if a is None:
        return None
    story = [
        article_json(o, with_body=False) for o in archive.stories.story_of(article_id) if o.id != article_id
    ]
    versions = [
        {
            "version": v["version"],
            "fetched_at": iso(v["fetched_at"]),
            "title": v["title"],
            "published_at": iso(v["published_at"]),
            "diff": v["diff"],
        }
        for v in archive.reads.versions(article_id)
    ]
    return {
        **article_json(a),
        "tags": [f"{k}:{v}" for k, v in archive.reads.tags(article_id)],
        # where each tag was found (None: stored before the archive kept it) and the places the
        # article is about, apart from those it only mentions
        "tag_places": [
            {"tag": f"{r['kind']}:{r['value']}", "field": r["field"], "via": r["via"], "main": r["main"]}
            for r in archive.reads.tag_places(article_id)
        ],
        "main_places": main_places_of(archive, a),
        "story": story,
        "history": versions,
    }


def topic_query(topic: Any, limit: int = 50) -> SearchQuery:
    """A topic rule ([[topics]] or the built-in one) as a search, newest first: its Atom feed."""
    return SearchQuery(
        text=topic.query,
        sources=list(topic.sources),
        tags_any=[tag(t) for t in topic.tags],
        order="date",
        limit=limit,
    )
