"""Validate the labelled story set and print the counts quoted in README.md.

Fails (exit 1) when an id is missing or repeated, a look-alike pair joins two reports of one
event, a report is outside 90-250 words (the seed pages excepted), or a date is malformed.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
import sys
import unicodedata
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", unicodedata.normalize("NFC", text).lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def spread(values: list[float]) -> str:
    return f"min {min(values):.3f}, median {statistics.median(values):.3f}, max {max(values):.3f}"


def main() -> int:
    rows = [json.loads(line) for line in (HERE / "reports.jsonl").open(encoding="utf-8")]
    lookalikes = json.loads((HERE / "lookalikes.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    ids = Counter(r["id"] for r in rows)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    by_id = {r["id"]: r for r in rows}
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["group"]:
            groups[r["group"]].append(r)
        offset = datetime.fromisoformat(r["published"]).utcoffset()
        if offset is None or offset.total_seconds() != 7 * 3600:
            problems.append(f"{r['id']}: published not +07:00")
        count = len(r["text"].split())
        if not r.get("source") and not 90 <= count <= 250:
            problems.append(f"{r['id']}: {count} words")
        if not r["title"] or not r["portal"] or not r["url"].startswith("https://"):
            problems.append(f"{r['id']}: title, portal or url missing")
    spreads = []
    for g, members in groups.items():
        if len(members) < 2:
            problems.append(f"group {g} has one report")
        dates = [datetime.fromisoformat(m["published"]) for m in members]
        spreads.append(((max(dates) - min(dates)).total_seconds() / 86400, g))
        if len({m["portal"] for m in members}) < len(members):
            problems.append(f"group {g}: two reports from one portal")
    seen = set()
    for a, b, reason in lookalikes:
        for i in (a, b):
            if i not in by_id:
                problems.append(f"look-alike id {i} does not exist")
        if a in by_id and b in by_id and by_id[a]["event"] == by_id[b]["event"]:
            problems.append(f"look-alike {a} {b} is one event")
        key = frozenset((a, b))
        if key in seen:
            problems.append(f"look-alike {a} {b} listed twice")
        seen.add(key)
        if not reason:
            problems.append(f"look-alike {a} {b} without a reason")
    events = {r["event"] for r in rows}
    event_pairs = {frozenset((by_id[a]["event"], by_id[b]["event"])) for a, b, _ in lookalikes}
    positives = sum(len(m) * (len(m) - 1) // 2 for m in groups.values())
    words = [len(r["text"].split()) for r in rows if not r.get("source")]
    late = sorted((d, g) for d, g in spreads if d > 3)
    sizes = Counter(len(m) for m in groups.values())
    print(f"reports: {len(rows)} ({len(set(r['portal'] for r in rows))} portals)")
    print(f"events: {len(events)} in {len({r['family'] for r in rows})} families")
    print(f"same-event groups: {len(groups)} (sizes {dict(sorted(sizes.items()))})")
    print(f"singles: {sum(1 for r in rows if not r['group'])}")
    print(f"same-event report pairs: {positives}")
    print(f"look-alike event pairs: {len(event_pairs)}")
    print(f"look-alike report pairs: {len(lookalikes)}")
    print(
        f"words per report (seed pages excepted): min {min(words)}, max {max(words)}, "
        f"mean {sum(words) / len(words):.0f}"
    )
    print(
        f"groups whose pages lie > 3 days apart (an 'updated' date): {len(late)} "
        + ", ".join(f"{g} {d:.1f} d" for d, g in late)
    )
    shingles = {r["id"]: trigrams(r["title"] + " " + r["text"]) for r in rows}
    same = [
        jaccard(shingles[a["id"]], shingles[b["id"]])
        for m in groups.values()
        for a, b in itertools.combinations(m, 2)
    ]
    alike = [jaccard(shingles[a], shingles[b]) for a, b, _ in lookalikes if a in by_id and b in by_id]
    print(f"3-word shingle Jaccard, same event: {spread(same)}; look-alike: {spread(alike)}")
    print(f"same-event pairs above the highest look-alike: {sum(s > max(alike) for s in same)}")
    all_pairs = len(rows) * (len(rows) - 1) // 2
    print(f"all report pairs: {all_pairs} (unlabelled pairs are different events too)")
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
