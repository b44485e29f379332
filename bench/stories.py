"""One event, one story: precision and recall of story placement on the labelled story set, the
scores of both classes with the margin between them, and the cost of placing one article at
10,000 and 200,000 articles, in one run.

    .venv/bin/python bench/stories.py [--sizes 10000,200000] [--new 200] [--skip-cost] [--json]

Quality: every report of ``bench/data/stories`` (136 reports, 43 same-event groups reported in
different words, 518 report pairs of look-alike events) is read the way the crawler reads a page
(``crawler.reading.to_record``: text signature, tags, event signature) and stored in a fresh
SQLite archive in publication order; the stories the archive made are compared with the labels
over all 9,180 report pairs. The labels (``event``, ``group``, ``family``) are read only here,
after placement. The same run with event signatures left out is the text-only rule of before.
Scores: ``storage.stories.judge`` on every same-event pair and every look-alike pair.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench import dedup  # noqa: E402
from huunghi.crawler.extract.extractor import Extracted  # noqa: E402
from huunghi.crawler.reading import to_record  # noqa: E402
from huunghi.storage import clusters  # noqa: E402
from huunghi.storage.archive import Archive, ArticleRecord  # noqa: E402
from huunghi.storage.models import Article  # noqa: E402
from huunghi.storage.stories import judge  # noqa: E402
from huunghi.text.events import JOIN, compare  # noqa: E402

DATA = ROOT / "bench" / "data" / "stories"
ANSWERS = ("event", "group", "family")  # the labels: never given to the reader


def reports() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / "reports.jsonl").read_text(encoding="utf-8").splitlines()]


def read(report: dict[str, Any]) -> ArticleRecord:
    """A report as the crawler would store it: its first paragraph is the lead."""
    page = {k: v for k, v in report.items() if k not in ANSWERS}
    paragraphs = page["text"].split("\n\n")
    art = Extracted(
        title=page["title"],
        lead=paragraphs[0],
        body_text="\n\n".join(paragraphs[1:]),
        body_html="",
        published=datetime.fromisoformat(page["published"]),
        language="vi",
    )
    return to_record(art, page["url"], None, None, "vi")


def placed(recs: dict[str, ArticleRecord], portals: dict[str, str], events: bool) -> dict[str, int]:
    """Store the records in publication order in a fresh archive; the story each one got."""
    order = sorted(recs, key=lambda i: (recs[i].published_at or datetime.min, i))
    with (
        tempfile.TemporaryDirectory() as tmp,
        Archive(f"sqlite:///{Path(tmp) / 'stories.sqlite'}") as archive,
    ):
        sources = {
            p: archive.crawls.ensure_source(p, p, f"https://{p}/") for p in sorted(set(portals.values()))
        }
        for rid in order:
            rec = recs[rid] if events else replace(recs[rid], event=None)
            archive.articles.store(sources[portals[rid]], rec)
        with archive.session() as s:
            story = {url: sid for url, sid in s.execute(select(Article.url, Article.story_id))}
    return {rid: story[recs[rid].url] for rid in recs}


def pair_counts(
    story: dict[str, int], truth: dict[str, str], lookalike: set[frozenset[str]]
) -> dict[str, Any]:
    tp = fp = fn = tn = 0
    false_lookalike = 0
    for a, b in itertools.combinations(sorted(story), 2):
        same, guess = truth[a] == truth[b], story[a] == story[b]
        tp += same and guess
        fn += same and not guess
        fp += guess and not same
        tn += not same and not guess
        false_lookalike += guess and not same and frozenset((a, b)) in lookalike
    groups = Counter(truth.values())
    whole = sum(
        1 for event, n in groups.items() if n > 1 and len({story[r] for r in story if truth[r] == event}) == 1
    )
    return {
        "pairs": tp + fp + fn + tn,
        "same_event_pairs": tp + fn,
        "joined": tp,
        "false_joins": fp,
        "false_joins_of_lookalikes": false_lookalike,
        "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
        "groups": sum(1 for n in groups.values() if n > 1),
        "groups_whole": whole,
    }


def scores(
    recs: dict[str, ArticleRecord], truth: dict[str, str], lookalike: set[frozenset[str]]
) -> dict[str, Any]:
    """Event scores of same-event pairs and of look-alike pairs, and what sets them apart."""
    out: dict[str, dict[str, Any]] = {}
    for name, pairs in (
        ("same_event", [(a, b) for a, b in itertools.combinations(sorted(recs), 2) if truth[a] == truth[b]]),
        ("lookalike", [tuple(sorted(p)) for p in lookalike]),
    ):
        rows = []
        for a, b in pairs:
            ra, rb = recs[a], recs[b]
            same, j, score = judge((ra.minhash, ra.shingles, ra.event), (rb.minhash, rb.shingles, rb.event))
            conflict = compare(ra.event, rb.event).conflict if ra.event and rb.event else ""
            rows.append((score, conflict, j, same))
        free = sorted(s for s, c, _, _ in rows if not c)
        out[name] = {
            "pairs": len(rows),
            "judged_same": sum(1 for *_, same in rows if same),
            "conflicts": dict(Counter(c or "none" for _, c, _, _ in rows)),
            "score_without_conflict": {
                "n": len(free),
                "min": min(free) if free else None,
                "median": statistics.median(free) if free else None,
                "max": max(free) if free else None,
            },
            "histogram": dict(sorted(Counter(min(int(s), 12) for s, c, _, _ in rows if not c).items())),
            "jaccard_max": round(max(j for _, _, j, _ in rows), 3),
        }
    # every other pair of different events, and the look-alikes' scores had their conflict been missed
    others = [
        compare(recs[a].event, recs[b].event)
        for a, b in itertools.combinations(sorted(recs), 2)
        if truth[a] != truth[b] and recs[a].event and recs[b].event
    ]
    free_others = [g.score for g in others if not g.conflict]
    pos = out["same_event"]["score_without_conflict"]
    out["different_events"] = {
        "pairs": len(others),
        "without_conflict": len(free_others),
        "max_score_without_conflict": max(free_others, default=0.0),
        "max_score_with_conflict": max((g.score for g in others if g.conflict), default=0.0),
    }
    out["join_at"] = JOIN
    out["margin"] = pos["min"] - out["different_events"]["max_score_without_conflict"] if pos["min"] else None
    return out


ABLATIONS = {
    "all facts": {},
    "no event day": {"day": None},
    "no people": {"people": frozenset()},
    "no figures": {"figures": frozenset()},
    "no main places": {"places": frozenset()},
}


def ablations(recs: dict[str, ArticleRecord], truth: dict[str, str]) -> dict[str, dict[str, float]]:
    """Pairwise precision and recall of ``judge`` with one kind of fact taken from every
    signature: how much each kind carries, and what a page that lacks it costs. As in placement,
    only pairs within the window (event day, else publication day) are candidates."""
    out = {}
    ids = sorted(recs)
    for name, blank in ABLATIONS.items():
        events = {i: replace(recs[i].event, **blank) if recs[i].event else None for i in ids}
        day = {i: (e.day if e and e.day else recs[i].published_at.date()) for i, e in events.items()}  # type: ignore[union-attr]
        tp = fp = fn = 0
        for a, b in itertools.combinations(ids, 2):
            ra, rb = recs[a], recs[b]
            near = abs((day[a] - day[b]).days) <= clusters.WINDOW_DAYS
            same = (
                near and judge((ra.minhash, ra.shingles, events[a]), (rb.minhash, rb.shingles, events[b]))[0]
            )
            real = truth[a] == truth[b]
            tp, fp, fn = tp + (same and real), fp + (same and not real), fn + (real and not same)
        out[name] = {
            "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
            "false_joins": fp,
        }
    return out


def quality() -> dict[str, Any]:
    data = reports()
    recs = {r["id"]: read(r) for r in data}
    portals = {r["id"]: r["portal"] for r in data}
    truth = {r["id"]: r["event"] for r in data}
    lookalike = {frozenset(p[:2]) for p in json.loads((DATA / "lookalikes.json").read_text(encoding="utf-8"))}
    return {
        "reports": len(data),
        "events": pair_counts(placed(recs, portals, True), truth, lookalike),
        "text_only": pair_counts(placed(recs, portals, False), truth, lookalike),
        "scores": scores(recs, truth, lookalike),
        "ablations": ablations(recs, truth),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,200000")
    parser.add_argument("--new", type=int, default=200)
    parser.add_argument("--skip-cost", action="store_true", help="quality only (seconds, not minutes)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    q = quality()
    costs: list[dict[str, Any]] = []
    if not args.skip_cost:
        with tempfile.TemporaryDirectory() as tmp:
            costs = [dedup.cost(int(s), args.new, Path(tmp)) for s in args.sizes.split(",")]
        base = costs[0]["median_ms"]
        for c in costs:
            c["median_vs_smallest"] = round(c["median_ms"] / base, 2) if base else None
    if args.json:
        print(json.dumps({"quality": q, "cost": costs}, indent=2, ensure_ascii=False))
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"Story placement on {q['reports']} labelled reports (bench/data/stories)")
    for col in (
        "rule",
        "precision",
        "recall",
        "joined / same-event pairs",
        "false joins (look-alikes)",
        "groups whole",
    ):
        table.add_column(col, justify="right")
    for name, label in (("events", "text + event signature"), ("text_only", "text overlap only")):
        r = q[name]
        table.add_row(
            label,
            f"{r['precision']:.3f}",
            f"{r['recall']:.3f}",
            f"{r['joined']} / {r['same_event_pairs']}",
            f"{r['false_joins']} ({r['false_joins_of_lookalikes']})",
            f"{r['groups_whole']} / {r['groups']}",
        )
    console.print(table)
    sc = q["scores"]
    table = Table(title=f"Event scores by class (join at ≥ {sc['join_at']} with no conflict)")
    for col in (
        "class",
        "pairs",
        "judged one story",
        "conflicts",
        "score min / median / max (no conflict)",
        "histogram",
    ):
        table.add_column(col)
    for name in ("same_event", "lookalike"):
        r = sc[name]
        w = r["score_without_conflict"]
        table.add_row(
            name,
            str(r["pairs"]),
            str(r["judged_same"]),
            ", ".join(f"{k} {v}" for k, v in r["conflicts"].items()),
            f"{w['min']} / {w['median']} / {w['max']}",
            " ".join(f"{k}:{v}" for k, v in r["histogram"].items()),
        )
    console.print(table)
    d = sc["different_events"]
    console.print(
        f"all {d['pairs']:,} pairs of different events: {d['without_conflict']} without a conflict, "
        f"scoring at most {d['max_score_without_conflict']} (with a conflict, at most "
        f"{d['max_score_with_conflict']}); margin to the lowest same-event score: {sc['margin']}"
    )
    table = Table(title="Pairwise, with one kind of fact taken from every signature (storage.stories.judge)")
    for col in ("signatures", "precision", "recall", "false joins"):
        table.add_column(col, justify="right")
    for name, r in q["ablations"].items():
        table.add_row(name, f"{r['precision']:.3f}", f"{r['recall']:.3f}", str(r["false_joins"]))
    console.print(table)
    if costs:
        table = Table(title=f"Cost of storing one new article ({args.new} new articles, SQLite)")
        for col in ("archive size", "median ms", "p95 ms", "median ÷ smallest"):
            table.add_column(col, justify="right")
        for c in costs:
            table.add_row(
                f"{c['size']:,}",
                f"{c['median_ms']:.2f}",
                f"{c['p95_ms']:.2f}",
                f"{c['median_vs_smallest']:.2f}",
            )
        console.print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
