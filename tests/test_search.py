"""Search: the same results, in the same order, on SQLite (FTS5) and PostgreSQL, for Vietnamese
typed every way people type it; checked against the topic rules' plain-Python matcher."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text

from huunghi.storage import db
from huunghi.storage.archive import Archive
from huunghi.storage.search import index as searchindex
from huunghi.storage.search import tokens as fulltext
from huunghi.storage.search.engine import SearchQuery
from huunghi.storage.search.snippets import highlight, snippet
from huunghi.storage.search.tokens import Term, fields, fts5_row
from huunghi.text.query import Document, QueryError, matches, parse_query
from tests.fixtures.searchdata import QUERIES, SEED_000, correct_seed_000, fill, fill_marked

VN = timezone(timedelta(hours=7))
NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
NFC = lambda s: unicodedata.normalize("NFC", s)  # noqa: E731


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
        ids[name].update(fill_marked(archive))
    assert ids["sqlite"] == ids["postgresql"]
    yield made, ids["sqlite"]
    for archive in made.values():
        archive.close()


def _ids(archive: Archive, q: str, **kw) -> list[int]:
    return [h.article.id for h in archive.search(SearchQuery(text=q, limit=200, **kw)).hits]


def _reference(archive: Archive, q: str, loose: bool | None = None) -> set[int]:
    """The plain-Python matcher over every article, in the reading search used (``loose``)."""
    if loose is None:
        loose = archive.search(SearchQuery(text=q, limit=1)).reading == "loose"
    node = parse_query(q, loose=loose)
    return {
        a.id for a in archive.reads.iter_articles() if matches(node, Document(a.title, a.lead, a.body_text))
    }


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
        assert set(_ids(archive, "THANH HOA")) == hoa
        marked = set(_ids(archive, "Thanh Hóa"))
        for spelling in ("Thanh Hoá", NFD("Thanh Hóa"), NFD("THANH HOÁ")):  # either placement, NFC or NFD
            assert set(_ids(archive, spelling)) == marked
        # marks typed are marks meant: not the article written without them, nor "thanh hòa"
        assert ids["-910004.html"] in marked and ids["-910004.html"] in hoa
        assert {ids["-900001.html"], ids["-900002.html"], ids[SEED_000]} <= marked < hoa
        assert ids["-910003.html"] not in marked and ids["-910003.html"] in _ids(archive, "thanh hòa")
        assert ids["-900003.html"] in _ids(archive, "dong nai")  # typed in NFD capitals
        assert ids["-900003.html"] in _ids(archive, '"bu gia map"')
        assert ids["-900004.html"] in _ids(archive, "dong")  # đ → d: "Đông Hà"
        assert ids["-900001.html"] not in _ids(archive, "thanh hoa -lào")
        assert _ids(archive, "thủy") == _ids(archive, "thuỷ")
        assert _ids(archive, "not-a-word-anywhere") == []


@pytest.mark.postgres
def test_marks_typed_are_marks_meant_and_exact_forms_rank_first(archives):
    made, ids = archives
    m1, m2, m3, m4 = (ids[f"-91000{i}.html"] for i in range(1, 5))
    for archive in made.values():
        hoa_binh = set(_ids(archive, "Hòa Bình"))
        assert (
            {m1, m2, m3} <= hoa_binh == set(_ids(archive, "Hoà Bình")) == set(_ids(archive, NFD("HOÀ BÌNH")))
        )
        assert m4 not in hoa_binh  # "Hoa ky va van hoa": no "hòa"
        assert hoa_binh <= set(_ids(archive, "hoa binh"))  # bare: every form ("Hòa Bình", "hòa bình", ...)
        assert m3 not in _ids(archive, "hóa") and m3 in _ids(archive, "hỏa") and m3 in _ids(archive, "hoa")
        assert m1 in _ids(archive, "văn hoá") and m2 in _ids(archive, "văn hóa")
        assert m4 not in _ids(archive, "văn hóa") and m4 in _ids(archive, "van hoa")
        assert m2 in _ids(archive, "đi") and m3 not in _ids(archive, "đi")  # "đi", not "di chuyển"
        assert {m2, m3} <= set(_ids(archive, "di"))  # bare "d": "đ" as well
        # the form typed ranks first: "hoa" without marks (the flower) before "hóa", "hòa"
        hits = archive.search(SearchQuery(text="hoa", limit=50)).hits
        exact = [h.article.id for h in hits if h.score == 3.5]
        assert {m3, m4} <= set(exact) and exact == [h.article.id for h in hits[: len(exact)]]
        assert all("hoa" in h.article.title.lower().split() for h in hits[: len(exact)])
        first = archive.search(SearchQuery(text="thanh hoa", limit=3)).hits[0]
        assert first.article.id == m4 and first.score == 4.5


@pytest.mark.postgres
def test_relevance_puts_headline_matches_first_and_date_order_is_newest_first(archives):
    made, ids = archives
    for archive in made.values():
        hits = archive.search(SearchQuery(text="~thanh hoa", limit=50)).hits
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True) and scores[0] == 4.5  # "Thanh Hoa", as typed
        assert all(
            "·thanh·hoa" in " ".join(fts5_row(fields(h.article.title, "", "")))
            for h in hits
            if h.score == 4.0
        )
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
        assert set(_ids(archive, "hữu nghị", sources=["baotinh"])) <= set(
            _ids(archive, "", sources=["baotinh"])
        )
        assert all(h.article.source == "quocte" for h in archive.search(SearchQuery(sources=["quocte"])).hits)
        assert _ids(archive, "", sources=["no-such-source"]) == []
        in_section = archive.search(SearchQuery(text="", sections=["Hữu nghị"], limit=200)).hits
        assert in_section and all(h.article.section.startswith("Hữu nghị") for h in in_section)
        assert ids["-900003.html"] in _ids(archive, "", tags=[("province", "Đồng Nai")])
        assert ids["-900003.html"] not in _ids(
            archive, "", tags=[("province", "Đồng Nai"), ("country", "Lào")]
        )
        assert ids["-900001.html"] in _ids(archive, "", tags_any=[("country", "Lào"), ("country", "Cuba")])
        feb = _ids(
            archive, "", date_from=datetime(2026, 2, 4, tzinfo=VN), date_to=datetime(2026, 2, 6, tzinfo=VN)
        )
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
        for q in (
            "NEAR(a b)",
            "title:thanh",
            "'; DROP TABLE articles; --",
            "a & b | !c",
            "x:*",
            "a' OR '1'='1",
        ):
            archive.search(SearchQuery(text=q))
        assert ids["-900005.html"] in _ids(archive, "drop table articles")
        assert archive.reads.totals()["articles"] == len(ids)
        hit = next(h for h in archive.search(SearchQuery(text="~script alert")).hits)
        assert "<script>" not in hit.title_html and hit.title_html.startswith("&lt;<mark>script</mark>&gt;")


@pytest.mark.postgres
def test_results_page_and_count(archives):
    made, _ = archives
    for archive in made.values():
        everything = archive.search(SearchQuery(text="hữu nghị", limit=200))
        assert everything.total == len(everything.hits) and everything.total_exact
        pages = [
            h.article.id
            for off in range(0, everything.total, 7)
            for h in archive.search(SearchQuery(text="hữu nghị", limit=7, offset=off)).hits
        ]
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
        conn.execute(
            text(
                "INSERT INTO sources (id, name, title, homepage, definition, created_at) "
                "VALUES (1, 'old', '', '', '{}', '2026-01-01 00:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO articles (id, source_id, url, title, lead, body_text, body_html, published_at,"
                " author, credit, section, language, images, extraction, content_hash, body_hash, shingles,"
                " visits, version_count, first_seen, last_seen)"
                " VALUES (7, 1, 'https://old.test/a-1.html', 'Thanh Hoá xưa', 'Lead', 'Body', '',"
                " '2025-05-01 03:00:00', '', '', 'Hữu nghị', 'vi', '[]', '', 'h', '', 0, 0, 1,"
                " '2025-05-01 03:00:00', '2025-05-01 03:00:00')"
            )
        )
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
    with engine.begin() as conn:  # the later migrations undone by Alembic itself, down to 0008
        cfg = db.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    with engine.begin() as conn:  # as 0007 left it, before these tables existed (and triples, on PostgreSQL)
        conn.execute(text("DROP TABLE search_vocab" if sqlite else "DROP TABLE search_text"))
        if not sqlite:
            for column in ("tsv", "head"):
                conn.execute(
                    text(
                        f"UPDATE search_docs SET {column} = ts_delete({column}, ARRAY("
                        f"SELECT lexeme FROM unnest({column}) WHERE lexeme LIKE '·%·%·%'))"
                    )
                )
        conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    engine.dispose()
    with Archive(archive_url) as archive:  # opening upgrades to 0008
        with archive.engine.connect() as conn:
            if sqlite:
                assert (
                    conn.execute(text("SELECT count(*) FROM search_vocab WHERE term LIKE '%·%'")).scalar()
                    == 0
                )
                assert "huu" in searchindex.expansions(conn, ["huu"])["huu"]
            else:
                assert (
                    conn.execute(text("SELECT count(*) FROM search_text")).scalar()
                    == archive.reads.totals()["articles"]
                )
        assert {q: _ids(archive, q) for q in queries} == expected and all(expected.values())


def _downgraded(archive_url: str, revision: str) -> Engine:
    """An engine on the archive after its schema is taken down to ``revision``."""
    engine = db.make_engine(archive_url)
    with engine.begin() as conn:
        cfg = db.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    return engine


def _rewrite_fts(conn: Connection, row_of: Callable[[str, str, str], tuple[str, ...]]) -> None:
    """Every FTS5 row written again as ``row_of(title, lead, body)`` gives it (an older writer)."""
    rows = conn.execute(
        text(
            "SELECT d.sort_key, a.title, a.lead, a.body_text FROM search_docs AS d "
            "JOIN articles AS a ON a.id = d.article_id"
        )
    ).all()
    for key, title, lead, body in rows:
        t, le, b = row_of(title, lead, body)
        conn.execute(
            text("UPDATE search_fts SET title = :t, lead = :l, body = :b WHERE rowid = :k"),
            {"t": t, "l": le, "b": b, "k": key},
        )


def _drop_lexemes(conn: Connection, like: str) -> None:
    """PostgreSQL's vectors without the lexemes matching ``like`` (what an older writer left out)."""
    for column in ("tsv", "head"):
        conn.execute(
            text(
                f"UPDATE search_docs SET {column} = ts_delete({column}, ARRAY("
                f"SELECT lexeme FROM unnest({column}) WHERE lexeme LIKE '{like}'))"
            )
        )


