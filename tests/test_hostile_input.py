"""Any bytes in give an article or a clear reason, never an exception; huge pages stay bounded."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huunghi.crawler.extract.extractor import Extracted, Extractor, NotAnArticle
from huunghi.crawler.extract.html import MAX_HTML_CHARS, bound, decode
from huunghi.replicas import templates as T
from huunghi.replicas.catalog import build_catalogs

CATALOG = build_catalogs()["thoidai"]
PAGE = T.render_article(CATALOG, CATALOG.articles[0], "http://portal.test", random.Random(2))
PAGE_BYTES = PAGE.encode("utf-8")
URL = "http://portal.test" + T.article_path(CATALOG, CATALOG.articles[0])
# one extractor for the whole run: hostile pages must not break a learned site either
LEARNED = Extractor()
for _article in CATALOG.articles[1:6]:
    LEARNED.extract(
        T.render_article(CATALOG, _article, "http://portal.test", random.Random(1)),
        "http://portal.test" + T.article_path(CATALOG, _article),
    )


def _read(data: bytes, declared: str | None = None) -> Extracted | NotAnArticle:
    text, _warning = decode(data, declared)
    try:
        got = LEARNED.extract(text, URL)
    except NotAnArticle as exc:
        assert str(exc), "a reason must say something"
        return exc
    assert got.text.strip(), "an article is never empty"
    return got


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    st.binary(max_size=4096), st.sampled_from([None, "utf-8", "cp1252", "latin-1", "bogus-charset", "utf-16"])
)
def test_arbitrary_bytes(data, declared):
    _read(data, declared)


@SETTINGS
@given(st.integers(min_value=0, max_value=len(PAGE_BYTES)))
def test_truncated_pages(cut):
    _read(PAGE_BYTES[:cut])


@SETTINGS
@given(
    st.lists(
        st.sampled_from(
            [
                "<div>",
                "</div>",
                "<p>",
                "</p>",
                "<table>",
                "<td>",
                "<li>",
                "<a href='x'>",
                "</a>",
                "<script>",
                "</script>",
                "<!--",
                "-->",
                "<![CDATA[",
                "&#0;",
                "&#xD800;",
                "\x00",
                "\ufeff",
                "Hữu nghị ",
                "text ",
                "<br>",
                "<img src=x>",
                "<figure>",
                "<figcaption>",
                "<?xml version='1.0'?>",
                "<html>",
                "<body>",
                "<h1>",
                "</h1>",
            ]
        ),
        max_size=400,
    )
)
def test_garbage_markup(parts):
    _read("".join(parts).encode("utf-8", "surrogatepass"))


@SETTINGS
@given(st.integers(min_value=1, max_value=50_000), st.sampled_from(["div", "span", "table", "li", "b"]))
def test_deeply_nested_markup(depth, tag):
    html = f"<html><body>{f'<{tag}>' * depth}{'Nội dung bài viết. ' * 40}{f'</{tag}>' * depth}</body></html>"
    _read(html.encode("utf-8"))


@SETTINGS
@given(st.binary(min_size=1, max_size=200), st.integers(min_value=0, max_value=len(PAGE_BYTES)))
def test_bytes_spliced_into_a_real_page(junk, at):
    _read(PAGE_BYTES[:at] + junk + PAGE_BYTES[at:])


def test_bound_keeps_the_article_of_a_page_padded_with_scripts():
    padded = PAGE.replace("</head>", "<script>" + "var x = 1;" * 2_000_000 + "</script></head>")
    assert len(bound(padded)) <= MAX_HTML_CHARS
    assert CATALOG.articles[0].title in bound(padded)


def test_a_20_mb_page_is_bounded_in_memory():
    """In a child process, so its peak resident memory is its own (a measure, not a timing)."""
    script = textwrap.dedent(f"""
        import json, random, resource, sys
        sys.path.insert(0, {json.dumps(str(__import__("pathlib").Path(__file__).resolve().parents[1]))})
        from huunghi.crawler.extract.extractor import Extractor, NotAnArticle
        from huunghi.replicas import templates as T
        from huunghi.replicas.catalog import build_catalogs
        cat = build_catalogs()["thoidai"]
        page = T.render_article(cat, cat.articles[0], "http://p", random.Random(1))
        rail = "".join(f"<li><a href='/x{{i}}'>Tin bài liên quan số {{i}}</a></li>" for i in range(400_000))
        html = page.replace("</main>", "<aside><ul>" + rail + "</ul></aside></main>")
        assert len(html) > 20_000_000
        got = Extractor().extract(html, "http://p/a-1.html")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(json.dumps({{"mb": rss, "title": got.title, "chars": len(html)}}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["title"] == CATALOG.articles[0].title
    print(report)
    assert report["mb"] < 700, report  # the input alone is ~20 MB as bytes, ~80 MB as a Python str
