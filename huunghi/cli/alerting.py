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
    kind: list[str] = typer.Option(
        None, "--kind", "-k", help="new, changed, removed, source_broken, source_recovered."
    ),
    since_day: Optional[str] = typer.Option(None, "--since", help="Chỉ từ ngày này (YYYY-MM-DD, GMT+7)."),
    limit: int = typer.Option(50, "--limit", "-n", min=1),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Sự kiện trong kho (events): bài mới, bài sửa (kèm phần khác), bài gỡ, nguồn lỗi, nguồn chạy lại."""
    cfg = load()
    start = since(since_day)
    with open_archive(cfg) as archive:
        rows = archive.events.after(kinds=kind or None, since=start, limit=100_000)[-limit:]
    emit(rows, json_out, tables.events_table)


alerts_app = typer.Typer(
    help="Cảnh báo (alerts): lập và gửi những gì các đăng ký yêu cầu.", no_args_is_help=True
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
            f"cảnh báo (alerts): đọc {planned.events} sự kiện, lập {planned.planned} lần gửi; "
            f"đã gửi {sent.sent}, chờ gửi lại {sent.retrying}, hoãn {sent.deferred}, thất bại {sent.failed}"
        )
        for line in sent.errors:
            err.print(f"[yellow]{escape(line)}[/]")


@alerts_app.command("send")
def alerts_send(json_out: bool = typer.Option(False, "--json", help="In báo cáo dạng JSON.")) -> None:
    """Lập lần gửi cho sự kiện mới và gửi mọi lần gửi đã đến hạn (chạy lúc nào cũng an toàn)."""
    cfg = load()
    if not cfg.subscriptions:
        err.print(
            "[yellow]"
            + escape("cấu hình không có [[subscriptions]]: không có gì để gửi (nothing to send)")
            + "[/]"
        )
    send_alerts(cfg, json_out)


@alerts_app.command("list")
def alerts_list(
    status: Optional[str] = typer.Option(None, "--status", help="pending, sending, sent hoặc failed."),
    limit: int = typer.Option(50, "--limit", "-n", min=1),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Các lần gửi, mới nhất trước, với trạng thái và lỗi gần nhất (deliveries)."""
    cfg = load()
    with open_archive(cfg) as archive:
        rows = archive.outbox.deliveries.listing(status=status, limit=limit)
    emit(rows, json_out, tables.deliveries_table)


digest_app = typer.Typer(help="Bản tin (digests): xem trước, gửi bản đến hạn, liệt kê.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")


@digest_app.command("preview")
def digest_preview(
    name: str = typer.Argument(..., help=escape("Tên một [[digests]] trong cấu hình.")),
    since_day: Optional[str] = typer.Option(
        None, "--since", help="Từ ngày này (YYYY-MM-DD, GMT+7) thay vì từ bản tin trước."
    ),
    output: Path = typer.Option(None, "--output", "-o", help="Tệp HTML (mặc định: digest-NAME.html)."),
) -> None:
    """Ghi HTML của bản tin nếu soạn lúc này, không gửi và không ghi lại gì (preview)."""
    from huunghi.monitor.digests import preview

    cfg = load()
    if name not in {d.name for d in cfg.digests}:
        known = ", ".join(d.name for d in cfg.digests) or "không có"
        err.print(
            f"[red]không có bản tin tên {escape(repr(name))} (no digest named {escape(repr(name))})[/] "
            f"(có: {escape(known)})"
        )
        raise typer.Exit(2)
    start = since(since_day)
    with open_archive(cfg) as archive:
        html, content = preview(archive, cfg, name, start, datetime.now(UTC))
    target = output or Path(f"digest-{name}.html")
    target.write_text(html, encoding="utf-8")
    console.print(
        f"đã ghi {escape(str(target))}: {len(content.stories)} câu chuyện, "
        f"{len(content.corrections)} bài sửa, {content.articles} bài"
    )


@digest_app.command("send")
def digest_send(json_out: bool = typer.Option(False, "--json", help="In báo cáo dạng JSON.")) -> None:
    """Soạn các bản tin đã đến giờ và gửi mọi bản tin đã soạn đến hạn."""
    from huunghi.monitor.digests import send_due

    cfg = load()
    with open_archive(cfg) as archive:
        report = send_due(archive, cfg)
    if json_out:
        emit(report, json_out)
        return
    console.print(
        f"bản tin (digests): đã soạn {escape(', '.join(report.composed)) or 'không có'}; "
        f"đã gửi {report.sent}, "
        f"chờ gửi lại {report.retrying}, thất bại {report.failed}"
        + (f"; không có gì mới cho {escape(', '.join(report.skipped_empty))}" if report.skipped_empty else "")
    )
    for line in report.errors:
        err.print(f"[yellow]{escape(line)}[/]")


@digest_app.command("list")
def digest_list(
    name: Optional[str] = typer.Argument(None),
    limit: int = typer.Option(20, "--limit", "-n", min=1),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Các bản tin đã soạn, mới nhất trước, với trạng thái."""
    cfg = load()
    with open_archive(cfg) as archive:
        rows = archive.outbox.digests.listing(name, limit=limit)
    emit(rows, json_out, tables.digests_table)


@app.command()
def subscriptions(json_out: bool = typer.Option(False, "--json", help="In JSON thay cho bảng.")) -> None:
    """Đăng ký cảnh báo và bản tin trong cấu hình, kèm giờ gửi tiếp theo của mỗi bản tin."""
    from huunghi.monitor import overview

    alerts, digests = overview.subscriptions(load(), datetime.now(UTC))
    emit(
        [{"alerts": alerts, "digests": digests}],
        json_out,
        lambda rows: tables.subscriptions_tables(rows[0]["alerts"], rows[0]["digests"]),
    )
