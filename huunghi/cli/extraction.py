"""Extraction on its own: ``extract`` (JSON Lines in and out), ``reextract`` and ``templates``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from huunghi.cli.base import JSON_HELP, app, console, emit, err, load, open_archive


@app.command()
def extract(
    file: str = typer.Argument("-", help='JSON Lines gồm {"url", "html"}; \'-\' đọc từ stdin.'),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Ghi vào đây thay cho stdout."),
    templates: Optional[Path] = typer.Option(
        None,
        "--templates",
        help="Giữ khuôn trang đã học giữa các lần chạy trong tệp này (keep learned site templates here).",
    ),
) -> None:
    """Trích bài sạch từ các trang JSON Lines, học khuôn trang của từng site qua cả lô (extract).

    Mỗi trang ra một dòng JSON, theo thứ tự: url, title, lead, text, published, updated, author,
    credit, section, images, language; trang không phải bài có "text": "" và một "reason".
    """
    from huunghi.cli.extract_batch import extract_file

    code = extract_file(
        file, output, templates, say=lambda message: err.print(message, markup=False, highlight=False)
    )
    if code:
        raise typer.Exit(code)


@app.command()
def reextract(
    source: Optional[str] = typer.Option(None, "--source", "-s", help="Chỉ nguồn này."),
    json_out: bool = typer.Option(False, "--json", help="In báo cáo dạng JSON."),
) -> None:
    """Đọc lại các trang đã lưu bằng bộ trích hôm nay và báo những gì thay đổi (reextract)."""
    from rich.progress import Progress

    from huunghi.cli import tables
    from huunghi.crawler.batch import articles_to_reextract
    from huunghi.crawler.batch import reextract as run_reextract

    cfg = load()
    with open_archive(cfg) as archive:
        if json_out:
            emit(run_reextract(archive, source).as_dict(), json_out)
            return
        total = articles_to_reextract(archive, source)
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("đang trích lại (re-extracting)", total=total)
            report = run_reextract(archive, source, progress=lambda n: bar.update(task, completed=n))
    emit(report, json_out, tables.reextract_table)


@app.command()
def templates(json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Những gì Huunghi đã học về khuôn trang của từng site (templates)."""
    from huunghi.cli import tables
    from huunghi.monitor import overview

    cfg = load()
    with open_archive(cfg) as archive:
        rows = overview.templates(archive)
    emit(rows, json_out, tables.templates_table)