def test_migration_0013_gives_articles_indexed_before_it_their_keys(archive_url):
    """An archive indexed before marks were honoured (no key tokens, no line of keys, tags
    without where they were found) is indexed again on opening, and marked queries then find
    what they find in an archive made today."""
    queries = ("Thanh Hóa", "hóa", "hữu nghị", '"hội hữu nghị việt*"', "Đồng Nai -hòa", "thanh hoa")
    with Archive(archive_url) as archive:
        fill(archive)
        expected = {q: _ids(archive, q) for q in queries}
    engine = _downgraded(archive_url, "0012")
    with engine.begin() as conn:  # the index as the writer before 0013 left it
        if archive_url.startswith("sqlite"):
            _rewrite_fts(conn, lambda title, lead, body: fts5_row(fields(title, lead, body)))
        else:
            _drop_lexemes(conn, f"{fulltext.MARK}%")
            conn.execute(text("ALTER TABLE search_text DROP COLUMN marks"))
    engine.dispose()
    with Archive(archive_url) as archive:  # opening upgrades to 0013
        assert {q: _ids(archive, q) for q in queries} == expected and all(expected.values())
        one = next(iter(archive.reads.iter_articles()))
        assert archive.reads.tag_places(one.id) and all(
            r["main"] is None for r in archive.reads.tag_places(one.id)
        )  # not known: read again from the text where needed


