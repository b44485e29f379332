"""Extraction on its own: ``extract`` (JSON Lines in and out), ``reextract`` and ``templates``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from huunghi.cli.base import JSON_HELP, app, console, emit, err, load, open_archive


@app.command()
def extract(
    file: str = typer.Argument("-", help='JSON Lines of {"url", "html"}; \'-\' reads stdin.'),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """Extract clean articles from JSON Lines pages, learning site templates across the batch.

    One JSON line out per page, in order: url, title, lead, text, published, updated, author,
    credit, section, images, language; a page that is not an article gets "text": "" and a reason.
    """
    from huunghi.cli.extract_batch import extract_file

    code = extract_file(file, output, lambda message: err.print(message, markup=False, highlight=False))
    if code:
        raise typer.Exit(code)


@app.command()
def reextract(
    source: Optional[str] = typer.Option(None, "--source", "-s", help="Only this source."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Re-read the archive's stored pages with today's extractor and report what changed."""
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
            task = bar.add_task("re-extracting", total=total)
            report = run_reextract(archive, source, progress=lambda n: bar.update(task, completed=n))
    emit(report, json_out, tables.reextract_table)


@app.command()
def templates(json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Show what Huunghi has learned of each site's template."""
    from huunghi.cli import tables
    from huunghi.monitor import overview

    cfg = load()
    with open_archive(cfg) as archive:
        rows = overview.templates(archive)
    emit(rows, json_out, tables.templates_table)
