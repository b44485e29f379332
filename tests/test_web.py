"""``huunghi serve``: the real server in its own process, its JSON API, its pages in headless
Chromium (Debian's chromium and chromium-driver, driven by Selenium)."""

from __future__ import annotations

import json
import subprocess
import time
import xml.etree.ElementTree as ET

import httpx
import pytest

from huunghi.storage.archive import Archive
from tests.fixtures.browser import browser as start_browser
from tests.fixtures.browser import follow
from tests.fixtures.crawling import huunghi, huunghi_exe
from tests.fixtures.searchdata import SEED_000, correct_seed_000, fill
from tests.fixtures.servers import free_port

pytestmark = [pytest.mark.e2e]

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An archive (replicas + crafted articles + a correction) served by `huunghi serve`."""
    work = tmp_path_factory.mktemp("web")
    db = f"sqlite:///{work / 'archive.sqlite'}"
    with Archive(db) as archive:
        ids = fill(archive)
        correct_seed_000(archive)
    config = work / "huunghi.toml"
    config.write_text(
        f'[archive]\nurl = "{db}"\n[[topics]]\nname = "thanh-hoa"\nquery = \'"thanh hoa"\'\n'
        'title = "Thanh Hóa"\n',
        encoding="utf-8",
    )
    port = free_port()
    proc = subprocess.Popen(
        [huunghi_exe(), "--config", str(config), "serve", "--port", str(port)],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/api/stats", timeout=2)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError("huunghi serve did not start: " + proc.stdout.read().decode()[-2000:])
            time.sleep(0.2)
    yield base, ids, config, work
    proc.terminate()
    proc.wait(timeout=10)


def test_api_search_answers_as_the_cli_does(site):
    base, ids, config, work = site
    api = httpx.get(base + "/api/search", params={"q": "Thanh Hoá", "source": "thoidai", "limit": 50}).json()
    cli = json.loads(
        huunghi(
            "--config", str(config), "search", "thanh hoa", "-s", "thoidai", "-n", "50", "--json", cwd=work
        ).stdout
    )
    assert api["total"] == cli["total"] > 3
    assert [h["id"] for h in api["hits"]] == [h["id"] for h in cli["hits"]]
    assert all(h["source"] == "thoidai" for h in api["hits"])
    assert ids[SEED_000] in [h["id"] for h in api["hits"]]
    assert "<mark>" in api["hits"][0]["title_html"] + api["hits"][0]["snippet_html"]
    bad = httpx.get(base + "/api/search", params={"q": "-vufo"})
    assert bad.status_code == 400 and "NOT" in bad.json()["error"]
    assert httpx.get(base + "/api/search", params={"from": "yesterday"}).status_code == 400


def test_api_article_has_story_and_history(site):
    base, ids, _config, _work = site
    detail = httpx.get(f"{base}/api/articles/{ids[SEED_000]}").json()
    assert [v["version"] for v in detail["history"]] == [1, 2]
    assert detail["history"][1]["diff"][0]["new"] == "Đồng Nai"
    assert [o["id"] for o in detail["story"]] == [ids["-276512.html"]]  # seed 002, the same event
    assert httpx.get(f"{base}/api/articles/999999").status_code == 404


def test_read_only_escaped_and_locked_down(site):
    base, ids, _config, _work = site
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert httpx.request(method, base + "/api/search").status_code == 405
        assert httpx.request(method, base + "/").status_code == 405
    page = httpx.get(base + "/", params={"q": "~script alert"})
    assert page.status_code == 200
    assert "<script>" not in page.text and "&lt;<mark>script</mark>&gt;" in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # no script may run at all
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    article = httpx.get(f"{base}/articles/{ids['-900005.html']}")
    assert "<script>alert" not in article.text and "&lt;script&gt;alert" in article.text
    assert httpx.get(base + "/", params={"q": "(unclosed"}).status_code == 400


def test_atom_feed_per_topic(site):
    base, ids, _config, _work = site
    feed = httpx.get(base + "/topics/thanh-hoa.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    entries = root.findall(f"{ATOM}entry")
    assert entries and root.find(f"{ATOM}title").text == "Huunghi — Thanh Hóa"
    assert f"urn:huunghi:article:{ids[SEED_000]}" in [e.find(f"{ATOM}id").text for e in entries]
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert all(u for u in updated)
    builtin = ET.fromstring(httpx.get(base + "/topics/friendship-union.atom").content)
    assert builtin.findall(f"{ATOM}entry")
    assert httpx.get(base + "/topics/nope.atom").status_code == 404


def test_atom_links_ignore_a_forged_host_header(site):
    """No [web] base_url here: the feed's own links start at the site's root, whatever Host says."""
    base, ids, _config, _work = site
    feed = httpx.get(base + "/topics/thanh-hoa.atom", headers={"Host": "evil.example"})
    assert feed.status_code == 200 and "evil.example" not in feed.text
    links = {link.get("rel"): link.get("href") for link in ET.fromstring(feed.content).iter(f"{ATOM}link")}
    assert links["self"] == "/topics/thanh-hoa.atom"
    related = [
        link.get("href")
        for link in ET.fromstring(feed.content).iter(f"{ATOM}link")
        if link.get("rel") == "related"
    ]
    assert f"/articles/{ids[SEED_000]}" in related and all(h.startswith("/articles/") for h in related)


@pytest.mark.browser
def test_a_person_searches_filters_and_reads_an_article_with_its_history(site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, ids, _config, _work = site
    browser = start_browser()
    try:
        browser.get(base + "/")
        assert browser.find_elements(By.CSS_SELECTOR, "#latest li")  # the newest articles before any search
        box = browser.find_element(By.ID, "q")
        box.send_keys("thanh hoa")
        follow(browser, browser.find_element(By.ID, "go"))
        hits = browser.find_elements(By.CSS_SELECTOR, "#hits li.hit")
        assert len(hits) >= 10
        assert browser.find_elements(By.CSS_SELECTOR, "#hits mark")  # the matches are marked
        everything = browser.find_element(By.ID, "summary").text

        Select(browser.find_element(By.ID, "f-source")).select_by_value("thoidai")
        follow(browser, browser.find_element(By.ID, "go"))
        metas = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#hits li.hit .meta")]
        assert metas and all(m.startswith("thoidai") for m in metas)
        assert browser.find_element(By.ID, "summary").text != everything
        assert browser.find_element(By.ID, "q").get_attribute("value") == "thanh hoa"  # the form remembers

        link = next(
            a
            for a in browser.find_elements(By.CSS_SELECTOR, "#hits a.title")
            if a.get_attribute("href").endswith(f"/articles/{ids[SEED_000]}")
        )
        follow(browser, link)
        assert "Thanh Hóa, Đồng Nai" in browser.find_element(By.ID, "title").text
        versions = browser.find_elements(By.CSS_SELECTOR, "#history li.version")
        assert len(versions) == 2
        assert browser.find_element(By.CSS_SELECTOR, "#v2 del").text == "Thanh Hóa"
        assert browser.find_element(By.CSS_SELECTOR, "#v2 ins").text == "Đồng Nai"
        story = browser.find_element(By.ID, "story").text
        assert "baotinh" in story
    finally:
        browser.quit()


def test_filter_choices_are_in_vietnamese_order(tmp_path):
    """Ties in the web page's filter lists read in Vietnamese order (Đ after D, Ô after O), not
    by code point, which puts Đồng Nai after Yên Bái."""
    from datetime import UTC, datetime

    from huunghi.storage.archive import ArticleRecord

    with Archive(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        for name in ("yen", "dong", "da"):
            archive.crawls.ensure_source(name, name, f"https://{name}.test/", {})
        sid = archive.crawls.ensure_source("s", "S", "https://s.test/", {})
        for i, section in enumerate(("Yên Bái", "Đồng Nai", "Đắk Lắk", "Ô Môn", "Phú Thọ")):
            archive.articles.store(
                sid,
                ArticleRecord(
                    url=f"https://s.test/{i}.html",
                    title=f"Bài {i}",
                    body_text=f"Thân bài số {i} về {section}.",
                    section=section,
                    published_at=datetime(2026, 3, 1, tzinfo=UTC),
                ),
            )
        choices = archive.reads.filter_choices()
    assert [c["name"] for c in choices["sections"]] == ["Đắk Lắk", "Đồng Nai", "Ô Môn", "Phú Thọ", "Yên Bái"]
    assert [c["name"] for c in choices["sources"]][:3] == ["da", "dong", "s"]
