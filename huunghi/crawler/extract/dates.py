"""The one date finder: when a page says its article was published, and updated, and why we think so.

A desk sorts, filters and digests by publication time, so a page without a date falls out of
"today". The evidence is read in the order of how much it is worth: the page's own structured
data (JSON-LD of any type, meta tags, itemprop, <time> in the article), then the visible
Vietnamese date line (forms generic finders miss: "ngày 8 tháng 1 năm 2015", "Chiều 15/1",
"21 giờ trước"), then htmldate for the generic rest (month names of other languages,
dd.mm.yyyy, ...), then dates in sidebars and footers, then the feed's or sitemap's date.

A page's own time keeps its own offset (a naive time is Hanoi time): converting it would move
the day of publication. Nothing in the future (beyond a small clock skew) is accepted, dates of
reader comments never count, and published and updated are kept apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any, overload

from lxml import etree
from lxml.html import HtmlElement

from huunghi.clock import HANOI

__all__ = ["Dates", "find_dates", "parse_value", "parse_visible"]

SKEW = timedelta(minutes=10)  # a portal's clock may run a little ahead of ours
OLDEST = 1995  # no news portal published online before this
# htmldate's text-wide search costs ~60 ms a page; measured with bench/dates.py, running it only where
# the cheap pass found nothing ("fallback") gives the same days as always running it ("on")
HTMLDATE_EXTENSIVE = "fallback"  # or "on", "off"

PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dc:date",
    "dcterms.date",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "uploaddate",
    "parsely-pub-date",
    "sailthru.date",
    "article.published",
    "citation_publication_date",
    "citation_date",
    "date",
)  # not "created": a CMS record may be created years before the article on it is published
UPDATED_META = (
    "article:modified_time",
    "og:article:modified_time",
    "og:updated_time",
    "datemodified",
    "dc.date.modified",
    "dcterms.modified",
    "lastmod",
    "last-modified",
)

_COMMENTS = re.compile(r"comment|binh-?luan|binhluan|reply|respond|disqus|y-?kien|ykien|fb-comments", re.I)
_SIDE = re.compile(
    r"sidebar|side-bar|related|widget|footer|lien-?quan|most-?read|tin-?khac|other-news"
    r"|more-news|popular|trending|recommend|xem-?nhieu|doc-?nhieu",
    re.I,
)
_DATE_MARK = re.compile(r"date|time|ngay|publish|posted|meta|info|byline|thoigian|thoi-gian|dateline", re.I)
_UPDATE_WORD = re.compile(r"cập\s*nhật|updated?|modified|sửa\s*đổi|aktualisiert|mis à jour", re.I)
_ARTICLE_TYPES = re.compile(r"Article|Posting|Report|Blog|News", re.I)
_REPLY_TYPES = re.compile(r"Comment|Review|Answer|Question", re.I)


@dataclass(frozen=True)
class Dates:
    """What the page says of its dates and which evidence gave the publication date."""

    published: datetime | None = None
    updated: datetime | None = None
    source: str = ""  # "json-ld", "meta:article:published_time", "visible:vi", "htmldate", "feed", ...


# -- values ----------------------------------------------------------------------------------
_TZ_NAMES = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "CET": 1,
    "CEST": 2,
    "BST": 1,
    "EET": 2,
    "EEST": 3,
    "ICT": 7,
    "JST": 9,
    "KST": 9,
    "AEST": 10,
    "AEDT": 11,
    "MSK": 3,
    "WIB": 7,
}
_YMD = re.compile(
    r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|[A-Z]{1,4}\b)?"
)
_DMY = re.compile(r"(?<!\d)(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?!\d)")
_HM = re.compile(r"(?<!\d)(\d{1,2})\s*[:h]\s*(\d{2})(?!\d)(?:\s*[:]\s*\d{2})?\s*(sa|ch|am|pm|SA|CH|AM|PM)?")
_GMT = re.compile(r"(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.I)


def _zone(sign: str, hours: str, minutes: str | None) -> timezone | None:
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-delta if sign == "-" else delta) if delta <= timedelta(hours=14) else None


def _offset(text: str | None) -> timezone | None:
    """A zone written after a time: Z, +07:00, +0700, or an abbreviation such as CDT."""
    if not text:
        return None
    if text.upper() in _TZ_NAMES:
        return timezone(timedelta(hours=_TZ_NAMES[text.upper()]))
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", text)
    return _zone(m.group(1), m.group(2), m.group(3)) if m else None


def _make(
    y: int, mo: int, d: int, hh: int = 0, mi: int = 0, ss: int = 0, tz: timezone | Any = None
) -> datetime | None:
    try:
        return datetime(y, mo, d, hh, mi, ss, tzinfo=tz)
    except ValueError:
        return None


def parse_value(text: str) -> datetime | None:
    """A machine-written date (meta, JSON-LD, datetime=): ISO, y/m/d, RFC 2822, d/m/y; naive is Hanoi."""
    when = _parse_naive(text)
    return when if when is None or when.tzinfo else when.replace(tzinfo=HANOI)


def _parse_naive(text: str) -> datetime | None:
    """parse_value, but a value written without a zone stays naive (to tell the page's zone from)."""
    text = " ".join(str(text).split())
    if not text or len(text) > 80:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        pass
    m = _YMD.search(text)
    if m:
        y, mo, d, hh, mi, ss, zone = m.groups()
        return _make(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), _offset(zone))
    js = re.match(r"\w{3} (\w{3} \d{1,2} \d{4} \d{1,2}:\d{2}:\d{2}) GMT([+-])(\d{2})(\d{2})", text)
    if js:  # JavaScript's Date.toString(): "Tue Nov 19 2019 03:05:46 GMT+0000"
        try:
            return datetime.strptime(js.group(1), "%b %d %Y %H:%M:%S").replace(tzinfo=_zone(*js.groups()[1:]))
        except ValueError:
            pass
    try:
        when = parsedate_to_datetime(text)
        if when is not None:
            return when
    except (TypeError, ValueError, IndexError):
        pass
    rfc = re.match(
        r"(?:\w{3},?\s+)?(\d{1,2}\s+\w{3}\s+\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?)\s+([A-Z]{2,4})$", text
    )
    if rfc and _offset(rfc.group(2)):
        try:
            when = datetime.strptime(
                rfc.group(1), "%d %b %Y %H:%M:%S" if rfc.group(1).count(":") == 2 else "%d %b %Y %H:%M"
            )
            return when.replace(tzinfo=_offset(rfc.group(2)))
        except ValueError:
            pass
    return parse_visible(text, None, None)


