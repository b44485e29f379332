"""``huunghi crawl`` and ``huunghi sources``: crawl the configured sources, list them, probe a new one."""

from __future__ import annotations

from typing import Optional

import typer

from huunghi.cli import tables
from huunghi.cli.base import JSON_HELP, State, app, console, emit, err, load, open_archive, since
from huunghi.config import ConfigError, config_path, load_config
from huunghi.monitor import overview


@app.command()
def crawl(
    source: list[str] = typer.Option(None, "--source", "-s", help="Only this source (repeatable)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Scrapy's log."),
    since_day: Optional[str] = typer.Option(
        None, "--since", help="Backfill: walk listings and sitemaps back to this date (YYYY-MM-DD, GMT+7)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the run summaries as JSON."),
) -> None:
    """Crawl the configured sources once and store what is new or changed."""
    from huunghi.cli.alerting import send_alerts
    from huunghi.cli.progress import CrawlProgress
    from huunghi.crawler.runner import crawl as run_crawl

    cfg = load()
    try:
        chosen = [s.name for s in cfg.enabled_sources(source or None)]
    except ConfigError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2)
    if not chosen:
        err.print("[yellow]no enabled sources to crawl[/]")
        raise typer.Exit(1)
    open_archive(cfg).close()  # create or upgrade the schema once, before the spiders start
    log_level = "INFO" if verbose else "ERROR"
    if json_out:
        runs = run_crawl(cfg, chosen, log_level=log_level, since=since(since_day))
    else:
        with CrawlProgress(console, chosen) as progress:
            runs = run_crawl(
                cfg, chosen, progress=progress.update, log_level=log_level, since=since(since_day)
            )
    emit(runs, json_out, lambda rows: [tables.runs_table(rows), tables.errors_table(rows)])
    if cfg.subscriptions:
        send_alerts(cfg, json_out=False, quiet=json_out)
    if any(r.status == "failed" for r in runs):
        raise typer.Exit(1)


sources_app = typer.Typer(
    help="Configured sources: list them, or probe a new one.", invoke_without_command=True
)
app.add_typer(sources_app, name="sources")


@sources_app.callback()
def sources(ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """List the configured sources with their last crawl (or: sources add URL)."""
    if ctx.invoked_subcommand:
        return
    cfg = load()
    with open_archive(cfg) as archive:
        rows = overview.sources(cfg, archive)
    emit(rows, json_out, tables.sources_table)


@sources_app.command("add")
def sources_add(
    url: str = typer.Argument(..., help="The portal's home page."),
    name: Optional[str] = typer.Option(None, "--name", help="Source name (default: from the host)."),
    save: bool = typer.Option(False, "--save", help="Append the proposal to the configuration file."),
    json_out: bool = typer.Option(False, "--json", help="Print the proposal as JSON."),
) -> None:
    """Probe a home page (httpx): find its feeds and sitemaps, guess its article URLs, propose a source."""
    import dataclasses

    import httpx

    from huunghi.crawler.discovery.probe import probe

    path = config_path(State.config_file)
    cfg = load() if path.exists() else None
    agent = cfg.crawler.full_user_agent if cfg else "Huunghi/0.1 news monitor"
    try:
        proposal = probe(url, agent)
    except httpx.HTTPError as exc:
        err.print(f"[red]cannot read {url}:[/] {exc}")
        raise typer.Exit(1)
    if name:
        proposal.name = name
    if json_out:
        console.print_json(data=dataclasses.asdict(proposal))
    else:
        console.print(proposal.toml(), markup=False)
    if save:
        if cfg is None:
            err.print(f"[red]{path} does not exist[/]: run 'huunghi init' first")
            raise typer.Exit(2)
        if any(s.name == proposal.name for s in cfg.sources):
            err.print(f"[red]a source named {proposal.name!r} exists[/]; pass --name")
            raise typer.Exit(2)
        with path.open("a", encoding="utf-8") as f:
            f.write("\n" + proposal.toml())
        load_config(path)  # what was written must read back
        err.print(f"saved to {path} (verified = false until someone checks it)")
