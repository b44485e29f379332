"""``huunghi init``: a starter configuration with the real portals."""

from __future__ import annotations

from pathlib import Path

import typer

from huunghi.cli.base import State, app, console, err
from huunghi.config import config_path
from huunghi.monitor.starter import STARTER


@app.command()
def init(
    path: Path = typer.Argument(None, help="Where to write it (default: the --config path)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    """Write a starter huunghi.toml with the real portals (their addresses marked unverified)."""
    target = path or config_path(State.config_file)
    if target.exists() and not force:
        err.print(f"[red]{target} exists[/]; use --force to overwrite it")
        raise typer.Exit(1)
    target.write_text(STARTER, encoding="utf-8")
    console.print(
        f"wrote {target}: {STARTER.count('[[sources]]')} sources, all [yellow]unverified[/] "
        "(check their feed and listing addresses, then set verified = true)"
    )
