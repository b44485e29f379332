"""The template reading never loses to the generic one: each pattern on a page built for it.

Pages of one made-up site share a layout; the patterns (a table inside the body, a whole story in
one <br><br> block, link-only lines in the body's slot, teasers of sibling pages, class-less
table cells, headlines only in <title> and an <h2>) each appear in pages written for them.
"""

from __future__ import annotations

import subprocess
import sys

from bench.metric import f1, page_pr
from huunghi.crawler.extract.blocks import segment
from huunghi.crawler.extract.extractor import Extractor
from huunghi.crawler.extract.html import parse
from huunghi.crawler.extract.template import MIN_PAGES

WORDS = (
    "hội hữu nghị tỉnh tổ chức gặp mặt bạn bè quốc tế nhân dịp năm mới tăng cường hợp tác giao lưu "
    "văn hóa giáo dục y tế giữa nhân dân hai nước các đại biểu trao đổi kinh nghiệm"
).split()


def para(n: int, k: int = 40) -> str:
    """A distinct Vietnamese-looking sentence run of k words (n picks the order)."""
    words = " ".join(WORDS[(n * 7 + i * (n % 5 + 1)) % len(WORDS)] for i in range(k))
    return words.capitalize() + f" số {n}."


def page(n: int, body: str, title: str | None = None, extra: str = "") -> str:
    title = title or f"Tin số {n} về đối ngoại nhân dân"
    menu = "".join(f'<li><a href="/m{i}">Mục {i}</a></li>' for i in range(6))
    side = "".join(f"<li><a href=/s{i}>Tin bên lề {i + n}</a></li>" for i in range(5))
    return (
        f"<html><head><title>{title} | Báo Mẫu</title></head><body><ul class='menu'>{menu}</ul>"
        f"<div class='main'><h1>{title}</h1><div class='content'>{body}</div>{extra}</div>"
        f"<div class='side'><ul>{side}</ul></div></body></html>"
    )


def article(n: int) -> str:
    return page(n, "".join(f"<p>{para(n * 10 + j)}</p>" for j in range(5)))


def learned(extractor: Extractor, count: int = MIN_PAGES + 1) -> None:
    for n in range(count):
        body = "".join(f"<p>{para(n * 10 + j)}</p>" for j in range(5))
        extractor.extract(page(n, body), f"http://mau.vn/{n}")


def test_text_the_template_drops_but_the_generic_reading_keeps_is_merged_back():
    extractor = Extractor()
    learned(extractor)
    cell = para(902, 50)
    body = f"<p>{para(900)}</p><table><tr><td>{cell}</td></tr></table><p>{para(903)}</p><p>{para(904)}</p>"
    got = extractor.extract(page(99, body), "http://mau.vn/99")
    assert cell in got.text  # a table inside the body, in a slot the template never saw
    assert got.text.index(para(900)) < got.text.index(cell) < got.text.index(para(903))
    assert "Tin bên lề" not in got.text and "Mục 1" not in got.text


def test_link_only_lines_inside_the_body_slot_are_dropped():
    extractor = Extractor()
    learned(extractor)
    body = (
        f"<p>{para(700)}</p><p><a href='/x'>More leaks feared at Fukushima</a></p>"
        f"<p>{para(701)}</p><p><a href='/y'>Saudi raids break up drug gangs</a> 08 Mar 09</p>"
        f"<p>{para(702)}</p>"
    )
    got = extractor.extract(page(70, body), "http://mau.vn/70")
    assert got.method == "template"
    assert "Fukushima" not in got.text and "Saudi raids" not in got.text
    assert para(701) in got.text


def test_a_whole_story_in_one_br_block_is_learned_as_the_article():
    extractor = Extractor()
    methods = []
    for n in range(MIN_PAGES + 3):
        paragraphs = [para(n * 10 + j) for j in range(6)]
        html = page(n, "<br><br>".join(paragraphs))
        got = extractor.extract(html, f"http://cu.vn/{n}")
        methods.append(got.method)
        assert f1(*page_pr(got.text, "\n\n".join(paragraphs))) >= 0.99
        assert got.text.split("\n\n") == paragraphs  # both readings cut it at the <br>s
    assert methods[-1] == "template"


