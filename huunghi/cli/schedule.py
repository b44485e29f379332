"""Running on a schedule: ``daemon``, ``status`` and ``runs``."""

from __future__ import annotations

from typing import Optional

import typer

from huunghi.cli import tables
from huunghi.cli.base import JSON_HELP, State, app, emit, load, open_archive


@app.command()
def runs(
    source: Optional[str] = typer.Option(None, "--source", "-s", help="Chỉ nguồn này."),
    limit: int = typer.Option(10, "--limit", "-n", min=1),
    json_out: bool = typer.Option(False, "--json", help="In JSON thay cho bảng."),
) -> None:
    """Các lượt thu thập gần đây và mọi sự cố chúng ghi lại (URL và lý do; runs)."""
    cfg = load()
    with open_archive(cfg) as archive:
        rows = archive.crawls.runs(limit=limit, source=source)
    emit(rows, json_out, lambda rows: [tables.runs_table(rows), tables.errors_table(rows)])


@app.command()
def daemon(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Ghi nhật ký từng việc (log each job)."),
) -> None:
    """Chạy bộ lập lịch: mỗi nguồn theo chu kỳ, cảnh báo và bản tin; SIGTERM dừng gọn (daemon)."""
    import logging

    from huunghi.config import config_path
    from huunghi.monitor.daemon import Daemon, log_in_hanoi_time
    from huunghi.storage.locks import AnotherDaemon

    load()  # a broken configuration stops here, with its reason
    log_in_hanoi_time(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("huunghi.daemon").setLevel(logging.INFO)
    try:
        Daemon(config_path(State.config_file)).run()
    except AnotherDaemon as exc:  # SQLite: one daemon per archive
        typer.echo(f"Lỗi: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def status(json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Các nguồn: lượt chạy gần nhất, tình trạng và lượt chạy kế tiếp theo lịch của daemon (status)."""
    from huunghi.monitor import overview
    from huunghi.monitor.daemon import next_runs
    from huunghi.storage.locks import current_leader

    cfg = load()
    upcoming = next_runs(cfg)
    with open_archive(cfg) as archive:
        rows = overview.status(cfg, archive, upcoming)
        leader = current_leader(archive.engine)
    emit(rows, json_out, lambda rows: tables.status_table(rows, daemon_known=bool(upcoming), leader=leader))
