"""Publication dates: Huunghi's date finder against htmldate, on the same pages, in one run.

    .venv/bin/python bench/dates.py [--data ../shared/data] [--sets dev,replicas,written] [--misses]

The dated set: ``dev`` (pages of ../shared/data/scrapinghub whose URL day is confirmed by an ISO
day in the page's own markup, bench/data/dates/dev.json; canonical and og:url links are removed
from both readers' input, since the gold came from the URL), ``replicas`` (every article of every
replica portal, the catalog's published time as gold) and ``written`` (bench/data/dates/pages/:
every Vietnamese form, comment, sidebar, future and zone traps; pages.json holds the gold, the
fetch time and the feed's date). A day is compared in the value's own offset. "exact instant"
counts, among the gold values with a time, the ones whose instant Huunghi gives exactly.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from htmldate import find_date  # noqa: E402

from huunghi.crawler.extract import dates as D  # noqa: E402
from huunghi.crawler.extract.extractor import Extractor, NotAnArticle  # noqa: E402

HERE = ROOT / "bench" / "data" / "dates"
DEV_NOW = datetime(2026, 12, 1, tzinfo=UTC)
_URL_LINKS = re.compile(r"<link[^>]+rel=[\"']?canonical[^>]*>|<meta[^>]+(?:og:url|twitter:url)[^>]*>", re.I)


@dataclass
class Case:
    set: str
    name: str
    html: str
    gold: str  # ISO day or ISO instant with its offset
    now: datetime
    feed_date: datetime | None = None
    gold_updated: str | None = None


def _day(value: str | datetime | date | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)


def dev_cases(data: Path) -> list[Case]:
    gold = json.loads((HERE / "dev.json").read_text())["pages"]
    out = []
    for key, g in gold.items():
        html = gzip.open(data / "scrapinghub" / "html" / f"{key}.html.gz").read().decode("utf-8", "replace")
        out.append(Case("dev", key[:12], _URL_LINKS.sub("", html), g["published"], DEV_NOW))
    return out


def replica_cases() -> list[Case]:
    from huunghi.replicas.catalog import build_catalogs
    from huunghi.replicas.templates import render_article

    out = []
    for name, catalog in sorted(build_catalogs().items()):
        for article in catalog.articles:
            html = render_article(catalog, article, "http://127.0.0.1:8000", random.Random(article.id))
            now = article.published + timedelta(days=1)
            out.append(Case("replicas", f"{name}/{article.id}", html, article.published.isoformat(), now))
    return out


def written_cases() -> list[Case]:
    gold = json.loads((HERE / "pages.json").read_text())
    out = []
    for name, g in gold.items():
        feed = datetime.fromisoformat(g["feed_date"]) if g.get("feed_date") else None
        out.append(
            Case(
                "written",
                name,
                (HERE / "pages" / f"{name}.html").read_text(),
                g["published"],
                datetime.fromisoformat(g["now"]),
                feed,
                g.get("updated"),
            )
        )
    return out


def huunghi(case: Case) -> tuple[datetime | None, str]:
    """The crawl's own path: the extractor (a not-article page keeps the dates it found)."""
    try:
        art = Extractor(learn=False).extract(case.html, "", feed_date=case.feed_date, now=case.now)
        return art.published, art.published_source
    except NotAnArticle as exc:
        found = exc.dates
        return (found.published, found.source) if isinstance(found, D.Dates) else (None, "")


def htmldate_reader(extensive: bool, original: bool) -> Callable[[Case], tuple[date | None, str]]:
    def read(case: Case) -> tuple[date | None, str]:
        try:
            found = find_date(
                case.html,
                extensive_search=extensive,
                original_date=original,
                max_date=case.now.strftime("%Y-%m-%d"),
            )
        except Exception:
            found = None
        return (date.fromisoformat(found) if found else None), "htmldate"

    return read


def score(cases: list[Case], reader: Callable[[Case], tuple[object, str]], misses: bool, label: str) -> dict:
    exact = near = none = far = timed = instant = 0
    for case in cases:
        got, source = reader(case)
        gold = _day(case.gold)
        day = _day(got)  # type: ignore[arg-type]
        if day is None:
            none += 1
        elif day == gold:
            exact += 1
        if day is not None and abs((day - gold).days) <= 1:
            near += 1
        elif day is not None:
            far += 1
        if "T" in case.gold:
            timed += 1
            if isinstance(got, datetime) and got == datetime.fromisoformat(case.gold) and got.date() == gold:
                instant += 1
        if misses and day != gold:
            print(f"  miss [{label}] {case.set}/{case.name}: gold {case.gold} got {got} ({source})")
    n = len(cases)
    return {
        "pages": n,
        "exact": exact / n if n else 0.0,
        "near": near / n if n else 0.0,
        "none": none,
        "far": far,
        "timed": timed,
        "instant": instant,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent.parent / "shared" / "data")
    parser.add_argument("--sets", default="dev,replicas,written")
    parser.add_argument("--misses", action="store_true", help="print every page whose day is wrong")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    if not args.data.exists():
        args.data = Path("/work/shared/data")
    wanted = args.sets.split(",")
    sets = {"dev": lambda: dev_cases(args.data), "replicas": replica_cases, "written": written_cases}
    cases = {name: sets[name]() for name in wanted}
    cases["all"] = [c for name in wanted for c in cases[name]]

    def huunghi_mode(mode: str) -> Callable[[Case], tuple[datetime | None, str]]:
        def read(case: Case) -> tuple[datetime | None, str]:
            kept, D.HTMLDATE_EXTENSIVE = D.HTMLDATE_EXTENSIVE, mode
            try:
                return huunghi(case)
            finally:
                D.HTMLDATE_EXTENSIVE = kept

        return read

    readers: list[tuple[str, Callable[[Case], tuple[object, str]]]] = [
        ("huunghi", huunghi),
        ("huunghi (htmldate extensive on)", huunghi_mode("on")),
        ("huunghi (htmldate extensive off)", huunghi_mode("off")),
        ("htmldate default", htmldate_reader(True, False)),
        ("htmldate original_date", htmldate_reader(True, True)),
    ]
    print(
        "| set | reader | pages | exact day | ±1 day | no date | > 1 day off | exact instant | "
        "exact ÷ htmldate |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, group in cases.items():
        show = args.misses and name != "all"
        rows = [(label, score(group, reader, show, label)) for label, reader in readers]
        ref = next(r for label, r in rows if label == "htmldate default")["exact"] or 1.0
        for label, r in rows:
            instant = f"{r['instant']}/{r['timed']}" if label.startswith("huunghi") else "–"
            print(
                f"| {name} | {label} | {r['pages']} | {r['exact']:.1%} | {r['near']:.1%} | {r['none']} | "
                f"{r['far']} | {instant} | {r['exact'] / ref:.3f} |"
            )


if __name__ == "__main__":
    main()
