"""The ``huunghi`` command line: tables for people, ``--json`` for scripts."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from huunghi.clock import HANOI
from huunghi.config import Config, ConfigError, config_path, load_config
from huunghi.storage.archive import Archive, SourceOverview

from huunghi.monitor import render
from huunghi.monitor.starter import STARTER

app = typer.Typer(help="Huunghi: press monitoring for Vietnam's friendship-union organisations.",
                  no_args_is_help=True, add_completion=False)
console = Console()
err = Console(stderr=True)


class State:
    config_file: Optional[Path] = None


@app.callback()
def main(config: Optional[Path] = typer.Option(
        None, "--config", "-c", help="Configuration file (default: $HUUNGHI_CONFIG or ./huunghi.toml).")) -> None:
    State.config_file = config


def _config() -> Config:
    try:
        cfg = load_config(State.config_file)
    except ConfigError as exc:
        err.print(f"[red]configuration error:[/] {escape(str(exc))}")
        raise typer.Exit(2)
    for problem in cfg.problems:
        err.print(f"[yellow]skipped source:[/] {problem}")
    return cfg


def _since(value: str | None) -> "datetime | None":
    """--since YYYY-MM-DD as the start of that day in Hanoi; a clear exit 2 otherwise."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=HANOI)
    except ValueError:
        err.print(f"[red]--since {value!r}: expected YYYY-MM-DD[/]")
        raise typer.Exit(2)


def _archive(cfg: Config) -> Archive:
    try:
        return Archive(cfg.database_url)
    except Exception as exc:  # StorageError or a driver's error: both name the real cause
        err.print(f"[red]cannot open the archive[/] {cfg.database_url}: {exc}")
        raise typer.Exit(2)


@app.command()
def init(path: Path = typer.Argument(None, help="Where to write it (default: the --config path)."),
         force: bool = typer.Option(False, "--force", help="Overwrite an existing file.")) -> None:
    """Write a starter huunghi.toml with the real portals (their addresses marked unverified)."""
    target = path or config_path(State.config_file)
    if target.exists() and not force:
        err.print(f"[red]{target} exists[/]; use --force to overwrite it")
        raise typer.Exit(1)
    target.write_text(STARTER, encoding="utf-8")
    console.print(f"wrote {target}: {STARTER.count('[[sources]]')} sources, all [yellow]unverified[/] "
                  "(check their feed and listing addresses, then set verified = true)")


@app.command()
def crawl(source: list[str] = typer.Option(None, "--source", "-s", help="Only this source (repeatable)."),
          verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Scrapy's log."),
          since: Optional[str] = typer.Option(None, "--since", help="Backfill: walk listings and sitemaps back to "
                                              "this date (YYYY-MM-DD, GMT+7)."),
          json_out: bool = typer.Option(False, "--json", help="Print the run summaries as JSON.")) -> None:
    """Crawl the configured sources once and store what is new or changed."""
    from huunghi.crawler.runner import crawl as run_crawl

    from huunghi.cli.progress import CrawlProgress

    cfg = _config()
    try:
        chosen = [s.name for s in cfg.enabled_sources(source or None)]
    except ConfigError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2)
    if not chosen:
        err.print("[yellow]no enabled sources to crawl[/]")
        raise typer.Exit(1)
    _archive(cfg).close()  # create or upgrade the schema once, before the spiders start
    if json_out:
        runs = run_crawl(cfg, chosen, log_level="INFO" if verbose else "ERROR", since=_since(since))
        console.print_json(render.to_json(runs))
    else:
        with CrawlProgress(console, chosen) as progress:
            runs = run_crawl(cfg, chosen, progress=progress.update, log_level="INFO" if verbose else "ERROR",
                             since=_since(since))
        console.print(render.runs_table(runs))
        problems = render.errors_table(runs)
        if problems:
            console.print(problems)
    if cfg.subscriptions:
        _alerts(cfg, json_out=False, quiet=json_out)
    if any(r.status == "failed" for r in runs):
        raise typer.Exit(1)


