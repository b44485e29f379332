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

import hashlib
import hmac
import asyncio
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

import httpx
from jinja2 import DictLoader, Environment, select_autoescape

from huunghi.config import Config, SubscriptionConfig
from huunghi.fetchpolicy import check
from huunghi.storage.archive import Archive, DeliveryRecord
from huunghi.text.diff import render as render_diff
from huunghi.text.query import Document, Node, matches, parse_query

from huunghi.monitor.mail import deliver, new_message

CURSOR = "alerts.planned_through_event"
MAX_ATTEMPTS = 8
WEBHOOK_TIMEOUT_S = 10.0
WEBHOOK_DEADLINE_S = 30.0  # the whole delivery, however slowly the receiver drips its answer
PASS_BUDGET_S = 60.0       # a sending pass hands back what it has not reached by then
# a row still "sending" this long after its claim belongs to a pass that died (kill -9)
STALE_AFTER_S = int(PASS_BUDGET_S + WEBHOOK_DEADLINE_S + 30)
SUBJECTS = {"new": "Bài mới", "changed": "Đính chính", "removed": "Bài bị gỡ", "source_broken": "Nguồn lỗi"}


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


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
    return {t.name: Topic(t.name, parse_query(t.query), set(t.sources),
                          {tuple(x.split(":", 1)) for x in t.tags})  # type: ignore[misc]
            for t in config.topic_rules().values()}


def channels(sub: SubscriptionConfig) -> list[str]:
    return (["email"] if sub.email else []) + (["webhook"] if sub.webhook else [])


@dataclass
class PlanReport:
    events: int = 0
    planned: int = 0
    by_subscription: Counter[str] = field(default_factory=Counter)


def plan(archive: Archive, config: Config, batch: int = 500) -> PlanReport:
    """Create the deliveries for every event after the cursor; then move the cursor."""
    topics = topics_of(config)
    report = PlanReport()
    cursor = int(archive.get_state(CURSOR, "0") or 0)
    while True:
        events = archive.events(after_id=cursor, limit=batch)
        if not events:
            break
        for event in events:
            report.events += 1
            article = archive.article(event.article_id) if event.article_id else None
            doc = Document(article.title, article.lead, article.body_text) if article else None
            tags = set(archive.tags(article.id)) if article else set()
            for sub in config.subscriptions:
                if event.kind not in sub.events or (sub.sources and event.source not in sub.sources):
                    continue
                if sub.topics and event.kind != "source_broken":
                    if doc is None or not any(topics[t].matches(doc, event.source, tags) for t in sub.topics):
                        continue
                for channel in channels(sub):
                    if archive.add_delivery(event.id, sub.name, channel):
                        report.planned += 1
                        report.by_subscription[sub.name] += 1
            cursor = event.id
        archive.set_state(CURSOR, str(cursor))
    return report


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


def send_due(archive: Archive, config: Config, now: datetime | None = None) -> SendReport:
    now = now or datetime.now(timezone.utc)
    subs = {s.name: s for s in config.subscriptions}
    report = SendReport()
    dead: set[str] = set()  # endpoints that failed in this pass
    started = time.monotonic()
    for d in archive.claim_deliveries(now, stale_after_s=STALE_AFTER_S):
        if time.monotonic() - started > PASS_BUDGET_S:  # back to pending, for the next pass
            archive.finish_delivery(d.id, False, "", now, count_attempt=False)
            report.deferred += 1
            continue
        sub = subs.get(d.subscription)
        if sub is None:
            archive.finish_delivery(d.id, False, f"subscription {d.subscription!r} no longer configured")
            report.failed += 1
            continue
        target = sub.webhook if d.channel == "webhook" else f"smtp:{config.mail.smtp_host}"
        if target in dead:
            archive.finish_delivery(d.id, False, "endpoint failed earlier in this pass", now + backoff(1),
                                    count_attempt=False)
            report.deferred += 1
            continue
        try:
            article = archive.article(d.article_id) if d.article_id else None
            if d.channel == "email":
                send_email(config, sub, d, article)
            else:
                send_webhook(sub, d, article, config.crawler.allow_private)
        except Exception as exc:  # any failure of one delivery is recorded on it, never raised
            error = f"{type(exc).__name__}: {exc}"
            report.errors.append(f"{d.subscription}/{d.channel} #{d.id}: {error}")
            if d.attempts + 1 >= MAX_ATTEMPTS:
                archive.finish_delivery(d.id, False, error)
                report.failed += 1
            else:
                archive.finish_delivery(d.id, False, error, now + backoff(d.attempts + 1))
                report.retrying += 1
            dead.add(target)
            continue
        archive.finish_delivery(d.id, True)
        report.sent += 1
    return report


