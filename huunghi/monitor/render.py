"""Readable tables for people, JSON for scripts: one place that formats what the CLI prints."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any, Iterable

from rich.markup import escape
from rich.table import Table

from huunghi.safetext import strip_controls

from huunghi.storage.archive import ArticleSummary, RunSummary, SourceOverview
from huunghi.clock import HANOI as VN, local



def _s(value: Any) -> str:
    """Text from a page or a server, shown as it is: rich markup escaped, control characters gone."""
    return escape(strip_controls("" if value is None else str(value)))


def to_json(rows: Iterable[Any]) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(VN).isoformat()
        raise TypeError(type(value).__name__)
    data = [dataclasses.asdict(r) if dataclasses.is_dataclass(r) else r for r in rows]
    return json.dumps(data, ensure_ascii=False, indent=2, default=default)


def articles_table(rows: list[ArticleSummary], title: str = "Articles") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("id", justify="right", style="dim")
    table.add_column("source", style="cyan")
    table.add_column("published (GMT+7)", no_wrap=True)
    table.add_column("title")
    for a in rows:
        table.add_row(str(a.id), _s(a.source), local(a.published_at), _s(a.title))
    return table


def runs_table(rows: list[RunSummary], title: str = "Crawl runs") -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("run", "source", "started", "status", "pages", "new", "updated", "same",
                "errors", "secs"):
        table.add_column(col, justify="right" if col not in ("source", "status", "started") else "left")
    for r in rows:
        style = {"ok": "green", "partial": "yellow", "failed": "red"}.get(r.status, "dim")
        table.add_row(str(r.id), _s(r.source), local(r.started_at, "%d/%m %H:%M:%S"),
                      f"[{style}]{_s(r.status)}[/]",
                      str(r.pages_fetched), str(r.articles_new), str(r.articles_updated),
                      str(r.articles_unchanged), str(r.error_count),
                      f"{r.duration_s:.1f}" if r.duration_s is not None else "—")
    return table


def errors_table(rows: list[RunSummary]) -> Table | None:
    table = Table(title="Problems recorded", title_justify="left")
    table.add_column("run", justify="right")
    table.add_column("severity")
    table.add_column("kind")
    table.add_column("url", overflow="fold")
    table.add_column("reason")
    for r in rows:
        for e in r.errors:
            table.add_row(str(r.id), "[red]error[/]" if e.severity == "error" else "[yellow]warning[/]",
                          _s(e.kind), _s(e.url), _s(e.reason))
    return table if table.row_count else None


def sources_table(rows: list[SourceOverview]) -> Table:
    table = Table(title="Sources", title_justify="left")
    for col in ("name", "title", "articles", "last crawl (GMT+7)", "status", "errors"):
        table.add_column(col, justify="right" if col in ("articles", "errors") else "left")
    for s in rows:
        last = s.last_run
        table.add_row(_s(s.name), _s(s.title), str(s.articles), local(last.started_at) if last else "never",
                      _s(last.status) if last else "—", str(last.error_count) if last else "—")
    return table


def reextract_table(report: Any) -> Table:
    table = Table(title="Re-extraction", title_justify="left")
    for col in ("pages", "changed", "unchanged", "not an article", "by template", "generic", "fields changed"):
        table.add_column(col, justify="right" if col != "fields changed" else "left")
    fields = ", ".join(f"{k} {v}" for k, v in report.fields.most_common()) or "—"
    table.add_row(str(report.pages), str(report.changed), str(report.unchanged), str(report.not_article),
                  str(report.by_method.get("template", 0)), str(report.by_method.get("generic", 0)), fields)
    return table


def templates_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Site templates", title_justify="left")
    for col in ("host", "pages learned", "read by template", "fell back", "misreads", "slots", "saved (GMT+7)"):
        table.add_column(col, justify="left" if col == "host" else "right")
    for r in rows:
        table.add_row(r["host"], str(r["pages_learned"]), str(r["template_pages"]), str(r["fallbacks"]),
                      str(r["misreads"]), str(r["slots"]), local(r["saved"]))
    return table


def events_table(rows: list[Any]) -> Table:
    from huunghi.text.diff import render as render_diff

    table = Table(title=f"Events ({len(rows)})", title_justify="left")
    for col in ("id", "when (GMT+7)", "kind", "source", "what"):
        table.add_column(col, justify="right" if col == "id" else "left")
    for e in rows:
        what = e.data.get("title") or e.data.get("reason", "")
        if e.kind == "changed":
            what += "\n" + render_diff(e.data.get("diff", []), width=160)
        elif e.kind == "removed":
            what += f"\n{e.data.get('reason', '')}"
        table.add_row(str(e.id), local(e.created_at), _s(e.kind), _s(e.source), _s(what))
    return table


def deliveries_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"Deliveries ({len(rows)})", title_justify="left")
    for col in ("id", "event", "subscription", "channel", "status", "tries", "sent (GMT+7)", "last error"):
        table.add_column(col, justify="right" if col in ("id", "tries") else "left")
    for d in rows:
        table.add_row(str(d["id"]), f"{d['event']} #{d['event_id']}", _s(d["subscription"]), d["channel"],
                      d["status"],
                      str(d["attempts"]), local(d["sent_at"]), _s((d["last_error"] or "")[:80]))
    return table


def digests_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"Digests ({len(rows)})", title_justify="left")
    for col in ("id", "name", "for (GMT+7)", "stories", "status", "tries", "sent (GMT+7)", "subject / last error"):
        table.add_column(col, justify="right" if col in ("id", "stories", "tries") else "left")
    for d in rows:
        table.add_row(str(d["id"]), d["name"], local(d["due_at"]), str(d["stories"]), d["status"], str(d["attempts"]),
                      local(d["sent_at"]), d["last_error"][:60] or d["subject"])
    return table


def subscriptions_tables(alerts: list[dict[str, Any]], digests: list[dict[str, Any]]) -> Table:
    table = Table(title="Subscriptions", title_justify="left")
    for col in ("name", "kind", "when", "topics", "to"):
        table.add_column(col)
    for a in alerts:
        table.add_row(a["name"], "alerts", ", ".join(a["events"]), ", ".join(a["topics"]),
                      ", ".join(a["email"] + ([a["webhook"]] if a["webhook"] else [])))
    for d in digests:
        table.add_row(d["name"], f"digest ({d['language']})", f"{d['schedule']} {d['time']} · next {local(d['next'])}",
                      ", ".join(d["topics"]), ", ".join(d["email"]))
    return table


def status_table(rows: list[dict[str, Any]], daemon_known: bool) -> Table:
    title = "Sources" + ("" if daemon_known else " (no daemon has run: no schedule yet)")
    table = Table(title=title, title_justify="left")
    for col in ("source", "health", "last run (GMT+7)", "status", "failures in a row", "articles", "next run (GMT+7)"):
        table.add_column(col, justify="right" if col in ("articles", "failures in a row") else "left")
    for r in rows:
        style = {"broken": "red", "ok": "green"}.get(r["health"], "yellow")
        table.add_row(_s(r["source"]), f"[{style}]{_s(r['health'])}[/]", local(r["last_run"]),
                      _s(r["last_status"]) or "—",
                      str(r["consecutive_failures"]), str(r["articles"]),
                      local(r["next_run"]) if r["enabled"] else "disabled")
    return table


def _marked(html_snippet: str) -> "Text":
    """A snippet's <mark>…</mark> spans as bold yellow, the rest as plain text (no markup read)."""
    import html
    import re

    from rich.text import Text

    out = Text()
    for i, part in enumerate(re.split(r"</?mark>", html_snippet)):
        out.append(strip_controls(html.unescape(part)), style="bold yellow" if i % 2 else "")
    return out


