"""Change alerts: events → the subscriptions whose rules they match → e-mail and webhooks, once.

Planning and sending are separate steps with the database between them:
- ``plan`` walks the events after a stored cursor and inserts one delivery row per (event,
  subscription, channel); a unique key makes a second planning of the same event a no-op, so
  restarts and two daemons never plan twice.
- ``send_due`` claims due deliveries with a compare-and-set (pending → sending), sends each,
  and marks it sent, or schedules a retry with backoff, or gives up after MAX_ATTEMPTS.
  A dead webhook endpoint fails once per pass and its other deliveries wait for the next
  pass, so it never holds up anyone else.
The one window left is a crash between a successful send and its "sent" mark: that delivery
is sent again after STALE_AFTER_S. Every message carries the delivery id (Message-ID,
X-Huunghi-Delivery) so a receiver can drop such a repeat.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from jinja2 import Environment, FileSystemLoader, select_autoescape

from huunghi.clock import HANOI
from huunghi.config import Config, SubscriptionConfig
from huunghi.fetchpolicy import check
from huunghi.monitor.mail import deliver, new_message
from huunghi.storage.archive import Archive, DeliveryRecord
from huunghi.storage.events import SOURCE_KINDS
from huunghi.storage.health import describe
from huunghi.storage.outbox import RETRY
from huunghi.text.diff import render as render_diff
from huunghi.text.query import Document, Node, matches, parse_query

CURSOR = "alerts.planned_through_event"
MAX_ATTEMPTS = RETRY.max_attempts  # one retry policy for alerts and digests (storage.outbox)
WEBHOOK_TIMEOUT_S = 10.0
WEBHOOK_DEADLINE_S = 30.0  # the whole delivery, however slowly the receiver drips its answer
PASS_BUDGET_S = 60.0  # a sending pass hands back what it has not reached by then
# a row still "sending" this long after its claim belongs to a pass that died (kill -9)
STALE_AFTER_S = int(PASS_BUDGET_S + WEBHOOK_DEADLINE_S + 30)
TEMPLATES = Path(__file__).parent / "templates"  # mail templates (Jinja2, HTML autoescaped), beside the web's


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour (storage.outbox.RETRY)."""
    return RETRY.backoff(attempts)


@dataclass
class Topic:
    name: str
    query: Node
    sources: set[str]
    tags: set[tuple[str, str]]

    def matches(self, doc: Document, source: str, tags: set[tuple[str, str]]) -> bool:
        if self.sources and source not in self.sources:
            return False
        if self.tags and not self.tags & tags:
            return False
        return matches(self.query, doc)


def topics_of(config: Config) -> dict[str, Topic]:
    """The configured topics, plus the built-in "friendship-union" one unless redefined."""
    return {
        t.name: Topic(t.name, parse_query(t.query), set(t.sources), {tuple(x.split(":", 1)) for x in t.tags})  # type: ignore[misc]
        for t in config.topic_rules().values()
    }


def notify_channel(url: str) -> str:
    """The delivery channel of one Apprise URL: stable while the URL stays in the subscription."""
    return "apprise:" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]


def channels(sub: SubscriptionConfig) -> list[str]:
    return (
        (["email"] if sub.email else [])
        + (["webhook"] if sub.webhook else [])
        + [notify_channel(u) for u in sub.notify]
    )


def notify_url(sub: SubscriptionConfig, channel: str) -> str | None:
    return next((u for u in sub.notify if notify_channel(u) == channel), None)


@dataclass
class PlanReport:
    events: int = 0
    planned: int = 0
    by_subscription: Counter[str] = field(default_factory=Counter)


def plan(archive: Archive, config: Config, batch: int = 500) -> PlanReport:
    """Create the deliveries for every event after the cursor; then move the cursor."""
    topics = topics_of(config)
    report = PlanReport()
    cursor = int(archive.crawls.get_state(CURSOR, "0") or 0)
    while True:
        with archive.unit() as uow:  # one transaction a batch: its deliveries and the cursor, or nothing
            events = uow.events.after(after_id=cursor, limit=batch)
            if not events:
                break
            for event in events:
                report.events += 1
                article = uow.reads.article(event.article_id) if event.article_id else None
                doc = Document(article.title, article.lead, article.body_text) if article else None
                tags = set(uow.reads.tags(article.id)) if article else set()
                for sub in config.subscriptions:
                    if event.kind not in sub.events or (sub.sources and event.source not in sub.sources):
                        continue
                    if sub.topics and event.kind not in SOURCE_KINDS:
                        if doc is None or not any(
                            topics[t].matches(doc, event.source, tags) for t in sub.topics
                        ):
                            continue
                    for channel in channels(sub):
                        if uow.outbox.deliveries.plan(event.id, sub.name, channel):
                            report.planned += 1
                            report.by_subscription[sub.name] += 1
                cursor = event.id
            uow.crawls.set_state(CURSOR, str(cursor))
    return report


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0
    held: int = 0  # quiet hours, or a batch still gathering: sent later, not failed
    messages: int = 0  # mails and notifications that left (a batch is one)
    errors: list[str] = field(default_factory=list)