def test_a_short_template_reading_is_not_an_article_only_if_the_generic_one_agrees():
    extractor = Extractor()
    learned(extractor)
    # the article moved out of the learned body slot: the template keeps almost nothing
    html = page(
        80,
        f"<p>{para(800, 8)}</p>",
        extra="<div class='story-new'>" + "".join(f"<p>{para(810 + j)}</p>" for j in range(5)) + "</div>",
    )
    got = extractor.extract(html, "http://mau.vn/80")
    assert para(812) in got.text


def _cells(n: int, teasers: list[tuple[str, str]]) -> str:
    cells = "".join(
        f"<td><a href='/t{i}'><b>{t}</b></a><br>{lead}</td>" for i, (t, lead) in enumerate(teasers)
    )
    return (
        f"<html><head><title>Bài {n} có tiêu đề - dài - Báo Cũ</title></head><body><table>"
        f"<tr><td><h2>Bài {n} có tiêu đề - dài - đầy đủ</h2></td></tr>"
        f"<tr><td><b>{para(n * 3 + 1, 30)}</b></td></tr>"
        f"<tr><td><p>{para(n * 3 + 2)}</p><p>{para(n * 3 + 3)}</p></td></tr></table>"
        f"<table><tr>{cells}</tr></table></body></html>"
    )


def test_teasers_of_sibling_pages_are_furniture_and_a_page_keeps_its_own_lead():
    extractor = Extractor()
    leads = {n: para(n * 3 + 1, 30) for n in range(8)}
    for n in range(8):
        others = [(f"Bài {m} có tiêu đề - dài - đầy đủ", leads[m]) for m in range(8) if m != n]
        siblings = others[n % 3 : n % 3 + 2]
        got = extractor.extract(_cells(n, siblings), f"http://cu.vn/bai-{n}")
        assert got.lead == leads[n]  # trap 1: its own lead stays, though it is a teaser elsewhere
        assert got.title == f"Bài {n} có tiêu đề - dài - đầy đủ"  # the <h2>, not <title> cut at " - "
        for _title, lead in siblings:
            assert lead not in got.text


def test_class_less_table_cells_are_told_apart_by_position():
    tree = parse(
        "<html><body><table><tr><td><p>Thân bài</p></td><td><p>Ô tin khác</p></td></tr>"
        "<tr><td><p>Hàng hai</p></td></tr></table></body></html>"
    )
    sigs = [b.sig for b in segment(tree)[0]]
    assert len(set(sigs)) == 3


def test_the_site_name_is_never_the_title_and_home_is_not_a_section():
    extractor = Extractor()
    for n in range(4):
        html = (
            f"<html><head><title>Cổng Mẫu</title></head><body><div>Trang chủ » Hữu nghị</div>"
            f"<h3>Hội hữu nghị Việt - Nga tổng kết năm {2020 + n}</h3>"
            + "".join(f"<p>{para(n * 9 + j)}</p>" for j in range(4))
            + "</body></html>"
        )
        got = extractor.extract(html, f"http://congmau.vn/{n}")
        assert got.section == "Hữu nghị"
        if n >= 2:  # "Cổng Mẫu" on every page: the site's name
            assert got.title != "Cổng Mẫu"


def test_an_updated_at_line_is_not_body_text():
    extractor = Extractor()
    got = extractor.extract(
        page(
            5,
            "<p>Cập nhật lúc 09:15 ngày 12/03/2025</p>" + "".join(f"<p>{para(50 + j)}</p>" for j in range(4)),
        ),
        "http://mau.vn/5",
    )
    assert "Cập nhật" not in got.text


