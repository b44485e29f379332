"""E-mail digests: the new stories of a subscription's topics since its last digest, read in two minutes.

A digest covers the events after the previous digest's last one (so nothing falls between two
digests, whatever the clock does) and leaves out stories an earlier digest carried. It is
composed once — the message is stored, unique per digest name and scheduled time — and then
sent like an alert delivery: claimed by one sender, retried with backoff while SMTP fails.
Everything that comes from a portal goes through nh3 before the (autoescaping) template.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any
from urllib.parse import quote, urlsplit

import nh3
from jinja2 import Environment, FileSystemLoader, select_autoescape

from huunghi.clock import DISPLAY
from huunghi.clock import HANOI as VN
from huunghi.config import WEEKDAYS, Config, DigestConfig
from huunghi.crawler.extract.tags import find_tags
from huunghi.monitor.alerts import TEMPLATES, SourceInfo, topics_of
from huunghi.monitor.mail import deliver, new_message
from huunghi.monitor.places import main_places_of
from huunghi.storage.archive import Archive, ArticleSummary
from huunghi.storage.health import describe
from huunghi.text.collate import sort_key, sorted_vi
from huunghi.text.diff import render as render_diff
from huunghi.text.normalize import fold
from huunghi.text.query import Document

LABELS = {
    "vi": {
        "subject": "Bản tin Huunghi {date}: {n} tin mới",
        "empty_subject": "Bản tin Huunghi {date}: không có tin mới",
        "intro": "Tin mới từ {start} đến {end} (giờ Hà Nội)",
        "corrections": "Bài được đính chính",
        "other": "Khác",
        "all": "Tất cả",
        "footer": "{articles} bài · {stories} sự kiện · {sources} nguồn",
        "broken": "Nguồn đang lỗi",
        "recovered": "Nguồn {source} đã hoạt động lại",
        "nothing": "Không có tin mới trong kỳ này.",
        "read": "Đọc bài",
        "unsubscribe": "Hủy nhận bản tin",
    },
    "en": {
        "subject": "Huunghi digest {date}: {n} new stories",
        "empty_subject": "Huunghi digest {date}: nothing new",
        "intro": "New from {start} to {end} (Hanoi time)",
        "corrections": "Corrected articles",
        "other": "Other",
        "all": "All",
        "footer": "{articles} articles · {stories} stories · {sources} sources",
        "broken": "Sources failing",
        "recovered": "Source {source} is working again",
        "nothing": "Nothing new in this period.",
        "read": "Read",
        "unsubscribe": "Unsubscribe",
    },
}


def clean(text: str | None) -> str:
    """Portal text as plain text: no markup of any kind survives (nh3), whitespace tidied."""
    return " ".join(nh3.clean(text or "", tags=set(), attributes={}).split())


def safe_url(url: str | None) -> str:
    return url if url and urlsplit(url).scheme in ("http", "https") else ""


def excerpt(article: ArticleSummary, limit: int = 320) -> str:
    """Two or three sentences: the lead, or the start of the body."""
    text = clean(article.lead or article.body_text.split("\n\n")[0])
    out = ""
    for sentence in re.split(r"(?<=[.!?…])\s+", text)[:3]:
        if out and len(out) + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
    return out if len(out) <= limit + 40 else out[:limit].rsplit(" ", 1)[0] + "…"


def last_due(digest: DigestConfig, now: datetime) -> datetime:
    """The latest scheduled time at or before ``now`` (Asia/Ho_Chi_Minh wall clock)."""
    hh, mm = (int(x) for x in digest.time.split(":"))
    local = now.astimezone(VN)
    due = local.replace(hour=hh, minute=mm, second=0, microsecond=0)
    if digest.schedule == "weekly":
        due -= timedelta(days=(local.weekday() - WEEKDAYS.index(digest.day.lower())) % 7)
        if due > local:
            due -= timedelta(days=7)
    elif due > local:
        due -= timedelta(days=1)
    return due.astimezone(UTC)


def period(digest: DigestConfig) -> timedelta:
    return timedelta(days=7 if digest.schedule == "weekly" else 1)


@dataclass
class Entry:
    story_id: int
    title: str
    url: str
    when: datetime | None
    excerpt: str
    sources: list[str]


@dataclass
class Correction:
    title: str
    url: str
    source: str
    gist: str  # one line per change, for the text part
    changes: list[dict[str, str]] = field(default_factory=list)  # the same, for <del>/<ins> in HTML


@dataclass
class Content:
    name: str
    language: str
    start: datetime | None
    end: datetime
    groups: dict[str, dict[str, list[Entry]]] = field(default_factory=dict)
    corrections: list[Correction] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)  # broken before, working again in the period
    articles: int = 0
    sources: set[str] = field(default_factory=set)

    @property
    def stories(self) -> list[int]:
        return [e.story_id for places in self.groups.values() for entries in places.values() for e in entries]

    @property
    def empty(self) -> bool:
        return not self.stories and not self.corrections


def build(
    archive: Archive,
    config: Config,
    digest: DigestConfig,
    from_event: int,
    to_event: int,
    now: datetime,
    again: bool = False,
) -> Content:
    """What a digest says about the events (from_event, to_event]; ``again``: stories an earlier
    digest carried too (a preview of a period the person chose shows all of it)."""
    words = LABELS[digest.language]
    topics = topics_of(config)
    chosen = [topics[t] for t in digest.topics]
    carried = set() if again else archive.outbox.digests.story_ids(digest.name)
    info = SourceInfo(archive, config)
    titles = {name: title for name, title in info.titles.items() if title}
    events = [e for e in archive.events.after(after_id=from_event, limit=1_000_000) if e.id <= to_event]
    content = Content(digest.name, digest.language, events[0].created_at if events else None, now)
    groups: dict[str, dict[str, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    seen_stories: set[int] = set()
    corrected: dict[int, Correction] = {}
    recovered: list[str] = []
    for event in events:
        if event.kind == "source_recovered" and event.source:
            recovered.append(event.source)
            continue
        if event.kind == "source_broken":
            continue  # the footer says which sources are broken now (below), as `huunghi status` does
        if event.kind not in ("new", "changed") or not event.article_id:
            continue
        article = archive.reads.article(event.article_id)
        if article is None or (digest.sources and article.source not in digest.sources):
            continue
        doc = Document(article.title, article.lead, article.body_text)
        tags = set(archive.reads.tags(article.id))
        topic = (
            next((t.name for t in chosen if t.matches(doc, article.source, tags)), None)
            if chosen
            else words["all"]
        )
        if topic is None:
            continue
        if event.kind == "changed":
            diff = event.data.get("diff", [])[:3]
            changes = [{k: clean(str(v))[:200] for k, v in d.items()} for d in diff]
            corrected[article.id] = Correction(
                clean(article.title),
                safe_url(article.url),
                titles.get(article.source, article.source),
                clean(render_diff(diff, width=220)),
                changes,
            )
            continue
        story = article.story_id or -article.id
        if story in carried or story in seen_stories:
            continue
        seen_stories.add(story)
        members = archive.stories.story_of(article.id) or [article]
        content.articles += len(members)
        content.sources |= {m.source for m in members}
        first = min(members, key=lambda m: m.published_at or m.first_seen)
        place = (
            main_place(
                first,
                members,
                {m.id: archive.reads.tags(m.id) for m in members},
                {m.id: main_places_of(archive, m) for m in members},
            )
            or words["other"]
        )
        groups[topic][place].append(
            Entry(
                story,
                clean(first.title),
                safe_url(first.url),
                first.published_at,
                excerpt(first),
                list(dict.fromkeys(titles.get(m.source, m.source) for m in members)),
            )
        )
    for topic in [t.name for t in chosen] if chosen else [words["all"]]:
        if topic in groups:
            places = groups[topic]
            content.groups[topic] = {
                p: sorted(places[p], key=lambda e: e.when or now, reverse=True)
                for p in sorted(places, key=lambda p: (p == words["other"], sort_key(p)))
            }
    content.corrections = list(corrected.values())
    verdicts = archive.crawls.source_health(now)
    content.broken = [
        f"{info.label(name)}: {describe(h['code'], h['params'], digest.language)}"
        for name, h in verdicts.items()
        if h["health"] == "broken"
    ]
    content.broken = sorted_vi(content.broken)
    working = {name for name in recovered if verdicts.get(name, {}).get("health") != "broken"}
    content.recovered = [
        words["recovered"].format(source=label) for label in sorted_vi(info.label(n) for n in working)
    ]
    return content


def main_place(
    first: ArticleSummary,
    members: list[ArticleSummary],
    tags: dict[int, list[tuple[str, str]]],
    mains: dict[int, list[str]] | None = None,
) -> str | None:
    """The place a story goes under: its main province (``places.main_places_of``: named in a
    title or lead, not in passing), the one most of its articles have as main; with none, the
    province (else the country) it mentions: the one its titles name most, then the one most of
    its articles name. A tie goes to the one named first in the leading article."""
    lead_text = fold(f"{first.title} {first.lead} {first.body_text[:2000]}")

    def position(place: str) -> int:
        at = lead_text.find(fold(place))
        return at if at >= 0 else len(lead_text) + 1

    main: Counter[str] = Counter(v for m in members for v in set((mains or {}).get(m.id, [])))
    if main:
        return min(main, key=lambda p: (-main[p], position(p), sort_key(p)))
    for kind in ("province", "country"):
        score: Counter[str] = Counter()
        for m in members:
            in_title = {v for k, v in find_tags(m.title) if k == kind}
            for k, v in set(tags.get(m.id, [])):
                if k == kind:
                    score[v] += 1 + 3 * (v in in_title)
        if score:
            return min(score, key=lambda p: (-score[p], position(p), sort_key(p)))
    return None


_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def _when(value: datetime | None) -> str:
    """The one date format people read (clock.DISPLAY: 16/01/2026 10:08), as the page and alerts."""
    return value.astimezone(VN).strftime(DISPLAY) if value else ""


BUILTIN_TITLES = {
    "friendship-union": {
        "vi": "Hữu nghị và đối ngoại nhân dân",
        "en": "Friendship and people-to-people diplomacy",
    }
}


def render(config: Config, digest: DigestConfig, content: Content, due_at: datetime) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a digest."""
    words = LABELS[digest.language]
    date = due_at.astimezone(VN).strftime("%d/%m/%Y")
    n = len(content.stories)
    subject = (words["subject"] if not content.empty else words["empty_subject"]).format(date=date, n=n)
    sender = parseaddr(config.mail.sender)[1] or "huunghi@localhost"
    unsubscribe = f"mailto:{sender}?subject={quote('unsubscribe ' + digest.name)}"
    # a topic without a title is headed by the places or partners it filters on, before its slug
    titles = {
        t.name: t.title or ", ".join(tag.split(":", 1)[1].strip() for tag in t.tags) for t in config.topics
    }

    def topic_title(name: str) -> str:
        return titles.get(name) or BUILTIN_TITLES.get(name, {}).get(digest.language) or name

    ctx = dict(
        c=content,
        w=words,
        when=_when,
        subject=subject,
        unsubscribe=unsubscribe,
        topic_title=topic_title,
        start=_when(content.start) or "—",
        end=_when(content.end),
    )
    return (
        subject,
        _ENV.get_template("digest.txt").render(**ctx),
        _ENV.get_template("digest.html").render(**ctx),
    )


