"""Extraction quality and speed: Huunghi against trafilatura, on the same pages, in one run.

    .venv/bin/python bench/extraction.py [--data ../shared/data] [--sets scrapinghub,cleanportaleval,replicas]
                                         [--limit N] [--repeat 3] [--json] [--no-huge]

Prints P, R, F1 (the metric of ../shared/data/README.md: 4-token shingles with multiplicity,
per-page normalised, means over pages) and pages/s on one core, with ratios against
trafilatura's default measured in the same process. Sites of cleanportaleval are fed as one
batch each, in file order, as the crawler would see them. Each page's time is the best of
--repeat runs, the extractors taking turns (this machine is shared: one busy second must not
land on one extractor's column only).
"""

from __future__ import annotations

import argparse
import gzip
import html as html_lib
import json
import logging
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from bench.metric import f1, page_pr  # noqa: E402
from huunghi.crawler.extract.extractor import Extractor, NotAnArticle  # noqa: E402


@dataclass
class Page:
    site: str
    url: str
    html: str
    truth: str
    leaks: Callable[[str], list[str]] | None = None  # replicas: furniture found in a text
    title: str | None = None  # replicas: the exact headline


@dataclass
class Output:
    text: str
    seconds: float
    learned: bool = False  # read by a learned site template (Huunghi only)
    title: str | None = None


@dataclass
class Score:
    precision: float
    recall: float
    f1: float
    pages: int
    pages_per_s: float
    learned_pages: int
    leaks: int | None


def outputs_of(
    extractors: dict[str, Callable[[list[Page]], list[Output]]], batches: list[list[Page]], repeat: int
) -> dict[str, list[Output]]:
    """Every extractor's outputs over all batches; with ``repeat`` > 1 each page's time is the best
    of that many runs, the extractors taking turns in alternating order, so that a busy moment of
    a shared machine does not land on one of them only (the texts are the same on every run)."""
    runs: dict[str, list[list[Output]]] = {ext: [] for ext in extractors}
    order = list(extractors)
    for n in range(max(repeat, 1)):
        for ext in order if n % 2 == 0 else reversed(order):
            runs[ext].append([o for batch in batches for o in extractors[ext](batch)])
    best: dict[str, list[Output]] = {}
    for ext, per_run in runs.items():
        best[ext] = []
        for same in zip(*per_run):  # one page's outputs, run after run
            assert all(o.text == same[0].text for o in same), f"{ext} read a page differently on a rerun"
            best[ext].append(
                Output(same[0].text, min(o.seconds for o in same), same[0].learned, same[0].title)
            )
    return best


def score(outputs: list[Output], batches: list[list[Page]]) -> Score:
    pages = [p for batch in batches for p in batch]
    prs = [page_pr(o.text, p.truth) for o, p in zip(outputs, pages)]
    precision = sum(p for p, _ in prs) / len(prs)
    recall = sum(r for _, r in prs) / len(prs)
    seconds = max(sum(o.seconds for o in outputs), 1e-9)
    leaks = None
    if all(p.leaks for p in pages):
        leaks = sum(len(p.leaks(o.text)) for o, p in zip(outputs, pages))  # type: ignore[misc]
    return Score(
        precision,
        recall,
        f1(precision, recall),
        len(prs),
        len(prs) / seconds,
        sum(o.learned for o in outputs),
        leaks,
    )


def speed_ratio(ours: list[Output], ref: list[Output], learned: bool) -> float | None:
    """Reference time over our time on the same pages: those read by a template, or the others."""
    pairs = [(o.seconds, r.seconds) for o, r in zip(ours, ref) if o.learned == learned]
    if not pairs:
        return None
    return sum(r for _, r in pairs) / max(sum(o for o, _ in pairs), 1e-9)


