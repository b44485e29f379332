"""The huunghi command as a user runs it: a real process, real output."""

import json
import subprocess
from pathlib import Path

import pytest

from huunghi.replicas.catalog import build_catalogs
from tests.fixtures.crawling import huunghi, huunghi_exe

pytestmark = [pytest.mark.e2e]

ROOT = Path(__file__).resolve().parents[1]


_CATALOGS = build_catalogs()
TOTAL = sum(len(c.articles) for c in _CATALOGS.values())  # the demo crawls every replica article


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("demo")
    result = huunghi("demo", "--dir", str(work / "huunghi-demo"), cwd=work)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (work / "stdout.txt").write_text(result.stdout, encoding="utf-8")
    return work


def test_demo_prints_articles_from_all_five_replicas(demo_dir):
    out = (demo_dir / "stdout.txt").read_text(encoding="utf-8")
    assert "Tổng theo nguồn" in out
    for source, count in (("thoidai", 12), ("baotinh", 6), ("quocte", 7), ("baocu", 8), ("tinxua", 6)):
        assert any(
            line.split("│")[1:3] and source in line and f" {count} " in line
            for line in out.splitlines()
            if "│" in line
        ), source
    assert "Liên hiệp các tổ chức hữu nghị tỉnh Thanh Hóa, Đồng Nai" in out
    assert "16/01/2026 10:08" in out  # seed 000's time, shown in GMT+7


def test_the_demo_writes_mail_a_topic_alerts_and_a_daily_digest(demo_dir, tmp_path):
    """Issue 17 item 4: `digest preview` had nothing to preview on the demo."""
    config = demo_dir / "huunghi-demo" / "huunghi.toml"
    text = config.read_text(encoding="utf-8")
    assert "[mail]" in text and "[[topics]]" in text and "[[subscriptions]]" in text and "[[digests]]" in text
    assert "shuffled words" in text
    out = tmp_path / "daily.html"
    shown = huunghi(
        "--config",
        str(config),
        "digest",
        "preview",
        "daily",
        "--since",
        "2020-01-01",
        "-o",
        str(out),
        cwd=demo_dir,
    )
    assert shown.returncode == 0, shown.stderr
    assert "0 stories" not in shown.stdout and out.exists()
    status = json.loads(huunghi("--config", str(config), "status", "--json", cwd=demo_dir).stdout)
    assert {r["source"]: r["health"] for r in status} == {name: "paused" for name in _CATALOGS}


