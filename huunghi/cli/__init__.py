"""The ``huunghi`` command line: tables for people, ``--json`` for scripts.

One module per group of commands, each adding its commands to ``base.app``:
init; crawling (crawl, sources); reading (articles, search, show, stats, export);
alerting (events, alerts, digest, subscriptions); schedule (runs, daemon, status); worker;
archive (archive copy, archive upgrade);
extraction (extract, reextract, templates); serve; demo. ``base.emit`` prints every listing,
``tables`` lays out what people read.
"""

from __future__ import annotations

import sys

from huunghi.cli.base import app, err

# isort: off
# in the order `huunghi --help` lists them: a user's day, from set-up to the web page
from huunghi.cli import init, crawling, reading, alerting, schedule, worker  # noqa: F401
from huunghi.cli import archive, extraction, serve, demo, stories  # noqa: F401
# isort: on

__all__ = ["app", "run"]


def run() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    run()
