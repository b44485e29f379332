"""What happened and who hears of it: ``events``, ``alerts``, ``digest`` and ``subscriptions``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from huunghi.cli import tables
from huunghi.cli.base import JSON_HELP, app, console, emit, err, load, open_archive, since
from huunghi.config import Config


@app.command()
def events(
    kind: list[str] = typer.Option(None, "--kind", "-k", help="new, changed, removed, source_broken."),
    since_day: Optional[str] = typer.Option(None, "--since", help="Only from this date (YYYY-MM-DD, GMT+7)."),
    limit: int = typer.Option(50, "--limit", "-n", min=1),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """What happened in the archive: new articles, corrections (with their diff), removals, broken sources."""
    cfg = load()
    start = since(since_day)
    with open_archive(cfg) as archive:
        rows = archive.events.after(kinds=kind or None, since=start, limit=100_000)[-limit:]
    emit(rows, json_out, tables.events_table)


alerts_app = typer.Typer(
    help="Change alerts: plan and send what subscriptions asked for.", no_args_is_help=True
)
app.add_typer(alerts_app, name="alerts")


def send_alerts(cfg: Config, json_out: bool, quiet: bool = False) -> None:
    """Plan deliveries for new events, send what is due, and say so (``crawl`` ends with this too)."""
    from huunghi.monitor.alerts import plan, send_due

    with open_archive(cfg) as archive:
        planned = plan(archive, cfg)
        sent = send_due(archive, cfg)
    if json_out:
        # the plan's two counts, then the send report's fields in their order
        emit(
            {"events_read": planned.events, "planned": planned.planned, **dataclasses.asdict(sent)}, json_out
        )
    elif not quiet:
        console.print(
            f"alerts: {planned.events} events read, {planned.planned} deliveries planned; "
            f"{sent.sent} sent, {sent.retrying} to retry, {sent.deferred} deferred, {sent.failed} failed"
        )
        for line in sent.errors:
            err.print(f"[yellow]{escape(line)}[/]")


@alerts_app.command("send")
def alerts_send(json_out: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Plan deliveries for new events and send every delivery that is due (safe to run any time)."""
    cfg = load()
    if not cfg.subscriptions:
        err.print("[yellow]" + escape("no [[subscriptions]] in the configuration: nothing to send") + "[/]")
    send_alerts(cfg, json_out)


@alerts_app.command("list")
def alerts_list(
    status: Optional[str] = typer.Option(None, "--status", help="pending, sending, sent or failed."),
    limit: int = typer.Option(50, "--limit", "-n", min=1),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Deliveries, newest first, with their state and last error."""
    cfg = load()
    with open_archive(cfg) as archive:
        rows = archive.outbox.deliveries.listing(status=status, limit=limit)
    emit(rows, json_out, tables.deliveries_table)


digest_app = typer.Typer(help="E-mail digests: preview, send what is due, list.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


@digest_app.command("preview")
def digest_preview(
    name: str = typer.Argument(..., help=escape("A [[digests]] name from the configuration.")),
    since_day: Optional[str] = typer.Option(
        None, "--since", help="From this date (YYYY-MM-DD, GMT+7) instead of the last digest."
    ),
    output: Path = typer.Option(None, "--output", "-o", help="HTML file (default: digest-NAME.html)."),
) -> None:
    """Write the HTML a digest would have now, without sending or recording anything."""
    from huunghi.monitor.digests import preview

    cfg = load()
    if name not in {d.name for d in cfg.digests}:
        known = ", ".join(d.name for d in cfg.digests) or "none"
        err.print(f"[red]no digest named {name!r}[/] (known: {known})")
        raise typer.Exit(2)
    start = since(since_day)
    with open_archive(cfg) as archive:
        html, content = preview(archive, cfg, name, start, datetime.now(UTC))
    target = output or Path(f"digest-{name}.html")
    target.write_text(html, encoding="utf-8")
    console.print(
        f"wrote {target}: {len(content.stories)} stories, {len(content.corrections)} corrections, "
        f"{content.articles} articles"
    )


@digest_app.command("send")
def digest_send(json_out: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Compose the digests whose time has come and send every composed digest that is due."""
    from huunghi.monitor.digests import send_due

    cfg = load()
    with open_archive(cfg) as archive:
        report = send_due(archive, cfg)
    if json_out:
        emit(report, json_out)
        return
    console.print(
        f"digests: composed {', '.join(report.composed) or 'none'}; sent {report.sent}, "
        f"{report.retrying} to retry, {report.failed} failed"
        + (f"; nothing new for {', '.join(report.skipped_empty)}" if report.skipped_empty else "")
    )
    for line in report.errors:
        err.print(f"[yellow]{escape(line)}[/]")


@digest_app.command("list")
def digest_list(
    name: Optional[str] = typer.Argument(None),
    limit: int = typer.Option(20, "--limit", "-n", min=1),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Composed digests, newest first, with their state."""
    cfg = load()
    with open_archive(cfg) as archive:
        rows = archive.outbox.digests.listing(name, limit=limit)
    emit(rows, json_out, tables.digests_table)


@app.command()
def subscriptions(json_out: bool = typer.Option(False, "--json", help="JSON instead of tables.")) -> None:
    """Alert subscriptions and digests from the configuration, with each digest's next time."""
    from huunghi.monitor import overview

    alerts, digests = overview.subscriptions(load(), datetime.now(UTC))
    emit(
        [{"alerts": alerts, "digests": digests}],
        json_out,
        lambda rows: tables.subscriptions_tables(rows[0]["alerts"], rows[0]["digests"]),
    )
