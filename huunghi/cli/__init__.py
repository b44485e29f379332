"""The ``huunghi`` command line: tables for people, ``--json`` for scripts.

One module per group of commands, each adding its commands to ``base.app``:
init; crawling (crawl, sources); reading (articles, search, show, stats, export);
alerting (events, alerts, digest, subscriptions); schedule (runs, daemon, status); worker;
archive (archive copy, archive upgrade);
extraction (extract, reextract, templates); serve; demo. ``base.emit`` prints every listing,
``tables`` lays out what people read.

The command modules are imported when the app is asked for (``from huunghi.cli import app``) or
run: ``huunghi extract`` loads only its own module, so extracting a batch of pages does not
first pay for the crawler, the database and the web server (start-up time, bench/extract_process.py).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from huunghi.cli.extract_batch import extract_file, plain_arguments

if TYPE_CHECKING:
    import typer

__all__ = ["app", "run"]

# in the order `huunghi --help` lists them: a user's day, from set-up to the web page
COMMAND_MODULES = (
    "init",
    "crawling",
    "reading",
    "alerting",
    "schedule",
    "worker",
    "archive",
    "extraction",
    "serve",
    "demo",
    "stories",
)
# commands whose own module is all that a run of them needs
ALONE = {"extract": ("extraction",)}


def load_app(modules: Sequence[str] = COMMAND_MODULES) -> typer.Typer:
    """The Typer app with the commands of ``modules`` registered (all of them by default)."""
    for name in modules:
        importlib.import_module(f"huunghi.cli.{name}")
    from huunghi.cli.base import app

    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        return load_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_of(argv: Sequence[str]) -> str | None:
    """The command named on a command line (the first word that is neither an option nor the
    value of --config)."""
    value_next = False
    for arg in argv:
        if value_next:
            value_next = False
        elif arg in ("-c", "--config"):
            value_next = True
        elif not arg.startswith("-"):
            return arg
    return None


def run() -> None:
    """Console-script entry point."""
    plain = plain_arguments(sys.argv[1:])
    try:
        if plain is not None:  # `huunghi extract` without Typer's start-up (see cli.extract_batch)
            sys.exit(extract_file(*plain, say=lambda message: print(message, file=sys.stderr)))
        load_app(ALONE.get(command_of(sys.argv[1:]) or "", COMMAND_MODULES))()
    except KeyboardInterrupt:
        print("đã dừng (interrupted)", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    run()
