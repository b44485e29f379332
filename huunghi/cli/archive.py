"""The archive itself: ``archive copy`` moves a grown SQLite archive into PostgreSQL; ``archive upgrade``
brings its schema (and, on PostgreSQL, the workers' job queue) up to date."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from huunghi.cli.base import JSON_HELP, app, emit, err, load, open_archive

if TYPE_CHECKING:
    from huunghi.storage.copying import CopyReport

archive_app = typer.Typer(
    help="Kho lưu trữ (the archive): chép sang PostgreSQL, nâng lược đồ.", no_args_is_help=True
)
app.add_typer(archive_app, name="archive")


def counts_table(report: CopyReport) -> Table:
    from huunghi.storage.copying import INDEX

    t = Table(
        title=f"Đã chép (copied) {escape(report.source)} → {escape(report.target)} "
        f"trong {report.seconds} giây"
    )
    t.add_column("bảng (table)")
    t.add_column("nguồn (source)", justify="right")
    t.add_column("bản chép (copy)", justify="right")
    t.add_column("")
    for c in report.tables:
        name = f"{c.table} (chỉ mục tìm kiếm, rebuilt)" if c.table == INDEX else c.table
        t.add_row(name, str(c.source), str(c.target), "[green]✓[/]" if c.same else "[red]✗[/]")
    return t


class CopyProgress:
    """One bar per table, on stderr (stdout stays the report, or clean JSON)."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        )
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, table: str, done: int, total: int) -> None:
        if table not in self.tasks:
            self.tasks[table] = self.progress.add_task(table, total=total or 1)
        self.progress.update(self.tasks[table], completed=done if total else 1)


@archive_app.command("copy")
def copy(
    to: str = typer.Option(..., "--to", help="PostgreSQL đích (target): postgresql://user@host/db"),
    from_: Optional[str] = typer.Option(
        None, "--from", help="Kho nguồn (source URL); mặc định: kho trong cấu hình (the configured archive)."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Xoá hết dữ liệu đang có ở đích rồi chép (empty a non-empty target first)."
    ),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Chép kho sang PostgreSQL (copy the archive): mọi bảng, dựng lại chỉ mục tìm kiếm, đối chiếu số dòng."""
    from sqlalchemy.exc import SQLAlchemyError

    from huunghi.storage.copying import CopyRefused, copy_archive, shown
    from huunghi.storage.db import StorageError

    source = from_ or load().database_url
    progress = CopyProgress()
    try:
        with progress.progress:
            report = copy_archive(source, to, replace=replace, progress=progress)
    except CopyRefused as exc:  # nothing written: what was asked needs changing
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2)
    except (StorageError, SQLAlchemyError) as exc:  # rolled back: the target is as it was
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        err.print(
            f"[red]chép thất bại, đích không đổi (copy failed, the target is unchanged):[/] {escape(reason)}"
        )
        err.print(f"  {escape(shown(source))} → {escape(shown(to))}")
        raise typer.Exit(1)
    emit(report, json_out, counts_table)


@archive_app.command("upgrade")
def upgrade(json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Nâng lược đồ kho lên bản mới nhất (schema upgrade): một lần, trước khi các tiến trình chạy."""
    from huunghi.storage.copying import shown
    from huunghi.storage.db import current_revision

    cfg = load()
    with open_archive(cfg) as archive:  # opening it migrates it
        row: dict[str, object] = {
            "archive": shown(cfg.database_url),
            "revision": current_revision(archive.engine),
        }
    if cfg.database_url.startswith("postgresql"):  # the workers' job queue lives beside the archive
        from huunghi.monitor.queue import ensure_schema

        row["queue_schema"] = "created" if ensure_schema(cfg.database_url) else "present"
    emit(row, json_out, upgraded)


def upgraded(row: dict[str, object]) -> str:
    line = f"lược đồ (schema) {escape(str(row['archive']))}: bản (revision) {row['revision']}"
    if "queue_schema" in row:
        made = "vừa tạo (created)" if row["queue_schema"] == "created" else "đã có (present)"
        line += f"; hàng đợi việc (job queue): {made}"
    return line