# -- the visible Vietnamese forms ------------------------------------------------------------
_VI_FULL = re.compile(r"(?:ngày\s*)?(\d{1,2})\s*tháng\s*(\d{1,2})\s*(?:năm|,)\s*(\d{4})", re.I)
_VI_WORD_MONTH = re.compile(
    r"\d{1,2}\s+tháng\s+(?:mười\s+một|mười\s+hai|một|hai|ba|tư|bốn|năm|sáu|bảy|"
    r"tám|chín|mười|giêng|chạp)\s*,?\s*\d{4}",
    re.I,
)
_RELATIVE = re.compile(r"(\d{1,3})\s*(giây|phút|giờ|tiếng|ngày|tuần)\s*trước", re.I)
_RELATIVE_UNIT = {
    "giây": timedelta(seconds=1),
    "phút": timedelta(minutes=1),
    "giờ": timedelta(hours=1),
    "tiếng": timedelta(hours=1),
    "ngày": timedelta(days=1),
    "tuần": timedelta(weeks=1),
}
_NO_YEAR = re.compile(
    r"(?:^|\b(?:sáng|trưa|chiều|tối|đêm|khuya|rạng\s+sáng|ngày)\s*[,:]?\s*)"
    r"(\d{1,2})/(\d{1,2})(?![/\d])",
    re.I,
)
_SESSION_PM = re.compile(r"\b(chiều|tối|đêm|khuya)\b", re.I)


def _with_time(text: str, day: date, tz: timezone | Any) -> datetime | None:
    """The day with the time of day written in the same line (09:15, 9h15, 2:30 CH), if any."""
    hh = mi = 0
    m = _HM.search(text)
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
        hh, mi = int(m.group(1)), int(m.group(2))
        if (m.group(3) or "").lower() in ("ch", "pm") and hh < 12:
            hh += 12
    elif _SESSION_PM.search(text):
        hh = 0  # "Chiều 15/1" names the afternoon but no hour: the day alone is what is known
    return _make(day.year, day.month, day.day, hh, mi, 0, tz)


