"""Render a digest of the demo data to PNG in headless Chromium (Debian's chromium), at desktop
and phone width, to see how it reads in a mail client.

    .venv/bin/python tools/render_digest.py [--out digest-png] [--chromium /usr/bin/chromium]

It crawls the three replica portals into a fresh archive, lets an editor correct seed 000's
lead, crawls again (so the digest has a corrections section), writes the digest's HTML with
`huunghi digest preview`, and screenshots it at 640 and 390 pixels wide.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("digest-png"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args(argv)
    if not Path(args.chromium).exists():
        parser.error(f"{args.chromium} not found: apt-get install chromium")
    from huunghi.crawler.runner import crawl_in_subprocess
    from huunghi.replicas.server import ReplicaSet
    from huunghi.replicas.tomlgen import replica_config

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, ReplicaSet() as replicas:
        work = Path(tmp)
        config = replica_config(
            work / "huunghi.toml",
            replicas,
            f"sqlite:///{work / 'archive.sqlite'}",
            extra=(
                '[[digests]]\nname = "sang"\nemail = ["desk@vufo.org.vn"]\ntopics = ["friendship-union"]\n'
            ),
        )
        crawl_in_subprocess(config, None, timeout=300)
        portal = replicas.portals["thoidai"]
        seed = portal.catalog.by_id(218974)
        head, _sep, tail = seed.lead.rpartition("Thanh Hóa")
        portal.edits[seed.id] = dataclasses.replace(seed, lead=head + "Đồng Nai" + tail)
        crawl_in_subprocess(config, None, timeout=300)
        html = args.out / "digest.html"
        exe = Path(sys.executable).parent / "huunghi"
        subprocess.run(
            [
                str(exe),
                "--config",
                str(config),
                "digest",
                "preview",
                "sang",
                "--since",
                "2000-01-01",
                "--output",
                str(html),
            ],
            check=True,
        )
        for name, width, height in (("digest-640.png", 680, 3400), ("digest-390.png", 390, 4200)):
            subprocess.run(
                [
                    args.chromium,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--disable-background-networking",
                    f"--window-size={width},{height}",
                    f"--screenshot={(args.out / name).resolve()}",
                    html.resolve().as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
            print(args.out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