# -- data sets -------------------------------------------------------------------------------
def load_scrapinghub(data: Path) -> list[list[Page]]:
    base = data / "scrapinghub"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        raw = gzip.decompress((base / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        pages.append(Page("scrapinghub", truth[key].get("url", ""), raw, truth[key]["articleBody"]))
    return [[p] for p in pages]  # at most 2 pages per site: no site-level batches


def _read_any(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def load_cleanportaleval(data: Path) -> list[list[Page]]:
    base = data / "cleanportaleval"
    by_site: dict[str, list[Page]] = {}
    for path in sorted(
        base.glob("input/*.html"), key=lambda p: (p.stem.rsplit("_", 1)[0], int(p.stem.rsplit("_", 1)[1]))
    ):
        gold_path = base / "GoldStandard" / f"{path.stem}.txt"
        if not gold_path.exists():
            continue
        lines = _read_any(gold_path).lstrip("\ufeff").strip().splitlines()  # some start with a blank line
        url = lines[0].removeprefix("URL:").strip() if lines and lines[0].startswith("URL:") else ""
        gold = re.sub(r"<!--.*?-->", " ", "\n".join(lines[1:] if url else lines), flags=re.S)
        gold = html_lib.unescape(re.sub(r"<[phl]>", " ", gold))
        if not gold.strip():
            continue  # bbc.co.uk_news_05 is empty; _04 holds only "<!-- this page contains no article -->"
        site = path.stem.rsplit("_", 1)[0]
        by_site.setdefault(site, []).append(Page(site, url, _read_any(path), gold))
    return list(by_site.values())


VISITS = 3  # the crawler revisits recent articles (issue 4); sidebars rotate on every visit


def load_replicas() -> list[list[Page]]:
    """Each replica article as fetched on VISITS visits, each with freshly rotated sidebars."""
    from huunghi.replicas import templates as T
    from huunghi.replicas.catalog import build_catalogs

    batches = []
    for name, catalog in build_catalogs().items():
        rng = random.Random(7)
        host = f"http://{name}.replica"
        batches.append(
            [
                Page(
                    name,
                    host + T.article_path(catalog, a),
                    T.render_article(catalog, a, host, rng),
                    a.text,
                    leaks=lambda text, a=a, c=catalog: c.leaks(a, text),
                    title=a.title,
                )
                for _visit in range(VISITS)
                for a in catalog.articles
            ]
        )
    return batches


# -- extractors ------------------------------------------------------------------------------
def huunghi(batch: list[Page], learn: bool = True) -> list[Output]:
    """One Extractor per batch: a site's pages in crawl order, its template learned as they come."""
    extractor = Extractor(learn=learn)
    out = []
    for n, page in enumerate(batch):
        url = page.url or f"http://{page.site}/page-{n}"  # the template is per host
        start = time.process_time()
        try:
            art = extractor.extract(page.html, url)
            text, learned, title = art.text, art.method == "template", art.title
        except NotAnArticle:
            text, learned, title = "", False, ""
        out.append(Output(text, time.process_time() - start, learned, title))
    return out


def trafilatura_with(**options: object) -> Callable[[list[Page]], list[Output]]:
    def run(batch: list[Page]) -> list[Output]:
        out = []
        for p in batch:
            start = time.process_time()
            text = trafilatura.extract(p.html, url=p.url or None, **options) or ""
            out.append(Output(text, time.process_time() - start))
        return out

    return run


EXTRACTORS: dict[str, Callable[[list[Page]], list[Output]]] = {
    "huunghi": huunghi,
    "huunghi (generic)": lambda batch: huunghi(batch, learn=False),
    "trafilatura": trafilatura_with(),
    "trafilatura (precision)": trafilatura_with(favor_precision=True),
}


def run(sets: Iterable[str], data: Path, limit: int | None, repeat: int = 3) -> list[dict[str, object]]:
    loaders = {
        "scrapinghub": lambda: load_scrapinghub(data),
        "cleanportaleval": lambda: load_cleanportaleval(data),
        "replicas": load_replicas,
    }
    rows: list[dict[str, object]] = []
    for name in sets:
        batches = loaders[name]()
        if limit:
            batches = batches[:limit]
        outputs = outputs_of(EXTRACTORS, batches, repeat)
        results = {ext: (score(out, batches), out) for ext, out in outputs.items()}
        ref, ref_out = results["trafilatura"]
        rows.extend(per_site(name, batches, results))
        for ext, (s, out) in results.items():
            first = speed_ratio(out, ref_out, learned=False) if ext == "huunghi" else None
            learned = speed_ratio(out, ref_out, learned=True) if ext == "huunghi" else None
            rows.append(
                {
                    "set": name,
                    "site": "",
                    "extractor": ext,
                    "P": round(s.precision, 3),
                    "R": round(s.recall, 3),
                    "F1": round(s.f1, 3),
                    "pages": s.pages,
                    "learned_pages": s.learned_pages,
                    "pages_per_s": round(s.pages_per_s, 1),
                    "F1_vs_trafilatura": round(s.f1 / ref.f1, 3) if ref.f1 else None,
                    "speed_vs_trafilatura": round(s.pages_per_s / ref.pages_per_s, 2),
                    "speed_first_pages": round(first, 2) if first else None,
                    "speed_learned_pages": round(learned, 2) if learned else None,
                    "sidebar_leaks": s.leaks,
                }
            )
    return rows


def per_site(
    name: str, batches: list[list[Page]], results: dict[str, tuple[Score, list[Output]]]
) -> list[dict[str, object]]:
    """Template against generic reading, site by site: the template must never read a site worse."""
    if len(batches) == sum(len(b) for b in batches):
        return []  # one page per batch (scrapinghub): no site templates are learned
    rows: list[dict[str, object]] = []
    start = 0
    for batch in batches:
        row: dict[str, object] = {"set": name, "site": batch[0].site, "pages": len(batch)}
        for ext in ("huunghi", "huunghi (generic)", "trafilatura (precision)"):
            out = results[ext][1][start : start + len(batch)]
            prs = [page_pr(o.text, p.truth) for o, p in zip(out, batch)]
            row[ext] = round(f1(sum(p for p, _ in prs) / len(prs), sum(r for _, r in prs) / len(prs)), 3)
            if ext == "huunghi":
                row["learned"] = sum(o.learned for o in out)
                if all(p.title for p in batch):
                    row["titles"] = f"{sum(o.title == p.title for o, p in zip(out, batch))}/{len(batch)}"
                    texts: dict[str, set[str]] = {}
                    for o, p in zip(out, batch):
                        texts.setdefault(p.url, set()).add(o.text)
                    # articles read differently on revisits
                    row["churn"] = sum(len(t) > 1 for t in texts.values())
                if all(p.leaks for p in batch):
                    row["leaks"] = sum(len(p.leaks(o.text)) for o, p in zip(out, batch))  # type: ignore[misc]
        start += len(batch)
        rows.append(row)
    return rows


def huge_page() -> dict[str, object]:
    """A replica article with a 20+ MB rail: Huunghi bounds its input, trafilatura reads it all."""
    from huunghi.replicas import templates as T
    from huunghi.replicas.catalog import build_catalogs

    catalog = build_catalogs()["thoidai"]
    page = T.render_article(catalog, catalog.articles[0], "http://p", random.Random(1))
    rail = "".join(f"<li><a href='/x{i}'>Tin bài liên quan số {i}</a></li>" for i in range(400_000))
    html = page.replace("</main>", "<aside><ul>" + rail + "</ul></aside></main>")
    start = time.process_time()
    title = Extractor().extract(html, "http://p/a-1.html").title
    ours = time.process_time() - start
    start = time.process_time()
    trafilatura.extract(html)
    ref = time.process_time() - start
    assert title == catalog.articles[0].title
    return {
        "mb": round(len(html.encode()) / 1e6, 1),
        "huunghi_s": round(ours, 2),
        "trafilatura_s": round(ref, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    places = (ROOT.parent / "shared" / "data", Path("/work/shared/data"))
    default_data = next((p for p in places if p.exists()), places[0])
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--sets", default="scrapinghub,cleanportaleval,replicas")
    parser.add_argument("--limit", type=int, default=None, help="At most N batches per set (quick runs).")
    parser.add_argument(
        "--repeat", type=int, default=3, help="Runs per page; its time is the best of them (default 3)."
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-huge", action="store_true", help="Skip the 20+ MB page.")
    args = parser.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # its per-page warnings are not results
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    needs_data = {"scrapinghub", "cleanportaleval"} & set(sets)
    if needs_data and not args.data.exists():
        parser.error(f"{args.data} not found: pass --data, or --sets replicas")
    rows = run(sets, args.data, args.limit, args.repeat)
    huge = huge_page() if "replicas" in sets and not args.no_huge else None
    if args.json:
        print(json.dumps({"sets": rows, "huge_page": huge}, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Extraction: P/R/F1 (shared/data metric) and speed on one core, same run")
    cols = (
        "set",
        "extractor",
        "P",
        "R",
        "F1",
        "pages",
        "learned",
        "pages/s",
        "F1 ÷ traf.",
        "speed ÷ traf.",
        "÷ traf. first pages",
        "÷ traf. learned",
        "sidebar leaks",
    )
    for col in cols:
        table.add_column(col, justify="left" if col in ("set", "extractor") else "right")

    def fmt(value: object, spec: str = "") -> str:
        return "–" if value is None else format(value, spec)

    sites = Table(title="Per site: template (huunghi) against its own generic reading, same run")
    site_cols = (
        "set",
        "site",
        "pages",
        "learned",
        "huunghi",
        "huunghi (generic)",
        "trafilatura (precision)",
        "leaks",
        "titles",
        "churn",
    )
    for col in site_cols:
        sites.add_column(col, justify="left" if col in ("set", "site") else "right")
    for r in [r for r in rows if r.get("site")]:
        sites.add_row(*(fmt(r.get(c)) for c in site_cols))
    for r in [r for r in rows if not r.get("site")]:
        table.add_row(
            str(r["set"]),
            str(r["extractor"]),
            fmt(r["P"], ".3f"),
            fmt(r["R"], ".3f"),
            fmt(r["F1"], ".3f"),
            fmt(r["pages"]),
            fmt(r["learned_pages"] if r["extractor"] == "huunghi" else None),
            fmt(r["pages_per_s"], ".1f"),
            fmt(r["F1_vs_trafilatura"], ".3f"),
            fmt(r["speed_vs_trafilatura"], ".2f"),
            fmt(r["speed_first_pages"], ".2f"),
            fmt(r["speed_learned_pages"], ".2f"),
            fmt(r["sidebar_leaks"]),
        )
    Console().print(table)
    Console().print(sites)
    if huge:
        Console().print(
            f"{huge['mb']} MB page (an article with a huge rail): huunghi {huge['huunghi_s']} s, "
            f"trafilatura {huge['trafilatura_s']} s (process time, one core)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
