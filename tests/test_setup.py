"""Set-up without editing TOML (issue 17): init, sources add, pause/resume, topics test, the
daemon following a changed file, and the `[[…]]` names rich markup used to eat."""

from __future__ import annotations

import http.server
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

from huunghi.config import ConfigError, load_config
from huunghi.monitor import setup
from huunghi.replicas.server import ReplicaSet
from huunghi.replicas.templates import SITE_NAMES
from huunghi.storage.archive import Archive
from tests.fixtures.searchdata import fill


def huunghi(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess:
    exe = shutil.which("huunghi", path=str(Path(sys.executable).parent)) or "huunghi"
    return subprocess.run(
        [exe, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        input=stdin,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_init_takes_flags_and_writes_a_commented_file_that_validates(tmp_path):
    made = huunghi(
        "init",
        "--mail-to",
        "ban@vufo.test",
        "--mail-to",
        "lan@vufo.test",
        "--smtp",
        "mail.vufo.test:2525",
        "--topic",
        '"thanh hóa" hữu nghị',
        "--digest-at",
        "06:30",
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    text = (tmp_path / "huunghi.toml").read_text(encoding="utf-8")
    assert "# Nơi gửi cảnh báo và bản tin" in text and "huunghi topics test" in text  # commented
    cfg = load_config(tmp_path / "huunghi.toml")
    assert cfg.mail.smtp_host == "mail.vufo.test" and cfg.mail.smtp_port == 2525
    assert [t.query for t in cfg.topics] == ['"thanh hóa" hữu nghị'] and cfg.topics[
        0
    ].name == "thanh-hoa-huu-nghi"
    assert cfg.subscriptions[0].email == ["ban@vufo.test", "lan@vufo.test"]
    assert cfg.subscriptions[0].topics == [cfg.topics[0].name]
    assert [(d.name, d.schedule, d.time) for d in cfg.digests] == [("daily", "daily", "06:30")]
    assert len(cfg.sources) == 6  # the starter's real portals are still there
    preview = huunghi("digest", "preview", "daily", "-o", str(tmp_path / "d.html"), cwd=tmp_path)
    assert preview.returncode == 0, preview.stderr


def test_init_without_a_terminal_never_asks_and_refuses_bad_answers(tmp_path):
    plain = huunghi("init", cwd=tmp_path, stdin="ban@vufo.test\n")  # stdin is not a tty: no question
    assert plain.returncode == 0 and "?" not in plain.stdout.split("\n")[0]
    assert load_config(tmp_path / "huunghi.toml").subscriptions == []
    for args, words in (
        (["--mail-to", "a@b.vn", "--digest-at", "25:00"], "HH:MM"),
        (["--mail-to", "not an address"], "e-mail"),
        (["--digest-at", "07:00"], "--mail-to"),
        (["--topic", "a (", "--mail-to", "a@b.vn"], "query"),
    ):
        target = tmp_path / "bad.toml"
        bad = huunghi("--config", str(target), "init", *args, cwd=tmp_path)
        assert bad.returncode == 2 and words in bad.stderr, (args, bad.stderr)
        assert not target.exists()  # nothing half-written


class _Site(http.server.ThreadingHTTPServer):
    pages: dict[str, str] = {}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = self.server.pages.get(self.path.split("?")[0])  # type: ignore[attr-defined]
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write((body or "").encode("utf-8"))

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture()
def hostile_site():
    """A portal whose declared name has a quote, a backslash and a newline in it."""
    server = _Site(("127.0.0.1", 0), _Handler)
    links = "".join(f'<a href="/tin/bai-{i}-12345{i}.html">bài {i}</a>' for i in range(4))
    server.pages = {
        "/": f'<html><head><title>Trang chủ</title><meta property="og:site_name" '
        f'content="Báo &quot;Kiểm&quot; \\ thử&#10;mới"></head><body>{links}</body></html>'
    }
    for i in range(4):
        server.pages[f"/tin/bai-{i}-12345{i}.html"] = f"<html><head><title>Bài {i}</title></head></html>"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_sources_add_proposes_the_papers_name_not_a_section(tmp_path):
    with ReplicaSet() as replicas:
        for name in ("thoidai", "baotinh", "quocte"):
            shown = huunghi(
                "sources", "add", replicas.base(name) + "/", "--json", "--allow-private", cwd=tmp_path
            )
            assert shown.returncode == 0, shown.stderr
            assert json.loads(shown.stdout)["title"] == SITE_NAMES[name]


def test_sources_add_writes_any_title_as_valid_toml_and_refuses_injected_names(tmp_path, hostile_site):
    config = tmp_path / "huunghi.toml"
    config.write_text('# my notes stay\n[archive]\nurl = "sqlite:///a.sqlite"\n', encoding="utf-8")
    saved = huunghi(
        "--config",
        str(config),
        "sources",
        "add",
        hostile_site,
        "--name",
        "kiem-thu",
        "--save",
        "--allow-private",
        cwd=tmp_path,
    )
    assert saved.returncode == 0, saved.stderr
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# my notes stay\n")
    src = load_config(config).source("kiem-thu")
    assert src.title == 'Báo "Kiểm" \\ thử mới' and not src.verified
    before = config.read_text(encoding="utf-8")
    injected = huunghi(
        "--config",
        str(config),
        "sources",
        "add",
        hostile_site,
        "--name",
        'x"\nenabled = false\n#',
        "--save",
        "--allow-private",
        cwd=tmp_path,
    )
    assert injected.returncode == 2 and "--name" in injected.stderr
    assert config.read_text(encoding="utf-8") == before


def test_a_source_that_would_not_validate_is_never_written(tmp_path):
    config = tmp_path / "huunghi.toml"
    config.write_text('[archive]\nurl = "sqlite:///a.sqlite"\n', encoding="utf-8")
    before = config.read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match="article_pattern"):
        setup.add_source(
            config, {"name": "hong", "listings": ["https://x.test/"], "article_pattern": "(unclosed"}
        )
    with pytest.raises(ConfigError, match="feeds, sitemaps, listings"):
        setup.add_source(config, {"name": "rong", "title": "no addresses"})
    assert config.read_text(encoding="utf-8") == before
    assert tomllib.loads(config.read_text(encoding="utf-8"))  # still a valid file


def test_pause_and_resume_keep_the_file_and_stop_the_crawl(tmp_path):
    assert huunghi("init", cwd=tmp_path).returncode == 0
    config = tmp_path / "huunghi.toml"
    paused = huunghi("sources", "pause", "vufo", cwd=tmp_path)
    assert paused.returncode == 0, paused.stderr
    cfg = load_config(config)
    assert cfg.source("vufo").paused and "vufo" not in [s.name for s in cfg.enabled_sources()]
    assert "# Cấu hình Huunghi" in config.read_text(encoding="utf-8")  # the starter's comments stay
    status = {r["source"]: r for r in json.loads(huunghi("status", "--json", cwd=tmp_path).stdout)}
    assert status["vufo"]["health"] == "paused" and status["thoidai"]["health"] != "paused"
    assert huunghi("sources", "resume", "vufo", cwd=tmp_path).returncode == 0
    assert not load_config(config).source("vufo").paused and "paused" not in config.read_text(
        encoding="utf-8"
    )
    unknown = huunghi("sources", "pause", "nope", cwd=tmp_path)
    assert unknown.returncode == 2 and "nope" in unknown.stderr and "thoidai" in unknown.stderr


def test_topics_test_counts_and_lists_what_the_rule_would_match(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with Archive(db) as archive:
        fill(archive)
    (tmp_path / "huunghi.toml").write_text(f'[archive]\nurl = "{db}"\n', encoding="utf-8")
    tested = huunghi("topics", "test", '"thanh hoa"', "-n", "3", "--json", cwd=tmp_path)
    assert tested.returncode == 0, tested.stderr
    result = json.loads(tested.stdout)
    searched = json.loads(
        huunghi("search", '"thanh hoa"', "--by-date", "-n", "3", "--json", cwd=tmp_path).stdout
    )
    assert result["total"] == searched["total"] > 3 and len(result["newest"]) == 3
    assert [h["id"] for h in result["newest"]] == [h["id"] for h in searched["hits"]]  # newest first
    only = json.loads(
        huunghi("topics", "test", '"thanh hoa"', "-s", "thoidai", "--json", cwd=tmp_path).stdout
    )
    assert 0 < only["total"] < result["total"] and {h["source"] for h in only["newest"]} == {"thoidai"}
    table = huunghi("topics", "test", '"thanh hoa"', cwd=tmp_path)
    assert table.returncode == 0 and f"{result['total']} bài khớp" in table.stdout
    bad = huunghi("topics", "test", "a (", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_messages_keep_the_double_bracket_names_the_user_must_fix(tmp_path):
    (tmp_path / "huunghi.toml").write_text(
        '[archive]\nurl = "sqlite:///a.sqlite"\n[[sources]]\nname = "x"\n', encoding="utf-8"
    )
    listed = huunghi("articles", cwd=tmp_path)
    assert "[[sources]] #1" in listed.stderr  # was "huunghi.toml [] #1"
    empty = huunghi("alerts", "send", cwd=tmp_path)
    assert "cấu hình không có [[subscriptions]]" in empty.stderr  # was "no [] in the configuration"
    helped = huunghi("digest", "preview", "--help", cwd=tmp_path)
    assert "Tên một [[digests]]" in helped.stdout  # was "A [] name"
    (tmp_path / "bad.toml").write_text('[[topics]]\nname = "t"\nquery = "a ("\n', encoding="utf-8")
    broken = huunghi("--config", str(tmp_path / "bad.toml"), "articles", cwd=tmp_path)
    assert broken.returncode == 2 and "[[topics]] t.query" in broken.stderr


def _daemon_config(path: Path, db: str, extra: str = "") -> None:
    path.write_text(
        f'[archive]\nurl = "{db}"\n[crawler]\nallow_private = true\n[daemon]\ninterval_seconds = 3600\n'
        '[[sources]]\nname = "a"\nlistings = ["http://127.0.0.1:9/"]\n' + extra,
        encoding="utf-8",
    )


def test_the_daemon_follows_a_changed_file_and_keeps_the_old_one_when_it_breaks(tmp_path, caplog):
    from huunghi.monitor.daemon import Daemon

    config, db = tmp_path / "huunghi.toml", f"sqlite:///{tmp_path / 'a.sqlite'}"
    _daemon_config(config, db)
    Archive(db).close()
    daemon = Daemon(config)
    daemon.scheduler.start(paused=True)
    try:
        daemon.plan_jobs()
        assert {j.id for j in daemon.scheduler.get_jobs()} == {"crawl:a", "alerts", "digests"}
        assert daemon.reload() is False  # nothing changed
        _daemon_config(config, db, '[[sources]]\nname = "b"\nlistings = ["http://127.0.0.1:9/b"]\n')
        assert daemon.reload() is True
        assert {j.id for j in daemon.scheduler.get_jobs()} == {"crawl:a", "crawl:b", "alerts", "digests"}
        config.write_text(config.read_text(encoding="utf-8") + "[[sources\n", encoding="utf-8")
        with caplog.at_level(logging.ERROR, logger="huunghi.daemon"):
            assert daemon.reload() is False
        assert "giữ cấu hình trước" in caplog.text and "not valid TOML" in caplog.text
        assert [s.name for s in daemon.config.sources] == ["a", "b"]
        assert {j.id for j in daemon.scheduler.get_jobs()} == {"crawl:a", "crawl:b", "alerts", "digests"}
        _daemon_config(
            config, db, '[[sources]]\nname = "b"\nlistings = ["http://127.0.0.1:9/b"]\npaused = true\n'
        )
        assert daemon.reload() is True
        assert {j.id for j in daemon.scheduler.get_jobs()} == {"crawl:a", "alerts", "digests"}
    finally:
        daemon.scheduler.shutdown(wait=False)


def test_daemon_logs_are_in_hanoi_time():
    from huunghi.monitor.daemon import log_in_hanoi_time

    before = logging.getLogger().handlers[:]
    try:
        log_in_hanoi_time(logging.INFO)
        handler = logging.getLogger().handlers[-1]
        record = logging.LogRecord("huunghi.daemon", logging.INFO, __file__, 1, "started", None, None)
        record.created = 1768532880.0  # 2026-01-16 03:08 UTC
        assert handler.format(record).startswith("16/01/2026 10:08:00 INFO huunghi.daemon: started")
    finally:
        logging.getLogger().handlers[:] = before


def test_init_in_a_terminal_asks_for_mail_a_topic_and_a_daily_digest(tmp_path):
    import pty
    import select
    import time

    exe = shutil.which("huunghi", path=str(Path(sys.executable).parent)) or "huunghi"
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [exe, "init"],
        cwd=tmp_path,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "COLUMNS": "200"},
    )
    os.close(slave)
    seen = ""
    try:
        for prompt, answer in (
            ("E-mail", "ban@vufo.test, lan@vufo.test"),
            ("SMTP", ""),
            ("Chủ đề", '"hội hữu nghị" lào'),
            ("HH:MM", "06:45"),
        ):
            deadline = time.monotonic() + 60
            while prompt not in seen:
                assert time.monotonic() < deadline and proc.poll() is None, seen
                if select.select([master], [], [], 1.0)[0]:
                    seen += os.read(master, 4096).decode("utf-8", "replace")
            seen = seen[seen.index(prompt) + len(prompt) :]
            os.write(master, (answer + "\n").encode("utf-8"))
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    cfg = load_config(tmp_path / "huunghi.toml")
    assert cfg.subscriptions[0].email == ["ban@vufo.test", "lan@vufo.test"] and not cfg.mail.smtp_host
    assert cfg.topics[0].query == '"hội hữu nghị" lào' and cfg.topics[0].name == "hoi-huu-nghi-lao"
    assert [(d.name, d.time, d.email) for d in cfg.digests] == [
        ("daily", "06:45", cfg.subscriptions[0].email)
    ]


def test_a_topics_default_title_is_its_words_not_its_operators():
    """`init --topic '"thanh hóa" OR "hữu nghị"'` titled the topic "thanh hóa OR hữu nghị", and
    every digest was headed so."""
    from huunghi.monitor.setup import InitAnswers, init_document

    cases = {
        '"thanh hóa" OR "hữu nghị"': "thanh hóa, hữu nghị",
        '"thanh hóa" hữu nghị': "thanh hóa, hữu nghị",
        "(lào OR campuchia) -thể_thao": "lào, campuchia",
        "vufo NOT bóng": "vufo",
        "hữu nghị": "hữu nghị",
    }
    for query, title in cases.items():
        doc = init_document(InitAnswers(topic=query))
        assert doc["topics"][0]["title"] == title, query