# what `huunghi extract` must never load: the crawler, the database stack, numeric libraries, the
# CLI framework (Typer and its pydantic validators) and the configuration
NEVER = {"scrapy", "sqlalchemy", "alembic", "scipy", "datasketch", "numpy", "typer", "pydantic", "rich"}
NEVER_OURS = {"huunghi.config", "huunghi.storage", "huunghi.monitor", "huunghi.web", "huunghi.replicas"}
_LOADED = (
    "import atexit, sys, json\n"
    "def report():\n"
    "    names = set(sys.modules)\n"
    "    names |= {m.split('.')[0] for m in names}\n"
    "    print(json.dumps(sorted(names)), file=sys.stderr)\n"
    "atexit.register(report)\n"
    "sys.argv = ['huunghi', *sys.argv[1:]]\n"
    "from huunghi.cli import run\n"
    "run()\n"
)


def _extract_process(tmp_path, lines: list[str], *args: str) -> tuple[list[dict], set[str]]:
    """`huunghi extract` as its console script runs it, in a real process: rows out, modules loaded."""
    import json

    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, *args, "extract", str(tmp_path / "in.jsonl")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    return [json.loads(x) for x in done.stdout.splitlines()], loaded


def test_extract_loads_only_what_extraction_needs(tmp_path):
    """A batch of one site: the first pages read generically (trafilatura, loaded then), the rest
    by the learned template; nothing of the crawler, the database, Typer or the configuration."""
    import json

    lines = [json.dumps({"url": f"http://mau.vn/{n}", "html": article(n)}) for n in range(MIN_PAGES + 3)]
    rows, loaded = _extract_process(tmp_path, lines)
    assert len(rows) == len(lines) and all(r["text"] for r in rows)
    assert loaded & (NEVER | NEVER_OURS) == set()
    assert "dateparser" not in loaded  # only a page printing a month in words needs it
    assert "trafilatura" in loaded  # the site's first pages were read generically


def test_extract_starts_without_the_generic_extractor(tmp_path):
    """Start-up alone (a batch with no page, --config given): not even trafilatura or htmldate,
    which the first page needing a generic reading or a date search loads."""
    rows, loaded = _extract_process(tmp_path, [""], "--config", str(tmp_path / "none.toml"))
    assert rows == []
    assert (
        loaded & (NEVER | NEVER_OURS | {"trafilatura", "htmldate", "dateparser", "lxml_html_clean"}) == set()
    )


def test_a_plain_extract_command_line_skips_typer_and_anything_else_goes_through_it():
    from pathlib import Path

    from huunghi.cli.extract_batch import plain_arguments

    assert plain_arguments(["extract"]) == ("-", None, None)
    assert plain_arguments(["extract", "a.jsonl", "-o", "b.jsonl"]) == ("a.jsonl", Path("b.jsonl"), None)
    assert plain_arguments(["-c", "x.toml", "extract", "--output=b", "-"]) == ("-", Path("b"), None)
    assert plain_arguments(["extract", "--templates", "t.json", "a"]) == ("a", None, Path("t.json"))
    assert plain_arguments(["extract", "--templates=t.json"]) == ("-", None, Path("t.json"))
    for typer_answers in (
        ["extract", "--help"],
        ["extract", "a", "b"],
        ["extract", "-o"],
        ["extract", "--templates"],
        ["extract", "--templates", "a", "--templates", "b"],
        ["crawl"],
        [],
    ):
        assert plain_arguments(typer_answers) is None


def test_extract_through_typer_writes_the_same_rows(tmp_path):
    """`huunghi extract --output X FILE` (options first: Typer's path) and the plain path agree."""
    import json

    from typer.testing import CliRunner

    from huunghi.cli import app

    lines = [json.dumps({"url": f"http://mau.vn/{n}", "html": article(n)}) for n in range(MIN_PAGES + 2)]
    rows, _ = _extract_process(tmp_path, lines)
    result = CliRunner().invoke(
        app, ["extract", "--output", str(tmp_path / "out.jsonl"), str(tmp_path / "in.jsonl")]
    )
    assert result.exit_code == 0, result.output
    typer_rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert typer_rows == rows


