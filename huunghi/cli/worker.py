"""More than one machine: ``worker`` runs the crawls, alerts and digests the daemon queues."""

from __future__ import annotations

import typer
from rich.markup import escape

from huunghi.cli.base import State, app, err, load


@app.command()
def worker(
    concurrency: int = typer.Option(
        1,
        "--concurrency",
        "-n",
        min=1,
        max=64,
        help="Số việc chạy cùng lúc (jobs at once: crawls in parallel).",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each job."),
) -> None:
    """Chạy việc từ hàng đợi (run queued jobs): crawls, alerts, digests; with [daemon] executor = "queue"."""
    import logging

    from huunghi.config import config_path
    from huunghi.monitor.daemon import log_in_hanoi_time

    cfg = load()  # a broken configuration stops here, with its reason
    if not cfg.database_url.startswith("postgresql"):
        err.print(
            "[red]huunghi worker cần kho PostgreSQL (a worker needs a PostgreSQL archive):[/] hàng đợi việc "
            f"nằm trong PostgreSQL; kho này là {escape(cfg.database_url.split(':', 1)[0])}. "
            "Chuyển kho bằng `huunghi archive copy --to postgresql://…`."
        )
        raise typer.Exit(2)
    if cfg.daemon.executor != "queue":
        err.print(
            '[yellow]cảnh báo:[/] [daemon] executor = "local": daemon tự thu thập, không giao việc '
            '(the daemon crawls itself; set executor = "queue" for the workers to get jobs)'
        )
    log_in_hanoi_time(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("huunghi.worker").setLevel(logging.INFO)
    logging.getLogger("procrastinate").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # each job opens the archive: no line each
    from huunghi.monitor.queue import run_worker

    try:
        run_worker(config_path(State.config_file), concurrency)
    except Exception as exc:  # the database unreachable, the schema refused: one line, not a traceback
        err.print(
            f"[red]worker dừng vì lỗi (stopped on an error):[/] {escape(str(exc) or type(exc).__name__)}"
        )
        raise typer.Exit(1)