def compose(config: Config, digest: DigestConfig, content: Content, due_at: datetime) -> EmailMessage:
    subject, text, html = render(config, digest, content, due_at)
    sender = parseaddr(config.mail.sender)[1] or "huunghi@localhost"
    msg = new_message(
        config,
        subject,
        digest.email,
        f"digest-{digest.name}-{int(due_at.timestamp())}",
        List_Unsubscribe=f"<mailto:{sender}?subject={quote('unsubscribe ' + digest.name)}>",
        X_Huunghi_Digest=digest.name,
    )
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


@dataclass
class DigestReport:
    composed: list[str] = field(default_factory=list)
    skipped_empty: list[str] = field(default_factory=list)
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def compose_due(archive: Archive, config: Config, now: datetime, report: DigestReport) -> None:
    for digest in config.digests:
        due = last_due(digest, now)
        last = archive.outbox.digests.last(digest.name)
        if last is not None and last[0] >= due:
            continue  # this period's digest exists already (here or in another daemon)
        if last is not None:
            from_event = last[1]
        else:
            earlier = archive.events.after(since=due - period(digest), limit=1)
            from_event = earlier[0].id - 1 if earlier else archive.events.max_id()
        to_event = archive.events.max_id()
        content = build(archive, config, digest, from_event, to_event, now)
        if content.empty and not digest.send_empty:
            if archive.outbox.digests.plan(
                digest.name, due, from_event, to_event, "", b"", [], status="skipped"
            ):
                report.skipped_empty.append(digest.name)
            continue
        msg = compose(config, digest, content, due)
        if archive.outbox.digests.plan(
            digest.name,
            due,
            from_event,
            to_event,
            str(msg["Subject"]),
            bytes(msg),
            [s for s in content.stories if s > 0],
        ):
            report.composed.append(digest.name)


