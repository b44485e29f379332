"""`huunghi extract` as a whole process against a Python process running trafilatura, same pages.

    .venv/bin/python bench/extract_process.py [--pages 40] [--runs 3] [--data ../shared/data] [--json]

What a user waits for when extracting one site's batch from the command line: start-up
(interpreter, imports), then every page, then exit. For each site, PAGES pages of that site are
written once as a folder of .html files and as the JSON Lines `huunghi extract` reads; then

- huunghi cold: `huunghi extract batch.jsonl -o out.jsonl` (the console script, templates learned
  across the batch as it goes, nothing stored before the run: a site's first batch);
- huunghi warm: the same with `--templates FILE`, FILE holding what an earlier batch of the site
  taught (copied afresh before every run; the template still audits every 20th page);
- trafilatura: `python -c "import trafilatura; ..."` reading the folder's files in order with
  `trafilatura.extract(html, url=...)` (defaults, as the speed reference of bench/extraction.py),
  one process, one core (trafilatura's own CLI spreads a folder over several processes).

Wall time, best of RUNS for each (the three take turns, so a busy moment hits all); the ratios
are trafilatura's time over Huunghi's cold and warm; "warm≠cold" counts pages the warm run read
differently. Sites: the five replica portals (PAGES pages each: articles in order, revisited with
freshly rotated sidebars until there are enough) and the largest site of cleanportaleval
(tv.msnbc.com_news, all its 30 pages: no public set here has 40 of one site). The earlier batch
of a replica is the same articles on another visit (every sidebar rotated); msnbc has no other
pages, so its warm run's templates were learned on the same 30 pages.
Also printed: each process's fixed cost, on a batch of one empty line (no page).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
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


def replica_sites(pages: int, seed: int = 7) -> dict[str, list[tuple[str, str]]]:
    """(url, html) of ``pages`` pages of each replica portal, in crawl order (another ``seed``:
    the same articles on another visit, every sidebar rotated)."""
    from huunghi.replicas import templates as T
    from huunghi.replicas.catalog import build_catalogs

    sites = {}
    for name, catalog in build_catalogs().items():
        rng = random.Random(seed)
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


def measure(folder: Path, runs: int, templates: Path | None) -> dict[str, float | int]:
    """Best wall time of huunghi cold (nothing learned before), huunghi warm (``--templates``
    holding what an earlier batch of the site taught) and trafilatura, taking turns; and how
    many pages the warm run read differently from the cold one."""
    batch = str(folder / "batch.jsonl")
    cold = [HUUNGHI.as_posix(), "extract", batch, "-o", str(folder / "huunghi.jsonl")]
    kept = folder / "templates.json"
    warm = [HUUNGHI.as_posix(), "extract", batch, "-o", str(folder / "warm.jsonl"), "--templates", str(kept)]
    ref = [sys.executable, "-c", TRAFILATURA, str(folder), str(folder / "trafilatura.jsonl")]
    times: dict[str, list[float]] = {"cold": [], "warm": [], "ref": []}
    for _ in range(runs):
        times["cold"].append(wall(cold))
        if templates is not None:
            shutil.copyfile(templates, kept)  # every warm run starts from the same learned state
            times["warm"].append(wall(warm))
        times["ref"].append(wall(ref))
    lines = {
        f: _lines(folder / f"{f}.jsonl")
        for f in ("huunghi", "trafilatura", "warm")
        if (folder / f"{f}.jsonl").exists()
    }
    assert len(lines["huunghi"]) == len(lines["trafilatura"]), folder
    changed = sum(a != b for a, b in zip(lines["huunghi"], lines.get("warm", lines["huunghi"])))
    return {
        "huunghi_s": min(times["cold"]),
        "warm_s": min(times["warm"]) if times["warm"] else 0.0,
        "trafilatura_s": min(times["ref"]),
        "lines": len(lines["huunghi"]),
        "warm_changed": changed,
    }


def _lines(path: Path) -> list[str]:
    return [json.loads(line).get("text", "") for line in open(path, encoding="utf-8")]


def learn_templates(folder: Path, batch: list[tuple[str, str]]) -> Path:
    """The templates file an earlier batch of the site leaves with `huunghi extract --templates`."""
    write(folder, batch)
    kept = folder / "templates.json"
    wall(
        [
            HUUNGHI.as_posix(),
            "extract",
            str(folder / "batch.jsonl"),
            "-o",
            os.devnull,
            "--templates",
            str(kept),
        ]
    )
    return kept


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
    # what taught the warm runs: the replicas on another visit (same articles, other sidebars);
    # msnbc has no other pages in the public set, so its own 30 (said so in the README)
    earlier = {**replica_sites(args.pages, seed=8), **public_sites(args.data, args.pages)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="huunghi-bench-") as tmp:
        empty = Path(tmp) / "empty"
        write(empty, [])
        (empty / "batch.jsonl").write_text("\n", encoding="utf-8")
        row = measure(empty, args.runs, None)
        rows.append({"site": "(no page: start-up and exit)", "pages": 0, **row, "warm_s": None})
        for n, (site, batch) in enumerate(sites.items()):
            kept = learn_templates(Path(tmp) / f"earlier{n}", earlier[site])
            folder = Path(tmp) / f"site{n}"
            write(folder, batch)
            row = measure(folder, args.runs, kept)
            assert row["lines"] == len(batch), (site, row)
            rows.append({"site": site, "pages": len(batch), **row})
    for row in rows:
        row["ratio"] = round(row["trafilatura_s"] / row["huunghi_s"], 2)
        row["warm_ratio"] = round(row["trafilatura_s"] / row["warm_s"], 2) if row["warm_s"] else None
        for key in ("huunghi_s", "warm_s", "trafilatura_s"):
            row[key] = round(row[key], 3) if row[key] else row[key]
    batches = [r for r in rows if r["pages"]]
    total: dict[str, object] = {"site": "all batches", "pages": sum(r["pages"] for r in batches)}
    for key in ("huunghi_s", "warm_s", "trafilatura_s", "warm_changed"):
        total[key] = round(sum(r[key] for r in batches), 3)
    total["ratio"] = round(total["trafilatura_s"] / total["huunghi_s"], 2)  # type: ignore[operator]
    total["warm_ratio"] = round(total["trafilatura_s"] / total["warm_s"], 2)  # type: ignore[operator]
    rows.append(total)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"`huunghi extract` against a trafilatura process, wall time, best of {args.runs}")
    print(
        f"{'site':30} {'pages':>5} {'cold s':>7} {'warm s':>7} {'trafilatura s':>13} "
        f"{'cold ratio':>10} {'warm ratio':>10} {'warm≠cold':>9}"
    )
    for r in rows:
        warm = f"{r['warm_s']:>7.3f}" if r["warm_s"] else f"{'–':>7}"
        wr = f"{r['warm_ratio']:>10.2f}" if r["warm_ratio"] else f"{'–':>10}"
        print(
            f"{r['site']:30} {r['pages']:>5} {r['huunghi_s']:>7.3f} {warm} {r['trafilatura_s']:>13.3f} "
            f"{r['ratio']:>10.2f} {wr} {r.get('warm_changed', 0):>9}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
