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


_HEALTH = {
    "ok": "tốt",
    "broken": "hỏng",
    "never run": "chưa chạy",
    "paused": "tạm dừng",
    "disabled": "đã tắt",
    "no longer configured": "không còn trong cấu hình",
}
_OUTCOME = {
    "ok": "xong",
    "failed": "thất bại",
    "partial": "một phần",
    "running": "đang chạy",
    "interrupted": "bị ngắt",
    "timed_out": "hết giờ",
}


_KINDS = {
    "new": "bài mới",
    "changed": "đính chính",
    "removed": "bị gỡ",
    "source_broken": "nguồn lỗi",
    "source_recovered": "nguồn chạy lại",
}


def kind(value: str) -> str:
    """An event's kind in Vietnamese, with the code ``events --kind`` takes beside it."""
    return f"{_KINDS[value]} ({value})" if value in _KINDS else value


_SENDING = {
    "pending": "chờ gửi",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "failed": "thất bại",
    "skipped": "không có gì mới",
}


def sending(value: str) -> str:
    """A delivery's or a digest's state in Vietnamese (``--status`` and ``--json`` use the code)."""
    return _SENDING.get(value, value)


def health(value: str) -> str:
    """A source's health as people read it (``--json`` keeps the value scripts match on)."""
    return _HEALTH.get(value, value)


def outcome(value: str) -> str:
    """A run's status in Vietnamese (``--json`` keeps the stored value)."""
    return _OUTCOME.get(value, value)


def _title(value: str) -> str:
    """A source's title as ``overview.sources`` marks it (its JSON keeps the English marks)."""
    return value.replace(" (unverified)", " (chưa kiểm chứng)").replace(" (paused)", " (tạm dừng)")


def _table(title: str, columns: tuple[str, ...], right: tuple[str, ...] = ()) -> Table:
    """A titled table whose ``right`` columns (the numbers) are right-aligned."""
    table = SafeTable(title=title, title_justify="left")
    for col in columns:
        # a source's name is what people type on the command line: never cut or wrapped
        table.add_column(col, justify="right" if col in right else "left", no_wrap=col in ("nguồn", "tên"))
    return table


def articles_table(rows: list[ArticleSummary], title: str = "Bài (articles)") -> Table:
    table = SafeTable(title=title, title_justify="left")
    table.add_column("id", justify="right", style="dim")
    table.add_column("nguồn", style="cyan")
    table.add_column("đăng (GMT+7)", no_wrap=True)
    table.add_column("tiêu đề")
    for a in rows:
        table.add_row(str(a.id), a.source, local(a.published_at), a.title)
    return table


def runs_table(rows: list[RunSummary], title: str = "Lượt thu thập (crawl runs)") -> Table:
    table = _table(
        title,
        ("lượt", "nguồn", "bắt đầu", "trạng thái", "trang", "mới", "sửa", "như cũ", "lỗi", "giây"),
        right=("lượt", "trang", "mới", "sửa", "như cũ", "lỗi", "giây"),
    )
    for r in rows:
        style = {"ok": "green", "partial": "yellow", "timed_out": "yellow", "failed": "red"}.get(
            r.status, "dim"
        )
        table.add_row(
            str(r.id),
            r.source,
            local(r.started_at, "%d/%m %H:%M"),
            styled(outcome(r.status), style),
            str(r.pages_fetched),
            str(r.articles_new),
            str(r.articles_updated),
            str(r.articles_unchanged),
            str(r.error_count),
            f"{r.duration_s:.1f}" if r.duration_s is not None else "—",
        )
    return table


def errors_table(rows: list[RunSummary]) -> Table | None:
    table = SafeTable(title="Sự cố đã ghi (problems recorded)", title_justify="left")
    table.add_column("lượt", justify="right")
    table.add_column("mức")
    table.add_column("loại")
    table.add_column("url", overflow="fold")
    table.add_column("lý do")
    for r in rows:
        for e in r.errors:
            table.add_row(
                str(r.id),
                styled("lỗi (error)", "red")
                if e.severity == "error"
                else styled("cảnh báo (warning)", "yellow"),
                e.kind,
                e.url,
                e.reason,
            )
    return table if table.row_count else None


def sources_table(rows: list[SourceOverview]) -> Table:
    table = _table(
        "Nguồn (sources)",
        ("tên", "tên báo", "bài", "lần thu thập gần nhất (GMT+7)", "trạng thái", "lỗi"),
        right=("bài", "lỗi"),
    )
    for s in rows:
        last = s.last_run
        table.add_row(
            s.name,
            _title(s.title),
            str(s.articles),
            local(last.started_at) if last else "chưa chạy",
            outcome(last.status) if last else "—",
            str(last.error_count) if last else "—",
        )
    return table


