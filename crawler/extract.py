"""Article extraction for the walking skeleton: trafilatura for the body, the page for the rest.

trafilatura finds the body well on the replicas but skips portals' leads (``sapo``) and misreads
their time lines, so title, lead, time, section, author and credit are read from the page
itself. The clean-extraction work (site templates) replaces the body part of this module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html import escape
from zoneinfo import ZoneInfo

import trafilatura
from lxml import etree, html as lxml_html

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LEAD_CLASS = re.compile(r"sapo|lead|summary|chapeau|excerpt|description|intro", re.I)
TIME_LINE = re.compile(r"(\d{1,2}):(\d{2})\s*\|\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*GMT([+-]\d{1,2}))?")
DMY_HM = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\s*[-,|]?\s*(\d{1,2}):(\d{2})")
DATE_META = ("article:published_time", "og:published_time", "datePublished", "pubdate",
             "publishdate", "dc.date.issued", "date")
MIN_WORDS = 25  # a shorter page is a stub, a gallery shell or navigation, not a news article
CREDIT = re.compile(r"^\s*(Nguồn\s*:\s*\S.*|Theo\s+(Báo|TTXVN|VNA|Tạp chí|Cổng)\b.*)$")


class NotAnArticle(ValueError):
    """The page holds no article text (an index page, an error page, an empty shell)."""


@dataclass
class Extracted:
    title: str
    lead: str
    body_text: str
    body_html: str
    published: datetime | None = None
    author: str = ""
    credit: str = ""
    section: str = ""
    language: str = ""
    images: list[dict[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The article as read: lead then body, paragraphs separated by blank lines."""
        return "\n\n".join(p for p in (self.lead, self.body_text) if p)


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _meta(tree: lxml_html.HtmlElement, *names: str) -> str:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            found = tree.xpath(f'//meta[@{attr}="{name}"]/@content')
            if found and found[0].strip():
                return found[0].strip()
    return ""


def _json_ld(tree: lxml_html.HtmlElement) -> dict[str, object]:
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and "Article" in str(item.get("@type", "")):
                return item
    return {}


def _parse_when(text: str, now: datetime) -> datetime | None:
    """A publication time from ISO or Vietnamese forms; portal-local when no zone; never future."""
    text = text.strip()
    when: datetime | None = None
    m = TIME_LINE.search(text)
    if m:
        hh, mm, d, mo, y, off = m.groups()
        zone = timezone(timedelta(hours=int(off))) if off else VN_TZ
        when = _safe(int(y), int(mo), int(d), int(hh), int(mm), zone)
    if when is None:
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=VN_TZ)
        except ValueError:
            m = DMY_HM.search(text)
            if m:
                d, mo, y, hh, mm = (int(g) for g in m.groups())
                when = _safe(y, mo, d, hh, mm, VN_TZ)
    if when is not None and when > now + timedelta(minutes=10):
        return None
    return when


def _safe(y: int, mo: int, d: int, hh: int, mm: int, tz: timezone | ZoneInfo) -> datetime | None:
    try:
        return datetime(y, mo, d, hh, mm, tzinfo=tz)
    except ValueError:
        return None


def _published(tree: lxml_html.HtmlElement, ld: dict[str, object], feed_date: datetime | None,
               now: datetime) -> datetime | None:
    candidates = [_meta(tree, *DATE_META), str(ld.get("datePublished", ""))]
    for node in tree.xpath('//*[contains(@class,"time") or contains(@class,"date")][not(*)]')[:5]:
        candidates.append(node.text_content())
    for text in candidates:
        if text:
            when = _parse_when(text, now)
            if when:
                return when
    if feed_date and feed_date <= now:
        return feed_date
    return None


def _title(tree: lxml_html.HtmlElement) -> str:
    for value in (_meta(tree, "og:title"), " ".join(tree.xpath("//h1[1]//text()"))):
        if _clean(value):
            return _clean(value)
    raw = _clean(" ".join(tree.xpath("//title//text()")))
    return re.split(r"\s+[|–-]\s+", raw)[0] if raw else ""


def _lead(tree: lxml_html.HtmlElement, title: str) -> str:
    for node in tree.xpath("//body//*[@class]"):
        if LEAD_CLASS.search(node.get("class", "")) and not node.xpath("ancestor::li|ancestor::aside"):
            text = _clean(node.text_content())
            if len(text) > 40 and text != title:
                return text
    return _clean(_meta(tree, "description", "og:description"))


def _section(tree: lxml_html.HtmlElement) -> str:
    crumbs = tree.xpath('//*[contains(@class,"breadcrumb")]//a')
    names = [_clean(a.text_content()) for a in crumbs]
    names = [n for n in names if n and n.lower() not in ("trang chủ", "home")]
    if not names:
        names = [_clean(a.text_content()) for a in tree.xpath('//*[contains(@class,"cate")]//a')[:1]]
    return " › ".join(n for n in names if n)


def _author_credit(tree: lxml_html.HtmlElement, fallback: str) -> tuple[str, str]:
    author = ""
    for node in tree.xpath('//*[contains(@class,"author")]'):
        author = _clean(node.text_content())
        if author:
            break
    credit = ""
    for node in tree.xpath('//*[contains(@class,"source") or contains(@class,"credit")]'):
        text = _clean(node.text_content())
        if CREDIT.match(text):
            credit = text
            break
    return author or _clean(fallback), credit


def extract(html: str, url: str = "", feed_date: datetime | None = None,
            now: datetime | None = None, default_language: str = "") -> Extracted:
    """Extract one article; raises NotAnArticle with a reason instead of returning nothing."""
    now = now or datetime.now(timezone.utc)
    if not html or not html.strip():
        raise NotAnArticle("empty page")
    try:
        tree = lxml_html.fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise NotAnArticle(f"not HTML ({exc})") from exc
    doc = trafilatura.bare_extraction(html, url=url or None, favor_precision=True, with_metadata=True,
                                      include_comments=False, include_tables=True, deduplicate=False)
    body = (doc.text if doc else "") or ""
    title = _title(tree) or _clean(doc.title if doc else "")
    lead = _lead(tree, title)
    paragraphs = [_clean(p) for p in body.split("\n") if _clean(p)]
    while paragraphs and paragraphs[0] in (title, lead):
        paragraphs.pop(0)
    if lead and paragraphs and lead.startswith(paragraphs[0]):
        paragraphs.pop(0)
    if not paragraphs:
        raise NotAnArticle("no article text found")
    words = len(re.findall(r"\w+", " ".join(paragraphs) + " " + lead))
    if words < MIN_WORDS:
        raise NotAnArticle(f"too little text for an article ({words} words)")
    author, credit = _author_credit(tree, doc.author if doc and doc.author else "")
    lang = (tree.get("lang") or (doc.language if doc else "") or default_language or "").split("-")[0]
    images = [{"src": img.get("src", ""), "alt": img.get("alt", "")}
              for img in tree.xpath("//figure//img|//table//img")[:20]]
    return Extracted(
        title=title, lead=lead, body_text="\n\n".join(paragraphs),
        body_html="".join(f"<p>{escape(p)}</p>" for p in paragraphs),
        published=_published(tree, _json_ld(tree), feed_date, now), author=author, credit=credit,
        section=_section(tree), language=lang.lower(), images=images,
    )
