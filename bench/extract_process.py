"""`huunghi extract` as a whole process against a Python process running trafilatura, same pages.

    .venv/bin/python bench/extract_process.py [--pages 40] [--runs 3] [--data ../shared/data] [--json]

What a user waits for when extracting one site's batch from the command line: start-up
(interpreter, imports), then every page, then exit. For each site, PAGES pages of that site are
written once as a folder of .html files and as the JSON Lines `huunghi extract` reads; then

- huunghi: `huunghi extract batch.jsonl -o out.jsonl` (the console script, templates learned
  across the batch as it goes, nothing stored before the run);
- trafilatura: `python -c "import trafilatura; ..."` reading the folder's files in order with
  `trafilatura.extract(html, url=...)` (defaults, as the speed reference of bench/extraction.py),
  one process, one core (trafilatura's own CLI spreads a folder over several processes).

Wall time, best of RUNS for each (the two alternate, so a busy moment hits both); the ratio is
trafilatura's time over Huunghi's. Sites: the five replica portals (PAGES pages each: articles in
order, revisited with freshly rotated sidebars until there are enough) and the largest site of
cleanportaleval (tv.msnbc.com_news, all its 30 pages: no public set here has 40 of one site).
Also printed: each process's fixed cost, on a batch of one empty line (no page).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.extraction import load_cleanportaleval  # noqa: E402

HUUNGHI = Path(sys.executable).with_name("huunghi")
TRAFILATURA = """
import sys, json
from pathlib import Path
import trafilatura
folder = Path(sys.argv[1])
urls = json.loads((folder / "urls.json").read_text(encoding="utf-8"))
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for path in sorted(folder.glob("*.html")):
        text = trafilatura.extract(path.read_text(encoding="utf-8"), url=urls[path.name] or None) or ""
        out.write(json.dumps({"url": urls[path.name], "text": text}, ensure_ascii=False) + "\\n")
"""


def replica_sites(pages: int) -> dict[str, list[tuple[str, str]]]:
    """(url, html) of ``pages`` pages of each replica portal, in crawl order."""
    from huunghi.replicas import templates as T
    from huunghi.replicas.catalog import build_catalogs

    sites = {}
    for name, catalog in build_catalogs().items():
        rng = random.Random(7)
        host = f"http://{name}.replica"
        batch: list[tuple[str, str]] = []
        while len(batch) < pages:
            for a in catalog.articles[: pages - len(batch)]:
                batch.append((host + T.article_path(catalog, a), T.render_article(catalog, a, host, rng)))
        sites[f"replica {name}"] = batch
    return sites


def public_sites(data: Path, pages: int) -> dict[str, list[tuple[str, str]]]:
    if not (data / "cleanportaleval").exists():
        return {}
    biggest = max(load_cleanportaleval(data), key=len)
    site = biggest[0].site
    return {site: [(p.url or f"http://{site}/page-{n}", p.html) for n, p in enumerate(biggest[:pages])]}


def write(folder: Path, batch: list[tuple[str, str]]) -> None:
    folder.mkdir(parents=True)
    urls = {}
    with open(folder / "batch.jsonl", "w", encoding="utf-8") as lines:
        for n, (url, html) in enumerate(batch):
            name = f"{n:03d}.html"
            (folder / name).write_text(html, encoding="utf-8")
            urls[name] = url
            lines.write(json.dumps({"url": url, "html": html}, ensure_ascii=False) + "\n")
    (folder / "urls.json").write_text(json.dumps(urls), encoding="utf-8")


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds


def measure(folder: Path, runs: int) -> tuple[float, float, int, int]:
    """Best wall time of huunghi and of trafilatura over the folder, and the lines each wrote."""
    ours = [HUUNGHI.as_posix(), "extract", str(folder / "batch.jsonl"), "-o", str(folder / "huunghi.jsonl")]
    ref = [sys.executable, "-c", TRAFILATURA, str(folder), str(folder / "trafilatura.jsonl")]
    a, b = [], []
    for _ in range(runs):
        a.append(wall(ours))
        b.append(wall(ref))
    count = [
        sum(1 for _ in open(folder / f, encoding="utf-8")) for f in ("huunghi.jsonl", "trafilatura.jsonl")
    ]
    return min(a), min(b), count[0], count[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    places = (ROOT.parent / "shared" / "data", Path("/work/shared/data"))
    parser.add_argument("--data", type=Path, default=next((p for p in places if p.exists()), places[0]))
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not HUUNGHI.exists():
        parser.error(f"{HUUNGHI} not found: run from the project's .venv (make install)")
    sites = {**replica_sites(args.pages), **public_sites(args.data, args.pages)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="huunghi-bench-") as tmp:
        empty = Path(tmp) / "empty"
        write(empty, [])
        (empty / "batch.jsonl").write_text("\n", encoding="utf-8")
        ours, ref, _, _ = measure(empty, args.runs)
        rows.append(
            {"site": "(no page: start-up and exit)", "pages": 0, "huunghi_s": ours, "trafilatura_s": ref}
        )
        for n, (site, batch) in enumerate(sites.items()):
            folder = Path(tmp) / f"site{n}"
            write(folder, batch)
            ours, ref, got, want = measure(folder, args.runs)
            assert got == want == len(batch), (site, got, want, len(batch))
            rows.append({"site": site, "pages": len(batch), "huunghi_s": ours, "trafilatura_s": ref})
    for row in rows:
        row["ratio"] = round(row["trafilatura_s"] / row["huunghi_s"], 2)
        row["huunghi_s"], row["trafilatura_s"] = round(row["huunghi_s"], 3), round(row["trafilatura_s"], 3)
    batches = [r for r in rows if r["pages"]]
    total = {
        "site": "all batches",
        "pages": sum(r["pages"] for r in batches),
        "huunghi_s": round(sum(r["huunghi_s"] for r in batches), 3),
        "trafilatura_s": round(sum(r["trafilatura_s"] for r in batches), 3),
    }
    total["ratio"] = round(total["trafilatura_s"] / total["huunghi_s"], 2)
    rows.append(total)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"`huunghi extract` against a trafilatura process, wall time, best of {args.runs}")
    print(f"{'site':34} {'pages':>5} {'huunghi s':>10} {'trafilatura s':>14} {'ratio':>6}")
    for r in rows:
        times = f"{r['huunghi_s']:>10.3f} {r['trafilatura_s']:>14.3f}"
        print(f"{r['site']:34} {r['pages']:>5} {times} {r['ratio']:>6.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