def human(channel: str) -> bool:
    """Mail and notifications reach a person: quiet hours and batching apply to them, not to webhooks."""
    return channel == "email" or channel.startswith("apprise:")


def quiet_until(sub: SubscriptionConfig, now: datetime) -> datetime | None:
    """The end of the subscription's quiet hours when ``now`` is inside them (Hanoi clock)."""
    if not sub.quiet_hours:
        return None
    (h1, m1), (h2, m2) = ((int(x) for x in part.split(":")) for part in sub.quiet_hours.split("-"))
    local = now.astimezone(HANOI)
    minute = local.hour * 60 + local.minute
    start, stop = h1 * 60 + m1, h2 * 60 + m2
    inside = start <= minute < stop if start <= stop else (minute >= start or minute < stop)
    if not inside:
        return None
    end = local.replace(hour=h2, minute=m2, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


def send_due(archive: Archive, config: Config, now: datetime | None = None) -> SendReport:
    """Send what is due: per (subscription, channel), one message per delivery ("each") or one
    for all of them ("batched"); quiet hours and gathering batches put deliveries back, uncounted."""
    now = now or datetime.now(UTC)
    subs = {s.name: s for s in config.subscriptions}
    report = SendReport()
    dead: set[str] = set()  # endpoints that failed in this pass
    groups: dict[tuple[str, str], list[DeliveryRecord]] = {}
    for d in archive.outbox.deliveries.claim(now, stale_after_s=STALE_AFTER_S):
        groups.setdefault((d.subscription, d.channel), []).append(d)
    info = SourceInfo(archive, config)
    started = time.monotonic()
    for (name, channel), batch in groups.items():
        if time.monotonic() - started > PASS_BUDGET_S:  # back to pending, for the next pass
            for d in batch:
                archive.outbox.deliveries.defer(d.id, "", now)
            report.deferred += len(batch)
            continue
        sub = subs.get(name)
        if sub is None or (channel.startswith("apprise:") and notify_url(sub, channel) is None):
            for d in batch:
                archive.outbox.deliveries.give_up(
                    d.id,
                    f"đăng ký {name!r} hoặc kênh của nó không còn trong cấu hình "
                    "(subscription or its channel is no longer configured)",
                )
                report.failed += 1
            continue
        later = quiet_until(sub, now) if human(channel) else None
        if later is None and human(channel) and sub.mode == "batched" and sub.batch_minutes:
            oldest = min(d.created_at or now for d in batch)
            ready = oldest + timedelta(minutes=sub.batch_minutes)
            later = ready if ready > now else None
        if later is not None:
            for d in batch:
                archive.outbox.deliveries.defer(d.id, "", later)
            report.held += len(batch)
            continue
        together = human(channel) and sub.mode == "batched"
        for part in [batch] if together else [[d] for d in batch]:
            target = {"email": f"smtp:{config.mail.smtp_host}", "webhook": sub.webhook}.get(channel, channel)
            if target in dead:
                for d in part:
                    archive.outbox.deliveries.defer(
                        d.id,
                        "nơi nhận đã lỗi trước đó trong lượt này (endpoint failed earlier in this pass)",
                        now + backoff(1),
                    )
                report.deferred += len(part)
                continue
            try:
                items = [info.item(sub, d) for d in part]
                if channel == "email":
                    deliver(config, compose_items(config, sub, items), f"alert-{part[0].id:08d}.eml")
                elif channel == "webhook":
                    d, item = part[0], items[0]
                    d.data = {**d.data, **item["payload"]}  # the source named in the payload
                    send_webhook(sub, d, item["record"], config.crawler.allow_private)
                else:
                    send_notification(str(notify_url(sub, channel)), *render(config, sub, items)[:2])
            except Exception as exc:  # any failure is recorded on its deliveries, never raised
                error = f"{type(exc).__name__}: {exc}"
                report.errors.append(f"{name}/{channel} #{part[0].id}: {error}")
                for d in part:
                    if archive.outbox.deliveries.failed(d.id, error, now):  # RETRY.max_attempts reached
                        report.failed += 1
                    else:
                        report.retrying += 1
                dead.add(target)
                continue
            for d in part:
                archive.outbox.deliveries.sent(d.id)
            report.sent += len(part)
            report.messages += 1
    return report


def payload(d: DeliveryRecord, article: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "delivery": d.id,
        "event": d.event_id,
        "kind": d.kind,
        "subscription": d.subscription,
        **{k: v for k, v in d.data.items() if k != "diff"},
    }
    if d.kind == "changed":
        body["diff"] = d.data.get("diff", [])
    if article is not None:
        body.update(
            source=article.source,
            title=article.title,
            lead=article.lead,
            url=article.url,
            story_id=article.story_id,
        )
    return body


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(
    sub: SubscriptionConfig,
    d: DeliveryRecord,
    article: Any,
    allow_private: bool = False,
    deadline_s: float = WEBHOOK_DEADLINE_S,
) -> None:
    """POST one delivery; the fetch policy applies, and the whole exchange has ``deadline_s``.

    httpx's own timeout is per read, so a receiver dripping one byte at a time would hold the
    pass for ever; an asyncio deadline cancels it at any point. A receiver that timed out after
    processing gets the same delivery again (same X-Huunghi-Delivery id: deduplicate on it).
    """
    check(sub.webhook, allow_private=sub.allow_private or allow_private, resolve=True)
    body = json.dumps(payload(d, article), ensure_ascii=False, default=str).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Huunghi-Event": d.kind,
        "X-Huunghi-Delivery": str(d.id),
        "User-Agent": "Huunghi-alerts/0.1",
    }
    secret = os.environ.get(sub.secret_env, "") if sub.secret_env else ""
    if secret:
        headers["X-Huunghi-Signature"] = sign(secret, body)

    async def post() -> int:
        async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_S, follow_redirects=False) as client:
            async with client.stream("POST", sub.webhook, content=body, headers=headers) as response:
                async for _ in response.aiter_raw(65536):  # read (and bound) the answer
                    pass
                return response.status_code

    async def bounded() -> int:
        return await asyncio.wait_for(post(), deadline_s)

    try:
        status = asyncio.run(bounded())
    except TimeoutError:
        raise TimeoutError(
            f"{sub.webhook} không trả lời trọn trong {deadline_s:.0f} giây (no complete answer)"
        ) from None
    if not 200 <= status < 300:
        raise RuntimeError(f"HTTP {status} từ (from) {sub.webhook}")


