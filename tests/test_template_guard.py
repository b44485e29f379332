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


def test_extraction_imports_neither_scrapy_nor_the_database_stack():
    code = (
        "import sys, json; from huunghi.cli import app; from huunghi.crawler.batch import extract_lines; "
        "list(extract_lines([json.dumps({'url': 'http://a/b', 'html': '<p>x</p>'})])); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'scrapy', 'sqlalchemy', 'alembic', 'scipy', 'datasketch'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


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
