"""Extraction quality and speed: Huunghi against trafilatura, on the same pages, in one run.

    .venv/bin/python bench/extraction.py [--data ../shared/data] [--sets scrapinghub,cleanportaleval,replicas]
                                         [--limit N] [--json]

Prints P, R, F1 (the metric of ../shared/data/README.md: 4-token shingles with multiplicity,
per-page normalised, means over pages) and pages/s on one core, with ratios against
trafilatura's default measured in the same process. Sites of cleanportaleval are fed as one
batch each, in file order, as the crawler would see them.
"""

from __future__ import annotations

import argparse
import gzip
import html as html_lib
import json
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

from crawler.extract import NotAnArticle, extract  # noqa: E402
from crawler.metric import f1, page_pr  # noqa: E402


@dataclass
class Page:
    site: str
    url: str
    html: str
    truth: str


@dataclass
class Score:
    precision: float
    recall: float
    f1: float
    pages: int
    pages_per_s: float


def score(extractor: Callable[[list[Page]], list[str]], batches: list[list[Page]]) -> Score:
    preds: list[str] = []
    truths: list[str] = []
    start = time.process_time()
    for batch in batches:
        preds.extend(extractor(batch))
        truths.extend(p.truth for p in batch)
    elapsed = max(time.process_time() - start, 1e-9)
    prs = [page_pr(p, t) for p, t in zip(preds, truths)]
    precision = sum(p for p, _ in prs) / len(prs)
    recall = sum(r for _, r in prs) / len(prs)
    return Score(precision, recall, f1(precision, recall), len(prs), len(prs) / elapsed)


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
    for path in sorted(base.glob("input/*.html"), key=lambda p: (p.stem.rsplit("_", 1)[0],
                                                                 int(p.stem.rsplit("_", 1)[1]))):
        gold_path = base / "GoldStandard" / f"{path.stem}.txt"
        if not gold_path.exists():
            continue
        lines = _read_any(gold_path).lstrip("\ufeff").strip().splitlines()  # some start with a blank line
        url = lines[0].removeprefix("URL:").strip() if lines and lines[0].startswith("URL:") else ""
        gold = html_lib.unescape(re.sub(r"<[phl]>", " ", "\n".join(lines[1:] if url else lines)))
        if not gold.strip():
            continue  # bbc.co.uk_news_05 has an empty gold file
        site = path.stem.rsplit("_", 1)[0]
        by_site.setdefault(site, []).append(Page(site, url, _read_any(path), gold))
    return list(by_site.values())


def load_replicas() -> list[list[Page]]:
    from crawler.replicas import templates as T
    from crawler.replicas.catalog import build_catalogs

    batches = []
    for name, catalog in build_catalogs().items():
        rng = random.Random(7)
        batches.append([Page(name, "http://replica" + T.article_path(catalog, a),
                             T.render_article(catalog, a, "http://replica", rng), a.text)
                        for a in catalog.articles])
    return batches


# -- extractors ------------------------------------------------------------------------------
def huunghi(batch: list[Page]) -> list[str]:
    out = []
    for page in batch:
        try:
            out.append(extract(page.html, page.url).text)
        except NotAnArticle:
            out.append("")
    return out


def trafilatura_with(**options: object) -> Callable[[list[Page]], list[str]]:
    def run(batch: list[Page]) -> list[str]:
        return [trafilatura.extract(p.html, url=p.url or None, **options) or "" for p in batch]
    return run


EXTRACTORS: dict[str, Callable[[list[Page]], list[str]]] = {
    "huunghi": huunghi,
    "trafilatura": trafilatura_with(),
    "trafilatura (precision)": trafilatura_with(favor_precision=True),
}


def run(sets: Iterable[str], data: Path, limit: int | None) -> list[dict[str, object]]:
    loaders = {"scrapinghub": lambda: load_scrapinghub(data), "cleanportaleval": lambda: load_cleanportaleval(data),
               "replicas": load_replicas}
    rows: list[dict[str, object]] = []
    for name in sets:
        batches = loaders[name]()
        if limit:
            batches = batches[:limit]
        scores = {ext: score(fn, batches) for ext, fn in EXTRACTORS.items()}
        ref = scores["trafilatura"]
        for ext, s in scores.items():
            rows.append({"set": name, "extractor": ext, "P": round(s.precision, 3), "R": round(s.recall, 3),
                         "F1": round(s.f1, 3), "pages": s.pages, "pages_per_s": round(s.pages_per_s, 1),
                         "F1_vs_trafilatura": round(s.f1 / ref.f1, 3) if ref.f1 else None,
                         "speed_vs_trafilatura": round(s.pages_per_s / ref.pages_per_s, 2)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sets", default="scrapinghub,cleanportaleval,replicas")
    parser.add_argument("--limit", type=int, default=None, help="At most N batches per set (quick runs).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    needs_data = {"scrapinghub", "cleanportaleval"} & set(sets)
    if needs_data and not args.data.exists():
        parser.error(f"{args.data} not found: pass --data, or --sets replicas")
    rows = run(sets, args.data, args.limit)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Extraction: P/R/F1 (shared/data metric) and pages/s on one core")
    for col in ("set", "extractor", "P", "R", "F1", "pages", "pages/s", "F1 ÷ traf.", "speed ÷ traf."):
        table.add_column(col, justify="left" if col in ("set", "extractor") else "right")
    for r in rows:
        table.add_row(str(r["set"]), str(r["extractor"]), f"{r['P']:.3f}", f"{r['R']:.3f}", f"{r['F1']:.3f}",
                      str(r["pages"]), f"{r['pages_per_s']:.1f}", f"{r['F1_vs_trafilatura']:.3f}",
                      f"{r['speed_vs_trafilatura']:.2f}")
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