def send_due(archive: Archive, config: Config, now: datetime | None = None) -> DigestReport:
    """Compose the digests whose time has come, then send every composed digest that is due."""
    now = now or datetime.now(UTC)
    report = DigestReport()
    compose_due(archive, config, now, report)
    for digest_id, name, message, _attempts in archive.outbox.digests.claim(now):
        try:
            deliver(config, message, f"digest-{name}-{digest_id:06d}.eml")
        except Exception as exc:  # recorded on the digest; retried later
            error = f"{type(exc).__name__}: {exc}"
            report.errors.append(f"{name} #{digest_id}: {error}")
            if archive.outbox.digests.failed(digest_id, error, now):  # storage.outbox.RETRY
                report.failed += 1
            else:
                report.retrying += 1
            continue
        archive.outbox.digests.sent(digest_id)
        report.sent += 1
    return report


def preview(
    archive: Archive, config: Config, name: str, since: datetime | None, now: datetime
) -> tuple[str, Any]:
    """The HTML a digest would have now, without recording anything."""
    digest = next(d for d in config.digests if d.name == name)
    if since is not None:
        earlier = archive.events.after(since=since, limit=1)
        from_event = earlier[0].id - 1 if earlier else archive.events.max_id()
    else:
        last = archive.outbox.digests.last(name)
        from_event = last[1] if last else 0
    content = build(
        archive, config, digest, from_event, archive.events.max_id(), now, again=since is not None
    )
    return render(config, digest, content, now)[2], content