def test_content_in_rarely_seen_slots_inside_the_body_is_kept():
    extractor = Extractor()
    learned(extractor)
    quote = para(601, 30)
    item = para(602, 20)
    body = (
        f"<p>{para(600)}</p><blockquote class='q'><div><p>{quote}</p></div></blockquote>"
        f"<ul><li>{item}</li></ul><p>{para(603)}</p><p>{para(604)}</p>"
    )
    got = extractor.extract(page(60, body), "http://mau.vn/60")
    assert quote in got.text and item in got.text
    assert "Tin bên lề" not in got.text


def test_a_crosshead_written_straight_into_the_body_element_is_kept():
    """Old CMSs write crossheads as inline text of the body's element, between its paragraphs:
    each is a block of its own, in its place, and the learned template keeps it."""
    extractor = Extractor()
    learned(extractor)
    heads = ["Những con số ấn tượng", "Hướng tới năm 2030"]
    body = (
        f"<p>{para(700)}</p><span class='cross-head'>{heads[0]}</span><p>{para(701)}</p>"
        f"<p>{para(702)}</p><span class='cross-head'>{heads[1]}</span><p>{para(703)}</p>"
    )
    got = extractor.extract(page(70, body), "http://mau.vn/70")
    assert got.method == "template"
    paragraphs = got.body_text.split("\n\n")
    assert paragraphs == [para(700), heads[0], para(701), para(702), heads[1], para(703)]


def test_a_date_the_page_declares_as_such_is_not_body_text_in_any_language():
    extractor = Extractor()
    stamp = "segunda-feira, 22 de janeiro de 2018 às 0:13"
    body = f"<span class='data' itemprop='datePublished'>{stamp}</span>" + "".join(
        f"<p>{para(80 + j)}</p>" for j in range(4)
    )
    got = extractor.extract(page(80, body), "http://outro.com.br/80")
    assert stamp not in got.text and para(80) in got.text


def test_a_closing_line_announcing_a_list_of_links_is_not_body_text():
    extractor = Extractor()
    body = "".join(f"<p>{para(90 + j)}</p>" for j in range(4)) + "<p>Bạn có thể quan tâm:</p>"
    links = "".join(f"<li><a href='/r{i}'>Bài liên quan số {i} về hữu nghị</a></li>" for i in range(4))
    got = extractor.extract(page(90, body, extra=f"<ul class='rel'>{links}</ul>"), "http://mau.vn/90")
    assert got.body_text.split("\n\n")[-1] == para(93)
    said = "".join(f"<p>{para(95 + j)}</p>" for j in range(3)) + "<p>Ông nói:</p><p>" + para(99) + "</p>"
    kept = extractor.extract(page(95, said), "http://mau.vn/95")
    assert "Ông nói:" in kept.text  # followed by body text, the line stays


def _replica_batch(tmp_path, name: str, visit: int, count: int = 12) -> tuple[object, list]:
    """``count`` articles of one replica portal as fetched on one visit (its own sidebars)."""
    import json
    import random

    from huunghi.replicas import templates as T
    from huunghi.replicas.catalog import build_catalogs

    catalog = build_catalogs()["thoidai"]
    rng = random.Random(visit)
    host = "http://thoidai.replica"
    articles = catalog.articles[:count]
    lines = [
        json.dumps(
            {"url": host + T.article_path(catalog, a), "html": T.render_article(catalog, a, host, rng)}
        )
        for a in articles
    ]
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, articles


def _run_extract(*args: str) -> tuple[list[dict], set[str], str]:
    import json

    done = subprocess.run(
        [sys.executable, "-c", _LOADED, "extract", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stderr.strip().splitlines()[-1]))
    return [json.loads(x) for x in done.stdout.splitlines()], loaded, done.stderr


