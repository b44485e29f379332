"""Serve the replica portals by hand: ``python -m huunghi.replicas [--faults]`` (Ctrl-C stops)."""

from __future__ import annotations

import sys
import time

from .server import ReplicaSet


def main() -> None:
    with ReplicaSet(faults="--faults" in sys.argv) as replicas:
        for name, portal in replicas.portals.items():
            print(
                f"{name:8} {portal.base}/  feed {portal.base}/rss/home.rss  sitemap {portal.base}/sitemap.xml"
            )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