sources_app = typer.Typer(help="Configured sources: list them, or probe a new one.", invoke_without_command=True)
app.add_typer(sources_app, name="sources")


@sources_app.command("add")
def sources_add(url: str = typer.Argument(..., help="The portal's home page."),
                name: Optional[str] = typer.Option(None, "--name", help="Source name (default: from the host)."),
                save: bool = typer.Option(False, "--save", help="Append the proposal to the configuration file."),
                json_out: bool = typer.Option(False, "--json", help="Print the proposal as JSON.")) -> None:
    """Probe a home page (httpx): find its feeds and sitemaps, guess its article URLs, propose a source."""
    import dataclasses

    import httpx

    from huunghi.config import config_path
    from huunghi.crawler.discovery.probe import probe

    path = config_path(State.config_file)
    cfg = _config() if path.exists() else None
    agent = cfg.crawler.full_user_agent if cfg else "Huunghi/0.1 news monitor"
    try:
        proposal = probe(url, agent, allow_private=bool(cfg and cfg.crawler.allow_private))
    except (httpx.HTTPError, ValueError) as exc:  # ValueError: refused by the fetch policy, too large
        err.print(f"[red]cannot read {escape(url)}:[/] {escape(str(exc))}")
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


@sources_app.callback()
def sources(ctx: typer.Context,
            json_out: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    """List the configured sources with their last crawl (or: sources add URL)."""
    if ctx.invoked_subcommand:
        return
    cfg = _config()
    with _archive(cfg) as archive:
        known = {s.name: s for s in archive.sources_overview()}
    rows = []
    for src in cfg.sources:
        seen = known.pop(src.name, None)
        rows.append(SourceOverview(src.name, src.title + ("" if src.verified else " (unverified)"),
                                          src.homepage, seen.articles if seen else 0,
                                          seen.last_run if seen else None))
    rows.extend(known.values())  # sources in the archive but no longer configured
    if json_out:
        console.print_json(render.to_json(rows))
    else:
        console.print(render.sources_table(rows))


@app.command()
def articles(source: Optional[str] = typer.Option(None, "--source", "-s", help="Only this source."),
             limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many."),
             json_out: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    """List the latest stored articles, newest first."""
    cfg = _config()
    with _archive(cfg) as archive:
        rows = archive.latest_articles(limit=limit, source=source)
    if json_out:
        console.print_json(render.to_json(rows))
    else:
        console.print(render.articles_table(rows, title=f"Latest articles ({len(rows)})"))


@app.command()
def runs(source: Optional[str] = typer.Option(None, "--source", "-s", help="Only this source."),
         limit: int = typer.Option(10, "--limit", "-n", min=1),
         json_out: bool = typer.Option(False, "--json", help="JSON instead of tables.")) -> None:
    """Show recent crawl runs and every problem they recorded (URL and reason)."""
    cfg = _config()
    with _archive(cfg) as archive:
        rows = archive.runs(limit=limit, source=source)
    if json_out:
        console.print_json(render.to_json(rows))
        return
    console.print(render.runs_table(rows))
    problems = render.errors_table(rows)
    if problems:
        console.print(problems)


@app.command()
def events(kind: list[str] = typer.Option(None, "--kind", "-k", help="new, changed, removed, source_broken."),
           since: Optional[str] = typer.Option(None, "--since", help="Only from this date (YYYY-MM-DD, GMT+7)."),
           limit: int = typer.Option(50, "--limit", "-n", min=1),
           json_out: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    """What happened in the archive: new articles, corrections (with their diff), removals, broken sources."""
    cfg = _config()
    start = _since(since)
    with _archive(cfg) as archive:
        rows = archive.events(kinds=kind or None, since=start, limit=100_000)[-limit:]
    if json_out:
        console.print_json(render.to_json(rows))
    else:
        console.print(render.events_table(rows))


alerts_app = typer.Typer(help="Change alerts: plan and send what subscriptions asked for.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")


def _alerts(cfg: Config, json_out: bool, quiet: bool = False) -> None:
    from huunghi.monitor.alerts import plan, send_due

    with _archive(cfg) as archive:
        planned = plan(archive, cfg)
        sent = send_due(archive, cfg)
    if json_out:
        console.print_json(data={"events_read": planned.events, "planned": planned.planned, "sent": sent.sent,
                                 "retrying": sent.retrying, "failed": sent.failed, "deferred": sent.deferred,
                                 "errors": sent.errors})
    elif not quiet:
        console.print(f"alerts: {planned.events} events read, {planned.planned} deliveries planned; "
                      f"{sent.sent} sent, {sent.retrying} to retry, {sent.deferred} deferred, {sent.failed} failed")
        for line in sent.errors:
            err.print(f"[yellow]{line}[/]")


@alerts_app.command("send")
def alerts_send(json_out: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Plan deliveries for new events and send every delivery that is due (safe to run any time)."""
    cfg = _config()
    if not cfg.subscriptions:
        err.print("[yellow]no [[subscriptions]] in the configuration: nothing to send[/]")
    _alerts(cfg, json_out)


@alerts_app.command("list")
def alerts_list(status: Optional[str] = typer.Option(None, "--status", help="pending, sending, sent or failed."),
                limit: int = typer.Option(50, "--limit", "-n", min=1),
                json_out: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    """Deliveries, newest first, with their state and last error."""
    cfg = _config()
    with _archive(cfg) as archive:
        rows = archive.deliveries(status=status, limit=limit)
    if json_out:
        console.print_json(render.to_json(rows))
    else:
        console.print(render.deliveries_table(rows))


digest_app = typer.Typer(help="E-mail digests: preview, send what is due, list.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


@digest_app.command("preview")
def digest_preview(name: str = typer.Argument(..., help="A [[digests]] name from the configuration."),
                   since: Optional[str] = typer.Option(None, "--since", help="From this date (YYYY-MM-DD, GMT+7) "
                                                       "instead of the last digest."),
                   output: Path = typer.Option(None, "--output", "-o", help="HTML file (default: digest-NAME.html).")
                   ) -> None:
    """Write the HTML a digest would have now, without sending or recording anything."""
    from datetime import timezone as tz

    from huunghi.monitor.digests import preview

    cfg = _config()
    if name not in {d.name for d in cfg.digests}:
        err.print(f"[red]no digest named {name!r}[/] (known: {', '.join(d.name for d in cfg.digests) or 'none'})")
        raise typer.Exit(2)
    start = _since(since)
    with _archive(cfg) as archive:
        html, content = preview(archive, cfg, name, start, datetime.now(tz.utc))
    target = output or Path(f"digest-{name}.html")
    target.write_text(html, encoding="utf-8")
    console.print(f"wrote {target}: {len(content.stories)} stories, {len(content.corrections)} corrections, "
                  f"{content.articles} articles")


@digest_app.command("send")
def digest_send(json_out: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Compose the digests whose time has come and send every composed digest that is due."""
    from huunghi.monitor.digests import send_due

    cfg = _config()
    with _archive(cfg) as archive:
        report = send_due(archive, cfg)
    if json_out:
        console.print_json(data={"composed": report.composed, "skipped_empty": report.skipped_empty,
                                 "sent": report.sent, "retrying": report.retrying, "failed": report.failed,
                                 "errors": report.errors})
        return
    console.print(f"digests: composed {', '.join(report.composed) or 'none'}; sent {report.sent}, "
                  f"{report.retrying} to retry, {report.failed} failed"
                  + (f"; nothing new for {', '.join(report.skipped_empty)}" if report.skipped_empty else ""))
    for line in report.errors:
        err.print(f"[yellow]{line}[/]")


@digest_app.command("list")
def digest_list(name: Optional[str] = typer.Argument(None), limit: int = typer.Option(20, "--limit", "-n", min=1),
                json_out: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    """Composed digests, newest first, with their state."""
    cfg = _config()
    with _archive(cfg) as archive:
        rows = archive.digests(name, limit=limit)
    if json_out:
        console.print_json(render.to_json(rows))
    else:
        console.print(render.digests_table(rows))


@app.command()
def subscriptions(json_out: bool = typer.Option(False, "--json", help="JSON instead of tables.")) -> None:
    """Alert subscriptions and digests from the configuration, with each digest's next time."""
    from datetime import datetime as dt, timezone as tz

    from huunghi.monitor.digests import last_due, period

    cfg = _config()
    now = dt.now(tz.utc)
    alerts = [{"name": s.name, "events": s.events, "topics": s.topics or ["(all)"], "email": s.email,
               "webhook": s.webhook} for s in cfg.subscriptions]
    digests = [{"name": d.name, "schedule": d.schedule + (f" {d.day}" if d.schedule == "weekly" else ""),
                "time": d.time, "language": d.language, "topics": d.topics or ["(all)"], "email": d.email,
                "next": last_due(d, now) + period(d)} for d in cfg.digests]
    if json_out:
        console.print_json(render.to_json([{"alerts": alerts, "digests": digests}]))
        return
    console.print(render.subscriptions_tables(alerts, digests))


@app.command()
def daemon(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each job.")) -> None:
    """Run the scheduler: every source on its interval, alerts and digests; SIGTERM stops it cleanly."""
    import logging

    from huunghi.config import config_path

    from huunghi.monitor.daemon import Daemon

    _config()  # a broken configuration stops here, with its reason
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huunghi.daemon").setLevel(logging.INFO)
    Daemon(config_path(State.config_file)).run()


@app.command()
def status(json_out: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    """Sources with their last run, health and next scheduled run (from the daemon's job store)."""
    from huunghi.monitor.daemon import next_runs

    cfg = _config()
    with _archive(cfg) as archive:
        health = archive.source_health()
    upcoming = next_runs(cfg)
    rows = []
    for src in cfg.sources:
        h = health.get(src.name, {})
        rows.append({"source": src.name, "enabled": src.enabled, "last_status": h.get("last_status"),
                     "last_run": h.get("last_run"), "articles": h.get("articles", 0),
                     "consecutive_failures": h.get("consecutive_failures", 0),
                     "next_run": upcoming.get(f"crawl:{src.name}"),
                     "health": "broken" if h.get("consecutive_failures", 0) else ("ok" if h else "never run")})
    if json_out:
        console.print_json(render.to_json(rows))
    else:
        console.print(render.status_table(rows, daemon_known=bool(upcoming)))


@app.command()
def extract(file: str = typer.Argument("-", help="JSON Lines of {\"url\", \"html\"}; '-' reads stdin."),
            output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout.")
            ) -> None:
    """Extract clean articles from JSON Lines pages, learning site templates across the batch.

    One JSON line out per page, in order: url, title, lead, text, published, updated, author,
    credit, section, images, language; a page that is not an article gets "text": "" and a reason.
    """
    import json

    from huunghi.crawler.batch import extract_lines

    try:
        source = sys.stdin if file == "-" else open(file, encoding="utf-8", errors="replace")
    except OSError as exc:
        err.print(f"[red]cannot read {file}:[/] {exc}")
        raise typer.Exit(2)
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    articles = reasons = 0
    try:
        for row in extract_lines(source):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if "reason" in row:
                reasons += 1
            else:
                articles += 1
        out.flush()
    finally:
        if source is not sys.stdin:
            source.close()
        if output:
            out.close()
    err.print(f"{articles} articles, {reasons} pages not read as articles")


@app.command()
def reextract(source: Optional[str] = typer.Option(None, "--source", "-s", help="Only this source."),
              json_out: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Re-read the archive's stored pages with today's extractor and report what changed."""
    from rich.progress import Progress

    from huunghi.crawler.batch import reextract as run_reextract

    cfg = _config()
    with _archive(cfg) as archive:
        total = sum(a.source == source or source is None for a in archive.iter_articles(source))
        if json_out:
            report = run_reextract(archive, source)
            console.print_json(data=report.as_dict())
            return
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("re-extracting", total=total)
            report = run_reextract(archive, source, progress=lambda n: bar.update(task, completed=n))
    console.print(render.reextract_table(report))


@app.command()
def templates(json_out: bool = typer.Option(False, "--json", help="JSON instead of a table.")) -> None:
    """Show what Huunghi has learned of each site's template."""
    import json

    cfg = _config()
    with _archive(cfg) as archive:
        rows = []
        for host, pages, saved, model in archive.templates():
            try:
                data = json.loads(model)
            except ValueError:
                data = {}
            rows.append({"host": host, "pages_learned": pages, "template_pages": data.get("template_pages", 0),
                         "fallbacks": data.get("fallbacks", 0), "misreads": data.get("misreads", 0),
                         "slots": len(data.get("slots", {})), "saved": saved})
    if json_out:
        console.print_json(render.to_json(rows))
    else:
        console.print(render.templates_table(rows))


def _bad(exc: Exception) -> "typer.Exit":
    err.print(f"[red]{exc}[/]")
    return typer.Exit(2)


@app.command()
def search(query: str = typer.Argument("", help='Words, "phrases", OR, NOT/-word, (…), word*; '
                                       "diacritics and tone placement do not matter."),
           source: list[str] = typer.Option(None, "--source", "-s", help="Only this source (repeatable)."),
           section: list[str] = typer.Option(None, "--section", help='Section, e.g. "Hữu nghị" (repeatable).'),
           tag: list[str] = typer.Option(None, "--tag", "-t", help="kind:value, e.g. province:Thanh Hóa (all must hold)."),
           story: Optional[int] = typer.Option(None, "--story", help="Only this story cluster."),
           date_from: Optional[str] = typer.Option(None, "--from", help="Published on or after (YYYY-MM-DD, GMT+7)."),
           date_to: Optional[str] = typer.Option(None, "--to", help="Published on or before (YYYY-MM-DD, GMT+7)."),
           changed_since: Optional[str] = typer.Option(None, "--changed-since", help="Corrected since (YYYY-MM-DD)."),
           by_date: bool = typer.Option(False, "--by-date", help="Newest first instead of most relevant first."),
           limit: int = typer.Option(20, "--limit", "-n", help="How many (at most 200)."),
           offset: int = typer.Option(0, "--offset", help="Skip this many (paging)."),
           json_out: bool = typer.Option(False, "--json", help="JSON (the same as the web API's /api/search)."),
           csv_out: bool = typer.Option(False, "--csv", help="CSV: one row per hit.")) -> None:
    """Search the archive: full text with filters, ranked by relevance or by date, with snippets."""
    from huunghi.monitor.searching import BadRequest, build_query, result_json, run

    cfg = _config()
    try:
        q = build_query(query, source, section, tag, story, date_from, date_to, changed_since,
                        "date" if by_date else "relevance", limit, offset)
        with _archive(cfg) as archive:
            result = run(archive, q)
    except BadRequest as exc:
        raise _bad(exc)
    if json_out:
        console.print_json(data=result_json(result))
    elif csv_out:
        render.hits_csv(result, sys.stdout)
    else:
        console.print(render.hits_table(result))


@app.command()
def show(article_id: int = typer.Argument(..., help="An article id (from search or articles)."),
         json_out: bool = typer.Option(False, "--json", help="JSON (the same as the web API's /api/articles/ID).")
         ) -> None:
    """One article: its text, tags, the other sources of its story, and every version with its diff."""
    from huunghi.monitor.searching import article_detail

    cfg = _config()
    with _archive(cfg) as archive:
        detail = article_detail(archive, article_id)
    if detail is None:
        err.print(f"[red]no article {article_id}[/]")
        raise typer.Exit(1)
    if json_out:
        console.print_json(data=detail)
    else:
        render.print_article(console, detail)


@app.command()
def stats(days: int = typer.Option(14, "--days", "-d", min=1, max=366, help="How many days back (GMT+7)."),
          json_out: bool = typer.Option(False, "--json", help="JSON instead of tables.")) -> None:
    """Articles per source and day, events per kind and day, and each source's health."""
    cfg = _config()
    with _archive(cfg) as archive:
        data = archive.activity(days)
    if json_out:
        console.print_json(data=data)
    else:
        for table in render.stats_tables(data):
            console.print(table)


@app.command()
def export(since: Optional[str] = typer.Option(None, "--since", help="Published on or after (YYYY-MM-DD, GMT+7)."),
           until: Optional[str] = typer.Option(None, "--until", help="Published on or before (YYYY-MM-DD, GMT+7)."),
           source: list[str] = typer.Option(None, "--source", "-s", help="Only this source (repeatable)."),
           fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, csv, or atom (with --topic)."),
           topic: Optional[str] = typer.Option(None, "--topic", help="atom: the topic rule whose matches to list."),
           output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout.")
           ) -> None:
    """Export articles (JSON Lines or CSV, oldest first), or a topic's matches as an Atom feed."""
    from huunghi.monitor import exporting
    from huunghi.monitor.searching import BadRequest, day

    cfg = _config()
    if fmt not in ("jsonl", "csv", "atom"):
        raise _bad(ValueError(f"--format {fmt!r}: expected jsonl, csv or atom"))
    if (fmt == "atom") != bool(topic):
        raise _bad(ValueError("--topic goes with --format atom (and atom needs a --topic)"))
    try:
        start, end = day(since, "--since"), day(until, "--until", end=True)
    except BadRequest as exc:
        raise _bad(exc)
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        with _archive(cfg) as archive:
            if fmt == "atom":
                rules = cfg.topic_rules()
                if topic not in rules:
                    raise _bad(ValueError(f"no topic {topic!r}; known: {', '.join(rules)}"))
                out.write(exporting.atom_feed(archive, rules[topic], base_url=""))
                count = -1
            else:
                count = exporting.write(archive, out, fmt, start, end, source or None)
    finally:
        if output:
            out.close()
    if output and count >= 0:
        err.print(f"wrote {count} articles to {output}")


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
          port: int = typer.Option(8080, "--port", "-p", help="Port to listen on.")) -> None:
    """The read-only web page and JSON API: search, filters, articles with their history and story."""
    import uvicorn

    from huunghi.web.app import create_app

    cfg = _config()
    _archive(cfg).close()  # a broken archive stops here, with its reason
    console.print(f"Huunghi on http://{host}:{port}/  (read-only; Ctrl-C stops it)")
    # SIGTERM stops it within seconds even with requests in flight (each is bounded anyway)
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)


@app.command()
def demo(workdir: Path = typer.Option(Path("huunghi-demo"), "--dir", help="Where the demo archive goes."),
         faults: bool = typer.Option(False, "--faults", help="Also serve broken pages, to see them recorded.")
         ) -> None:
    """Crawl local replicas of three portals (no internet) into a fresh SQLite archive."""
    from huunghi.cli.demo import run_demo

    runs = run_demo(workdir, console, faults=faults)
    if not runs or any(r.articles_new == 0 for r in runs):
        err.print("[red]demo failed: a replica gave no articles[/]")
        raise typer.Exit(1)


def run() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    run()
