"""Story clustering: precision and recall on pairs built from the replicas, and the cost of placing
one new article in an archive of 10,000 and of 200,000 articles, in one run.

    .venv/bin/python bench/dedup.py [--sizes 10000,200000] [--new 200] [--json]

Pairs: every pair of the replicas' 25 articles (seeds 000/002 are the one real positive; the
others are other events, some on the same province and organisation), plus positives built
from each seed the way portals do it: a piece compiled from another (half its paragraphs under a
new opening, "Theo Báo …") and a light rewording (sentences dropped and words changed).

Cost: the archive grows in time at a steady rate (55 articles a day), so 200,000 articles are
ten years; each new article is stored through archive.articles.store (identity, version, event,
LSH and event-key candidates in a ±7-day window, story placement). Synthetic signatures give same-topic
articles a Jaccard near 0.05, like the replicas' unrelated pairs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from huunghi.crawler.extract.signature import BANDS, NUM_PERM, ROWS, signature  # noqa: E402
from huunghi.replicas.catalog import build_catalogs  # noqa: E402
from huunghi.storage import clusters  # noqa: E402
from huunghi.storage.archive import Archive, ArticleRecord  # noqa: E402
from huunghi.storage.models import Article, Source, Story, StoryBand, StoryKey  # noqa: E402
from huunghi.text.events import EventSignature  # noqa: E402

PER_DAY = 55
TOPICS = 40
PEOPLE = 3000  # names in the synthetic archive: officials recur across years, as in real press


def _derive(text: str, rng: random.Random, mode: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p]
    if mode == "compiled":
        kept = paragraphs[: max(2, len(paragraphs) // 2)]
        return "\n\n".join(["Theo Báo địa phương, hoạt động diễn ra trong không khí trang trọng."] + kept)
    out = []
    for p in paragraphs:
        if rng.random() < 0.2:
            continue
        words = p.split()
        for i in range(0, len(words), 7):
            words[i] = rng.choice(["cũng", "đã", "này", "tiếp tục", "nhằm", "đồng thời"])
        out.append(" ".join(words))
    return "\n\n".join(out)


def quality() -> dict[str, object]:
    arts = [a for c in build_catalogs().values() for a in c.articles]
    sigs = {a.id: signature(a.title, a.text) for a in arts}
    pairs: list[tuple[bool, object, object]] = []
    for a, b in itertools.combinations(arts, 2):
        same = {a.seed, b.seed} == {"000", "002"}
        pairs.append((same, sigs[a.id], sigs[b.id]))
    rng = random.Random(5)
    for a in arts:
        if not a.seed:
            continue
        for mode in ("compiled", "reworded"):
            pairs.append((True, sigs[a.id], signature(a.title, _derive(a.text, rng, mode))))
    scored = []
    for same, sa, sb in pairs:
        j = clusters.jaccard(clusters.signature(sa.minhash), clusters.signature(sb.minhash))
        scored.append((same, j, clusters.containment(j, sa.shingles, sb.shingles)))
    margins = {
        "negatives_max_jaccard": round(max(j for s, j, _ in scored if not s), 3),
        "negatives_max_containment": round(max(c for s, _, c in scored if not s), 3),
        "positives_min_jaccard": round(min(j for s, j, _ in scored if s), 3),
        "positives_min_containment": round(min(c for s, _, c in scored if s), 3),
    }
    rows = []
    for jt in (0.08, 0.10, 0.15, 0.20, 0.25):
        for ct in (0.2, 0.3, 0.4):
            tp = fp = fn = 0
            for same, sa, sb in pairs:
                j = clusters.jaccard(clusters.signature(sa.minhash), clusters.signature(sb.minhash))
                c = clusters.containment(j, sa.shingles, sb.shingles)
                guess = j >= jt or c >= ct
                tp += same and guess
                fp += guess and not same
                fn += same and not guess
            rows.append(
                {
                    "jaccard": jt,
                    "containment": ct,
                    "precision": tp / (tp + fp) if tp + fp else 1.0,
                    "recall": tp / (tp + fn) if tp + fn else 1.0,
                    "chosen": jt == clusters.JACCARD and ct == clusters.CONTAINMENT,
                }
            )
    return {"pairs": len(pairs), "positives": sum(p[0] for p in pairs), "grid": rows, "margins": margins}


def _fake_signature(rng: np.random.Generator, topic: np.ndarray) -> tuple[bytes, list[str]]:
    import hashlib

    values = rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64).astype("<u4")
    from_topic = rng.random(NUM_PERM) < 0.22  # two same-topic articles share ~5% of positions
    values[from_topic] = topic[from_topic]
    bands = [
        f"{b}:{hashlib.blake2b(values[b * ROWS : (b + 1) * ROWS].tobytes(), digest_size=8).hexdigest()}"
        for b in range(BANDS)
    ]
    return values.tobytes(), bands


def _fake_event(rng: np.random.Generator, when: datetime) -> EventSignature:
    """Two people and two figures from pools that recur over the years, and the day: the keys a
    real report puts in the event index, with as many sharers per key as a ten-year archive has."""
    return EventSignature(
        day=when.date(),
        people=frozenset(f"nguoi {int(k)}" for k in rng.integers(0, PEOPLE, 2)),
        figures=frozenset(f"{int(k)} du" for k in rng.integers(3, 400, 2)),
        places=frozenset({f"tinh {int(rng.integers(0, 34))}"}),
    )


def cost(size: int, new: int, workdir: Path) -> dict[str, float]:
    db = f"sqlite:///{workdir / f'archive-{size}.sqlite'}"
    archive = Archive(db)
    rng = np.random.default_rng(size)
    topics = [rng.integers(0, 2**32, NUM_PERM, dtype=np.uint64).astype("<u4") for _ in range(TOPICS)]
    start_day = datetime(2016, 1, 1, tzinfo=UTC)
    with archive.engine.begin() as conn:
        source_id = conn.execute(
            insert(Source).values(
                name="bench", title="bench", homepage="", definition={}, created_at=start_day
            )
        ).inserted_primary_key[0]
        for lo in range(0, size, 5000):
            arts, bands, keys_rows = [], [], []
            story_ids = (
                conn.execute(
                    insert(Story).returning(Story.id),
                    [
                        {"title": f"s{i}", "created_at": start_day, "updated_at": start_day, "size": 1}
                        for i in range(lo, min(size, lo + 5000))
                    ],
                )
                .scalars()
                .all()
            )
            for i, story_id in zip(range(lo, min(size, lo + 5000)), story_ids):
                when = start_day + timedelta(days=i / PER_DAY)
                blob, keys = _fake_signature(rng, topics[i % TOPICS])
                event = _fake_event(rng, when)
                arts.append(
                    {
                        "id": i + 1,
                        "source_id": source_id,
                        "url": f"http://bench/{i}",
                        "title": f"t{i}",
                        "lead": "",
                        "body_text": "",
                        "body_html": "",
                        "published_at": when,
                        "author": "",
                        "credit": "",
                        "section": "",
                        "language": "vi",
                        "content_hash": f"h{i}",
                        "version_count": 1,
                        "first_seen": when,
                        "last_seen": when,
                        "images": [],
                        "extraction": "",
                        "body_hash": f"b{i}",
                        "story_id": story_id,
                        "minhash": blob,
                        "shingles": 900,
                        "event": event.to_json(),
                    }
                )
                day = int(when.timestamp() // 86400)
                bands += [{"band_key": k, "day": day, "article_id": i + 1} for k in keys]
                keys_rows += [{"key": k, "day": day, "article_id": i + 1} for k in event.keys()]
            conn.execute(insert(Article), arts)
            conn.execute(insert(StoryBand), bands)
            conn.execute(insert(StoryKey), keys_rows)
    end = start_day + timedelta(days=size / PER_DAY)
    timings = []
    for n in range(new):
        blob, keys = _fake_signature(rng, topics[n % TOPICS])
        rec = ArticleRecord(
            url=f"http://bench/new/{n}",
            title=f"new {n}",
            body_text=f"body {n}",
            published_at=end + timedelta(minutes=n),
            minhash=blob,
            shingles=900,
            bands=keys,
            event=_fake_event(rng, end + timedelta(minutes=n)),
        )
        t0 = time.perf_counter()
        archive.articles.store(source_id, rec)
        timings.append((time.perf_counter() - t0) * 1000)
    archive.close()
    timings.sort()
    return {
        "size": size,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,200000")
    parser.add_argument("--new", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    q = quality()
    with tempfile.TemporaryDirectory() as tmp:
        costs = [cost(int(s), args.new, Path(tmp)) for s in args.sizes.split(",")]
    base = costs[0]["median_ms"]
    for c in costs:
        c["median_vs_smallest"] = round(c["median_ms"] / base, 2) if base else None
    if args.json:
        print(json.dumps({"quality": q, "cost": costs}, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"Story clustering on {q['pairs']} replica pairs ({q['positives']} same-story)")
    for col in ("Jaccard ≥", "or containment ≥", "precision", "recall", ""):
        table.add_column(col, justify="right")
    for r in q["grid"]:
        table.add_row(
            f"{r['jaccard']:.2f}",
            f"{r['containment']:.1f}",
            f"{r['precision']:.3f}",
            f"{r['recall']:.3f}",
            "← chosen" if r["chosen"] else "",
        )
    console.print(table)
    m = q["margins"]
    console.print(
        f"different stories: Jaccard ≤ {m['negatives_max_jaccard']}, containment ≤ "
        f"{m['negatives_max_containment']}; same story: Jaccard ≥ {m['positives_min_jaccard']} or "
        f"containment ≥ {m['positives_min_containment']}"
    )
    table = Table(title=f"Cost of storing one new article ({args.new} new articles, SQLite, one core)")
    for col in ("archive size", "median ms", "p95 ms", "median ÷ smallest"):
        table.add_column(col, justify="right")
    for c in costs:
        table.add_row(
            f"{c['size']:,}", f"{c['median_ms']:.2f}", f"{c['p95_ms']:.2f}", f"{c['median_vs_smallest']:.2f}"
        )
    console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