@lru_cache(maxsize=1)
def _dateparser() -> Any:
    import dateparser  # imported on first need: it costs half a second and most pages never need it

    return dateparser


def parse_visible(text: str, now: datetime | None, year_hint: int | None) -> datetime | None:
    """A date as a Vietnamese portal prints it; ``now`` (the fetch time) anchors relative and
    year-less forms, whose year is ``year_hint`` (other evidence) or the latest not in the future."""
    text = " ".join(text.split())
    if not text:
        return None
    g = _GMT.search(text)
    tz = _zone(*g.groups()) if g else HANOI
    tz = tz or HANOI
    m = _VI_FULL.search(text)
    if m:
        d, mo, y = (int(x) for x in m.groups())
        try:
            return _with_time(text, date(y, mo, d), tz)
        except ValueError:
            return None
    m = _DMY.search(text)
    if m:
        d, mo, y = (int(x) for x in m.groups())
        if mo > 12 and d <= 12:
            d, mo = mo, d  # m/d/Y written the American way
        try:
            return _with_time(text[: m.start()] + " " + text[m.end() :], date(y, mo, d), tz)
        except ValueError:
            return None
    m = _VI_WORD_MONTH.search(text)
    if m:
        try:
            found = _dateparser().parse(m.group(0), languages=["vi"], settings={"DATE_ORDER": "DMY"})
        except (ValueError, TypeError, OverflowError):
            found = None
        if found is not None:
            return _with_time(text[: m.start()] + " " + text[m.end() :], found.date(), tz)
    if now is None:
        return None
    m = _RELATIVE.search(text)
    if m:
        return (now - int(m.group(1)) * _RELATIVE_UNIT[m.group(2).lower()]).astimezone(HANOI)
    m = _NO_YEAR.search(text) if len(text) <= 60 else None
    if m:
        d, mo = int(m.group(1)), int(m.group(2))
        today = now.astimezone(HANOI).date()
        for y in ([year_hint] if year_hint else []) + [today.year, today.year - 1]:
            try:
                day = date(y, mo, d)
            except ValueError:
                continue
            if day <= today:
                return _with_time(text[: m.start()] + " " + text[m.end() :], day, tz)
    return None


# -- where the evidence is -------------------------------------------------------------------
def _marks(node: HtmlElement) -> str:
    return f"{node.get('class', '')} {node.get('id', '')}"


def _place(node: HtmlElement) -> str:
    """ "comment" for reader comments (never evidence), "side" for aside/footer/related, else "main"."""
    place = "main"
    for anc in (node, *node.iterancestors()):
        if not isinstance(anc.tag, str):
            continue
        marks = _marks(anc)
        if _COMMENTS.search(marks) or anc.tag == "article" and "comment" in marks.lower():
            return "comment"
        if anc.tag in ("aside", "footer", "nav") or _SIDE.search(marks):
            place = "side"
    return place


def _ld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON-LD object of the page (lists, @graph and nested objects too), in page order."""
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            try:
                data = json.loads(script.strip().rstrip(";"), strict=False)
            except ValueError:
                continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                yield item
                stack.extend(v for k, v in item.items() if isinstance(v, (dict, list)) and k != "comment")


def _json_ld(objects: list[dict[str, Any]], key: str) -> str:
    """``key`` of the page's article object; of any other object (WebPage, ...) when no article has it."""
    best: tuple[int, str] | None = None
    for item in objects:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        kind = str(item.get("@type", ""))
        if _REPLY_TYPES.search(kind):
            continue
        rank = 0 if _ARTICLE_TYPES.search(kind) else 1
        if best is None or rank < best[0]:
            best = (rank, value)
    return best[1] if best else ""


def _metas(tree: HtmlElement) -> dict[str, str]:
    table: dict[str, str] = {}
    for node in tree.iter("meta"):
        content = (node.get("content") or "").strip()
        if content:
            for attr in ("property", "name", "itemprop", "http-equiv"):
                if node.get(attr):
                    table.setdefault(node.get(attr).strip().lower(), content)
    return table


