"""``huunghi init``: a starter configuration with the real portals."""

from __future__ import annotations

from pathlib import Path

import typer

from huunghi.cli.base import State, app, console, err
from huunghi.config import config_path


@app.command()
def init(
    path: Path = typer.Argument(None, help="Where to write it (default: the --config path)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    mail_to: list[str] = typer.Option(None, "--mail-to", help="Who gets alerts and the digest (repeatable)."),
    smtp: str = typer.Option("", "--smtp", help="SMTP server host[:port] (default: .eml files in outbox/)."),
    sender: str = typer.Option("", "--sender", help='From: address, e.g. "Huunghi <huunghi@example.org>".'),
    topic: str = typer.Option("", "--topic", help="A first topic query, e.g. '\"thanh hóa\" hữu nghị'."),
    topic_name: str = typer.Option("", "--topic-name", help="Its name (default: from the query)."),
    digest_at: str = typer.Option("", "--digest-at", help="A daily digest at HH:MM (Hanoi time)."),
) -> None:
    """Write a commented huunghi.toml: the real portals (unverified), mail, a first topic, a daily digest.

    Asks for what the flags do not give when run in a terminal; never asks when stdin is not one.
    """
    from huunghi.cli.setup_commands import run_init

    run_init(
        path or config_path(State.config_file),
        force,
        mail_to or [],
        smtp,
        sender,
        topic,
        topic_name,
        digest_at,
        console,
        err,
    )
