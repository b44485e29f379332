"""Search latency on a synthetic archive of a million articles, on SQLite and PostgreSQL.

    .venv/bin/python bench/search.py [--articles 1000000] [--backend sqlite|postgresql|both] [--rebuild]

The archive is made from the seeds' vocabulary: each article takes a title from the seeds'
headlines, a lead and a body from their sentences (words after the second shuffled, as the
replicas do), one to three provinces and up to two partner countries, a source out of twelve
and a publication time over ten years. It is written with the archive's own index writer
(``huunghi.storage.search.index.put``) through the real schema (Alembic migrations), and kept between
runs (``bench/.cache`` and the PostgreSQL database ``huunghi_bench_search_<N>``).

Each query of a fixed set runs once to warm up, then ``--repeat`` times; latency is the whole
``Archive.search`` call (match, rank, count, articles, tags, snippets). The reference, run in
the same process on the same archive, is "rank every match" (``RANK_WINDOW`` unbounded): what
relevance costs without the window.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from huunghi.replicas.catalog import build_catalogs, load_seeds  # noqa: E402
from huunghi.storage.archive import Archive  # noqa: E402
from huunghi.storage.models import Article, ArticleTag, Source  # noqa: E402
from huunghi.storage.search import engine as search_module  # noqa: E402
from huunghi.storage.search import index as searchindex  # noqa: E402
from huunghi.storage.search.engine import SearchQuery  # noqa: E402

VN = timezone(timedelta(hours=7))
PG_ADMIN = os.environ.get("HUUNGHI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
CACHE = ROOT / "bench" / ".cache"
PROVINCES = [
    "Hà Nội",
    "Huế",
    "Hải Phòng",
    "Đà Nẵng",
    "TP Hồ Chí Minh",
    "Cần Thơ",
    "Lai Châu",
    "Điện Biên",
    "Sơn La",
    "Lạng Sơn",
    "Cao Bằng",
    "Quảng Ninh",
    "Thanh Hóa",
    "Nghệ An",
    "Hà Tĩnh",
    "Tuyên Quang",
    "Lào Cai",
    "Thái Nguyên",
    "Phú Thọ",
    "Bắc Ninh",
    "Hưng Yên",
    "Ninh Bình",
    "Quảng Trị",
    "Quảng Ngãi",
    "Gia Lai",
    "Khánh Hòa",
    "Lâm Đồng",
    "Đắk Lắk",
    "Đồng Nai",
    "Tây Ninh",
    "Vĩnh Long",
    "Đồng Tháp",
    "Cà Mau",
    "An Giang",
]
COUNTRIES = [
    "Lào",
    "Campuchia",
    "Nhật Bản",
    "Hàn Quốc",
    "Trung Quốc",
    "Cuba",
    "Pháp",
    "Hoa Kỳ",
    "Ấn Độ",
    "Australia",
    "Thái Lan",
    "Mông Cổ",
    "Séc",
    "Hungary",
    "Ba Lan",
    "Venezuela",
]
SOURCES = [
    "thoidai",
    "vufo",
    "baoquocte",
    "vietnamplus",
    "nhandan",
    "dantocmiennui",
    "hanoimoi",
    "baothanhhoa",
    "baonghean",
    "baohaiphong",
    "baoangiang",
    "baodongnai",
]
SECTIONS = [
    "Hữu nghị › Bốn phương kết bạn",
    "Thời sự › Đối ngoại",
    "Đối ngoại nhân dân",
    "Kinh tế",
    "Văn hóa",
]

# (label, query text, filters): what a press desk types, common and rare, with and without marks
QUERIES: list[tuple[str, str, dict]] = [
    ("common two words", "hữu nghị", {}),
    ("common, folded", "huu nghi", {}),
    ("province", "thanh hoa", {}),
    ("province, other tone", "Thanh Hoá", {}),
    ("province, NFD input", "\u0110o\u0302\u0300ng Nai", {}),
    ("phrase", '"đối ngoại nhân dân"', {}),
    ("phrase, folded", '"doi ngoai nhan dan"', {}),
    ("OR of acronyms", "vufo OR paccom OR lhhn", {}),
    ("country phrase", '"hội hữu nghị việt nam" lào', {}),
    ("NOT", '"hội hữu nghị" -campuchia', {}),
    ("prefix", "hữu* nhật", {}),
    ("rare name", '"bù gia mập"', {}),
    ("three words", "ủy ban hòa bình", {}),
    ("source filter", "hữu nghị", {"sources": ["baothanhhoa"]}),
    (
        "date range",
        "đồng nai",
        {"date_from": datetime(2024, 1, 1, tzinfo=VN), "date_to": datetime(2024, 7, 1, tzinfo=VN)},
    ),
    ("tag filter", "hợp tác", {"tags": [("province", "Nghệ An")]}),
    ("section filter", "thanh niên", {"sections": ["Thời sự"]}),
    ("filters only", "", {"sources": ["vufo"], "date_from": datetime(2025, 1, 1, tzinfo=VN)}),
]


def vocabulary() -> tuple[list[str], list[str]]:
    """(headlines, sentences) of the seeds and the replicas built from them."""
    seeds = load_seeds()
    sentences: list[str] = []
    titles: list[str] = []
    for page in seeds.values():
        for block in page["blocks"]:
            if block["type"] == "p":
                sentences += [s for s in re.split(r"(?<=[.!?])\s+", block["text"]) if len(s.split()) >= 5]
    for catalog in build_catalogs().values():
        titles += [a.title for a in catalog.articles] + [
            i["title"] for i in catalog.sidebar_items if i["title"]
        ]
        sentences += [
            s
            for i in catalog.sidebar_items
            for s in re.split(r"(?<=[.!?])\s+", i["summary"] or "")
            if len(s.split()) >= 5
        ]
    return sorted(set(titles)), sorted(set(sentences))


def _shuffled(sentence: str, rng: random.Random) -> str:
    words = sentence.split()
    head, tail = words[:2], words[2:]
    rng.shuffle(tail)
    return " ".join(head + tail)


def synthetic(n: int, start: int = 1, years: int = 10):
    """Yield (article row, tags) for articles start .. start + n - 1, deterministically."""
    titles, sentences = vocabulary()
    newest = datetime(2026, 11, 1, tzinfo=VN)
    span = years * 365 * 86400
    for i in range(start, start + n):
        rng = random.Random(i)
        provinces = rng.sample(PROVINCES, rng.randint(1, 3))
        countries = rng.sample(COUNTRIES, rng.randint(0, 2))
        title = rng.choice(titles)
        title = f"{provinces[0]}: {title}" if rng.random() < 0.5 else title
        lead = " ".join(_shuffled(rng.choice(sentences), rng) for _ in range(2))
        body = []
        for p in range(rng.randint(3, 6)):
            para = [_shuffled(rng.choice(sentences), rng) for _ in range(rng.randint(1, 3))]
            if p == 0:
                para.append(
                    f"Tại {provinces[-1]}, đoàn công tác làm việc với đại diện "
                    f"{', '.join(countries) or 'các tổ chức'}."
                )
            body.append(" ".join(para))
        published = newest - timedelta(seconds=rng.randrange(span))
        row = dict(
            id=i,
            source_id=1 + (i % len(SOURCES)),
            url=f"https://synthetic.test/{i}.html",
            title=title,
            lead=lead,
            body_text="\n\n".join(body),
            published_at=published,
            first_seen=published,
            last_seen=published,
            section=SECTIONS[i % len(SECTIONS)],
            content_hash=f"{i:064x}",
            language="vi",
        )
        tags = [("province", p) for p in provinces] + [("country", c) for c in countries]
        yield row, tags


def build(url: str, n: int, years: int, batch: int = 5000) -> None:
    with Archive(url) as archive:
        with archive.engine.begin() as conn:
            conn.execute(
                insert(Source), [dict(id=k + 1, name=name, title=name) for k, name in enumerate(SOURCES)]
            )
            pg = conn.dialect.name == "postgresql"
            if pg:  # one GIN build at the end instead of a million incremental inserts
                conn.exec_driver_sql("DROP INDEX ix_search_docs_tsv")
                conn.exec_driver_sql("DROP INDEX ix_search_docs_head")
        started = time.perf_counter()
        rows, tags = [], []
        for row, row_tags in synthetic(n, years=years):
            rows.append(row)
            tags += [dict(article_id=row["id"], kind=k, value=v) for k, v in row_tags]
            if len(rows) == batch:
                _write(archive, rows, tags)
                rows, tags = [], []
            if row["id"] % 50_000 == 0:
                rate = row["id"] / (time.perf_counter() - started)
                print(f"  {row['id']:,} articles ({rate:,.0f}/s)", flush=True)
        _write(archive, rows, tags)
        if pg:
            _gin_indexes(archive)
            with archive.engine.begin() as conn:
                conn.exec_driver_sql("SELECT setval('articles_id_seq', (SELECT max(id) FROM articles))")
        with archive.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE" if pg else "PRAGMA optimize")
        print(f"  built {n:,} articles in {time.perf_counter() - started:.0f} s", flush=True)


def _gin_indexes(archive: Archive, connections: int = 2) -> None:
    """PostgreSQL: the GIN indexes, made once the rows are in. One ``CREATE INDEX`` on the
    partitioned table builds partition after partition on one core (over an hour at a
    million); here the parent index is made ``ON ONLY`` and each partition's index is built on
    one of ``connections`` connections, then attached, as the migration would have made them."""
    import queue
    import threading

    with archive.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        parts = list(
            conn.exec_driver_sql(
                "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = CAST('search_docs' AS regclass) ORDER BY 1 DESC"
            ).scalars()
        )
        for col in ("tsv", "head"):
            conn.exec_driver_sql(f"CREATE INDEX ix_search_docs_{col} ON ONLY search_docs USING gin ({col})")
    todo: queue.Queue[tuple[str, str]] = queue.Queue()
    for col in ("tsv", "head"):
        for part in parts:
            todo.put((col, part))
    failed: list[BaseException] = []

    def build() -> None:
        with archive.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SET maintenance_work_mem = '1GB'")
            while not failed:
                try:
                    col, part = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    conn.exec_driver_sql(f"CREATE INDEX {part}_{col}_idx ON {part} USING gin ({col})")
                    conn.exec_driver_sql(
                        f"ALTER INDEX ix_search_docs_{col} ATTACH PARTITION {part}_{col}_idx"
                    )
                except BaseException as exc:
                    failed.append(exc)
                    raise

    threads = [threading.Thread(target=build) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        raise failed[0]
    print(f"  GIN indexes of {len(parts)} partitions built", flush=True)


def _write(archive: Archive, rows: list[dict], tags: list[dict]) -> None:
    if not rows:
        return
    with archive.engine.begin() as conn:
        conn.execute(insert(Article), rows)
        if tags:
            conn.execute(insert(ArticleTag), tags)
        by_article: dict[int, list[tuple[str, str]]] = {}
        for t in tags:
            by_article.setdefault(t["article_id"], []).append((t["kind"], t["value"]))
        searchindex.put(
            conn,
            [
                searchindex.IndexRow(
                    r["id"],
                    r["published_at"],
                    r["title"],
                    r["lead"],
                    r["body_text"],
                    r["source_id"],
                    r["section"],
                    tuple(by_article.get(r["id"], ())),
                )
                for r in rows
            ],
        )


def open_archive(backend: str, n: int, rebuild: bool, years: int = 10, copy: str = "") -> Archive:
    tag = f"{n}" + ("" if years == 10 else f"_y{years}") + (f"_{copy}" if copy else "")
    if backend == "sqlite":
        CACHE.mkdir(parents=True, exist_ok=True)
        path = CACHE / f"search-{tag}.sqlite"
        if rebuild or not path.exists():
            for p in CACHE.glob(f"search-{tag}.sqlite*"):
                p.unlink()
            print(f"building {path} ...", flush=True)
            build(f"sqlite:///{path}", n, years)
        return Archive(f"sqlite:///{path}")
    import psycopg

    name = f"huunghi_bench_search_{tag}"
    base = PG_ADMIN.rsplit("/", 1)[0]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if rebuild and exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"building PostgreSQL database {name} ...", flush=True)
            try:
                build(f"{base}/{name}", n, years)
            except BaseException:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                raise
    return Archive(f"{base}/{name}")


def measure(archive: Archive, repeat: int, order: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for label, query, filters in QUERIES:
        q = SearchQuery(text=query, order=order, limit=20, **filters)
        archive.search(q)  # warm-up
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            archive.search(q)
            times.append((time.perf_counter() - t0) * 1000)
        out[label] = times
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument(
        "--years",
        type=int,
        default=10,
        help="span of publication times; a tenth of the articles over one year has a million's density",
    )
    ap.add_argument(
        "--copy",
        default="",
        help="a name for a copy of the archive (search-<N>_<copy>.sqlite, huunghi_bench_search_<N>_<copy>): "
        "an older archive copied there is upgraded on opening, to compare with the original",
    )
    args = ap.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    summary = []
    for backend in backends:
        archive = open_archive(backend, args.articles, args.rebuild, args.years, args.copy)
        try:
            total = archive.search(SearchQuery(text="", limit=1)).total_label
            print(f"\n{backend}: {args.articles:,} articles (search sees {total})")
            print(f"{'query':28} {'matches':>9} {'relevance p50':>14} {'p95':>7} {'date p50':>9} {'p95':>7}")
            ranked = measure(archive, args.repeat, "relevance")
            dated = measure(archive, args.repeat, "date")
            for label, query, filters in QUERIES:
                n = archive.search(SearchQuery(text=query, limit=1, **filters)).total_label
                print(
                    f"{label:28} {n:>9} {pct(ranked[label], 50):>12.1f}ms {pct(ranked[label], 95):>5.1f}ms"
                    f" {pct(dated[label], 50):>7.1f}ms {pct(dated[label], 95):>5.1f}ms"
                )
            all_ranked = [t for ts in ranked.values() for t in ts]
            all_dated = [t for ts in dated.values() for t in ts]
            window = search_module.RANK_WINDOW
            search_module.RANK_WINDOW = 10**9  # the reference: rank every match
            try:
                full = measure(archive, max(2, args.repeat // 5), "relevance")
            finally:
                search_module.RANK_WINDOW = window
            all_full = [t for ts in full.values() for t in ts]
            summary.append(
                (
                    backend,
                    pct(all_ranked, 50),
                    pct(all_ranked, 95),
                    pct(all_dated, 50),
                    pct(all_dated, 95),
                    pct(all_full, 95),
                )
            )
        finally:
            archive.close()
    print(
        f"\n{'backend':11} {'ranked p50':>11} {'ranked p95':>11} {'date p50':>9} {'date p95':>9}"
        f" {'rank-all p95':>13} {'p95 ÷ rank-all':>15}  target: ranked p95 ≤ 50 ms"
    )
    for backend, r50, r95, d50, d95, f95 in summary:
        print(
            f"{backend:11} {r50:>9.1f}ms {r95:>9.1f}ms {d50:>7.1f}ms {d95:>7.1f}ms {f95:>11.1f}ms"
            f" {r95 / f95:>15.3f}  {'met' if r95 <= 50 else 'NOT MET'}"
        )


if __name__ == "__main__":
    main()