_TIME_NODES = etree.XPath("//time | //*[@itemprop][not(self::meta)]")
_MARK_VALUES = {a: etree.XPath(f"descendant-or-self::*/@{a}", smart_strings=False) for a in ("class", "id")}
# the elements those values belong to, in the same order
_MARKED = {a: etree.XPath(f"descendant-or-self::*[@{a}]") for a in ("class", "id")}
_COMMENT_WORDS = re.compile(_COMMENTS.pattern)  # on lowercased text


def _comment_blocks(tree: HtmlElement) -> list[HtmlElement]:
    """Elements whose class or id names reader comments.

    One regex pass over all of the page's classes (then ids) joined by NULs (no attribute holds
    one, no match crosses one), instead of one search per element from Python; the n-th value belongs to the
    n-th element that has the attribute."""
    found: list[HtmlElement] = []
    seen: set[HtmlElement] = set()
    for attr, values_of in _MARK_VALUES.items():
        joined = "\x00".join(values_of(tree)).lower()  # lowercased once: a case-blind regex is slow
        if not _COMMENT_WORDS.search(joined):
            continue
        elements = _MARKED[attr](tree)
        index = last = 0
        for m in _COMMENT_WORDS.finditer(joined):
            index += joined.count("\x00", last, m.start())
            last = m.start()
            node = elements[index]
            if node not in seen and node.tag not in ("html", "body"):
                seen.add(node)
                found.append(node)
    return found


def _time_elements(tree: HtmlElement) -> Iterator[tuple[str, str, HtmlElement]]:
    """(place, value, element) of <time datetime> and itemprop=datePublished elements in page order."""
    for node in _TIME_NODES(tree):  # one C-level pass instead of touching every node from Python
        prop = (node.get("itemprop") or "").lower()
        if node.tag == "time" or prop in ("datepublished", "datemodified", "datecreated"):
            value = node.get("datetime") or node.get("content") or node.get("title") or node.text_content()
            yield _place(node), value, node


def _headline(tree: HtmlElement) -> HtmlElement | None:
    """The article's headline element: the first h1, else a lower heading that <title> begins with."""
    h1 = next(iter(tree.iter("h1")), None)
    if h1 is not None:
        return h1
    title = " ".join(" ".join(t.text_content().split()) for t in tree.iter("title"))
    for node in tree.iter("h2", "h3"):
        text = " ".join(node.text_content().split())
        if len(text) >= 12 and title.startswith(text):
            return node
    return None


def _visible_lines(tree: HtmlElement) -> Iterator[tuple[str, str]]:
    """(place, text) of short elements that look like date lines: marked as such, or just after the
    headline (the h1; on old table layouts without one, the h2/h3 whose text opens the <title>)."""
    h1 = _headline(tree)
    after_h1 = 0
    seen_h1 = h1 is None
    for node in tree.iter():
        if not isinstance(node.tag, str) or node.tag in ("script", "style", "noscript", "option", "a"):
            continue
        if node is h1:
            seen_h1 = True
            continue
        marked = bool(_DATE_MARK.search(_marks(node)))
        near = seen_h1 and h1 is not None and after_h1 < 25
        if not (marked or near) or len(node) > 12 or (len(node) and node.xpath("count(.//*)") > 30):
            continue  # a date line is a small element, not a container of the page
        text = " ".join(node.text_content().split())
        if near and text:
            after_h1 += 1
        # a date line is short; a longer unmarked line is prose that may name another day
        if text and len(text) <= (160 if marked else 80) and any(c.isdigit() for c in text):
            yield _place(node), text


_VI_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def _vietnamese(tree: HtmlElement, metas: dict[str, str]) -> bool:
    """Whether the page is in Vietnamese: its declared language, else its title's letters.

    The visible forms are read the Vietnamese way (day before month); other pages' visible
    dates are left to htmldate, which knows their languages and orders.
    """
    declared = (tree.get("lang") or metas.get("og:locale") or metas.get("content-language") or "").lower()
    if declared:
        return declared.startswith("vi")
    title = " ".join(tree.xpath("//title//text()") + tree.xpath("(//h1)[1]//text()"))
    return len(_VI_LETTERS.findall(title)) >= 2


