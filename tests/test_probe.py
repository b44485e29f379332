"""`huunghi sources add URL` against a replica: a working proposal, saved, then crawled."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from huunghi.config import load_config
from huunghi.replicas.server import ReplicaSet
from huunghi.storage.archive import Archive
from tests.fixtures.crawling import crawl

pytestmark = [pytest.mark.e2e]


def test_sources_add_proposes_and_saves_a_source_that_crawls(tmp_path):
    exe = shutil.which("huunghi", path=str(Path(sys.executable).parent))
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    config = tmp_path / "huunghi.toml"
    config.write_text(
        f'[archive]\nurl = "{db}"\n[crawler]\ndownload_delay = 0.0\n'
        "autothrottle = false\nallow_private = true\n",
        encoding="utf-8",
    )
    with ReplicaSet() as replicas:
        home = replicas.base("baotinh") + "/"
        shown = subprocess.run(
            [exe, "--config", str(config), "sources", "add", home, "--json"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert shown.returncode == 0, shown.stderr
        proposal = json.loads(shown.stdout)
        assert proposal["feeds"] == [replicas.base("baotinh") + "/rss/home.rss"]
        assert proposal["sitemaps"] == [replicas.base("baotinh") + "/sitemap.xml"]  # from robots.txt
        assert proposal["article_pattern"] == r"-\d{5,}\.htm$"
        saved = subprocess.run(
            [exe, "--config", str(config), "sources", "add", home, "--name", "tinh", "--save"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert saved.returncode == 0, saved.stderr
        assert [s.name for s in load_config(config).sources] == ["tinh"]
        again = subprocess.run(
            [exe, "--config", str(config), "sources", "add", home, "--name", "tinh", "--save"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 2 and "exists" in again.stderr
        crawl(config)
        with Archive(db) as archive:
            assert {s.name: s.articles for s in archive.reads.sources_overview()} == {"tinh": 6}
    dead = subprocess.run(
        [exe, "--config", str(config), "sources", "add", "http://127.0.0.1:9/"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dead.returncode == 1 and "cannot read" in dead.stderr


def test_crawl_since_walks_listings_back_past_their_usual_depth(tmp_path):
    from huunghi.replicas.tomlgen import replica_config

    exe = shutil.which("huunghi", path=str(Path(sys.executable).parent))
    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with ReplicaSet() as replicas:
        td = replicas.portals["thoidai"]
        config = replica_config(
            tmp_path / "huunghi.toml",
            replicas,
            db,
            ["thoidai"],
            amend={"thoidai": {"feeds": [], "sitemaps": [], "max_listing_pages": 1}},
        )
        crawl(config)
        with Archive(db) as archive:
            assert archive.reads.totals()["articles"] == 5  # one listing page, as configured
        done = subprocess.run(
            [exe, "--config", str(config), "crawl", "--since", "2025-01-01", "--json"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        with Archive(db) as archive:
            dates = sorted(a.published_at for a in archive.reads.iter_articles())
        assert len(dates) > 5 and dates[0].year <= 2025  # walked back until it passed the date
        listing = [p for p in td.hits if "bon-phuong-ket-ban/?page=" in p]
        assert listing  # it went past page 1
        bad = subprocess.run(
            [exe, "--config", str(config), "crawl", "--since", "last week"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