def _index_of(archive_url: str) -> list[tuple]:
    engine = db.make_engine(archive_url)
    with engine.connect() as conn:
        if archive_url.startswith("sqlite"):
            sql = "SELECT rowid, title, lead, body FROM search_fts ORDER BY rowid"
        else:
            sql = "SELECT sort_key, CAST(tsv AS text), CAST(head AS text) FROM search_docs ORDER BY sort_key"
        rows = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return rows


def test_migration_0014_adds_key_pairs_to_an_index_made_before_them(archive_url):
    """An archive indexed before key pair tokens gets them on opening, read off its index: the
    index is then what the writer makes today, token for token, and queries find the same."""
    queries = ("hữu nghị", "Thanh Hóa", '"hội hữu nghị việt nam" lào', "ủy ban hòa bình", "hội hữu*")
    with Archive(archive_url) as archive:
        fill(archive)
        fill_marked(archive)
        expected = {q: _ids(archive, q) for q in queries}
    written = _index_of(archive_url)
    engine = _downgraded(archive_url, "0013")
    with engine.begin() as conn:  # the index as the writer of 0013 left it
        if archive_url.startswith("sqlite"):

            def row_0013(title: str, lead: str, body: str) -> tuple[str, ...]:
                fw, kw = fulltext.marked_fields(title, lead, body)
                return tuple(
                    " ".join(ws + fulltext.pairs(ws) + [fulltext.MARK + k for k in ks])
                    for ws, ks in zip(fw, kw)
                )

            _rewrite_fts(conn, row_0013)
        else:
            _drop_lexemes(conn, f"{fulltext.MARK}%{fulltext.MARK}%")
    engine.dispose()
    assert _index_of(archive_url) != written
    with Archive(archive_url) as archive:  # opening upgrades to 0014
        assert {q: _ids(archive, q) for q in queries} == expected and all(expected.values())
    assert _index_of(archive_url) == written