def test_articles_and_sources_read_the_demo_archive_as_json(demo_dir):
    config = demo_dir / "huunghi-demo" / "huunghi.toml"
    result = huunghi("--config", str(config), "articles", "--json", "--limit", "50", cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == TOTAL and {r["source"] for r in rows} == set(_CATALOGS)
    seed = next(r for r in rows if r["url"].endswith("-218974.html"))
    assert seed["published_at"] == "2026-01-16T10:08:00+07:00"
    result = huunghi("--config", str(config), "sources", "--json", cwd=demo_dir)
    sources = {s["name"]: s for s in json.loads(result.stdout)}
    assert sources["thoidai"]["articles"] == 12 and sources["thoidai"]["last_run"]["status"] == "ok"
    runs = huunghi("--config", str(config), "runs", cwd=demo_dir)
    assert runs.returncode == 0 and "thoidai" in runs.stdout


def test_init_writes_a_starter_and_refuses_to_overwrite(tmp_path):
    assert huunghi("init", cwd=tmp_path).returncode == 0
    text = (tmp_path / "huunghi.toml").read_text(encoding="utf-8")
    assert "thoidai.com.vn" in text and "verified = false" in text
    again = huunghi("init", cwd=tmp_path)
    assert again.returncode == 1 and "exists" in again.stderr
    listed = huunghi("sources", cwd=tmp_path)
    assert listed.returncode == 0 and "(chưa kiểm chứng)" in listed.stdout and "chưa chạy" in listed.stdout


def test_a_broken_config_is_a_clear_error_not_a_traceback(tmp_path):
    (tmp_path / "huunghi.toml").write_text("[archive\n", encoding="utf-8")
    result = huunghi("articles", cwd=tmp_path)
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr and "Traceback" not in result.stderr
    result = huunghi("--config", str(tmp_path / "nope.toml"), "crawl", cwd=tmp_path)
    assert result.returncode == 2 and "huunghi init" in " ".join(result.stderr.split())


def test_extract_reads_json_lines_in_order_and_learns_across_the_batch(tmp_path):
    import random

    from bench.metric import f1, page_pr
    from huunghi.replicas import templates as T
    from huunghi.replicas.catalog import build_catalogs

    lines, truths = [], []
    rng = random.Random(5)
    for name, catalog in build_catalogs().items():
        base = f"http://{name}.example"
        for article in catalog.articles:
            url = base + T.article_path(catalog, article)
            lines.append(
                json.dumps(
                    {"url": url, "html": T.render_article(catalog, article, base, rng)}, ensure_ascii=False
                )
            )
            truths.append(article)
    lines.insert(3, "{not json")
    lines.insert(
        7, json.dumps({"url": "http://thoidai.example/", "html": "<html><body><nav>Trang chủ</nav>"})
    )
    (tmp_path / "pages.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = huunghi("extract", "pages.jsonl", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(lines)
    assert "not JSON" in rows[3]["reason"] and rows[3]["text"] == ""
    assert rows[7]["text"] == "" and rows[7]["reason"]
    articles = [r for r in rows if "reason" not in r]
    assert [r["url"] for r in articles] == [
        json.loads(line)["url"] for i, line in enumerate(lines) if i not in (3, 7)
    ]
    for row, article in zip(articles, truths):
        assert set(row) >= {
            "url",
            "title",
            "lead",
            "text",
            "published",
            "author",
            "credit",
            "section",
            "images",
            "language",
        }
        assert row["title"] == article.title and row["text"].startswith(article.lead)
        assert not row["text"].startswith(article.title)
        assert f1(*page_pr(row["text"], article.text)) >= 0.99
        assert row["published"] == article.published.isoformat()
        assert [i["caption"] for i in row["images"]] == article.captions
    # the same through stdin
    piped = subprocess.run(
        [huunghi_exe(), "extract", "-"],
        input="\n".join(lines[:2]),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert [json.loads(x)["url"] for x in piped.stdout.splitlines()] == [
        json.loads(x)["url"] for x in lines[:2]
    ]


def test_reextract_and_templates_on_the_demo_archive(demo_dir):
    config = demo_dir / "huunghi-demo" / "huunghi.toml"
    result = huunghi("--config", str(config), "reextract", "--json", cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["pages"] == TOTAL and report["problems"] == []
    assert report["changed"] == 0  # every field of every page reads the same
    assert report["by_method"]["template"] >= 10
    table = huunghi("--config", str(config), "reextract", "--source", "baotinh", cwd=demo_dir)
    assert table.returncode == 0 and "Trích lại" in table.stdout
    shown = huunghi("--config", str(config), "templates", "--json", cwd=demo_dir)
    rows = json.loads(shown.stdout)
    assert len(rows) == len(_CATALOGS) and all(r["pages_learned"] >= 3 and r["slots"] > 5 for r in rows)


def test_events_and_alerts_on_the_demo_archive(demo_dir):
    config = demo_dir / "huunghi-demo" / "huunghi.toml"
    result = huunghi("--config", str(config), "events", "--json", "-n", "100", cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == TOTAL and {r["kind"] for r in rows} == {"new"}
    table = huunghi("--config", str(config), "events", "--kind", "new", "-n", "3", cwd=demo_dir)
    assert table.returncode == 0 and "Sự kiện (events) (3)" in table.stdout
    bad = huunghi("--config", str(config), "events", "--since", "yesterday", cwd=demo_dir)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    # a subscription without SMTP writes to the outbox folder next to the configuration
    text = config.read_text(encoding="utf-8")
    sub = config.with_name("alerts.toml")
    sub.write_text(
        text + '\n[[subscriptions]]\nname = "desk"\nemail = ["desk@vufo.test"]\n'
        'topics = ["friendship-union"]\n',
        encoding="utf-8",
    )
    sent = huunghi("--config", str(sub), "alerts", "send", "--json", cwd=demo_dir)
    assert sent.returncode == 0, sent.stderr
    report = json.loads(sent.stdout)
    assert report["events_read"] == TOTAL and report["sent"] == report["planned"] > 0
    assert len(list((config.parent / "outbox").glob("alert-*.eml"))) == report["sent"]
    again = json.loads(huunghi("--config", str(sub), "alerts", "send", "--json", cwd=demo_dir).stdout)
    assert again["planned"] == again["sent"] == 0
    listed = json.loads(huunghi("--config", str(sub), "alerts", "list", "--json", cwd=demo_dir).stdout)
    assert {d["status"] for d in listed} == {"sent"}
    wrong = config.with_name("wrong.toml")
    wrong.write_text(
        text + '\n[[subscriptions]]\nname = "x"\nemail = ["a@b"]\ntopics = ["nope"]\n', encoding="utf-8"
    )
    failed = huunghi("--config", str(wrong), "alerts", "send", cwd=demo_dir)
    assert failed.returncode == 2 and "no topic named" in failed.stderr


def test_digest_commands_on_the_demo_archive(demo_dir, tmp_path):
    config = demo_dir / "huunghi-demo" / "huunghi.toml"
    cfg = config.with_name("digest.toml")
    cfg.write_text(
        config.read_text(encoding="utf-8") + '\n[[digests]]\nname = "sang"\nemail = ["desk@vufo.test"]\n'
        'topics = ["friendship-union"]\nlanguage = "en"\n',
        encoding="utf-8",
    )
    subs = huunghi("--config", str(cfg), "subscriptions", "--json", cwd=demo_dir)
    assert subs.returncode == 0, subs.stderr
    listed = {d["name"]: d for d in json.loads(subs.stdout)[0]["digests"]}
    assert listed["sang"]["next"].endswith("+07:00") and "daily" in listed  # the demo's own digest too
    out = tmp_path / "d.html"
    shown = huunghi(
        "--config",
        str(cfg),
        "digest",
        "preview",
        "sang",
        "--since",
        "2020-01-01",
        "-o",
        str(out),
        cwd=demo_dir,
    )
    assert shown.returncode == 0, shown.stderr
    html = out.read_text(encoding="utf-8")
    assert "Friendship and people-to-people diplomacy" in html and "<script" not in html
    sent = json.loads(huunghi("--config", str(cfg), "digest", "send", "--json", cwd=demo_dir).stdout)
    assert "sang" in sent["composed"] and sent["sent"] == len(sent["composed"])
    again = json.loads(huunghi("--config", str(cfg), "digest", "send", "--json", cwd=demo_dir).stdout)
    assert again["composed"] == [] and again["sent"] == 0
    assert len(list((cfg.parent / "outbox").glob("digest-sang-*.eml"))) == 1
    missing = huunghi("--config", str(cfg), "digest", "preview", "nope", cwd=demo_dir)
    assert missing.returncode == 2 and "no digest named" in missing.stderr


def test_search_show_stats_and_export_read_the_demo_archive(demo_dir):
    import csv
    import io
    import xml.etree.ElementTree as ET

    config = str(demo_dir / "huunghi-demo" / "huunghi.toml")
    found = huunghi("--config", config, "search", "Thanh Hoá", "--json", "-n", "50", cwd=demo_dir)
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    titles = [h["title"] for h in result["hits"]]
    assert "Liên hiệp các tổ chức hữu nghị tỉnh Thanh Hóa, Đồng Nai triển khai nhiệm vụ năm 2026" in titles
    # the form typed (either tone placement) in the headline: the highest headline tier
    assert result["hits"][0]["score"] == 4.5 and "<mark>Thanh Hóa</mark>" in result["hits"][0]["title_html"]
    assert set(titles) == {
        h["title"]
        for h in json.loads(
            huunghi("--config", config, "search", "thanh hoa", "--json", "-n", "50", cwd=demo_dir).stdout
        )["hits"]
    }
    table = huunghi(
        "--config", config, "search", '"đối ngoại nhân dân"', "-s", "quocte", "--by-date", cwd=demo_dir
    )
    assert table.returncode == 0 and "found" in table.stdout and "quocte" in table.stdout
    rows = list(
        csv.DictReader(
            io.StringIO(huunghi("--config", config, "search", "paccom OR lhhn", "--csv", cwd=demo_dir).stdout)
        )
    )
    assert rows and {"id", "source", "title", "url", "snippet"} <= set(rows[0])
    bad = huunghi("--config", config, "search", "(thanh", cwd=demo_dir)
    assert bad.returncode == 2 and "never closed" in bad.stderr

    seed = next(h for h in result["hits"] if h["url"].endswith("-218974.html"))
    shown = json.loads(huunghi("--config", config, "show", str(seed["id"]), "--json", cwd=demo_dir).stdout)
    assert shown["history"][0]["version"] == 1 and "baotinh" in {o["source"] for o in shown["story"]}
    text = huunghi("--config", config, "show", str(seed["id"]), cwd=demo_dir).stdout
    assert "Câu chuyện: cùng sự kiện ở các nguồn khác" in text and "Lịch sử (history): 1 phiên bản" in text
    assert huunghi("--config", config, "show", "99999", cwd=demo_dir).returncode == 1

    stats = json.loads(huunghi("--config", config, "stats", "--days", "3", "--json", cwd=demo_dir).stdout)
    assert len(stats["days"]) == 3 and stats["health"]["thoidai"]["last_status"] == "ok"
    assert sum(stats["events"].get("new", {}).values()) == TOTAL  # every article arrived today
    assert "Tình trạng nguồn" in huunghi("--config", config, "stats", cwd=demo_dir).stdout

    lines = huunghi("--config", config, "export", "--since", "2026-01-01", cwd=demo_dir).stdout.splitlines()
    exported = [json.loads(line) for line in lines]
    assert exported and all(e["published_at"] >= "2026-01-01" for e in exported)
    assert len(exported) < TOTAL and {"body_text", "tags", "story_id"} <= set(exported[0])
    out = demo_dir / "all.csv"
    done = huunghi("--config", config, "export", "--format", "csv", "-o", str(out), cwd=demo_dir)
    assert done.returncode == 0 and f"wrote {TOTAL} articles" in done.stderr
    from huunghi.monitor.exporting import CSV_FIELDS

    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(CSV_FIELDS)
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == TOTAL
    atom = huunghi(
        "--config", config, "export", "--format", "atom", "--topic", "friendship-union", cwd=demo_dir
    )
    entries = ET.fromstring(atom.stdout.encode()).findall("{http://www.w3.org/2005/Atom}entry")
    assert entries and len(entries) < TOTAL
    assert huunghi("--config", config, "export", "--format", "atom", cwd=demo_dir).returncode == 2