WORDS = {
    "vi": {
        "new": "Bài mới",
        "changed": "Đính chính",
        "removed": "Bài bị gỡ",
        "source_broken": "Nguồn lỗi",
        "source_recovered": "Nguồn hoạt động lại",
        "recovered": "Nguồn {source} đã hoạt động lại",
        "batch": "{n} thông báo",
        "more": "và {n} tin khác",
        "source": "Nguồn",
        "portal": "Xem trên trang báo",
        "huunghi": "Xem trong Huunghi (sự kiện, các phiên bản)",
        "failing": "Địa chỉ lỗi",
        "changes": "Thay đổi",
        "homepage": "Trang nguồn",
        "removed_reason": "Lý do",
    },
    "en": {
        "new": "New article",
        "changed": "Correction",
        "removed": "Article removed",
        "source_broken": "Source broken",
        "source_recovered": "Source working again",
        "recovered": "Source {source} is working again",
        "batch": "{n} alerts",
        "more": "and {n} more",
        "source": "Source",
        "portal": "Read on the portal",
        "huunghi": "Open in Huunghi (story, history)",
        "failing": "Failing URL",
        "changes": "Changes",
        "homepage": "Source home page",
        "removed_reason": "Reason",
    },
}
_ENV = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


class SourceInfo:
    """What an alert says about sources and links: the configured title and name, the home
    page, and Huunghi's own page of an article (``[web] base_url``)."""

    def __init__(self, archive: Archive, config: Config) -> None:
        self.archive, self.config = archive, config
        stored = {s.name: s for s in archive.reads.sources_overview()}
        self.titles = {n: s.title for n, s in stored.items() if s.title}
        self.homepages = {n: s.homepage for n, s in stored.items() if s.homepage}
        for src in config.sources:
            self.titles[src.name] = src.title or self.titles.get(src.name, "")
            self.homepages[src.name] = src.homepage or self.homepages.get(src.name, "")

    def label(self, name: str) -> str:
        """ "Thời Đại (thoidai)": the title people know, and the name to use on the command line."""
        title = self.titles.get(name, "")
        return f"{title} ({name})" if title and title != name else name

    def item(self, sub: SubscriptionConfig, d: DeliveryRecord) -> dict[str, Any]:
        words = WORDS[sub.language]
        article = self.archive.reads.article(d.article_id) if d.article_id else None
        source = article.source if article else d.source
        base = self.config.web.base_url.rstrip("/")
        huunghi_url = f"{base}/articles/{article.id}" if base and article else ""
        reason = ""
        if d.kind == "source_broken":
            reason = (
                describe(d.data["code"], d.data.get("params", {}), sub.language)
                if d.data.get("code")
                else str(d.data.get("reason", ""))
            )
        elif d.kind == "source_recovered":
            reason = words["recovered"].format(source=self.label(source))
        elif d.kind == "removed":
            reason = str(d.data.get("reason", ""))
        published = ""
        if article is not None and article.published_at:
            published = article.published_at.astimezone(HANOI).strftime("%d/%m/%Y %H:%M")
        diff = d.data.get("diff", []) if d.kind == "changed" else []
        url = article.url if article else str(d.data.get("url") or self.homepages.get(source, ""))
        url = url if urlsplit(url).scheme in ("http", "https") else ""  # never a javascript: link in a mail
        title = (
            article.title
            if article
            else (self.label(source) if d.kind in SOURCE_KINDS else str(d.data.get("title", "")))
        )
        return {
            "id": d.id,
            "kind": d.kind,
            "label": words.get(d.kind, d.kind),
            "title": title,
            "url": url,
            "source": self.label(source),
            "source_name": source,
            "homepage": self.homepages.get(source, ""),
            "huunghi_url": huunghi_url,
            "published": published,
            "lead": article.lead if article else "",
            "reason": reason,
            "diff": render_diff(diff),
            "changes": diff,
            "record": article,
            "story": (article.story_id or -article.id) if article else f"source:{source}",
            "payload": {
                "source": source,
                "source_title": self.titles.get(source, ""),
                "source_label": self.label(source),
                "source_url": self.homepages.get(source, ""),
                "huunghi_url": huunghi_url,
                "url": url,
                **({"reason": reason, "reason_code": d.data.get("code", "")} if reason else {}),
            },
        }