def hits_table(result: Any) -> Table:
    """Search hits: id, source, time, title with the match marked and a snippet under it."""
    from rich.text import Text

    shown = f"{result.query.offset + 1}–{result.query.offset + len(result.hits)}" if result.hits else "0"
    how = "by date" if result.query.order == "date" else "by relevance"
    note = " (relevance among the newest matches)" if result.windowed else ""
    table = Table(title=f"{result.total_label} found · {shown} shown {how}{note} · {result.took_ms:.0f} ms",
                  title_justify="left")
    table.add_column("id", justify="right", style="dim")
    table.add_column("source", style="cyan")
    table.add_column("published (GMT+7)", no_wrap=True)
    table.add_column("title / snippet")
    for h in result.hits:
        cell = _marked(h.title_html)
        cell.stylize("bold")
        cell.append("\n")
        cell.append_text(_marked(h.snippet_html))
        if h.article.removed_at:
            cell.append("\n[removed]", style="red")
        table.add_row(str(h.article.id), _s(h.article.source), local(h.article.published_at), cell)
    if not result.hits:
        table.add_row("", "", "", Text("nothing matches", style="dim"))
    return table


def hits_csv(result: Any, out: Any) -> None:
    import csv

    writer = csv.writer(out)
    writer.writerow(["id", "source", "published", "title", "url", "section", "story", "score", "tags", "snippet"])
    for h in result.hits:
        a = h.article
        writer.writerow([a.id, a.source, a.published_at.astimezone(VN).isoformat() if a.published_at else "",
                         a.title, a.url, a.section, a.story_id or "", "" if h.score is None else f"{h.score:.4f}",
                         "; ".join(f"{k}:{v}" for k, v in h.tags), h.snippet])


