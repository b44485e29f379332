"""The huunghi command as a user runs it: a real process, real output."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def huunghi(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("huunghi", path=str(Path(sys.executable).parent)) or "huunghi"
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "160", **(env or {})})


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("demo")
    result = huunghi("demo", "--dir", str(work / "huunghi-demo"), cwd=work)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (work / "stdout.txt").write_text(result.stdout, encoding="utf-8")
    return work


def test_demo_prints_articles_from_all_three_replicas(demo_dir):
    out = (demo_dir / "stdout.txt").read_text(encoding="utf-8")
    assert "Totals per source" in out
    for source, count in (("thoidai", 12), ("baotinh", 6), ("quocte", 7)):
        assert any(line.split("│")[1:3] and source in line and f" {count} " in line
                   for line in out.splitlines() if "│" in line), source
    assert "Liên hiệp các tổ chức hữu nghị tỉnh Thanh Hóa, Đồng Nai" in out
    assert "16/01/2026 10:08" in out  # seed 000's time, shown in GMT+7


def test_articles_and_sources_read_the_demo_archive_as_json(demo_dir):
    config = demo_dir / "huunghi-demo" / "huunghi.toml"
    result = huunghi("--config", str(config), "articles", "--json", "--limit", "50", cwd=demo_dir)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 25 and {r["source"] for r in rows} == {"thoidai", "baotinh", "quocte"}
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
    assert listed.returncode == 0 and "(unverified)" in listed.stdout and "never" in listed.stdout


def test_a_broken_config_is_a_clear_error_not_a_traceback(tmp_path):
    (tmp_path / "huunghi.toml").write_text("[archive\n", encoding="utf-8")
    result = huunghi("articles", cwd=tmp_path)
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr and "Traceback" not in result.stderr
    result = huunghi("--config", str(tmp_path / "nope.toml"), "crawl", cwd=tmp_path)
    assert result.returncode == 2 and "huunghi init" in result.stderr
