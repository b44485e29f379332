"""Alerts end to end: replicas → crawl → events → a real SMTP server (aiosmtpd) and a real local
webhook receiver, every event delivered exactly once, across failures and restarts."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from huunghi.config import load_config
from huunghi.monitor.alerts import plan, send_due
from huunghi.replicas.server import ReplicaSet
from huunghi.replicas.tomlgen import replica_config
from huunghi.storage.archive import Archive
from huunghi.text.query import Document, parse_query
from tests.fixtures.crawling import crawl
from tests.fixtures.servers import Hooks, Inbox, free_port

SECRET = "s3cret-for-tests"


def write_config(path: Path, replicas: ReplicaSet, db: str, smtp_port: int, hook_url: str) -> Path:
    extra = "\n".join(
        [
            f'[mail]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nstarttls = false\n'
            'sender = "Huunghi <huunghi@test>"\n',
            '[[topics]]\nname = "thanh-hoa"\nquery = \'"thanh hoa" NOT "thoi tiet"\'\n',
            '[[subscriptions]]\nname = "desk"\nemail = ["desk@vufo.test"]\ntopics = ["friendship-union"]\n'
            'events = ["new", "changed", "removed"]\n',
            f'[[subscriptions]]\nname = "hook"\nwebhook = "{hook_url}"\n'
            'secret_env = "HUUNGHI_TEST_HOOK_SECRET"\n'
            'allow_private = true\ntopics = ["thanh-hoa"]\nevents = ["new", "changed", "removed"]\n',
            '[[subscriptions]]\nname = "dead"\nwebhook = "http://127.0.0.1:9/hook"\n'
            'events = ["new"]\nallow_private = true\n',
            '[[subscriptions]]\nname = "ops"\nemail = ["ops@vufo.test"]\nevents = ["source_broken"]\n',
            '[[sources]]\nname = "gone"\nallow_private = true\nhomepage = "http://127.0.0.1:9/"\nfeeds = ["http://127.0.0.1:9/rss"]\n',
        ]
    )
    return replica_config(path, replicas, db, ["thoidai", "baotinh"], extra=extra, retries=0)


def _ids(messages) -> list[str]:
    return [m["X-Huunghi-Delivery"] for m in messages]


def _expected(archive: Archive, query: str, kinds=("new",)) -> set[int]:
    node = parse_query(query)
    from huunghi.text.query import matches

    out = set()
    for e in archive.events.after(limit=10_000):
        if e.kind in kinds and e.article_id:
            a = archive.reads.article(e.article_id)
            if matches(node, Document(a.title, a.lead, a.body_text)):
                out.add(e.id)
    return out


@pytest.mark.e2e
def test_every_event_is_delivered_once_by_email_and_webhook(archive_url, tmp_path, monkeypatch):
    monkeypatch.setenv("HUUNGHI_TEST_HOOK_SECRET", SECRET)
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    hooks = Hooks(fail_first=1)  # the receiver hiccups once: that delivery is retried, not lost
    try:
        with ReplicaSet() as replicas:
            path = write_config(tmp_path / "huunghi.toml", replicas, archive_url, port, hooks.url)
            config = load_config(path)
            crawl(path)
            with Archive(archive_url) as archive:
                planned = plan(archive, config)
                now = datetime.now(UTC)
                report = send_due(archive, config, now)
                assert report.failed == 0
                desk_expected = _expected(
                    archive,
                    '"lien hiep cac to chuc huu nghi" OR "doi ngoai nhan dan" '
                    'OR "hoi huu nghi" OR vufo OR pcpnn OR paccom '
                    'OR "vien tro phi chinh phu" OR "to chuc phi chinh phu nuoc ngoai"',
                )
                hook_expected = _expected(archive, '"thanh hoa" NOT "thoi tiet"')
                assert 0 < len(hook_expected) < len(desk_expected) < 18  # the rules do filter
                weather = [
                    e for e in archive.events.after(limit=100) if "Thời tiết" in e.data.get("title", "")
                ]
                assert weather and all(e.id not in desk_expected for e in weather)
                broken = [e for e in archive.events.after(limit=100) if e.kind == "source_broken"]
                assert len(broken) == 1 and broken[0].source == "gone"
                # the dead endpoint failed once; everyone else was served in the same pass
                dead = [
                    d for d in archive.outbox.deliveries.listing(limit=1000) if d["subscription"] == "dead"
                ]
                assert len(dead) == 18 and all(d["status"] == "pending" for d in dead)
                assert sum(d["attempts"] for d in dead) == 1, (dead[:3], report)
                assert planned.by_subscription["desk"] == len(desk_expected)

            desk = [m for m in inbox.messages if m["To"] == "desk@vufo.test"]
            assert sorted(int(m["X-Huunghi-Event"] == "new") for m in desk) == [1] * len(desk_expected)
            assert len(set(_ids(desk))) == len(desk) == len(desk_expected)
            ops = [m for m in inbox.messages if m["To"] == "ops@vufo.test"]
            assert len(ops) == 1 and "Nguồn lỗi" in ops[0]["Subject"]
            assert all(
                m.is_multipart()
                and {p.get_content_type() for p in m.get_payload()} == {"text/plain", "text/html"}
                for m in desk
            )
            # the receiver's first answer was a 503: its deliveries wait for the next pass, none is lost
            assert hooks.received == []

            # SMTP goes down; an editor corrects seed 000; baotinh withdraws seed 002
            smtp.stop()
            td, bt = replicas.portals["thoidai"], replicas.portals["baotinh"]
            original = td.catalog.by_id(218974)
            head, _sep, tail = original.lead.rpartition("Thanh Hóa")
            td.edits[218974] = dataclasses.replace(original, lead=head + "Đồng Nai" + tail)
            bt.removed[276512] = 410
            crawl(path)
            later = now + timedelta(hours=2)
            with Archive(archive_url) as archive:
                plan(archive, config)
                report = send_due(archive, config, later)
                assert report.retrying >= 1 and report.sent >= 2  # mail waits; the webhooks went out
                waiting = [
                    d
                    for d in archive.outbox.deliveries.listing(status="pending", limit=1000)
                    if d["channel"] == "email"
                ]
                assert {d["event"] for d in waiting} == {"changed", "removed"}
                assert all(d["last_error"] for d in waiting), waiting

            smtp = Controller(inbox, hostname="127.0.0.1", port=port)  # SMTP is back
            smtp.start()
            for hours in (4, 8, 30):  # passes after restarts: a fresh Archive each time
                with Archive(archive_url) as archive:
                    plan(archive, config)
                    send_due(archive, config, now + timedelta(hours=hours))
    finally:
        try:
            smtp.stop()
        except AssertionError:  # already stopped by a failing step
            pass
        hooks.close()

    desk = [m for m in inbox.messages if m["To"] == "desk@vufo.test"]
    kinds = [m["X-Huunghi-Event"] for m in desk]
    assert kinds.count("changed") == 1 and kinds.count("removed") == 1
    assert len(set(_ids(desk))) == len(desk) == len(desk_expected) + 2  # exactly once, across everything
    change_mail = next(m for m in desk if m["X-Huunghi-Event"] == "changed")
    text = next(p for p in change_mail.get_payload() if p.get_content_type() == "text/plain").get_content()
    assert "Đồng Nai" in text and "[-" in text  # the correction shows its diff
    html = next(p for p in change_mail.get_payload() if p.get_content_type() == "text/html").get_content()
    assert "<ins" in html and "<script" not in html

    hook_kinds = [json.loads(body)["kind"] for _h, body in hooks.received]
    assert hook_kinds.count("changed") == 1 and hook_kinds.count("removed") == 1
    assert len(hook_kinds) == len(hook_expected) + 2
    deliveries = [h["x-huunghi-delivery"] for h, _b in hooks.received]
    assert len(set(deliveries)) == len(deliveries)
    for headers, body in hooks.received:  # every body is signed with the subscription's secret
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-huunghi-signature"], expected)
    changed = next(json.loads(b) for _h, b in hooks.received if json.loads(b)["kind"] == "changed")
    assert any("Đồng Nai" in d["new"] for d in changed["diff"])


def test_without_smtp_mail_goes_to_the_outbox_once(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with Archive(db) as archive:
        import random

        from huunghi.crawler.extract.extractor import Extractor
        from huunghi.crawler.pipelines import to_record
        from huunghi.replicas import templates as T
        from huunghi.replicas.catalog import build_catalogs

        catalog = build_catalogs()["thoidai"]
        source = archive.crawls.ensure_source("thoidai", "Thời Đại", "http://thoidai.test/")
        for art in catalog.articles[:3]:
            url = "http://thoidai.test" + T.article_path(catalog, art)
            html = T.render_article(catalog, art, "http://thoidai.test", random.Random(1))
            archive.articles.store(source, to_record(Extractor().extract(html, url), url, None, None))
    (tmp_path / "huunghi.toml").write_text(
        f'[archive]\nurl = {json.dumps(db)}\n[[subscriptions]]\nname = "desk"\nemail = ["desk@vufo.test"]\n'
        '[[sources]]\nname = "thoidai"\nfeeds = ["http://thoidai.test/rss"]\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "huunghi.toml")
    for _ in range(3):
        with Archive(db) as archive:
            plan(archive, config)
            send_due(archive, config)
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 3
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == "desk@vufo.test" and msg.is_multipart()


@pytest.mark.parametrize(
    "query,text,expected",
    [
        ("thanh hoa", "Liên hiệp tỉnh Thanh Hoá", True),
        ("Thanh Hóa", "thanh hoá", True),
        ('"dong nai"', "tỉnh Đồng Nai", True),
        ('"dong nai"', "Đồng và Nai", False),
        ("vufo NOT bóng", "VUFO và bóng đá", False),
        ("(lào OR campuchia) AND hữu nghị", "Hội hữu nghị Việt Nam – Campuchia", True),
        ("hữu*", "hữu nghị", True),
        ("d", "đ", True),
    ],
)
def test_rules_are_diacritic_insensitive_with_boolean_operators(query, text, expected):
    from huunghi.text.query import matches

    assert matches(parse_query(query), Document(text)) is expected