def print_article(console: Any, d: dict[str, Any]) -> None:
    """One article as ``huunghi show`` prints it: text, tags, story, history with diffs."""
    from rich.rule import Rule

    from huunghi.text.diff import render as render_diff

    when = d["published_at"][:16].replace("T", " ") if d["published_at"] else "—"
    console.print(Rule(f"#{d['id']} · {_s(d['source'])}"))
    console.print(f"[bold]{_s(d['title'])}[/bold]", markup=True, highlight=False)
    console.print(f"[dim]{when} GMT+7 · {_s(d['section']) or '—'} · {_s(d['author']) or '—'}"
                  f"{' · ' + _s(d['credit']) if d['credit'] else ''}[/dim]\n{_s(d['url'])}", highlight=False)
    if d["removed_at"]:
        console.print(f"[red]removed {d['removed_at'][:16]}[/]")
    console.print()
    console.print(strip_controls(d["lead"] or ""), style="italic", markup=False, highlight=False)
    console.print()
    console.print(strip_controls(d["body_text"] or ""), markup=False, highlight=False)
    for img in d["images"]:
        console.print(f"[dim]image:[/dim] {_s(img.get('src', ''))} — {_s(img.get('caption', ''))}",
                      highlight=False)
    if d["tags"]:
        console.print("\n[bold]Tags:[/bold] " + ", ".join(_s(t) for t in d["tags"]), highlight=False)
    table = Table(title="Story: the same event in other sources", title_justify="left")
    for col in ("id", "source", "published (GMT+7)", "title"):
        table.add_column(col)
    for o in d["story"]:
        table.add_row(str(o["id"]), _s(o["source"]), (o["published_at"] or "—")[:16].replace("T", " "),
                      _s(o["title"]))
    console.print(table if d["story"] else "\n[dim]No other source reported this story.[/dim]")
    history = Table(title=f"History ({len(d['history'])} versions)", title_justify="left")
    for col in ("version", "fetched (GMT+7)", "change"):
        history.add_column(col)
    for v in d["history"]:
        change = render_diff(v["diff"], width=120) if v["diff"] else ("first version" if v["version"] == 1 else "—")
        history.add_row(str(v["version"]), v["fetched_at"][:16].replace("T", " "), _s(change))
    console.print(history)


def _per_day(title: str, label: str, days: list[str], rows: dict[str, dict[str, int]], style: str = "") -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(label, style=style)
    for d in days:
        table.add_column(d[5:], justify="right")
    table.add_column("total", justify="right", style="bold")
    for name, per_day in rows.items():
        table.add_row(name, *[str(per_day.get(d, 0) or "·") for d in days], str(sum(per_day.values())))
    return table


def stats_tables(data: dict[str, Any]) -> list[Table]:
    """Articles per source and day, events per kind and day, source health."""
    days = data["days"]
    articles = _per_day(f"Articles per source and publication day (GMT+7), last {len(days)} days", "source", days,
                        data["articles"], style="cyan")
    events = _per_day("Events per kind and day", "kind", days, data["events"])
    health = Table(title="Source health", title_justify="left")
    for col in ("source", "articles", "last run (GMT+7)", "last status", "failures in a row"):
        health.add_column(col, justify="right" if col in ("articles", "failures in a row") else "left")
    for source, h in data["health"].items():
        style = "red" if h["consecutive_failures"] else "green"
        health.add_row(source, str(h["articles"]), (h["last_run"] or "—")[:16].replace("T", " "),
                       f"[{style}]{h['last_status'] or '—'}[/]", str(h["consecutive_failures"]))
    return [articles, events, health]
