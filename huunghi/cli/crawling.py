"""``huunghi crawl`` and ``huunghi sources``: crawl the configured sources, list them, probe a new one."""

from __future__ import annotations

from typing import Optional

import typer
from rich.markup import escape

from huunghi.cli import tables
from huunghi.cli.base import JSON_HELP, State, app, console, emit, err, load, open_archive, since
from huunghi.config import ConfigError, config_path
from huunghi.monitor import overview
from huunghi.storage.health import TIMED_OUT

EXIT_TIME_LIMIT = 3  # `huunghi crawl`: a crawl stopped at its time limit (what it fetched is stored)


@app.command()
def crawl(
    source: list[str] = typer.Option(None, "--source", "-s", help="Only this source (repeatable)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Scrapy's log."),
    since_day: Optional[str] = typer.Option(
        None, "--since", help="Backfill: walk listings and sitemaps back to this date (YYYY-MM-DD, GMT+7)."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the run summaries as JSON."),
    time_limit: Optional[int] = typer.Option(
        None,
        "--time-limit",
        min=1,
        metavar="SECONDS",
        help="Stop each source's crawl after this long, keeping what it fetched "
        "(default: [crawler] crawl_deadline_seconds). Exit code 3 when a crawl was cut.",
    ),
) -> None:
    """Crawl the configured sources once and store what is new or changed.

    Exit code: 0 done; 1 a source failed (nothing reached); 2 bad configuration or arguments;
    3 a crawl was stopped at its time limit (what it fetched is stored, the next crawl goes on).
    """
    from huunghi.cli.alerting import send_alerts
    from huunghi.cli.progress import CrawlProgress
    from huunghi.crawler.runner import crawl as run_crawl

    cfg = load()
    try:
        chosen = [s.name for s in cfg.enabled_sources(source or None)]
    except ConfigError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(2)
    if not chosen:
        err.print("[yellow]no enabled sources to crawl[/]")
        raise typer.Exit(1)
    open_archive(cfg).close()  # create or upgrade the schema once, before the spiders start
    log_level = "INFO" if verbose else "ERROR"

    def busy(name: str, who: str) -> None:
        err.print(
            f"[yellow]bỏ qua nguồn {escape(name)}: đang được thu thập bởi {escape(who)} "
            "(skipped: another process is crawling it)[/]"
        )

    day = since(since_day)
    if json_out:
        runs = run_crawl(cfg, chosen, log_level=log_level, since=day, time_limit=time_limit, on_busy=busy)
    else:
        with CrawlProgress(console, chosen) as progress:
            runs = run_crawl(
                cfg,
                chosen,
                progress=progress.update,
                log_level=log_level,
                since=day,
                time_limit=time_limit,
                on_busy=busy,
            )
    emit(runs, json_out, lambda rows: [tables.runs_table(rows), tables.errors_table(rows)])
    cut = [r.source for r in runs if r.status == TIMED_OUT]
    if cut:
        limit = time_limit or cfg.crawler.crawl_deadline_seconds
        err.print(
            f"[yellow]dừng vì hết giới hạn thời gian {limit} giây (stopped at the time limit):[/] "
            f"{escape(', '.join(cut))}. Những gì đã tải được đã lưu; lần thu thập sau sẽ lấy tiếp."
        )
    if cfg.subscriptions:
        send_alerts(cfg, json_out=False, quiet=json_out)
    if any(r.status == "failed" for r in runs):
        raise typer.Exit(1)
    if cut:
        raise typer.Exit(EXIT_TIME_LIMIT)


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
    allow_private: bool = typer.Option(
        False,
        "--allow-private",
        help="The portal is on a local network (loopback/private address): allow it.",
    ),
) -> None:
    """Probe a home page (httpx): find its feeds and sitemaps, guess its article URLs, propose a source."""
    import httpx

    from huunghi.crawler.discovery.probe import probe

    path = config_path(State.config_file)
    cfg = load() if path.exists() else None
    agent = cfg.crawler.full_user_agent if cfg else "Huunghi/0.1 news monitor"
    try:
        proposal = probe(url, agent, allow_private=allow_private or bool(cfg and cfg.crawler.allow_private))
    except (httpx.HTTPError, ValueError) as exc:  # ValueError: refused by the fetch policy, too large
        err.print(f"[red]cannot read {escape(url)}:[/] {escape(str(exc))}")
        raise typer.Exit(1)
    if name:
        proposal.name = name
    proposal.allow_private = allow_private
    from huunghi.cli.setup_commands import save_proposal

    save_proposal(proposal, path if save else None, json_out, console, err)


@sources_app.command("pause")
def sources_pause(name: str = typer.Argument(..., help="A source name (huunghi sources).")) -> None:
    """Stop crawling a source, keeping its definition (the daemon follows at its next tick)."""
    from huunghi.cli.setup_commands import pause

    pause(config_path(State.config_file), name, True, console, err)


@sources_app.command("resume")
def sources_resume(name: str = typer.Argument(..., help="A paused source's name.")) -> None:
    """Crawl a paused source again."""
    from huunghi.cli.setup_commands import pause

    pause(config_path(State.config_file), name, False, console, err)


topics_app = typer.Typer(help="Topic rules: try one on the archive before adding it.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")


@topics_app.command("test")
def topics_test(
    query: str = typer.Argument(..., help='Words, "phrases", OR, NOT/-word, (…).'),
    source: list[str] = typer.Option(None, "--source", "-s", help="Only this source (repeatable)."),
    tag: list[str] = typer.Option(None, "--tag", "-t", help="kind:value (any of them)."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=200, help="How many of the newest."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """What this rule would have matched in the archive: how many, and the newest of them."""
    from huunghi.cli.setup_commands import test_topic

    cfg = load()
    with open_archive(cfg) as archive:
        test_topic(archive, cfg, query, source or [], tag or [], limit, json_out, console, err)
