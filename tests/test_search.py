"""Search: the same results, in the same order, on SQLite (FTS5) and PostgreSQL, for Vietnamese
typed every way people type it; checked against the topic rules' plain-Python matcher."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import text

from huunghi.storage import db
from huunghi.storage.search import index as searchindex
from huunghi.storage.search import tokens as fulltext
from huunghi.storage.archive import Archive
from huunghi.text.query import Document, QueryError, matches, parse_query
from huunghi.storage.search.engine import SearchQuery
from huunghi.storage.search.snippets import highlight, snippet
from huunghi.storage.search.tokens import Term, fields, fts5_row
from tests.fixtures.searchdata import SEED_000, correct_seed_000, fill

VN = timezone(timedelta(hours=7))
NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731

# (query, what it must show) — with and without marks, both tone placements, NFD input
QUERIES = [
    "thanh hoa", "Thanh Hoá", "Thanh Hóa", NFD("Thanh Hóa"), "THANH HOA", '"thanh hoa"',
    "dong nai", "Đồng Nai", NFD("ĐỒNG NAI"), '"dong nai"', "đồng", "dong",
    '"đối ngoại nhân dân"', '"doi ngoai nhan dan"', "hữu nghị -lào", "hữu nghị NOT lào",
    "(lào OR campuchia) hữu nghị", "vufo OR paccom OR lhhn", "hữu*", "huu* lao", '"bù gia mập"', "bu gia map",
    '"hội hữu nghị"', '"hội hữu nghị" -campuchia', '"hội hữu nghị việt*" OR "thanh hoá"', '"nhân dân" -"hữu nghị việt nam"',
    '(hội -"hữu nghị việt") "nhân dân"', "nhật bản", "thuỷ", "thủy", "script", "drop table", "1=1", "not-a-word-anywhere",
]


@pytest.fixture(scope="module")
def archives(tmp_path_factory, request):
    """The same articles in a SQLite archive and, where reachable, a PostgreSQL one."""
    made = {}
    path = tmp_path_factory.mktemp("search") / "a.sqlite"
    made["sqlite"] = Archive(f"sqlite:///{path}")
    pg = request.getfixturevalue("pg_module_url")
    made["postgresql"] = Archive(pg)
    ids = {}
    for name, archive in made.items():
        ids[name] = fill(archive)
        correct_seed_000(archive)
    assert ids["sqlite"] == ids["postgresql"]
    yield made, ids["sqlite"]
    for archive in made.values():
        archive.close()


def _ids(archive: Archive, q: str, **kw) -> list[int]:
    return [h.article.id for h in archive.search(SearchQuery(text=q, limit=200, **kw)).hits]


def _reference(archive: Archive, q: str) -> set[int]:
    node = parse_query(q)
    return {a.id for a in archive.reads.iter_articles() if matches(node, Document(a.title, a.lead, a.body_text))}


@pytest.mark.postgres
@pytest.mark.parametrize("q", QUERIES)
def test_same_results_in_the_same_order_on_both_backends(archives, q):
    made, _ = archives
    for order in ("relevance", "date"):
        lite, pg = _ids(made["sqlite"], q, order=order), _ids(made["postgresql"], q, order=order)
        assert lite == pg, (q, order)
    # and the engines agree with the plain-Python matcher the topic rules use
    assert set(lite) == _reference(made["sqlite"], q), q


@pytest.mark.postgres
def test_folding_finds_every_spelling(archives):
    made, ids = archives
    for archive in made.values():
        hoa = set(_ids(archive, "thanh hoa"))
        assert {ids["-900001.html"], ids["-900002.html"], ids[SEED_000]} <= hoa  # Hóa, Hoá, both in one
        for spelling in ("Thanh Hoá", "Thanh Hóa", NFD("Thanh Hóa"), "THANH HOA"):
            assert set(_ids(archive, spelling)) == hoa
        assert ids["-900003.html"] in _ids(archive, "dong nai")  # typed in NFD capitals
        assert ids["-900003.html"] in _ids(archive, '"bu gia map"')
        assert ids["-900004.html"] in _ids(archive, "dong")      # đ → d: "Đông Hà"
        assert ids["-900001.html"] not in _ids(archive, "thanh hoa -lào")
        assert _ids(archive, "thủy") == _ids(archive, "thuỷ")
        assert _ids(archive, "not-a-word-anywhere") == []


@pytest.mark.postgres
def test_relevance_puts_headline_matches_first_and_date_order_is_newest_first(archives):
    made, ids = archives
    for archive in made.values():
        hits = archive.search(SearchQuery(text="thanh hoa", limit=50)).hits
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True) and scores[0] == 4.0
        assert all("·thanh·hoa" in " ".join(fts5_row(fields(h.article.title, "", ""))) for h in hits if h.score == 4.0)
        headline = [h for h in hits if h.score >= 3.0]
        assert all({"thanh", "hoa"} <= Document(h.article.title).vocab for h in headline)
        assert any(not {"thanh", "hoa"} <= Document(h.article.title).vocab for h in hits)
        by_date = archive.search(SearchQuery(text="hữu nghị", order="date", limit=50)).hits
        times = [h.article.published_at for h in by_date]
        assert times == sorted(times, reverse=True) and len(times) > 10


@pytest.mark.postgres
def test_filters(archives):
    made, ids = archives
    for archive in made.values():
        both = set(_ids(archive, "", story_id=archive.reads.article(ids[SEED_000]).story_id))
        assert ids[SEED_000] in both and ids["-276512.html"] in both and len(both) == 2  # seeds 000 and 002
        assert set(_ids(archive, "hữu nghị", sources=["baotinh"])) <= set(_ids(archive, "", sources=["baotinh"]))
        assert all(h.article.source == "quocte" for h in archive.search(SearchQuery(sources=["quocte"])).hits)
        assert _ids(archive, "", sources=["no-such-source"]) == []
        in_section = archive.search(SearchQuery(text="", sections=["Hữu nghị"], limit=200)).hits
        assert in_section and all(h.article.section.startswith("Hữu nghị") for h in in_section)
        assert ids["-900003.html"] in _ids(archive, "", tags=[("province", "Đồng Nai")])
        assert ids["-900003.html"] not in _ids(archive, "", tags=[("province", "Đồng Nai"), ("country", "Lào")])
        assert ids["-900001.html"] in _ids(archive, "", tags_any=[("country", "Lào"), ("country", "Cuba")])
        feb = _ids(archive, "", date_from=datetime(2026, 2, 4, tzinfo=VN), date_to=datetime(2026, 2, 6, tzinfo=VN))
        assert set(feb) == {ids["-900002.html"], ids["-900003.html"]}
        changed = _ids(archive, "", changed_since=datetime.now(VN) - timedelta(hours=1))
        assert changed == [ids[SEED_000]]
        assert _ids(archive, "", changed_since=datetime.now(VN) + timedelta(days=1)) == []


@pytest.mark.postgres
def test_hostile_and_broken_queries(archives):
    made, ids = archives
    for archive in made.values():
        for bad in ("-lào", "NOT vufo", "thanh OR -hoa", "(thanh hoa", '"a* b"', "()", '""', '" OR 1=1 --'):
            with pytest.raises(QueryError):
                archive.search(SearchQuery(text=bad))
        # operators of either engine are only words here; nothing is executed
        for q in ("NEAR(a b)", "title:thanh", "'; DROP TABLE articles; --", "a & b | !c", "x:*", "a' OR '1'='1"):
            archive.search(SearchQuery(text=q))
        assert ids["-900005.html"] in _ids(archive, "drop table articles")
        assert archive.reads.totals()["articles"] == len(ids)
        hit = next(h for h in archive.search(SearchQuery(text="script alert")).hits)
        assert "<script>" not in hit.title_html and hit.title_html.startswith("&lt;<mark>script</mark>&gt;")


@pytest.mark.postgres
def test_results_page_and_count(archives):
    made, _ = archives
    for archive in made.values():
        everything = archive.search(SearchQuery(text="hữu nghị", limit=200))
        assert everything.total == len(everything.hits) and everything.total_exact
        pages = [h.article.id for off in range(0, everything.total, 7)
                 for h in archive.search(SearchQuery(text="hữu nghị", limit=7, offset=off)).hits]
        assert pages == [h.article.id for h in everything.hits]


def test_a_correction_moves_the_index_with_it(tmp_path):
    with Archive(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        ids = fill(archive)
        before = set(_ids(archive, '"thanh hoa"', sources=["thoidai"]))
        correct_seed_000(archive)
        assert ids[SEED_000] in _ids(archive, '"dong nai"', sources=["thoidai"])
        assert set(_ids(archive, '"thanh hoa"', sources=["thoidai"])) == before  # still named once
        with archive.engine.begin() as conn:  # deleting an article takes its words out of the index
            conn.execute(text("DELETE FROM articles WHERE id = :i"), {"i": ids["-900004.html"]})
        assert ids["-900004.html"] not in _ids(archive, "đà nẵng")


def test_the_migration_indexes_articles_stored_before_search_existed(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = db.make_engine(url)
    cfg = db.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        conn.execute(text("INSERT INTO sources (id, name, title, homepage, definition, created_at) "
                          "VALUES (1, 'old', '', '', '{}', '2026-01-01 00:00:00')"))
        conn.execute(text(
            "INSERT INTO articles (id, source_id, url, title, lead, body_text, body_html, published_at, author, credit,"
            " section, language, images, extraction, content_hash, body_hash, shingles, visits, version_count,"
            " first_seen, last_seen) VALUES (7, 1, 'https://old.test/a-1.html', 'Thanh Hoá xưa', 'Lead', 'Body', '',"
            " '2025-05-01 03:00:00', '', '', 'Hữu nghị', 'vi', '[]', '', 'h', '', 0, 0, 1,"
            " '2025-05-01 03:00:00', '2025-05-01 03:00:00')"))
    engine.dispose()
    with Archive(url) as archive:  # opening upgrades to 0007, which indexes what is there
        assert _ids(archive, "thanh hoa") == [7]
        assert _ids(archive, "", sections=["Hữu nghị"]) == [7]


def test_sqlite_prefixes_read_as_the_words_they_stand_for(archives, monkeypatch):
    made, _ = archives
    lite = made["sqlite"]
    with lite.engine.connect() as conn:
        words = searchindex.expansions(conn, ["huu", "dong", "zzzq"])
    assert "huu" in words["huu"] and all(w.startswith("huu") for w in words["huu"])
    assert {"dong"} <= set(words["dong"]) and words["zzzq"] == []
    assert fulltext.to_fts5(parse_query("hữu* lào"), expand=words).startswith('(({title lead body} : ("huu"')
    expanded = {q: _ids(lite, q) for q in ("hữu*", "huu* lao", "dong* -nai", "zzzq*")}
    monkeypatch.setattr(searchindex, "EXPAND_MAX", 0)  # too many words: FTS5's own prefix scan, same answer
    assert {q: _ids(lite, q) for q in expanded} == expanded and expanded["hữu*"]


def test_a_word_first_seen_in_a_correction_is_found_by_its_prefix(tmp_path):
    with Archive(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        ids = fill(archive)
        assert _ids(archive, "dongnaiq*") == []
        correct_seed_000(archive, extra=" Dongnaiquê.")
        assert _ids(archive, "dongnaiq*") == [ids[SEED_000]]


def test_migration_0008_fills_what_an_index_made_before_it_lacks(archive_url):
    queries = ("hữu* lào", '"đối ngoại nhân dân"', '"hội hữu nghị" -campuchia', '"hội hữu nghị việt*"')
    with Archive(archive_url) as archive:
        fill(archive)
        expected = {q: _ids(archive, q) for q in queries}
    sqlite = archive_url.startswith("sqlite")
    engine = db.make_engine(archive_url)
    with engine.begin() as conn:  # as 0007 left it, before these tables existed (and triples, on PostgreSQL)
        conn.execute(text("DROP TABLE search_vocab" if sqlite else "DROP TABLE search_text"))
        if not sqlite:
            for column in ("tsv", "head"):
                conn.execute(text(f"UPDATE search_docs SET {column} = ts_delete({column}, ARRAY("
                                  f"SELECT lexeme FROM unnest({column}) WHERE lexeme LIKE '·%·%·%'))"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    engine.dispose()
    with Archive(archive_url) as archive:  # opening upgrades to 0008
        with archive.engine.connect() as conn:
            if sqlite:
                assert conn.execute(text("SELECT count(*) FROM search_vocab WHERE term LIKE '%·%'")).scalar() == 0
                assert "huu" in searchindex.expansions(conn, ["huu"])["huu"]
            else:
                assert conn.execute(text("SELECT count(*) FROM search_text")).scalar() == archive.reads.totals()["articles"]
        assert {q: _ids(archive, q) for q in queries} == expected and all(expected.values())


def test_snippets_mark_the_text_as_published():
    terms = [Term(("thanh", "hoa")), Term(("dong",), prefix=True)]
    text_ = "Liên hiệp tỉnh Thanh Hóa và thành phố Thanh Hoá cùng Đồng Nai, " + "đoạn dài " * 80
    cut = snippet(text_, terms, width=120)
    assert "<mark>Thanh Hóa</mark>" in cut.html() and "<mark>Thanh Hoá</mark>" in cut.html()
    assert "<mark>Đồng</mark> Nai" in cut.html() and cut.clipped_end and not cut.clipped_start
    nfd = highlight(NFD("Hội hữu nghị Thanh Hóa"), [Term(("thanh", "hoa"))])
    assert nfd.html() == "Hội hữu nghị <mark>Thanh Hóa</mark>"
    assert highlight("<b>Thanh Hoa</b>", [Term(("thanh",))]).html() == "&lt;b&gt;<mark>Thanh</mark> Hoa&lt;/b&gt;"
    far = snippet("mở đầu " * 200 + "Bù Gia Mập đón đoàn", [Term(("bu", "gia", "map"))], width=80)
    assert far.clipped_start and "<mark>Bù Gia Mập</mark>" in far.html()
