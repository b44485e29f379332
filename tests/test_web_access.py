"""The web page for a desk that reads Vietnamese, and for a page that leaves localhost: the real
`huunghi serve` with a password (login form, signed cookie) or behind a reverse-proxy header;
the page of sources; one language and one date format per page; a browser walks it (Chromium)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from huunghi.storage.archive import Archive
from huunghi.web.texts import EN, VI
from tests.fixtures.browser import browser as _browser
from tests.fixtures.browser import follow as _follow
from tests.fixtures.searchdata import SEED_000, correct_seed_000, fill
from tests.fixtures.servers import free_port

PASSWORD = 'mật "khẩu" & ổn'
HERE = Path(__file__).resolve().parents[1] / "huunghi" / "web" / "templates"


def _serve(config: Path, cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    exe = shutil.which("huunghi", path=str(Path(sys.executable).parent)) or "huunghi"
    environ = {k: v for k, v in os.environ.items() if k != "HUUNGHI_WEB_PASSWORD"}
    proc = subprocess.Popen(
        [exe, "--config", str(config), "serve", "--port", str(port)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/static/huunghi.css", timeout=2)
            return proc, base
        except httpx.HTTPError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise AssertionError("huunghi serve did not start: " + proc.stdout.read().decode()[-2000:])
            time.sleep(0.2)


@pytest.fixture(scope="module")
def archive_dir(tmp_path_factory):
    work = tmp_path_factory.mktemp("webaccess")
    db = f"sqlite:///{work / 'archive.sqlite'}"
    with Archive(db) as archive:
        ids = fill(archive)
        correct_seed_000(archive)
        ok = archive.crawls.start_run(archive.crawls.source_id("thoidai"))
        archive.crawls.finish_run(ok, 7, status="ok")
        bad = archive.crawls.start_run(archive.crawls.source_id("baotinh"))
        archive.crawls.finish_run(bad, 1, status="failed")
    sources = "".join(
        f'[[sources]]\nname = "{name}"\ntitle = "{title}"\nlistings = ["https://{name}.test/"]\n{extra}\n'
        for name, title, extra in (
            ("thoidai", "Thời Đại", "verified = true"),
            ("baotinh", "Báo tỉnh", ""),
            ("vufo", "VUFO", "paused = true"),
        )
    )
    base = f'[archive]\nurl = "{db}"\n' + sources
    (work / "open.toml").write_text(base + "[web]\ndemo = true\n", encoding="utf-8")
    (work / "locked.toml").write_text(base, encoding="utf-8")
    (work / "proxied.toml").write_text(base + '[web]\nproxy_header = "X-Remote-User"\n', encoding="utf-8")
    return work, ids


@pytest.fixture(scope="module")
def open_site(archive_dir):
    work, ids = archive_dir
    proc, base = _serve(work / "open.toml", work, {})
    yield base, ids
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def locked_site(archive_dir):
    work, ids = archive_dir
    proc, base = _serve(work / "locked.toml", work, {"HUUNGHI_WEB_PASSWORD": PASSWORD})
    yield base, ids
    proc.terminate()
    proc.wait(timeout=10)


def _visible(html: str) -> str:
    """The words a reader sees: no tags, no attribute values, no portal text to confuse the check."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S))


def test_every_text_key_used_by_a_template_exists_in_both_languages():
    assert set(VI) == set(EN)
    used = set()
    for path in HERE.glob("*.html"):
        used |= set(re.findall(r"\bt\.([a-z_]+)\b", path.read_text(encoding="utf-8")))
    used -= {"lang", "outcome", "label"}
    assert used and not (used - set(VI)), used - set(VI)