@contextmanager
def _without_comments(tree: HtmlElement) -> Iterator[HtmlElement]:
    """The page without its reader comments, for htmldate: they are taken out of the tree for the
    call and put back after it (htmldate copies the tree it is given; a second copy here doubled
    the cost of dating a page)."""
    taken: list[tuple[HtmlElement, int, HtmlElement]] = []
    out: set[HtmlElement] = set()
    try:
        for node in _comment_blocks(tree):
            parent = node.getparent()
            if parent is not None:
                if any(a in out for a in node.iterancestors()):
                    continue  # inside a comment block already taken out
                out.add(node)
                taken.append((parent, parent.index(node), node))
                parent.remove(node)  # lxml keeps the tail with the node: put back, the text is intact
        yield tree
    finally:
        for parent, at, node in reversed(taken):
            parent.insert(at, node)


def _htmldate(
    tree: HtmlElement,
    url: str | None,
    now: datetime,
    original: bool,
    passes: Sequence[bool] | None = None,
    found_by: list[bool] | None = None,
) -> date | None:
    """htmldate's day for the page: its cheap pass, then (HTMLDATE_EXTENSIVE) the text-wide one;
    ``passes`` overrides the order, ``found_by`` gets the pass that found the day (True: extensive)."""
    from htmldate import find_date

    found = None
    try:
        with _without_comments(tree) as page:
            default: Sequence[bool] = {"on": (True,), "off": (False,)}.get(HTMLDATE_EXTENSIVE, (False, True))
            for extensive in passes if passes is not None else default:
                found = find_date(
                    page,
                    extensive_search=extensive,
                    original_date=original,
                    url=url or None,
                    max_date=now.astimezone(HANOI).strftime("%Y-%m-%d"),
                )
                if found:
                    if found_by is not None:
                        found_by.append(extensive)
                    break
    except Exception:  # htmldate fails on some hostile trees; the other evidence remains
        return None
    try:
        return date.fromisoformat(found) if found else None
    except ValueError:
        return None


def page_zone(values: list[str]) -> timezone | None:
    """The page's own zone, from its own machine-written times: the commonest offset other than UTC;
    else the gap between a value written without a zone and the same instant written in UTC.

    A UTC value is usually the CMS's conversion: shown in the page's zone, it keeps its day there.
    """
    parsed = [w for w in (_parse_naive(v) for v in values if v) if w is not None]
    offsets = [w.utcoffset() for w in parsed if w.tzinfo is not None and w.utcoffset()]
    if offsets:
        best = max(set(offsets), key=offsets.count)
        return timezone(best) if best is not None else None
    utc = [w for w in parsed if w.tzinfo is not None and not w.utcoffset()]
    for naive in (w for w in parsed if w.tzinfo is None):
        for u in utc:
            gap = naive - u.replace(tzinfo=None)
            if timedelta(0) < abs(gap) <= timedelta(hours=14) and gap % timedelta(minutes=15) == timedelta(0):
                return timezone(gap)
    return None


_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])\s*([ap])?\.?\s*m?\b", re.I)


def visible_zone(lines: list[tuple[str, str]], utc: datetime) -> timezone | None:
    """The page's zone from its printed time of day: "5:50 PM" on the date line of a page whose
    data says 01:50 UTC is UTC-8. Only the page's own date lines count, and the minutes must agree."""
    for place, text in lines:
        if place != "main":
            continue
        for m in _CLOCK.finditer(text):
            hh, mi, half = int(m.group(1)), int(m.group(2)), (m.group(3) or "").lower()
            if hh > 23 or mi != utc.minute or (half and hh > 12):
                continue
            hh = hh % 12 + (12 if half == "p" else 0) if half else hh
            gap = (hh * 60 + mi - utc.hour * 60 - utc.minute) % 1440
            gap = gap - 1440 if gap > 720 else gap
            if gap and abs(gap) <= 14 * 60 and gap % 15 == 0:
                return timezone(timedelta(minutes=gap))
    return None


@overload
def _local(when: datetime, zone: timezone | None) -> datetime: ...
@overload
def _local(when: None, zone: timezone | None) -> None: ...
@overload
def _local(when: datetime | None, zone: timezone | None) -> datetime | None: ...
def _local(when: datetime | None, zone: timezone | None) -> datetime | None:
    """A UTC value shown in the page's own zone (the same instant)."""
    if when is None or zone is None or when.utcoffset():
        return when
    return when.astimezone(zone)


# -- the finder ------------------------------------------------------------------------------
def _ok(when: datetime | None, now: datetime) -> datetime | None:
    if when is None or when.year < OLDEST:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=HANOI)
    return None if when > now + SKEW else when