def test_key_pairs_in_both_layouts():
    """FTS5 holds a key pair for every pair (the folded pair where neither word has a mark), at
    consecutive positions after the keys; PostgreSQL only where both words have a mark."""
    fw, kw = fulltext.marked_fields("Hữu nghị Việt Nam", "", "ban nam")
    title = fts5_row(fw, kw)[0].split(" ")  # keys are NFD, key pairs NFC (looked up whole only)
    assert title[-3:] == [NFC(t) for t in ("¨hữu¨nghị", "¨nghị¨việt", "¨việt¨nam")]
    assert fts5_row(fw, kw)[2].split(" ")[-1] == "·ban·nam"
    vector = NFC(fulltext.tsvector_literal(fw, (), kw))
    assert "'¨hữu¨nghị':1A" in vector and "'¨nghị¨việt':2A" in vector and "¨việt¨nam" not in vector
    node = parse_query("hữu nghị")
    assert NFC(fulltext.to_tsquery(node)) == "('¨hữu¨nghị')" and not fulltext.needs_positions(node)
    assert "¨hữu¨nghị ¨nghị¨việt" in NFC(fulltext.to_fts5(parse_query('"hữu nghị việt"')))
    # a bare syllable: every key the index holds for it, each a phrase of key pairs; none: nothing
    mixed = NFC(fulltext.to_fts5(parse_query("hữu nghị việt nam"), keys={"nam": ["nam", NFD("năm")]}))
    assert '"¨hữu¨nghị ¨nghị¨việt ¨việt¨nam"' in mixed and '"¨hữu¨nghị ¨nghị¨việt ¨việt¨năm"' in mixed
    assert not fulltext.needs_check(parse_query("hữu nghị việt nam"), {"nam": ["nam", "năm"]})