def test_templates_kept_between_runs_read_the_next_batch_without_the_generic_extractor(tmp_path):
    """Real replica pages: a first batch learns the site's template and keeps it in the file; the
    next batch (the same articles on another visit, every sidebar rotated) is read by it from the
    first page, audited by the cheap reading, trafilatura never loaded, every article exact."""
    import json

    kept = tmp_path / "templates.json"
    first, articles = _replica_batch(tmp_path, "first", visit=5)
    rows, loaded, _ = _run_extract(str(first), "--templates", str(kept))
    assert "trafilatura" in loaded  # the site's first pages were read generically
    assert [r["text"] for r in rows] == [a.text for a in articles]
    stored = json.loads(kept.read_text(encoding="utf-8"))
    assert list(stored["sites"]) == ["thoidai.replica"]
    learned_pages = json.loads(stored["sites"]["thoidai.replica"])["pages"]

    second, _ = _replica_batch(tmp_path, "second", visit=6)
    rows, loaded, _ = _run_extract(str(second), "--templates", str(kept))
    assert "trafilatura" not in loaded
    assert [r["text"] for r in rows] == [a.text for a in articles]
    assert [r["title"] for r in rows] == [a.title for a in articles]
    again = json.loads(json.loads(kept.read_text(encoding="utf-8"))["sites"]["thoidai.replica"])
    assert again["template_pages"] > 12  # the second batch was read by the kept template
    assert again["pages"] >= learned_pages

    cold, _, _ = _run_extract(str(second))  # the same batch with nothing kept reads the same
    assert [r["text"] for r in cold] == [r["text"] for r in rows]


def test_an_unreadable_templates_file_is_relearned_not_fatal(tmp_path):
    import json

    kept = tmp_path / "templates.json"
    kept.write_text("{not json", encoding="utf-8")
    batch, articles = _replica_batch(tmp_path, "first", visit=5, count=5)
    rows, _, stderr = _run_extract(str(batch), "--templates", str(kept))
    assert "bỏ qua tệp khuôn trang" in stderr
    assert [r["text"] for r in rows] == [a.text for a in articles]
    assert "thoidai.replica" in json.loads(kept.read_text(encoding="utf-8"))["sites"]


def test_a_periodic_audit_the_cheap_reading_confirms_skips_trafilatura(monkeypatch):
    """The first audit of a template is trafilatura's; a later one passes on the cheap reading
    when it agrees, and goes to trafilatura when the cheap reading cannot confirm it."""
    from huunghi.crawler.extract import extractor as X
    from huunghi.crawler.extract.template import AUDIT_EVERY

    calls: list[str] = []
    real = X._generic_paragraphs
    monkeypatch.setattr(X, "_generic_paragraphs", lambda tree, url: calls.append(url) or real(tree, url))
    extractor = Extractor()
    learned(extractor, MIN_PAGES)
    extractor.extract(article(50), "http://mau.vn/50")  # the template's first reading: its first audit
    assert calls[-1] == "http://mau.vn/50"
    site = extractor.book.get("mau.vn")
    site.template_pages = AUDIT_EVERY  # the next reading is a periodic audit
    calls.clear()
    got = extractor.extract(article(51), "http://mau.vn/51")
    assert got.method == "template" and calls == []
    site.template_pages = 2 * AUDIT_EVERY
    hidden = para(520, 120)  # prose beside the body, in a slot the template never saw
    body = "".join(f"<p>{para(510 + j)}</p>" for j in range(4))
    got = extractor.extract(page(52, body, extra=f"<div class='box'>{hidden}</div>"), "http://mau.vn/52")
    assert calls == ["http://mau.vn/52"]  # no clear prose container: trafilatura audits the page
    assert got.text


def test_extract_through_typer_keeps_templates_too(tmp_path):
    """Options first (Typer's path): --templates is honoured there as on the plain path."""
    import json

    from typer.testing import CliRunner

    from huunghi.cli import app

    batch, articles = _replica_batch(tmp_path, "first", visit=5, count=5)
    kept = tmp_path / "t.json"
    result = CliRunner().invoke(
        app, ["extract", "--templates", str(kept), "--output", str(tmp_path / "out.jsonl"), str(batch)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == [a.text for a in articles]
    assert "thoidai.replica" in json.loads(kept.read_text(encoding="utf-8"))["sites"]
