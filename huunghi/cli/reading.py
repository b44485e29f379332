"""Reading the archive: ``articles``, ``search``, ``show``, ``stats`` and ``export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from huunghi.cli import tables
from huunghi.cli.base import JSON_HELP, app, bad, console, emit, err, load, open_archive


@app.command()
def articles(
    source: Optional[str] = typer.Option(None, "--source", "-s", help="Only this source."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """List the latest stored articles, newest first."""
    cfg = load()
    with open_archive(cfg) as archive:
        rows = archive.reads.latest_articles(limit=limit, source=source)
    emit(rows, json_out, lambda rows: tables.articles_table(rows, title=f"Latest articles ({len(rows)})"))


@app.command()
def search(
    query: str = typer.Argument(
        "", help='Words, "phrases", OR, NOT/-word, (…), word*; diacritics and tone placement do not matter.'
    ),
    source: list[str] = typer.Option(None, "--source", "-s", help="Only this source (repeatable)."),
    section: list[str] = typer.Option(None, "--section", help='Section, e.g. "Hữu nghị" (repeatable).'),
    tag: list[str] = typer.Option(
        None, "--tag", "-t", help="kind:value, e.g. province:Thanh Hóa (all must hold)."
    ),
    story: Optional[int] = typer.Option(None, "--story", help="Only this story cluster."),
    date_from: Optional[str] = typer.Option(
        None, "--from", help="Published on or after (YYYY-MM-DD, GMT+7)."
    ),
    date_to: Optional[str] = typer.Option(None, "--to", help="Published on or before (YYYY-MM-DD, GMT+7)."),
    changed_since: Optional[str] = typer.Option(
        None, "--changed-since", help="Corrected since (YYYY-MM-DD)."
    ),
    by_date: bool = typer.Option(False, "--by-date", help="Newest first instead of most relevant first."),
    limit: int = typer.Option(20, "--limit", "-n", help="How many (at most 200)."),
    offset: int = typer.Option(0, "--offset", help="Skip this many (paging)."),
    json_out: bool = typer.Option(False, "--json", help="JSON (the same as the web API's /api/search)."),
    csv_out: bool = typer.Option(False, "--csv", help="CSV: one row per hit."),
    group: str = typer.Option("", "--group", help='"story": one entry per story, listing its sources.'),
) -> None:
    """Search the archive: full text with filters, ranked by relevance or by date, with snippets."""
    from huunghi.monitor.searching import BadRequest, build_query, result_json, run

    cfg = load()
    try:
        q = build_query(
            query,
            source,
            section,
            tag,
            story,
            date_from,
            date_to,
            changed_since,
            "date" if by_date else "relevance",
            limit,
            offset,
            group,
        )
        with open_archive(cfg) as archive:
            result = run(archive, q)
    except BadRequest as exc:
        raise bad(exc)
    if csv_out and not json_out:
        tables.hits_csv(result, sys.stdout)
        return
    emit(result_json(result) if json_out else result, json_out, tables.hits_table)


@app.command()
def show(
    article_id: int = typer.Argument(..., help="An article id (from search or articles)."),
    json_out: bool = typer.Option(False, "--json", help="JSON (the same as the web API's /api/articles/ID)."),
) -> None:
    """One article: its text, tags, the other sources of its story, and every version with its diff."""
    from huunghi.monitor.searching import article_detail

    cfg = load()
    with open_archive(cfg) as archive:
        detail = article_detail(archive, article_id)
    if detail is None:
        err.print(f"[red]no article {article_id}[/]")
        raise typer.Exit(1)
    if json_out:
        emit(detail, json_out)
    else:
        tables.print_article(console, detail)
        console.print(f"Ngày đăng theo (date evidence): {detail.get('published_source') or '—'}")


@app.command()
def stats(
    days: int = typer.Option(14, "--days", "-d", min=1, max=366, help="How many days back (GMT+7)."),
    json_out: bool = typer.Option(False, "--json", help="JSON instead of tables."),
) -> None:
    """Articles per source and day, events per kind and day, and each source's health."""
    cfg = load()
    with open_archive(cfg) as archive:
        data = archive.reads.activity(days)
    emit(data, json_out, tables.stats_tables)


@app.command()
def export(
    since: Optional[str] = typer.Option(None, "--since", help="Published on or after (YYYY-MM-DD, GMT+7)."),
    until: Optional[str] = typer.Option(None, "--until", help="Published on or before (YYYY-MM-DD, GMT+7)."),
    source: list[str] = typer.Option(None, "--source", "-s", help="Only this source (repeatable)."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, csv, or atom (with --topic)."),
    topic: Optional[str] = typer.Option(None, "--topic", help="atom: the topic rule whose matches to list."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """Export articles (JSON Lines or CSV, oldest first), or a topic's matches as an Atom feed."""
    from huunghi.monitor import exporting
    from huunghi.monitor.searching import BadRequest, day

    cfg = load()
    if fmt not in ("jsonl", "csv", "atom"):
        raise bad(ValueError(f"--format {fmt!r}: expected jsonl, csv or atom"))
    if (fmt == "atom") != bool(topic):
        raise bad(ValueError("--topic goes with --format atom (and atom needs a --topic)"))
    try:
        start, end = day(since, "--since"), day(until, "--until", end=True)
    except BadRequest as exc:
        raise bad(exc)
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        with open_archive(cfg) as archive:
            if fmt == "atom":
                rules = cfg.topic_rules()
                if topic not in rules:
                    raise bad(ValueError(f"no topic {topic!r}; known: {', '.join(rules)}"))
                out.write(exporting.atom_feed(archive, rules[topic], base_url=None))
                count = -1
            else:
                count = exporting.write(archive, out, fmt, start, end, source or None)
    finally:
        if output:
            out.close()
    if output and count >= 0:
        err.print(f"wrote {count} articles to {output}")