def test_snippets_mark_the_text_as_published():
    terms = [Term(("thanh", "hoa")), Term(("dong",), prefix=True)]
    text_ = "Liên hiệp tỉnh Thanh Hóa và thành phố Thanh Hoá cùng Đồng Nai, " + "đoạn dài " * 80
    cut = snippet(text_, terms, width=120)
    assert "<mark>Thanh Hóa</mark>" in cut.html() and "<mark>Thanh Hoá</mark>" in cut.html()
    assert "<mark>Đồng</mark> Nai" in cut.html() and cut.clipped_end and not cut.clipped_start
    nfd = highlight(NFD("Hội hữu nghị Thanh Hóa"), [Term(("thanh", "hoa"))])
    assert nfd.html() == "Hội hữu nghị <mark>Thanh Hóa</mark>"
    assert (
        highlight("<b>Thanh Hoa</b>", [Term(("thanh",))]).html()
        == "&lt;b&gt;<mark>Thanh</mark> Hoa&lt;/b&gt;"
    )
    far = snippet("mở đầu " * 200 + "Bù Gia Mập đón đoàn", [Term(("bu", "gia", "map"))], width=80)
    assert far.clipped_start and "<mark>Bù Gia Mập</mark>" in far.html()


# one tokenizer: "_" and punctuation split words, digits are letters of a word
TOKEN_CORPUS = [
    (
        "Ho_Chi_Minh đón khách",
        "Thành phố Hồ Chí Minh, snake_case_word.",
        "COVID-19 và Covid19; năm 2026, số 42a.",
    ),
    ("x_1 và y2", "Chi hội mới", "Đường 3/2 tại Cần Thơ."),
    ("Thành phố Thanh Hóa", "Lễ hội hoa", "Hoa Kỳ và thành phố khác."),
    ("Tin thanh niên", "thành phố lớn; hoa đào nở", "minh_bach__chi"),
]
TOKEN_QUERIES = [
    "chi",
    "ho chi minh",
    '"ho chi minh"',
    "minh",
    "19",
    "covid",
    "covid19",
    "covid 19",
    "2026",
    "42a",
    "42*",
    "case",
    "snake_case",
    "snake case word",
    "x",
    "1",
    "x_1",
    "y2",
    "3 2",
    "ho_chi*",
    "chi*",
    "thanh hoa",
    "~thanh hoa",
    "thanh pho",
    "hoa",
    "bach chi",
    "minh_bach",
]


@pytest.mark.postgres
def test_one_tokenizer_the_matcher_and_both_engines_agree(tmp_path, pg_url):
    from tests.fixtures.searchdata import _store

    made = {"sqlite": Archive(f"sqlite:///{tmp_path / 't.sqlite'}"), "postgresql": Archive(pg_url)}
    try:
        for archive in made.values():
            sid = archive.crawls.ensure_source("tok", "Tok", "https://tok.test/")
            for k, (title, lead, body) in enumerate(TOKEN_CORPUS):
                _store(
                    archive,
                    sid,
                    f"https://tok.test/a-{k + 1}.html",
                    title,
                    lead,
                    body,
                    datetime(2026, 3, 1 + k, tzinfo=VN),
                    "Thời sự",
                )
        for q in TOKEN_QUERIES:
            lite, pg = _ids(made["sqlite"], q), _ids(made["postgresql"], q)
            assert lite == pg, q
            assert set(lite) == _reference(made["sqlite"], q), q
        # the topic rules' matcher sees Ho_Chi_Minh as three words, as search does
        assert matches(parse_query("chi"), Document("Ho_Chi_Minh")) and _ids(made["sqlite"], "chi")
        assert len(_ids(made["sqlite"], "covid 19")) == 1 and _ids(made["sqlite"], "snake case word")
    finally:
        for archive in made.values():
            archive.close()