def payload(d: DeliveryRecord, article: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"delivery": d.id, "event": d.event_id, "kind": d.kind, "subscription": d.subscription,
                            **{k: v for k, v in d.data.items() if k != "diff"}}
    if d.kind == "changed":
        body["diff"] = d.data.get("diff", [])
    if article is not None:
        body.update(source=article.source, title=article.title, lead=article.lead, url=article.url,
                    story_id=article.story_id)
    return body


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(sub: SubscriptionConfig, d: DeliveryRecord, article: Any, allow_private: bool = False,
                 deadline_s: float = WEBHOOK_DEADLINE_S) -> None:
    """POST one delivery; the fetch policy applies, and the whole exchange has ``deadline_s``.

    httpx's own timeout is per read, so a receiver dripping one byte at a time would hold the
    pass for ever; an asyncio deadline cancels it at any point. A receiver that timed out after
    processing gets the same delivery again (same X-Huunghi-Delivery id: deduplicate on it).
    """
    check(sub.webhook, allow_private=sub.allow_private or allow_private, resolve=True)
    body = json.dumps(payload(d, article), ensure_ascii=False, default=str).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Huunghi-Event": d.kind,
               "X-Huunghi-Delivery": str(d.id), "User-Agent": "Huunghi-alerts/0.1"}
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
    except (asyncio.TimeoutError, TimeoutError):
        raise TimeoutError(f"no complete answer from {sub.webhook} within {deadline_s:.0f} s") from None
    if not 200 <= status < 300:
        raise RuntimeError(f"HTTP {status} from {sub.webhook}")


_ENV = Environment(loader=DictLoader({
    "alert.txt": """{{ subject }}
{% if article %}
{{ article.title }}
{{ article.source }} · {{ published }}
{{ article.url }}

{{ article.lead }}
{% endif %}{% if diff %}
Thay đổi / Changes:
{{ diff }}
{% endif %}{% if reason %}
{{ reason }}
{% endif %}
— Huunghi ({{ subscription }})
""",
    "alert.html": """<!doctype html><html lang="vi"><body style="margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;max-width:640px">
<p style="font-size:12px;color:#666;margin:0 0 8px">{{ label }}</p>
{% if article %}<h1 style="font-size:20px;line-height:1.3;margin:0 0 6px"><a href="{{ article.url }}" style="color:#0b4f8a;text-decoration:none">{{ article.title }}</a></h1>
<p style="font-size:13px;color:#555;margin:0 0 12px">{{ article.source }} · {{ published }}</p>
<p style="font-size:15px;line-height:1.5;margin:0 0 12px">{{ article.lead }}</p>{% endif %}
{% if changes %}<table style="border-collapse:collapse;font-size:14px;margin:0 0 12px">{% for c in changes %}
<tr><td style="padding:4px 8px;color:#666;vertical-align:top">{{ c.field }}</td><td style="padding:4px 8px">…{{ c.before }} {% if c.old %}<del style="background:#fde2e2">{{ c.old }}</del>{% endif %} {% if c.new %}<ins style="background:#dcf5dc;text-decoration:none">{{ c.new }}</ins>{% endif %} {{ c.after }}…</td></tr>{% endfor %}
</table>{% endif %}
{% if reason %}<p style="font-size:14px;color:#8a1f11">{{ reason }}</p>{% endif %}
<p style="font-size:12px;color:#888;margin-top:20px">Huunghi · {{ subscription }}</p>
</body></html>"""}), autoescape=select_autoescape(["html"]))


def compose(config: Config, sub: SubscriptionConfig, d: DeliveryRecord, article: Any) -> EmailMessage:
    label = SUBJECTS.get(d.kind, d.kind)
    title = article.title if article else d.data.get("title") or d.data.get("reason", "")
    subject = f"[Huunghi] {label}: {title}"[:200]
    published = ""
    if article is not None and article.published_at:
        published = article.published_at.astimezone(timezone(timedelta(hours=7))).strftime("%H:%M %d/%m/%Y GMT+7")
    diff = d.data.get("diff", []) if d.kind == "changed" else []
    context = dict(subject=subject, label=label, article=article, published=published, diff=render_diff(diff),
                   changes=diff, reason=d.data.get("reason", ""), subscription=sub.name)
    msg = new_message(config, subject, sub.email, f"delivery-{d.id}", X_Huunghi_Delivery=str(d.id),
                      X_Huunghi_Event=d.kind)
    msg.set_content(_ENV.get_template("alert.txt").render(**context))
    msg.add_alternative(_ENV.get_template("alert.html").render(**context), subtype="html")
    return msg


def send_email(config: Config, sub: SubscriptionConfig, d: DeliveryRecord, article: Any) -> None:
    deliver(config, compose(config, sub, d, article), f"alert-{d.id:08d}.eml")
