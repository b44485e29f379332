"""The extraction benchmark runs and reports what the issue measures (figures live in bench/README.md)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]


def test_extraction_bench_reports_quality_speed_and_leaks_on_the_replicas():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "extraction.py"), "--sets", "replicas", "--json", "--no-huge"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    all_rows = json.loads(done.stdout)["sets"]
    rows = {r["extractor"]: r for r in all_rows if not r.get("site")}
    sites = [r for r in all_rows if r.get("site")]
    assert len(sites) == 5  # every replica portal, the template beside its own generic reading
    for site in sites:
        assert site["huunghi"] >= site["huunghi (generic)"] and site["leaks"] == 0 and site["churn"] == 0
        assert site["titles"] == f"{site['pages']}/{site['pages']}"
    ours = rows["huunghi"]
    assert ours["F1"] >= 0.99 and ours["sidebar_leaks"] == 0
    assert ours["learned_pages"] > ours["pages"] // 2
    assert ours["speed_learned_pages"] and ours["speed_first_pages"]
    assert rows["trafilatura"]["sidebar_leaks"] > 0  # the leak counter does see leaks
