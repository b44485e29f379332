"""The archive on SQLite and PostgreSQL: same code, same results."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from huunghi.storage.archive import Archive, ArticleRecord, StoreOutcome
from huunghi.storage.db import current_revision, head_revision
from huunghi.storage.models import Base

VN = timezone(timedelta(hours=7))


def record(**kw) -> ArticleRecord:
    base = dict(
        url="https://thoidai.com.vn/a-218974.html",
        title="Liên hiệp tỉnh Thanh Hóa",
        lead="Ngày 15/01, hội nghị.",
        body_text="Đoạn một.\n\nĐoạn hai.",
        published_at=datetime(2026, 1, 16, 10, 8, tzinfo=VN),
        section="Hữu nghị",
    )
    base.update(kw)
    return ArticleRecord(**base)


def test_migrations_create_the_models_schema(archive_url):
    with Archive(archive_url) as archive:
        assert current_revision(archive.engine) == head_revision() == "0014"
        with archive.engine.connect() as conn:
            # the search tables differ per backend and are made by migration 0007, not declared
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_name": lambda name, kind, _parent: (
                        not (kind == "table" and (name or "").startswith("search_"))
                    )
                },
            )
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
    with Archive(archive_url) as again:  # opening an up-to-date archive changes nothing
        assert again.reads.totals()["articles"] == 0
        if again.engine.dialect.name == "sqlite":  # readers never wait for the crawler
            with again.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_upsert_is_idempotent_and_versions_only_real_changes(archive_url):
    with Archive(archive_url) as archive:
        sid = archive.crawls.ensure_source("thoidai", "Thời Đại", "https://thoidai.com.vn/")
        assert archive.crawls.ensure_source("thoidai", "Thời Đại") == sid
        run = archive.crawls.start_run(sid)
        assert archive.articles.store(sid, record(), run) is StoreOutcome.NEW
        assert archive.articles.store(sid, record(), run) is StoreOutcome.UNCHANGED
        # other tone placement, other spacing: the same article
        assert (
            archive.articles.store(sid, record(title="Liên hiệp tỉnh  Thanh Hoá"), run)
            is StoreOutcome.UNCHANGED
        )
        corrected = record(lead="Ngày 15/01, hội nghị tại Đồng Nai.")
        assert archive.articles.store(sid, corrected, run) is StoreOutcome.UPDATED
        [art] = archive.reads.latest_articles()
        assert art.versions == 2 and art.lead == corrected.lead
        versions = archive.reads.versions(art.id)
        assert [v["version"] for v in versions] == [1, 2]
        assert versions[0]["lead"] == "Ngày 15/01, hội nghị."
        summary = archive.crawls.finish_run(run, pages_fetched=4)
        assert (summary.articles_new, summary.articles_updated, summary.articles_unchanged) == (1, 1, 2)
        assert summary.status == "ok"
        assert archive.reads.totals() == {"sources": 1, "articles": 1, "versions": 2, "runs": 1, "errors": 0}


def test_the_raw_page_kept_is_the_one_the_stored_version_was_read_from(archive_url):
    with Archive(archive_url) as archive:
        sid = archive.crawls.ensure_source("thoidai", "Thời Đại", "https://thoidai.com.vn/")
        page = "<html><h1>Liên hiệp tỉnh Thanh Hóa</h1><aside>Đọc nhiều {}</aside></html>"
        assert archive.articles.store(sid, record(raw_html=None)) is StoreOutcome.NEW
        aid = archive.reads.latest_articles()[0].id
        assert archive.articles.raw_page(aid) is None
        # unchanged, but no page was kept yet: this one is
        assert archive.articles.store(sid, record(raw_html=page.format(1))) is StoreOutcome.UNCHANGED
        assert archive.articles.raw_page(aid) == page.format(1)
        # a re-crawl with new sidebars only changes nothing stored
        assert archive.articles.store(sid, record(raw_html=page.format(2))) is StoreOutcome.UNCHANGED
        assert archive.articles.raw_page(aid) == page.format(1)
        # a correction keeps the page it was read from
        fixed = record(lead="Ngày 15/01, hội nghị tại Đồng Nai.", raw_html=page.format(3))
        assert archive.articles.store(sid, fixed) is StoreOutcome.UPDATED
        assert archive.articles.raw_page(aid) == page.format(3)


def test_an_article_seen_again_moves_its_last_seen_and_follows_the_latest_reading(archive_url):
    with Archive(archive_url) as archive:
        sid = archive.crawls.ensure_source("thoidai", "Thời Đại", "https://thoidai.com.vn/")
        assert archive.articles.store(sid, record(extraction="generic")) is StoreOutcome.NEW
        [art] = archive.reads.latest_articles()
        other = record(url="https://thoidai.com.vn/b-1.html", title="Bài khác", body_text="Khác hẳn.")
        # seen again in a batch (its last_seen moves for the batch), read now by a site template
        outcomes = archive.articles.store_many(sid, [record(extraction="template"), other, record()])
        assert outcomes == [StoreOutcome.UNCHANGED, StoreOutcome.NEW, StoreOutcome.UNCHANGED]
        again = archive.reads.article(art.id)
        assert again is not None and again.last_seen > art.last_seen and again.first_seen == art.first_seen
        assert again.extraction == ""  # the last reading in the batch said nothing of its method


def test_a_batch_is_one_transaction_and_one_bad_article_costs_only_itself(archive_url):
    with Archive(archive_url) as archive:
        sid = archive.crawls.ensure_source("thoidai", "Thời Đại", "https://thoidai.com.vn/")
        run = archive.crawls.start_run(sid)
        first = record()
        again = record(title="Liên hiệp tỉnh  Thanh Hoá")  # the same article, read a second time in the batch
        other = record(
            url="https://thoidai.com.vn/b-218975.html",
            title="Giao lưu hữu nghị Việt – Lào",
            body_text="Một bài khác hẳn.",
        )
        broken = record(url="https://thoidai.com.vn/c-218976.html", published_at="hôm qua")  # not a time
        got = archive.articles.store_many(sid, [first, again, broken, other], run)
        assert got[:2] == [StoreOutcome.NEW, StoreOutcome.UNCHANGED] and got[3] is StoreOutcome.NEW
        assert isinstance(got[2], Exception)
        assert sorted(a.title for a in archive.reads.latest_articles()) == [
            "Giao lưu hữu nghị Việt – Lào",
            "Liên hiệp tỉnh Thanh Hóa",
        ]
        summary = archive.crawls.finish_run(run, pages_fetched=4)
        assert (summary.articles_new, summary.articles_updated, summary.articles_unchanged) == (2, 0, 1)
        totals = archive.reads.totals()
        assert totals["articles"] == totals["versions"] == 2
        assert archive.articles.store_many(sid, []) == []


def test_hashes_computed_by_the_reader_are_dropped_when_a_field_changes():
    sealed = record().seal()
    assert sealed.content_hash() == record().content_hash() and sealed.body_hash() == record().body_hash()
    sealed.lead = "Ngày 16/01, hội nghị."
    assert sealed.content_hash() == record(lead="Ngày 16/01, hội nghị.").content_hash()
    assert sealed.content_hash() != record().content_hash()


def test_times_round_trip_as_aware_utc(archive_url):
    with Archive(archive_url) as archive:
        sid = archive.crawls.ensure_source("s")
        archive.articles.store(sid, record())
        [art] = archive.reads.latest_articles()
        assert art.published_at == datetime(2026, 1, 16, 3, 8, tzinfo=UTC)
        assert art.published_at.astimezone(VN).hour == 10
        with pytest.raises(Exception, match="naive"):
            archive.articles.store(sid, record(url="https://x/1", published_at=datetime(2026, 1, 1)))


def test_errors_are_kept_with_url_and_reason(archive_url):
    with Archive(archive_url) as archive:
        sid = archive.crawls.ensure_source("baotinh")
        run = archive.crawls.start_run(sid)
        archive.crawls.record_error(run, "http://h/a-1.htm", "http", "HTTP 500 (article)")
        archive.crawls.record_error(
            run, "http://h/a-2.htm", "charset", "declared cp1252, body UTF-8", "warning"
        )
        summary = archive.crawls.finish_run(run, pages_fetched=2)
        assert summary.status == "failed"  # errors and nothing stored
        assert summary.error_count == 1
        assert [(e.url, e.kind, e.severity) for e in summary.errors] == [
            ("http://h/a-1.htm", "http", "error"),
            ("http://h/a-2.htm", "charset", "warning"),
        ]
        [overview] = archive.reads.sources_overview()
        assert overview.last_run.status == "failed"


def test_latest_articles_orders_by_publication_and_filters_by_source(archive_url):
    with Archive(archive_url) as archive:
        a, b = archive.crawls.ensure_source("a"), archive.crawls.ensure_source("b")
        archive.articles.store(
            a, record(url="https://a/1", published_at=datetime(2024, 6, 29, 7, 6, tzinfo=VN))
        )
        archive.articles.store(
            b, record(url="https://b/2", published_at=datetime(2026, 1, 15, 21, 5, tzinfo=VN))
        )
        archive.articles.store(a, record(url="https://a/3", published_at=None))
        assert [x.url for x in archive.reads.latest_articles()] == [
            "https://b/2",
            "https://a/1",
            "https://a/3",
        ]
        assert [x.url for x in archive.reads.latest_articles(source="a")] == ["https://a/1", "https://a/3"]


def test_a_drop_in_extraction_yield_raises_source_broken_once(archive_url):
    with Archive(archive_url) as archive:
        source = archive.crawls.ensure_source("tinh", "Báo tỉnh", "http://tinh.test/")
        n = 0
        for good in (True, True, False, False):
            run = archive.crawls.start_run(source)
            for _ in range(6):
                n += 1
                if good:
                    archive.articles.store(
                        source, record(url=f"http://tinh.test/a-{n}.htm", body_text=f"Bài {n}."), run
                    )
                else:
                    archive.crawls.record_error(
                        run, f"http://tinh.test/a-{n}.htm", "not-article", "too little text"
                    )
            if not good:
                archive.articles.store(
                    source, record(url=f"http://tinh.test/b-{n}.htm", body_text=f"Bài {n}b."), run
                )
            archive.crawls.finish_run(run, pages_fetched=6)
        broken = [e for e in archive.events.after(limit=100) if e.kind == "source_broken"]
        assert len(broken) == 1 and broken[0].data["code"] == "yield_drop"


def test_processes_opening_a_new_archive_at_once_all_get_it(archive_url, tmp_path):
    """The daemon's first crawls open a new archive together: one upgrades it, none fails."""
    import subprocess
    import sys

    script = "import sys\nfrom huunghi.storage.archive import Archive\nArchive(sys.argv[1]).close()\n"
    procs = [
        subprocess.Popen([sys.executable, "-c", script, archive_url], stderr=subprocess.PIPE, text=True)
        for _ in range(5)
    ]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(code == 0 for code, _ in results), [err[-800:] for code, err in results if code]
    with Archive(archive_url) as archive:
        assert current_revision(archive.engine) == head_revision()