@pytest.mark.postgres
def test_syllables_typed_together_are_a_word_first(archives):
    made, ids = archives
    for archive in made.values():
        word = archive.search(SearchQuery(text="thanh hoa", limit=200))
        apart = archive.search(SearchQuery(text="~thanh hoa", limit=200))
        same = archive.search(SearchQuery(text="thanh hoa", loose=True, limit=200))
        assert word.reading == "words" and apart.reading == "loose" and same.reading == "loose"
        assert [h.article.id for h in apart.hits] == [h.article.id for h in same.hits]
        assert {h.article.id for h in word.hits} == set(_ids(archive, '"thanh hoa"'))
        assert {h.article.id for h in word.hits} < {h.article.id for h in apart.hits}
        assert word.reading_label == f"{word.total} bài"
        assert apart.reading_label == f"{apart.total} bài có các từ rời nhau"
        # nothing as a word: the syllables stand apart, and the result says so
        fallback = archive.search(SearchQuery(text="đà nẵng hữu nghị"))
        assert fallback.reading == "loose" and ids["-900004.html"] in [h.article.id for h in fallback.hits]
        assert archive.search(SearchQuery(text="not-a-word-anywhere")).reading == "words"
    assert parse_query("thanh hoa") == parse_query('"thanh hoa"') == parse_query("THANH HOA")
    assert parse_query("Thanh Hóa") == parse_query('"Thanh Hoá"') == parse_query(NFD("THANH HÓA"))
    assert parse_query("~thanh hoa") == parse_query("thanh AND hoa") == parse_query("thanh hoa", loose=True)
    assert parse_query("bóng đá -bóng đá") != parse_query("~bóng đá -bóng đá")
    topic = parse_query("thanh hoa")  # topic rules read the query as search does
    assert matches(topic, Document("Tỉnh Thanh Hóa")) and not matches(topic, Document("thành phố và Hoa Kỳ"))


@pytest.mark.postgres
def test_results_by_story_list_their_sources_and_the_plain_shape_stays(archives):
    from huunghi.monitor.searching import build_query, result_json, run

    made, ids = archives
    for archive in made.values():
        story = archive.reads.article(ids[SEED_000]).story_id
        plain = run(archive, build_query("", story=story, limit=50))
        grouped = run(archive, build_query("", story=story, limit=50, group="story"))
        assert len(plain.hits) == 2 and len(grouped.hits) == 1  # seeds 000 and 002: one event, two portals
        entry = grouped.hits[0]
        assert {entry.article.id, *(x.article.id for x in entry.also)} == {h.article.id for h in plain.hits}
        shape = result_json(plain)
        assert "sources" not in shape["hits"][0] and "group" not in shape
        listed = result_json(grouped)["hits"][0]["sources"]
        assert len(listed) == 2 and {s["source"] for s in listed} == {h.article.source for h in plain.hits}
        many = run(archive, build_query("hữu nghị", limit=200, group="story"))
        stories = [h.article.story_id for h in many.hits if h.article.story_id is not None]
        assert len(stories) == len(set(stories))


def test_a_term_typed_with_marks_marks_only_those_places():
    text = "Thanh Hoá và thanh hòa, " + NFD("THANH HÓA")
    marked = highlight(text, fulltext.positive_terms(parse_query("Thanh Hóa"))).html()
    assert marked == "<mark>Thanh Hoá</mark> và thanh hòa, <mark>THANH HÓA</mark>"
    bare = highlight(text, fulltext.positive_terms(parse_query("thanh hoa"))).html()
    assert bare.count("<mark>") == 3


def test_the_quick_marks_check_answers_as_the_expression_does():
    """SQLite's check looks for a pattern's literal syllable first (str.find), then tries the
    expression around it: the same answer as searching the whole line with it."""
    import random
    import re

    pool = [
        "Thanh",
        "Hóa",
        "hoà",
        "hoa",
        "thành",
        "văn",
        "hóa",
        "đi",
        "di",
        "Hòa",
        "Bình",
        "bình",
        "hữu",
        "nghị",
    ]
    queries = [
        "Thanh Hóa",
        "văn hoá",
        "hòa b*",
        "hoa Bình",
        "thanh hòa bình",
        "di Hóa",
        "hữu nghị",
        "Thanh hoa Bình",
    ]
    rnd = random.Random(19)
    for _ in range(2000):
        line = fulltext.marks_text(
            fulltext.marked_fields(" ".join(rnd.choice(pool) for _ in range(rnd.randint(1, 12))), "", "")[1]
        )
        for q in queries:
            term = fulltext.positive_terms(parse_query(q))[0]
            if term.marked:
                pattern = fulltext.mark_pattern(term)
                assert fulltext.regexp_search(pattern, line) == (re.search(pattern, line) is not None), (
                    q,
                    line,
                )
