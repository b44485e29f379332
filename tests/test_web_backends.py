"""The web page and API in process (Starlette's TestClient) over an archive on each backend: the
numbers the API emits, the time budget of every search, the feed's links."""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from starlette.testclient import TestClient

from huunghi.config import ConfigError, load_config, parse_config
from huunghi.monitor.searching import build_query, result_json, run
from huunghi.storage.archive import Archive
from huunghi.storage.models import Article, Source
from huunghi.storage.search import index as searchindex
from huunghi.web.app import App, create_app
from huunghi.web.texts import VI
from tests.fixtures.searchdata import fill

VN = timezone(timedelta(hours=7))
ATOM = "{http://www.w3.org/2005/Atom}"
BULK = 1200  # articles that all match "hữu nghị": a ranked search reads a full window of them


def _config(tmp_path: Path, url: str, web: str = "") -> Path:
    path = tmp_path / "huunghi.toml"
    path.write_text(
        f'[archive]\nurl = "{url}"\n[[topics]]\nname = "thanh-hoa"\nquery = \'"thanh hoa"\'\n[web]\n{web}',
        encoding="utf-8",
    )
    return path


def _plain_numbers(value: object) -> bool:
    """Every number in a JSON document is an int or a float (json.loads gives nothing else)."""
    if isinstance(value, dict):
        return all(_plain_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(_plain_numbers(v) for v in value)
    return value is None or isinstance(value, (str, bool, int, float))


def test_api_search_emits_plain_numbers_on_both_backends(archive_url, tmp_path):
    with Archive(archive_url) as archive:
        fill(archive)
        # the CLI's --json: the same dict, encoded without any fallback for odd types
        result = run(archive, build_query("thanh hoa"))
        assert all(type(h.score) is float for h in result.hits) and result.hits
        json.dumps(result_json(result))
    with TestClient(create_app(load_config(_config(tmp_path, archive_url)))) as web:
        for params in ({"q": "thanh hoa"}, {"q": "thanh hoa", "group": "story"}, {"q": "hữu nghị"}):
            answer = web.get("/api/search", params=params)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["hits"] and all(isinstance(h["score"], float) for h in body["hits"])
            assert _plain_numbers(body)
        assert web.get("/api/search", params={"q": "thanh hoa", "order": "date"}).status_code == 200


def _bulk(archive: Archive, n: int = BULK) -> None:
    """``n`` articles about friendship, written as the benchmark writes them (rows, then the index)."""
    start = datetime(2026, 3, 1, tzinfo=VN)
    rows = [
        dict(
            id=i,
            source_id=1,
            url=f"https://bulk.test/{i}.html",
            title=f"Hội hữu nghị tỉnh gặp đoàn số {i}",
            lead="Hữu nghị Việt Nam và Lào, giao lưu nhân dân.",
            body_text="Các hội hữu nghị trao đổi kinh nghiệm đối ngoại nhân dân.",
            published_at=start + timedelta(minutes=i),
            first_seen=start + timedelta(minutes=i),
            last_seen=start + timedelta(minutes=i),
            section="Hữu nghị",
            content_hash=f"{i:064x}",
            language="vi",
        )
        for i in range(1, n + 1)
    ]
    with archive.engine.begin() as conn:
        conn.execute(insert(Source), [dict(id=1, name="bulk", title="Bulk")])
        conn.execute(insert(Article), rows)
        searchindex.put(
            conn,
            [
                searchindex.IndexRow(r["id"], r["published_at"], r["title"], r["lead"], r["body_text"], 1)
                for r in rows
            ],
        )


def test_a_search_past_its_budget_answers_503_and_nothing_else_breaks(archive_url, tmp_path, caplog):
    """Budget 1 ms. SQLite counts it in VM steps: a ranked search over a full window of matches
    takes several times the steps 1 ms allows, on any machine. PostgreSQL: the search's first
    read of the index waits on a lock another transaction holds (as a reindex would), and
    statement_timeout stops it; without the lock the same search answers."""
    with Archive(archive_url) as archive:
        _bulk(archive)
    from huunghi.storage.search.engine import STEPS_PER_CHECK, STEPS_PER_MS, SearchTimeout

    assert STEPS_PER_MS // STEPS_PER_CHECK < 10  # 1 ms: a few checks; the search takes ~36 (36k steps)
    config = load_config(_config(tmp_path, archive_url, "query_timeout_ms = 1\n"))
    assert config.web.query_timeout_ms == 1
    lock = None
    if archive_url.startswith("postgresql"):
        import psycopg

        lock = psycopg.connect(archive_url)
        lock.execute("LOCK TABLE search_docs IN ACCESS EXCLUSIVE MODE")  # held until rollback
    caplog.set_level(logging.WARNING, logger="huunghi.web.app")
    try:
        with TestClient(create_app(config)) as web:
            api = web.get("/api/search", params={"q": "hữu nghị"})
            assert api.status_code == 503 and api.headers["retry-after"].isdigit()
            assert VI["too_slow"] in api.json()["error"]
            page = web.get("/", params={"q": "hữu nghị"})
            assert page.status_code == 503 and page.headers["retry-after"].isdigit()
            assert "Truy vấn quá lâu, xin thu hẹp từ khóa." in page.text
            assert page.headers["content-security-policy"].startswith("default-src 'none'")
            if lock is not None:
                lock.rollback()
                lock.close()
                lock = None
            # the rest of the site still answers, on the same pooled connections
            assert web.get("/api/stats").status_code == 200
            assert web.get("/api/articles/1").json()["title"] == "Hội hữu nghị tỉnh gặp đoàn số 1"
            assert web.get("/sources").status_code == 200
    finally:
        if lock is not None:
            lock.close()
    assert sum("budget of 1 ms" in r.getMessage() for r in caplog.records) >= 2
    app = App(config)
    try:
        if archive_url.startswith("sqlite"):
            with pytest.raises(SearchTimeout):
                app.search(build_query("hữu nghị"))
        else:
            with app.archive.session() as s:  # a budget is the search's own: nothing is left set
                assert s.execute(text("SHOW statement_timeout")).scalar_one() != "1ms"
        # the same connection, without a budget: no progress handler, no timeout left behind
        result = app.archive.search(build_query("hữu nghị"))
        assert result.total == 1000 and not result.total_exact
    finally:
        app.archive.close()


def test_query_timeout_is_validated(tmp_path):
    assert parse_config({}).web.query_timeout_ms == 2000
    for bad in (0, -5, 10**9):
        with pytest.raises(ConfigError, match="query_timeout_ms"):
            parse_config({"web": {"query_timeout_ms": bad}})
    with pytest.raises(ConfigError, match="query_timeout_ms"):
        parse_config({"web": {"query_timeout_ms": "fast"}})


def test_feed_links_come_from_base_url_not_from_the_host_header(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with Archive(url) as archive:
        fill(archive)
    config = load_config(_config(tmp_path, url, 'base_url = "https://tin.vufo.example/"\n'))
    with TestClient(create_app(config)) as web:
        feed = web.get("/topics/thanh-hoa.atom", headers={"Host": "evil.example"})
    assert feed.status_code == 200 and "evil.example" not in feed.text
    root = ET.fromstring(feed.content)
    ours = [
        link.get("href", "") for link in root.iter(f"{ATOM}link") if link.get("rel") in ("self", "related")
    ]
    assert ours and all(h.startswith("https://tin.vufo.example/") for h in ours)
    assert "https://tin.vufo.example/topics/thanh-hoa.atom" in ours