def render(config: Config, sub: SubscriptionConfig, items: list[dict[str, Any]]) -> tuple[str, str, str]:
    """(subject, text, HTML) of one alert message: one item, or a batch grouped by story."""
    words = WORDS[sub.language]
    first = items[0]
    if len(items) == 1:
        subject = f"[Huunghi] {first['label']}: {first['title']}"
        if first["kind"] == "source_broken" and first["reason"]:
            subject += f" — {first['reason']}"
    else:
        subject = (
            f"[Huunghi] {words['batch'].format(n=len(items))}: {first['title']} "
            f"{words['more'].format(n=len(items) - 1)}"
        )
    groups: dict[Any, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(item["story"], []).append(item)
    ctx = dict(
        subject=subject[:200],
        groups=list(groups.values()),
        w=words,
        language=sub.language,
        subscription=sub.name,
    )
    text, html = _ENV.get_template("alert.txt").render(**ctx), _ENV.get_template("alert.html").render(**ctx)
    return subject[:200], text, html


def compose_items(config: Config, sub: SubscriptionConfig, items: list[dict[str, Any]]) -> EmailMessage:
    subject, text, html = render(config, sub, items)
    ids = ",".join(str(i["id"]) for i in items)
    msg = new_message(
        config,
        subject,
        sub.email,
        f"delivery-{items[0]['id']}",
        X_Huunghi_Delivery=ids,
        X_Huunghi_Event=",".join(dict.fromkeys(i["kind"] for i in items)),
    )
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def compose(config: Config, sub: SubscriptionConfig, d: DeliveryRecord, archive: Archive) -> EmailMessage:
    """The mail of one delivery (what "each" mode sends)."""
    return compose_items(config, sub, [SourceInfo(archive, config).item(sub, d)])


def send_notification(url: str, title: str, body: str) -> None:
    """One message through Apprise (Telegram, Slack, ntfy, Matrix, Teams, json://…); raises on failure."""
    import apprise

    box = apprise.Apprise()
    if not box.add(url):
        raise ValueError(
            f"Huunghi không dùng được URL Apprise này (not a usable Apprise URL): {url.split('://')[0]}://…"
        )
    if not box.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT):
        raise RuntimeError(f"thông báo {url.split('://')[0]} không được nhận (notification not accepted)")
