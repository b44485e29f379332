"""Compile the hand-written sources in ``src/`` into ``reports.jsonl`` and ``lookalikes.json``.

The sources are plain text so that a reviewer reads the reports as a newsroom wrote them; ids,
groups and look-alike pairs are spelled out there, so the output is stable from run to run.
Run: ``python bench/data/stories/build.py`` (stdlib only), then ``check.py``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"


@dataclass
class Report:
    id: str
    event: str
    family: str
    fields: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        paragraphs = "\n".join(self.lines).strip().split("\n\n")
        return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


@dataclass
class Event:
    id: str
    family: str
    note: str = ""
    reports: list[Report] = field(default_factory=list)


@dataclass
class Family:
    id: str
    kind: str = ""
    events: list[Event] = field(default_factory=list)


def slug(title: str) -> str:
    """ASCII slug as the portals build it: no tone marks, đ → d, words joined by hyphens."""
    text = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").lower()
    return "-".join(re.findall(r"[a-z0-9]+", text))[:90].strip("-")


def article_number(report_id: str, digits: int) -> int:
    digest = int(hashlib.sha1(report_id.encode()).hexdigest(), 16)
    return 10 ** (digits - 1) + digest % (9 * 10 ** (digits - 1))


def make_url(portal: str, title: str, report_id: str) -> str:
    s = slug(title)
    if portal == "vietnamplus.vn":
        return f"https://www.vietnamplus.vn/{s}-post{article_number(report_id, 7)}.vnp"
    if portal in ("nhandan.vn", "baotintuc.vn"):
        return f"https://{portal}/{s}-post{article_number(report_id, 6)}.html"
    if portal == "baothanhhoa.vn":
        return f"https://{portal}/{s}-{article_number(report_id, 6)}.htm"
    return f"https://{portal}/{s}-{article_number(report_id, 6)}.html"


def parse(path: Path) -> tuple[list[Family], list[tuple[str, str, str]]]:
    families: list[Family] = []
    extra: list[tuple[str, str, str]] = []
    report: Report | None = None
    in_body = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip()
        if line.startswith("%"):
            key, _, value = line[1:].partition(" ")
            value = value.strip()
            report, in_body = None, False
            if key == "family":
                families.append(Family(value))
            elif key == "kind":
                families[-1].kind = value
            elif key == "event":
                families[-1].events.append(Event(value, families[-1].id))
            elif key == "note":
                families[-1].events[-1].note = value
            elif key == "report":
                event = families[-1].events[-1]
                report = Report(value, event.id, event.family)
                event.reports.append(report)
            elif key == "lookalike":
                a, b, reason = value.split(" ", 2)
                extra.append((a, b, reason))
            else:
                raise ValueError(f"{path.name}: unknown directive {line!r}")
            continue
        if report is None:
            if line.strip():
                raise ValueError(f"{path.name}: text outside a report: {line!r}")
            continue
        if not in_body:
            if not line.strip():
                in_body = bool(report.fields)
                continue
            name, sep, value = line.partition(":")
            if sep and name in {"portal", "published", "title", "url", "source"}:
                report.fields[name] = value.strip()
                continue
            in_body = True
        report.lines.append(line)
    return families, extra


def main() -> None:
    families: list[Family] = []
    extra: list[tuple[str, str, str]] = []
    for path in sorted(SRC.glob("f*.txt")):
        fams, more = parse(path)
        families += fams
        extra += more
    events = {e.id: e for f in families for e in f.events}
    rows = []
    for fam in families:
        for event in fam.events:
            group = event.id if len(event.reports) > 1 else None
            for r in event.reports:
                row = {
                    "id": r.id,
                    "group": group,
                    "portal": r.fields["portal"],
                    "url": r.fields.get("url") or make_url(r.fields["portal"], r.fields["title"], r.id),
                    "title": r.fields["title"],
                    "published": r.fields["published"],
                    "text": r.text,
                    "event": event.id,
                    "family": fam.id,
                }
                if "source" in r.fields:
                    row["source"] = r.fields["source"]
                rows.append(row)
    pairs: list[tuple[Event, Event, str]] = []
    for fam in families:
        for a, b in itertools.combinations(fam.events, 2):
            pairs.append((a, b, f"{fam.kind}: {a.note} | {b.note}"))
    for id_a, id_b, reason in extra:
        pairs.append((events[id_a], events[id_b], reason))
    lookalikes = [[ra.id, rb.id, reason] for a, b, reason in pairs for ra in a.reports for rb in b.reports]
    with (HERE / "reports.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    event_pairs = [[a.id, b.id, reason] for a, b, reason in pairs]
    (HERE / "lookalikes.json").write_text(
        json.dumps(lookalikes, ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )
    (HERE / "lookalike_events.json").write_text(
        json.dumps(event_pairs, ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )
    print(f"{len(rows)} reports, {len(events)} events, {len(lookalikes)} look-alike report pairs")


if __name__ == "__main__":
    main()