def reextract_table(report: Any) -> Table:
    table = _table(
        "Trích lại (re-extraction)",
        ("trang", "đổi", "không đổi", "không phải bài", "theo khuôn", "đọc chung", "trường đã đổi"),
        right=("trang", "đổi", "không đổi", "không phải bài", "theo khuôn", "đọc chung"),
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
        "Khuôn trang (site templates)",
        ("máy chủ", "trang đã học", "đọc theo khuôn", "đọc dự phòng", "đọc sai", "ô", "lưu lúc (GMT+7)"),
        right=("trang đã học", "đọc theo khuôn", "đọc dự phòng", "đọc sai", "ô", "lưu lúc (GMT+7)"),
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

    table = _table(
        f"Sự kiện (events) ({len(rows)})", ("id", "lúc (GMT+7)", "loại", "nguồn", "nội dung"), right=("id",)
    )
    for e in rows:
        what = e.data.get("title") or e.data.get("reason", "")
        if e.kind == "changed":
            what += "\n" + render_diff(e.data.get("diff", []), width=160)
        elif e.kind == "removed":
            what += f"\n{e.data.get('reason', '')}"
        table.add_row(str(e.id), local(e.created_at), kind(e.kind), e.source, what)
    return table


def deliveries_table(rows: list[dict[str, Any]]) -> Table:
    table = _table(
        f"Lần gửi (deliveries) ({len(rows)})",
        ("id", "sự kiện", "đăng ký", "kênh", "trạng thái", "lần thử", "gửi lúc (GMT+7)", "lỗi gần nhất"),
        right=("id", "lần thử"),
    )
    for d in rows:
        table.add_row(
            str(d["id"]),
            f"{d['event']} #{d['event_id']}",
            d["subscription"],
            d["channel"],
            sending(d["status"]),
            str(d["attempts"]),
            local(d["sent_at"]),
            (d["last_error"] or "")[:80],
        )
    return table


def digests_table(rows: list[dict[str, Any]]) -> Table:
    table = _table(
        f"Bản tin (digests) ({len(rows)})",
        (
            "id",
            "tên",
            "cho lúc (GMT+7)",
            "câu chuyện",
            "trạng thái",
            "lần thử",
            "gửi lúc (GMT+7)",
            "tiêu đề / lỗi gần nhất",
        ),
        right=("id", "câu chuyện", "lần thử"),
    )
    for d in rows:
        table.add_row(
            str(d["id"]),
            d["name"],
            local(d["due_at"]),
            str(d["stories"]),
            sending(d["status"]),
            str(d["attempts"]),
            local(d["sent_at"]),
            d["last_error"][:60] or d["subject"],
        )
    return table


def subscriptions_tables(alerts: list[dict[str, Any]], digests: list[dict[str, Any]]) -> Table:
    table = _table("Đăng ký (subscriptions)", ("tên", "loại", "khi nào", "chủ đề", "gửi đến"))
    for a in alerts:
        table.add_row(
            a["name"],
            "cảnh báo",
            ", ".join(a["events"]),
            ", ".join(a["topics"]),
            ", ".join(a["email"] + ([a["webhook"]] if a["webhook"] else [])),
        )
    for d in digests:
        table.add_row(
            d["name"],
            f"bản tin ({d['language']})",
            f"{d['schedule']} {d['time']} · lần tới {local(d['next'])}",
            ", ".join(d["topics"]),
            ", ".join(d["email"]),
        )
    return table


def status_table(rows: list[dict[str, Any]], daemon_known: bool, leader: str | None = None) -> Table:
    title = "Nguồn (sources)" + (
        "" if daemon_known else " — daemon chưa chạy lần nào: chưa có lịch (no schedule yet)"
    )
    if leader:  # who schedules now ("pid@host"): the one daemon holding the scheduler lock
        pid, _, host = leader.partition("@")
        title += f" — daemon điều phối: pid {pid} trên máy {host} (leading daemon: {leader})"
    table = _table(
        title,
        (
            "nguồn",
            "tình trạng",
            "lượt gần nhất (GMT+7)",
            "trạng thái",
            "lỗi liên tiếp",
            "bài",
            "lượt tới (GMT+7)",
        ),
        right=("lỗi liên tiếp", "bài"),
    )
    for r in rows:
        style = {"broken": "red", "ok": "green"}.get(r["health"], "yellow")
        reason = f" ({r['reason']})" if r.get("reason") else ""
        table.add_row(
            r["source"],
            styled(health(r["health"]), style, reason),
            local(r["last_run"]),
            outcome(r["last_status"]) if r["last_status"] else "—",
            str(r["consecutive_failures"]),
            str(r["articles"]),
            local(r["next_run"])
            if r["enabled"]
            else health("paused" if r["health"] == "paused" else "disabled"),
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
    how = "theo ngày (by date)" if result.query.order == "date" else "theo độ liên quan (by relevance)"
    note = " (độ liên quan trong số các bài khớp mới nhất)" if result.windowed else ""
    apart = " (các từ rời nhau · words standing apart)" if getattr(result, "reading", "") == "loose" else ""
    table = Table(
        title=f"tìm thấy {result.total_label} (found){apart} · hiện {shown} {how}{note} "
        f"· {result.took_ms:.0f} ms",
        title_justify="left",
    )
    table.add_column("id", justify="right", style="dim")
    table.add_column("nguồn", style="cyan")
    table.add_column("đăng (GMT+7)", no_wrap=True)
    table.add_column("tiêu đề / đoạn trích")
    for h in result.hits:
        cell = _marked(h.title_html)
        cell.stylize("bold")
        cell.append("\n")
        cell.append_text(_marked(h.snippet_html))
        if h.article.removed_at:
            cell.append("\n[đã gỡ (removed)]", style="red")
        if getattr(h, "also", None):
            also = ", ".join(f"{x.article.source} #{x.article.id}" for x in h.also)
            cell.append("\ncùng sự kiện (also): " + also, style="cyan")
        table.add_row(str(h.article.id), h.article.source, local(h.article.published_at), cell)
    if not result.hits:
        table.add_row("", "", "", Text("không có bài nào khớp (nothing matches)", style="dim"))
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
        console.print(f"[red]đã gỡ (removed) {d['removed_at'][:16]}[/]")
    console.print()
    console.print(strip_controls(d["lead"] or ""), style="italic", markup=False, highlight=False)
    console.print()
    console.print(strip_controls(d["body_text"] or ""), markup=False, highlight=False)
    for img in d["images"]:
        console.print(
            f"[dim]ảnh:[/dim] {_s(img.get('src', ''))} — {_s(img.get('caption', ''))}", highlight=False
        )
    if d["tags"]:
        console.print("\n[bold]Thẻ (tags):[/bold] " + ", ".join(_s(t) for t in d["tags"]), highlight=False)
    if d.get("main_places"):
        console.print(
            "[bold]Nơi chính (main places):[/bold] " + ", ".join(_s(p) for p in d["main_places"]),
            highlight=False,
        )
    table = _table(
        "Câu chuyện: cùng sự kiện ở các nguồn khác (story)", ("id", "nguồn", "đăng (GMT+7)", "tiêu đề")
    )
    for o in d["story"]:
        table.add_row(
            str(o["id"]), o["source"], (o["published_at"] or "—")[:16].replace("T", " "), o["title"]
        )
    console.print(table if d["story"] else "\n[dim]Không nguồn nào khác đưa tin này (no other source).[/dim]")
    history = _table(
        f"Lịch sử (history): {len(d['history'])} phiên bản", ("phiên bản", "tải lúc (GMT+7)", "thay đổi")
    )
    for v in d["history"]:
        change = (
            render_diff(v["diff"], width=120) if v["diff"] else ("bản đầu tiên" if v["version"] == 1 else "—")
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
    table.add_column("tổng", justify="right", style="bold")
    for name, per_day in rows.items():
        table.add_row(name, *[str(per_day.get(d, 0) or "·") for d in days], str(sum(per_day.values())))
    return table


def stats_tables(data: dict[str, Any]) -> list[Table]:
    """Articles per source and day, events per kind and day, source health."""
    days = data["days"]
    articles = _per_day(
        f"Bài theo nguồn và ngày đăng (GMT+7), {len(days)} ngày qua",
        "nguồn",
        days,
        data["articles"],
        style="cyan",
    )
    events = _per_day("Sự kiện theo loại và ngày", "loại", days, data["events"])
    health_table = _table(
        "Tình trạng nguồn (source health)",
        ("nguồn", "bài", "lượt gần nhất (GMT+7)", "trạng thái gần nhất", "lỗi liên tiếp"),
        right=("bài", "lỗi liên tiếp"),
    )
    for source, h in data["health"].items():
        style = "red" if h.get("health") == "broken" else "green"  # health.assess decides, as in `status`
        reason = f" ({h['reason']})" if h.get("reason") else ""
        health_table.add_row(
            source,
            str(h["articles"]),
            (h["last_run"] or "—")[:16].replace("T", " "),
            styled(outcome(h["last_status"]) if h["last_status"] else "—", style, reason),
            str(h["consecutive_failures"]),
        )
    return [articles, events, health_table]


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
