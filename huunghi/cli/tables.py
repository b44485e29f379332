"""Readable tables for people: one place that lays out what the CLI prints (JSON is ``base.emit``'s)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from huunghi.clock import HANOI as VN
from huunghi.clock import local
from huunghi.safetext import strip_controls

if TYPE_CHECKING:
    from rich.console import RenderableType

    from huunghi.storage.records import ArticleSummary, RunSummary, SourceOverview
    from huunghi.storage.stories import DecisionReview, RebuildReport, StoryRow


def _s(value: Any) -> str:
    """Text from a page or a server, shown as it is: rich markup escaped, control characters gone."""
    return escape(strip_controls("" if value is None else str(value)))


class SafeTable(Table):
    """A table whose plain-text cells are shown as they are: a title with ``[/]`` or an ESC byte from
    a portal is text, never markup or a terminal command. Styled cells are ``Text`` (``styled``)."""

    def add_row(self, *renderables: RenderableType | None, **kwargs: Any) -> None:
        super().add_row(*(_s(r) if isinstance(r, str) else r for r in renderables), **kwargs)


def styled(value: Any, style: str, suffix: str = "") -> Text:
    """A cell in a style (a status in its colour), its text taken literally."""
    out = Text(strip_controls("" if value is None else str(value)), style=style)
    if suffix:
        out.append(strip_controls(suffix))
    return out


def _table(title: str, columns: tuple[str, ...], right: tuple[str, ...] = ()) -> Table:
    """A titled table whose ``right`` columns (the numbers) are right-aligned."""
    table = SafeTable(title=title, title_justify="left")
    for col in columns:
        table.add_column(col, justify="right" if col in right else "left")
    return table


def articles_table(rows: list[ArticleSummary], title: str = "Articles") -> Table:
    table = SafeTable(title=title, title_justify="left")
    table.add_column("id", justify="right", style="dim")
    table.add_column("source", style="cyan")
    table.add_column("published (GMT+7)", no_wrap=True)
    table.add_column("title")
    for a in rows:
        table.add_row(str(a.id), a.source, local(a.published_at), a.title)
    return table


def runs_table(rows: list[RunSummary], title: str = "Crawl runs") -> Table:
    table = _table(
        title,
        ("run", "source", "started", "status", "pages", "new", "updated", "same", "errors", "secs"),
        right=("run", "pages", "new", "updated", "same", "errors", "secs"),
    )
    for r in rows:
        style = {"ok": "green", "partial": "yellow", "timed_out": "yellow", "failed": "red"}.get(
            r.status, "dim"
        )
        table.add_row(
            str(r.id),
            r.source,
            local(r.started_at, "%d/%m %H:%M:%S"),
            styled(r.status, style),
            str(r.pages_fetched),
            str(r.articles_new),
            str(r.articles_updated),
            str(r.articles_unchanged),
            str(r.error_count),
            f"{r.duration_s:.1f}" if r.duration_s is not None else "—",
        )
    return table


def errors_table(rows: list[RunSummary]) -> Table | None:
    table = SafeTable(title="Problems recorded", title_justify="left")
    table.add_column("run", justify="right")
    table.add_column("severity")
    table.add_column("kind")
    table.add_column("url", overflow="fold")
    table.add_column("reason")
    for r in rows:
        for e in r.errors:
            table.add_row(
                str(r.id),
                styled("error", "red") if e.severity == "error" else styled("warning", "yellow"),
                e.kind,
                e.url,
                e.reason,
            )
    return table if table.row_count else None


def sources_table(rows: list[SourceOverview]) -> Table:
    table = _table(
        "Sources",
        ("name", "title", "articles", "last crawl (GMT+7)", "status", "errors"),
        right=("articles", "errors"),
    )
    for s in rows:
        last = s.last_run
        table.add_row(
            s.name,
            s.title,
            str(s.articles),
            local(last.started_at) if last else "never",
            last.status if last else "—",
            str(last.error_count) if last else "—",
        )
    return table


def reextract_table(report: Any) -> Table:
    table = _table(
        "Re-extraction",
        ("pages", "changed", "unchanged", "not an article", "by template", "generic", "fields changed"),
        right=("pages", "changed", "unchanged", "not an article", "by template", "generic"),
    )
    fields = ", ".join(f"{k} {v}" for k, v in report.fields.most_common()) or "—"
    table.add_row(
        str(report.pages),
        str(report.changed),
        str(report.unchanged),
        str(report.not_article),
        str(report.by_method.get("template", 0)),
        str(report.by_method.get("generic", 0)),
        fields,
    )
    return table


def templates_table(rows: list[dict[str, Any]]) -> Table:
    table = _table(
        "Site templates",
        ("host", "pages learned", "read by template", "fell back", "misreads", "slots", "saved (GMT+7)"),
        right=("pages learned", "read by template", "fell back", "misreads", "slots", "saved (GMT+7)"),
    )
    for r in rows:
        table.add_row(
            r["host"],
            str(r["pages_learned"]),
            str(r["template_pages"]),
            str(r["fallbacks"]),
            str(r["misreads"]),
            str(r["slots"]),
            local(r["saved"]),
        )
    return table


def events_table(rows: list[Any]) -> Table:
    from huunghi.text.diff import render as render_diff

    table = _table(f"Events ({len(rows)})", ("id", "when (GMT+7)", "kind", "source", "what"), right=("id",))
    for e in rows:
        what = e.data.get("title") or e.data.get("reason", "")
        if e.kind == "changed":
            what += "\n" + render_diff(e.data.get("diff", []), width=160)
        elif e.kind == "removed":
            what += f"\n{e.data.get('reason', '')}"
        table.add_row(str(e.id), local(e.created_at), e.kind, e.source, what)
    return table


def deliveries_table(rows: list[dict[str, Any]]) -> Table:
    table = _table(
        f"Deliveries ({len(rows)})",
        ("id", "event", "subscription", "channel", "status", "tries", "sent (GMT+7)", "last error"),
        right=("id", "tries"),
    )
    for d in rows:
        table.add_row(
            str(d["id"]),
            f"{d['event']} #{d['event_id']}",
            d["subscription"],
            d["channel"],
            d["status"],
            str(d["attempts"]),
            local(d["sent_at"]),
            (d["last_error"] or "")[:80],
        )
    return table


def digests_table(rows: list[dict[str, Any]]) -> Table:
    table = _table(
        f"Digests ({len(rows)})",
        ("id", "name", "for (GMT+7)", "stories", "status", "tries", "sent (GMT+7)", "subject / last error"),
        right=("id", "stories", "tries"),
    )
    for d in rows:
        table.add_row(
            str(d["id"]),
            d["name"],
            local(d["due_at"]),
            str(d["stories"]),
            d["status"],
            str(d["attempts"]),
            local(d["sent_at"]),
            d["last_error"][:60] or d["subject"],
        )
    return table


def subscriptions_tables(alerts: list[dict[str, Any]], digests: list[dict[str, Any]]) -> Table:
    table = _table("Subscriptions", ("name", "kind", "when", "topics", "to"))
    for a in alerts:
        table.add_row(
            a["name"],
            "alerts",
            ", ".join(a["events"]),
            ", ".join(a["topics"]),
            ", ".join(a["email"] + ([a["webhook"]] if a["webhook"] else [])),
        )
    for d in digests:
        table.add_row(
            d["name"],
            f"digest ({d['language']})",
            f"{d['schedule']} {d['time']} · next {local(d['next'])}",
            ", ".join(d["topics"]),
            ", ".join(d["email"]),
        )
    return table


def status_table(rows: list[dict[str, Any]], daemon_known: bool) -> Table:
    title = "Sources" + ("" if daemon_known else " (no daemon has run: no schedule yet)")
    table = _table(
        title,
        (
            "source",
            "health",
            "last run (GMT+7)",
            "status",
            "failures in a row",
            "articles",
            "next run (GMT+7)",
        ),
        right=("failures in a row", "articles"),
    )
    for r in rows:
        style = {"broken": "red", "ok": "green"}.get(r["health"], "yellow")
        reason = f" ({r['reason']})" if r.get("reason") else ""
        table.add_row(
            r["source"],
            styled(r["health"], style, reason),
            local(r["last_run"]),
            r["last_status"] or "—",
            str(r["consecutive_failures"]),
            str(r["articles"]),
            local(r["next_run"]) if r["enabled"] else ("paused" if r["health"] == "paused" else "disabled"),
        )
    return table


def _marked(html_snippet: str) -> Text:
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
    apart = " (words standing apart · các từ rời nhau)" if getattr(result, "reading", "") == "loose" else ""
    table = Table(
        title=f"{result.total_label} found{apart} · {shown} shown {how}{note} · {result.took_ms:.0f} ms",
        title_justify="left",
    )
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
        if getattr(h, "also", None):
            also = ", ".join(f"{x.article.source} #{x.article.id}" for x in h.also)
            cell.append("\nalso · cùng sự kiện: " + also, style="cyan")
        table.add_row(str(h.article.id), h.article.source, local(h.article.published_at), cell)
    if not result.hits:
        table.add_row("", "", "", Text("nothing matches", style="dim"))
    return table


def hits_csv(result: Any, out: Any) -> None:
    import csv

    writer = csv.writer(out)
    writer.writerow(
        ["id", "source", "published", "title", "url", "section", "story", "score", "tags", "snippet"]
    )
    for h in result.hits:
        a = h.article
        writer.writerow(
            [
                a.id,
                a.source,
                a.published_at.astimezone(VN).isoformat() if a.published_at else "",
                a.title,
                a.url,
                a.section,
                a.story_id or "",
                "" if h.score is None else f"{h.score:.4f}",
                "; ".join(f"{k}:{v}" for k, v in h.tags),
                h.snippet,
            ]
        )


def print_article(console: Any, d: dict[str, Any]) -> None:
    """One article as ``huunghi show`` prints it: text, tags, story, history with diffs."""
    from rich.rule import Rule

    from huunghi.text.diff import render as render_diff

    when = d["published_at"][:16].replace("T", " ") if d["published_at"] else "—"
    console.print(Rule(f"#{d['id']} · {_s(d['source'])}"))
    console.print(f"[bold]{_s(d['title'])}[/bold]", markup=True, highlight=False)
    console.print(
        f"[dim]{when} GMT+7 · {_s(d['section']) or '—'} · {_s(d['author']) or '—'}"
        f"{' · ' + _s(d['credit']) if d['credit'] else ''}[/dim]\n{_s(d['url'])}",
        highlight=False,
    )
    if d["removed_at"]:
        console.print(f"[red]removed {d['removed_at'][:16]}[/]")
    console.print()
    console.print(strip_controls(d["lead"] or ""), style="italic", markup=False, highlight=False)
    console.print()
    console.print(strip_controls(d["body_text"] or ""), markup=False, highlight=False)
    for img in d["images"]:
        console.print(
            f"[dim]image:[/dim] {_s(img.get('src', ''))} — {_s(img.get('caption', ''))}", highlight=False
        )
    if d["tags"]:
        console.print("\n[bold]Tags:[/bold] " + ", ".join(_s(t) for t in d["tags"]), highlight=False)
    if d.get("main_places"):
        console.print(
            "[bold]Nơi chính (main places):[/bold] " + ", ".join(_s(p) for p in d["main_places"]),
            highlight=False,
        )
    table = _table("Story: the same event in other sources", ("id", "source", "published (GMT+7)", "title"))
    for o in d["story"]:
        table.add_row(
            str(o["id"]), o["source"], (o["published_at"] or "—")[:16].replace("T", " "), o["title"]
        )
    console.print(table if d["story"] else "\n[dim]No other source reported this story.[/dim]")
    history = _table(f"History ({len(d['history'])} versions)", ("version", "fetched (GMT+7)", "change"))
    for v in d["history"]:
        change = (
            render_diff(v["diff"], width=120)
            if v["diff"]
            else ("first version" if v["version"] == 1 else "—")
        )
        history.add_row(str(v["version"]), v["fetched_at"][:16].replace("T", " "), change)
    console.print(history)


def _per_day(
    title: str, label: str, days: list[str], rows: dict[str, dict[str, int]], style: str = ""
) -> Table:
    table = SafeTable(title=title, title_justify="left")
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
    articles = _per_day(
        f"Articles per source and publication day (GMT+7), last {len(days)} days",
        "source",
        days,
        data["articles"],
        style="cyan",
    )
    events = _per_day("Events per kind and day", "kind", days, data["events"])
    health = _table(
        "Source health",
        ("source", "articles", "last run (GMT+7)", "last status", "failures in a row"),
        right=("articles", "failures in a row"),
    )
    for source, h in data["health"].items():
        style = "red" if h.get("health") == "broken" else "green"  # health.assess decides, as in `status`
        reason = f" ({h['reason']})" if h.get("reason") else ""
        health.add_row(
            source,
            str(h["articles"]),
            (h["last_run"] or "—")[:16].replace("T", " "),
            styled(h["last_status"] or "—", style, reason),
            str(h["consecutive_failures"]),
        )
    return [articles, events, health]


def stories_table(rows: list[StoryRow]) -> Table:
    """``huunghi stories list``: each story with its size and the sources that reported it."""
    table = _table(
        "Câu chuyện (stories): một sự kiện, nhiều nguồn",
        ("id", "bài (articles)", "cập nhật (GMT+7)", "nguồn (sources)", "tiêu đề (title)"),
        right=("id", "bài (articles)"),
    )
    for r in rows:
        table.add_row(str(r.id), str(r.size), local(r.updated_at), ", ".join(r.sources), r.title)
    return table


_FACTS = {"p": "người", "f": "số liệu", "o": "tổ chức", "l": "nơi", "c": "nước"}


def story_table(d: dict[str, Any]) -> Table:
    """``huunghi stories show``: the story's articles and the facts of each one's event."""
    table = _table(
        f"Câu chuyện #{d['id']}",
        (
            "id",
            "nguồn (source)",
            "đăng (GMT+7)",
            "ngày sự kiện (event day)",
            "tiêu đề · dữ kiện (title · facts)",
        ),
        right=("id",),
    )
    for a in d["articles"]:
        event = a["event"] or {}
        facts = "; ".join(f"{_FACTS[k]}: {', '.join(event[k])}" for k in _FACTS if event.get(k))
        table.add_row(
            str(a["id"]), a["source"], local(a["published_at"]), event.get("d", "—"), f"{a['title']}\n{facts}"
        )
    return table


def rebuild_table(r: RebuildReport) -> Table:
    table = _table("Dựng lại câu chuyện (stories rebuilt)", ("", "số (count)"), right=("số (count)",))
    table.add_row("bài (articles)", str(r.articles))
    table.add_row("câu chuyện trước (stories before)", str(r.stories_before))
    table.add_row("câu chuyện sau (stories after)", str(r.stories_after))
    table.add_row("bài đổi câu chuyện (articles moved)", str(r.moved))
    return table


def decisions_table(rows: list[DecisionReview]) -> list[RenderableType]:
    """``huunghi stories decisions``: a person's word and the rule's, pair by pair."""
    table = _table(
        "Quyết định (decisions): người quyết định và luật của máy",
        (
            "bài (articles)",
            "người (person)",
            "máy (rule)",
            "điểm sự kiện (event)",
            "Jaccard",
            "khác (conflict)",
            "tiêu đề (titles)",
        ),
        right=("điểm sự kiện (event)", "Jaccard"),
    )
    word = {True: "một sự kiện", False: "hai sự kiện"}
    for r in rows:
        table.add_row(
            f"{r.article_a} · {r.article_b}",
            word[r.same],
            word[r.rule_same] + ("" if r.same == r.rule_same else " ✗"),
            f"{r.event_score:g}",
            f"{r.jaccard:.2f}",
            r.conflict or "—",
            f"{r.title_a}\n{r.title_b}",
        )
    agree = sum(1 for r in rows if r.same == r.rule_same)
    return [
        table,
        Text(
            f"Luật đồng ý với người ở {agree}/{len(rows)} cặp "
            f"(the rule agrees on {agree} of {len(rows)} pairs)."
        ),
    ]
