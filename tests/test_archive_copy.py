"""`huunghi archive copy`: a filled SQLite archive into a fresh PostgreSQL database, in a real
process; same counts, same search results, ids that go on, and nothing half-copied."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from huunghi.storage.archive import Archive, ArticleRecord
from huunghi.storage.copying import INDEX, CopyError, copy_archive, tables
from huunghi.storage.search.engine import SearchQuery
from huunghi.text.events import EventSignature
from tests.fixtures.crawling import huunghi
from tests.fixtures.searchdata import QUERIES, correct_seed_000, fill

pytestmark = [pytest.mark.postgres]


def _filled(path: Path) -> str:
    """The search archive, plus a row in every other table (runs, errors, deliveries, digests, ...)."""
    url = f"sqlite:///{path}"
    with Archive(url) as archive:
        fill(archive)
        correct_seed_000(archive)
        sid = archive.crawls.ensure_source("kept", "Kept", "https://kept.test/")
        run = archive.crawls.start_run(sid)
        archive.crawls.record_error(run, "https://kept.test/x", "http", "HTTP 500")
        archive.articles.store(
            sid,
            ArticleRecord(
                url="https://kept.test/a-1.html",
                title="Trang có bản gốc",
                lead="Hội hữu nghị Việt – Lào",
                body_text="Thân bài.",
                published_at=datetime(2026, 3, 1, 2, 0, tzinfo=UTC),
                raw_html="<html><body>Trang có bản gốc</body></html>",
                event=EventSignature(people=frozenset({"phan anh son"})),
            ),
            run_id=run,
        )
        archive.stories.merge([st.id for st in archive.stories.latest(limit=2)])  # a person's decision
        archive.crawls.finish_run(run, 3, stats={"requested": 3})
        archive.crawls.put_validators("https://kept.test/feed", '"e1"', "")
        archive.crawls.set_state("alerts.cursor", "7")
        archive.crawls.save_template("kept.test", "{}", 4)
        first = archive.events.after(0, limit=1)[0].id
        archive.outbox.deliveries.plan(first, "desk", "email")
        archive.outbox.digests.plan("daily", datetime(2026, 3, 2, tzinfo=UTC), 0, first, "Tin", b"MIME", [1])
        with archive.engine.begin() as conn:  # a daemon's job store (APScheduler's own table): left behind
            conn.execute(text("CREATE TABLE scheduler_jobs (id VARCHAR(191) PRIMARY KEY, job_state BLOB)"))
            conn.execute(text("INSERT INTO scheduler_jobs VALUES ('crawl:kept', x'00')"))
    return url


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        names = [t.name for t in tables()] + [INDEX]
        out = {n: conn.execute(text(f"SELECT count(*) FROM {n}")).scalar_one() for n in names}
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def copied(tmp_path_factory, pg_module_url) -> tuple[str, str, dict]:
    source = _filled(tmp_path_factory.mktemp("copy") / "a.sqlite")
    result = huunghi("archive", "copy", "--from", source, "--to", pg_module_url, "--json", cwd=Path.cwd())
    assert result.returncode == 0, result.stderr[-3000:]
    return source, pg_module_url, json.loads(result.stdout)


def test_every_table_is_copied_with_the_same_counts(copied):
    source, target, report = copied
    expected = _counts(source)
    assert all(expected.values()), {t: n for t, n in expected.items() if not n}  # every table has rows
    assert _counts(target) == expected
    assert {c["table"]: (c["source"], c["target"]) for c in report["tables"]} == {
        t: (n, n) for t, n in expected.items()
    }


@pytest.mark.parametrize("order", ["relevance", "date"])
def test_the_copy_finds_what_the_source_finds(copied, order):
    source, target, _ = copied
    with Archive(source) as lite, Archive(target) as pg:
        for q in QUERIES:
            got = [h.article.id for h in pg.search(SearchQuery(text=q, limit=200, order=order)).hits]
            want = [h.article.id for h in lite.search(SearchQuery(text=q, limit=200, order=order)).hits]
            assert got == want, (q, order)


def test_ids_go_on_after_the_copy_and_a_second_copy_is_refused(copied, tmp_path):
    source, target, _ = copied
    again = huunghi("archive", "copy", "--from", source, "--to", target, cwd=tmp_path)
    assert again.returncode == 2, again.stderr
    assert "đã có dữ liệu" in again.stderr and "--replace" in again.stderr
    before = _counts(target)
    with Archive(target) as pg:
        sid = pg.crawls.source_id("kept")
        assert sid is not None
        url = "https://kept.test/a-2.html"
        pg.articles.store(
            sid, ArticleRecord(url=url, title="Bài sau khi chuyển kho: kiwzq", lead="", body_text="x")
        )
        ids = {a.url: a.id for a in pg.reads.iter_articles()}
        new = ids.pop(url)
        assert new == max(ids.values()) + 1  # the sequence went on from the copied ids
        assert pg.crawls.start_run(sid) > 0
        hits = pg.search(SearchQuery(text="kiwzq", limit=5)).hits
        assert [h.article.id for h in hits] == [new]
    assert _counts(target)["articles"] == before["articles"] + 1


def test_replace_copies_again_over_a_non_empty_target(tmp_path, pg_url):
    source = _filled(tmp_path / "a.sqlite")
    with Archive(pg_url) as pg:  # a target with an archive of its own
        pg.crawls.ensure_source("other", "Other", "https://other.test/")
    report = copy_archive(source, pg_url, replace=True)
    assert report.replaced and all(c.same for c in report.tables)
    assert _counts(pg_url) == _counts(source)
    with Archive(pg_url) as pg:
        assert pg.crawls.source_id("other") is None


def test_a_failed_copy_leaves_the_target_as_it_was(tmp_path, pg_url):
    source = _filled(tmp_path / "a.sqlite")
    # SQLite keeps a name longer than VARCHAR(100); PostgreSQL refuses it: the copy fails mid-way
    engine = create_engine(source)
    with engine.begin() as conn:
        conn.execute(text("UPDATE sources SET name = :n WHERE name = 'kept'"), {"n": "k" * 150})
    engine.dispose()
    result = huunghi("archive", "copy", "--from", source, "--to", pg_url, cwd=tmp_path)
    assert result.returncode == 1
    assert "chép thất bại, đích không đổi" in result.stderr
    assert "Đã chép" not in result.stdout
    target = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    assert inspect(target).get_table_names() == []  # not even the schema: one transaction
    target.dispose()


def test_refusals_name_what_to_change(tmp_path, pg_url):
    with pytest.raises(CopyError, match="PostgreSQL"):
        copy_archive(f"sqlite:///{tmp_path / 'a.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}")
    result = huunghi(
        "archive", "copy", "--from", f"sqlite:///{tmp_path / 'none.sqlite'}", "--to", pg_url, cwd=tmp_path
    )
    assert result.returncode == 2 and "không có kho nguồn" in result.stderr
    assert not (tmp_path / "none.sqlite").exists()
    odd = f"sqlite:///{tmp_path / 'odd.sqlite'}"
    with Archive(odd) as archive, archive.engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    result = huunghi("archive", "copy", "--from", odd, "--to", pg_url, cwd=tmp_path)
    assert result.returncode == 2 and "notes" in result.stderr, result.stderr