def test_pages_are_vietnamese_with_one_date_format_and_english_by_choice(open_site):
    base, ids = open_site
    article = httpx.get(f"{base}/articles/{ids[SEED_000]}")
    assert article.status_code == 200
    text = _visible(article.text)
    assert "chỉ đọc · giờ Hà Nội" in text and "read-only" not in text  # the footer
    assert "16/01/2026 10:08" in text  # the seed's published time, Hanoi
    assert not re.search(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d", text)  # no ISO date left on the page
    assert "Nội dung" in text or "Sapo" in text or "Tiêu đề" in text  # the diff's field label, translated
    assert not re.search(r"\b(body_text|lead|title)\b:", text)
    assert "những từ xáo trộn" in text  # the demo banner ([web] demo = true)
    missing = httpx.get(base + "/articles/999999")
    assert missing.status_code == 404 and "Không có bài này" in missing.text and "No such" not in missing.text
    bad = httpx.get(base + "/", params={"q": "(a b"})
    assert (
        bad.status_code == 400 and "Không hiểu yêu cầu tìm kiếm" in bad.text and "chưa được đóng" in bad.text
    )
    bad = httpx.get(base + "/", params={"q": "x", "from": "hôm qua"})
    assert "không phải một ngày" in bad.text and "is not a date" not in bad.text
    bad_en = httpx.get(base + "/", params={"q": "x", "from": "hôm qua", "lang": "en"})
    assert "is not a date" in bad_en.text and "could not be understood" in bad_en.text
    nowhere = httpx.get(base + "/nope")
    assert nowhere.status_code == 404 and "Không có trang này" in nowhere.text
    with httpx.Client(base_url=base) as client:
        english = client.get(f"/articles/{ids[SEED_000]}", params={"lang": "en"})
        assert (
            'lang="en"' in english.text
            and "Hanoi time" in english.text
            and "Cùng sự kiện" not in english.text
        )
        assert "16/01/2026 10:08" in english.text
        later = client.get("/sources")  # the choice is remembered
        assert "Recent runs" in later.text and "Các lần chạy" not in later.text
        back = client.get("/sources", params={"lang": "vi"})
        assert "Các lần chạy gần đây" in back.text


def test_the_page_of_sources_shows_health_and_last_runs(open_site):
    base, _ids = open_site
    page = httpx.get(base + "/sources")
    assert page.status_code == 200
    health = {
        n: h for h, n in re.findall(r'<tr class="source health-(\w+)" id="source-([\w.-]+)">', page.text)
    }
    assert {n: health[n] for n in ("thoidai", "baotinh", "vufo")} == {
        "thoidai": "ok",
        "baotinh": "broken",
        "vufo": "paused",
    }
    assert list(health)[:3] == ["thoidai", "baotinh", "vufo"]  # configured first, then the archive's others
    assert set(list(health)[3:]) and {health[n] for n in list(health)[3:]} == {"gone"}
    assert "tạm dừng" in page.text and "hỏng" in page.text and "thất bại" in page.text
    runs = re.search(r'id="runs-thoidai">(.*?)</section>', page.text, re.S).group(1)
    assert re.search(r"<td>\d\d/\d\d/\d{4} \d\d:\d\d</td><td>xong</td><td class=\"num\">7</td>", runs)


def test_a_password_locks_every_page_and_the_api_until_login(locked_site):
    base, ids = locked_site
    with httpx.Client(base_url=base) as anonymous:
        first = anonymous.get(f"/articles/{ids[SEED_000]}?x=1")
        assert first.status_code == 303 and first.headers["location"].startswith("/login?next=%2Farticles%2F")
        locked = anonymous.get("/api/stats")
        assert locked.status_code == 401 and locked.json()["code"] == "auth_required"
        assert locked.json()["error"].startswith("cần đăng nhập")
        assert anonymous.get("/sources").status_code == 303
        form = anonymous.get("/login")
        assert form.status_code == 200 and 'type="password"' in form.text and "Mật khẩu" in form.text
        wrong = anonymous.post("/login", data={"password": "đoán", "next": "/sources"})
        assert wrong.status_code == 401 and "Sai mật khẩu" in wrong.text
        assert "huunghi_session" not in wrong.headers.get("set-cookie", "")
    forged = {"huunghi_session": f"{int(time.time()) + 999}.{'0' * 64}"}
    with httpx.Client(base_url=base, cookies=forged) as forger:
        assert forger.get("/sources").status_code == 303
    with httpx.Client(base_url=base) as desk:
        ok = desk.post("/login", data={"password": PASSWORD, "next": "/sources"})
        assert ok.status_code == 303 and ok.headers["location"] == "/sources"
        cookie = ok.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert desk.get("/sources").status_code == 200
        assert desk.get("/api/stats").status_code == 200
        assert "/logout" in desk.get("/").text
        desk.get("/logout")
        assert desk.get("/sources").status_code == 303
    with httpx.Client(base_url=base) as other:  # never an open redirect to another site
        away = other.post("/login", data={"password": PASSWORD, "next": "//evil.example/x"})
        assert away.status_code == 303 and away.headers["location"] == "/"


def test_a_trusted_proxy_header_lets_in_and_its_absence_does_not(archive_dir):
    work, _ids = archive_dir
    proc, base = _serve(work / "proxied.toml", work, {})
    try:
        assert httpx.get(base + "/sources", headers={"X-Remote-User": "lan"}).status_code == 200
        bare = httpx.get(base + "/sources")
        assert bare.status_code == 401 and "reverse proxy" in bare.text
        assert httpx.get(base + "/api/stats").status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.browser
def test_a_person_logs_in_and_reads_the_page_of_sources(locked_site):
    from selenium.webdriver.common.by import By

    base, _ids = locked_site
    browser = _browser()
    try:
        browser.get(base + "/sources")
        assert "/login" in browser.current_url  # sent to the form first
        browser.find_element(By.ID, "password").send_keys("sai")
        _follow(browser, browser.find_element(By.ID, "login-go"))
        assert "Sai mật khẩu" in browser.find_element(By.ID, "error").text
        browser.find_element(By.ID, "password").send_keys(PASSWORD)
        _follow(browser, browser.find_element(By.ID, "login-go"))
        assert browser.current_url.endswith("/sources")  # back where the person was going
        health = {
            row.get_attribute("id"): row.find_element(By.CSS_SELECTOR, ".health").text
            for row in browser.find_elements(By.CSS_SELECTOR, "#sources tr.source")
        }
        assert health["source-thoidai"] == "tốt" and health["source-baotinh"] == "hỏng"
        assert health["source-vufo"] == "tạm dừng"
        assert browser.find_elements(By.CSS_SELECTOR, "#runs-thoidai tr.run-ok")
        _follow(browser, browser.find_element(By.ID, "lang"))
        assert browser.find_element(By.TAG_NAME, "footer").text == "Huunghi · read-only · Hanoi time (GMT+7)"
        _follow(browser, browser.find_element(By.ID, "logout"))
        browser.get(base + "/sources")
        assert "/login" in browser.current_url
    finally:
        browser.quit()


def test_api_errors_say_vietnamese_first_and_keep_a_stable_code(open_site):
    base, _ids = open_site
    answers = {
        "/api/search?q=(thanh": (400, "bad_request", "câu tìm '(thanh': có dấu '(' chưa được đóng"),
        "/api/search?q=x&from=h%C3%B4m%20qua": (400, "bad_request", "from: 'hôm qua' không phải một ngày"),
        "/api/search?q=x&limit=0": (400, "bad_request", "limit: 0 ngoài khoảng 1–200"),
        "/api/articles/999999": (404, "no_article", "không có bài này"),
        "/api/stats?days=x": (400, "bad_request", "days: không phải số"),
        "/api/nope": (404, "not_found", "không có địa chỉ này"),
    }
    for path, (status, code, words) in answers.items():
        got = httpx.get(base + path)
        body = got.json()
        assert (got.status_code, body["code"]) == (status, code), (path, body)
        assert body["error"].startswith(words), (path, body)
        assert re.search(r"\([^()]*[a-z]+ [a-z]+", body["error"]), (path, body)  # the English follows


def _sources_on_page(base: str) -> tuple[dict[str, str], str]:
    page = httpx.get(base + "/sources").text
    rows = re.findall(r'<tr class="source health-\w+" id="source-([\w.-]+)">(.*?)</tr>', page, re.S)
    return {name: row for name, row in rows}, httpx.get(base + "/topics").text


def test_serve_follows_an_edited_file_and_keeps_the_last_good_one(archive_dir, tmp_path):
    """`huunghi serve` reads huunghi.toml again when it changes (sources, titles, topics), as the
    daemon does; a file that no longer reads is logged and the page keeps what it had."""
    work, _ids = archive_dir
    config = tmp_path / "huunghi.toml"
    first = (work / "open.toml").read_text(encoding="utf-8")
    config.write_text(first, encoding="utf-8")
    proc, base = _serve(config, work, {})
    try:
        rows, topics = _sources_on_page(base)
        assert "moi" not in rows and "Thời Đại mới" not in rows["thoidai"] and "Chủ đề thử" not in topics
        edited = first.replace('title = "Thời Đại"', 'title = "Thời Đại mới"') + (
            '[[sources]]\nname = "moi"\ntitle = "Báo mới"\nlistings = ["https://moi.test/"]\n'
            '[[topics]]\nname = "thu"\ntitle = "Chủ đề thử"\nquery = "hữu nghị"\n'
        )
        config.write_text(edited, encoding="utf-8")
        deadline = time.monotonic() + 60
        while True:
            rows, topics = _sources_on_page(base)
            if "moi" in rows:
                break
            assert time.monotonic() < deadline, "the edited file was never read"
            time.sleep(0.3)
        assert "Báo mới" in rows["moi"] and "Thời Đại mới" in rows["thoidai"] and "Chủ đề thử" in topics
        # broken: the page keeps the last good one
        config.write_text(edited + "[[sources\n", encoding="utf-8")
        stamp = config.stat().st_mtime_ns
        for _ in range(10):  # at least one request after the watcher looked again
            rows, topics = _sources_on_page(base)
            assert "moi" in rows and "Chủ đề thử" in topics
            time.sleep(0.3)
        assert config.stat().st_mtime_ns == stamp
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode("utf-8", "replace")
    assert "đã nạp lại cấu hình (configuration reloaded)" in out, out[-3000:]
    assert out.count("không nạp lại cấu hình") == 1 and "not valid TOML" in out, out[-3000:]
    assert "Traceback" not in out, out[-3000:]


def test_a_page_grouped_by_story_offers_no_empty_next_page(open_site):
    """Two reports of one story made one entry; the page counted articles and offered a "next"
    page that said nothing matches."""
    base, _ids = open_site
    api = httpx.get(base + "/api/search", params={"q": "thanh hoa", "group": "story"}).json()
    assert any(len(h["sources"]) > 1 for h in api["hits"]) and len(api["hits"]) < api["total"] <= 60
    page = httpx.get(base + "/", params={"q": "thanh hoa"})
    assert page.status_code == 200 and "page=2" not in page.text
