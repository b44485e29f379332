"""What every command shares: the Typer app, the two consoles, reading the configuration and
opening the archive with a clear exit instead of a traceback, and ``emit`` (table or JSON)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.console import Console, RenderableType
from rich.markup import escape

from huunghi.clock import HANOI

if TYPE_CHECKING:  # the configuration is read by the commands that need it (`extract` does not)
    from huunghi.config import Config
    from huunghi.storage.archive import Archive

app = typer.Typer(
    help="Huunghi: theo dõi báo chí cho các tổ chức hữu nghị Việt Nam "
    "(press monitoring for Vietnam's friendship unions).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True, soft_wrap=True)  # a message is one line: a path or a name never split

JSON_HELP = "In JSON thay cho bảng (JSON instead of a table)."


class State:
    config_file: Optional[Path] = None


@app.callback()
def main(
    config: Optional[Path] = typer.Option(
        None, "--config", "-c", help="Tệp cấu hình (mặc định: $HUUNGHI_CONFIG hoặc ./huunghi.toml)."
    ),
) -> None:
    State.config_file = config


def load() -> Config:
    """The configuration, or exit 2 with its reason; skipped sources are said, not hidden."""
    from huunghi.config import ConfigError, load_config

    try:
        cfg = load_config(State.config_file)
    except ConfigError as exc:
        err.print(f"[red]lỗi cấu hình (configuration error):[/] {escape(str(exc))}")
        raise typer.Exit(2)
    for problem in cfg.problems:
        err.print(f"[yellow]bỏ qua nguồn (skipped source):[/] {escape(problem)}")
    return cfg


def since(value: str | None) -> datetime | None:
    """--since YYYY-MM-DD as the start of that day in Hanoi; a clear exit 2 otherwise."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=HANOI)
    except ValueError:
        err.print(f"[red]--since {escape(repr(value))}: cần dạng YYYY-MM-DD (expected YYYY-MM-DD)[/]")
        raise typer.Exit(2)


def open_archive(cfg: Config) -> Archive:
    from huunghi.storage.archive import Archive  # here: `huunghi extract` needs no SQLAlchemy

    try:
        return Archive(cfg.database_url)
    except Exception as exc:  # StorageError or a driver's error: both name the real cause
        err.print(
            f"[red]không mở được kho (cannot open the archive)[/] "
            f"{escape(cfg.database_url)}: {escape(str(exc))}"
        )
        raise typer.Exit(2)


def bad(exc: Exception) -> typer.Exit:
    """A user's mistake (a bad query, a bad option): its message (Vietnamese first) and exit 2."""
    from huunghi.monitor.searching import bilingual

    err.print(f"[red]{escape(bilingual(str(exc)))}[/]")
    return typer.Exit(2)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(HANOI).isoformat()
    raise TypeError(type(value).__name__)


def _plain(value: Any) -> Any:
    return (
        dataclasses.asdict(value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type)
        else value
    )


def dumps(value: Any) -> str:
    """JSON for scripts: dataclasses as objects, times in Hanoi (ISO 8601 with +07:00)."""
    value = [_plain(r) for r in value] if isinstance(value, (list, tuple)) else _plain(value)
    return json.dumps(value, ensure_ascii=False, indent=2, default=_default)


Tables = Callable[[Any], "RenderableType | Iterable[RenderableType | None] | None"]


def emit(rows: Any, json_out: bool, table: Tables | None = None) -> None:
    """Table or JSON, the one way every listing prints: ``--json`` gives ``rows`` as JSON, otherwise
    ``table(rows)`` gives one renderable or several (None ones are left out)."""
    if json_out or table is None:
        console.print_json(dumps(rows))
        return
    shown = table(rows)
    if shown is None:
        return
    if isinstance(shown, (list, tuple)):
        for one in shown:
            if one is not None:
                console.print(one)
    else:
        console.print(shown)