def _split_update(text: str) -> tuple[str, str]:
    """A date line as (published part, updated part): "Đăng 08:00 … | Cập nhật 09:15 …"."""
    m = _UPDATE_WORD.search(text)
    return (text[: m.start()], text[m.end() :]) if m else (text, "")


def find_dates(
    tree: HtmlElement,
    now: datetime,
    url: str | None = None,
    feed_date: datetime | None = None,
    use_htmldate: bool = True,
    htmldate_passes: Sequence[bool] | None = None,
    found_by: list[bool] | None = None,
) -> Dates:
    """Published and updated of the page from the best evidence it has; the tree is not changed.

    Call it on the whole page (before asides and footers are dropped): their dates are evidence
    too, of lower rank than the article's own.
    """
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    feed_date = _ok(feed_date, now)  # a naive feed time is Hanoi time, like the page's; never the future
    metas = _metas(tree)
    found: list[tuple[datetime, str]] = []  # published candidates, best first
    updated: datetime | None = None

    def take(value: str, source: str) -> bool:
        when = _ok(parse_value(value), now) if value else None
        if when is not None:
            found.append((when, source))
        return when is not None

    ld = list(_ld_objects(tree))
    machine = [_json_ld(ld, k) for k in ("datePublished", "dateModified", "dateCreated")]
    machine += [metas.get(k, "") for k in PUBLISHED_META + UPDATED_META]
    machine += [t.get("datetime", "") for t in tree.iter("time")][:10]
    zone = page_zone(machine)
    if not take(machine[0], "json-ld"):
        for name in PUBLISHED_META:
            if take(metas.get(name, ""), f"meta:{name}"):
                break
    updated = _ok(parse_value(machine[1]), now) if machine[1] else None
    for name in UPDATED_META:
        if updated is None and metas.get(name):
            updated = _ok(parse_value(metas[name]), now)

    side: list[tuple[datetime, str]] = []
    if not found:
        for place, value, node in _time_elements(tree):
            if place == "comment":
                continue
            modified = (node.get("itemprop") or "").lower() == "datemodified" or _UPDATE_WORD.search(
                _marks(node)
            )
            hint = feed_date.year if feed_date else None
            when = _ok(parse_value(value) or parse_visible(value, now, hint), now)
            if when is None:
                continue
            if modified:
                updated = updated or when
            elif place == "side":
                side.append((when, "aside"))
            else:
                found.append((when, "itemprop" if node.get("itemprop") else "time"))
                break

    visible_updated: datetime | None = None
    if not found and _vietnamese(tree, metas):
        hint = feed_date.year if feed_date else None
        for place, text in _visible_lines(tree):  # lazily: the date line is usually near the top
            if place == "comment":
                continue
            first, later = _split_update(text)
            when = _ok(parse_visible(first, now, hint), now)
            late = _ok(parse_visible(later, now, hint), now) if later else None
            visible_updated = visible_updated or late
            if when is not None:
                if place == "side":
                    side.append((when, "aside"))
                else:
                    found.append((when, "visible:vi"))
                    break
    updated = updated or visible_updated

    if not found and use_htmldate:
        day = _htmldate(tree, url, now, original=True, passes=htmldate_passes, found_by=found_by)
        if day is not None:
            # the same day with its time of day, when lower-ranked evidence has it
            # (an "updated" line of the same day too: old portals print only "Cập nhật lúc …")
            also_updated = [visible_updated] if visible_updated else []
            same = [
                w
                for w in [w for w, _ in side] + ([feed_date] if feed_date else []) + also_updated
                if w.date() == day
            ]
            found.append((same[0] if same else datetime.combine(day, time(0, 0), HANOI), "htmldate"))
    found += side
    if feed_date is not None:
        found.append((feed_date, "feed"))
    if updated is not None:
        found.append((updated, "updated"))
    if not found:
        return Dates(updated=updated)
    published, source = found[0]
    if zone is None and source != "feed" and published.utcoffset() == timedelta(0):
        zone = visible_zone(list(_visible_lines(tree)), published)
    published, updated = _local(published, zone), _local(updated, zone)
    if updated is not None and updated < published:
        updated = None  # an "update" before the publication is a misreading
    return Dates(published=published, updated=updated, source=source)
