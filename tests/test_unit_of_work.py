"""The unit of work: an alert pass over 500 events is a handful of transactions, and a unit is
all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from huunghi.config import parse_config
from huunghi.monitor.alerts import CURSOR, plan
from huunghi.storage.archive import Archive, ArticleRecord


def _articles(archive: Archive, n: int) -> None:
    sid = archive.crawls.ensure_source("tinh", "Tỉnh", "http://tinh.test/")
    recs = [
        ArticleRecord(
            url=f"http://tinh.test/tin/{i}.html",
            title=f"Giao lưu hữu nghị số {i}",
            body_text=f"Bài số {i} về hội hữu nghị và đoàn kết giữa hai nước.",
        )
        for i in range(n)
    ]
    for start in range(0, n, 100):
        archive.articles.store_many(sid, recs[start : start + 100])


def _transactions(archive: Archive) -> list[int]:
    count = [0]
    event.listen(archive.engine, "begin", lambda _conn: count.__setitem__(0, count[0] + 1))
    return count


def test_an_alert_pass_over_500_events_is_a_handful_of_transactions(archive_url):
    subs = [
        {"name": "desk", "email": ["desk@vufo.test"]},
        {"name": "hook", "webhook": "http://127.0.0.1:9/h", "allow_private": True},
    ]
    config = parse_config({"subscriptions": subs}, environ={})
    with Archive(archive_url) as archive:
        _articles(archive, 500)
        begun = _transactions(archive)
        report = plan(archive, config)
        assert (report.events, report.planned) == (500, 1000)
        assert begun[0] <= 6, begun  # was about 3,000: one for each read and each planned delivery
        assert len(archive.outbox.deliveries.listing(limit=2000)) == 1000
        assert archive.crawls.get_state(CURSOR) == str(archive.events.max_id())
        archive.crawls.set_state(CURSOR, "0")
        again = plan(archive, config)
        assert (again.events, again.planned) == (500, 0)  # planned once: a second pass plans nothing


def test_a_unit_that_raises_leaves_nothing(archive_url):
    with Archive(archive_url) as archive:
        _articles(archive, 3)
        first = archive.events.after()[0]
        with pytest.raises(RuntimeError):
            with archive.unit() as uow:
                assert uow.outbox.deliveries.plan(first.id, "desk", "email")
                assert not uow.outbox.deliveries.plan(first.id, "desk", "email")  # once, even in a unit
                uow.crawls.set_state("x", "1")
                raise RuntimeError("the pass failed half-way")
        assert archive.outbox.deliveries.listing() == [] and archive.crawls.get_state("x") == ""
        with archive.unit() as uow:
            uow.outbox.deliveries.plan(first.id, "desk", "email")
            uow.crawls.set_state("x", "2")
        assert len(archive.outbox.deliveries.listing()) == 1 and archive.crawls.get_state("x") == "2"
