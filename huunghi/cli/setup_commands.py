"""The set-up commands' console side: questions, messages, tables (the logic is monitor.setup)."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from huunghi.clock import local
from huunghi.config import Config, ConfigError, load_config
from huunghi.monitor import setup


def _fail(err: Console, exc: Exception, code: int = 2) -> typer.Exit:
    err.print(f"[red]{escape(str(exc))}[/]")
    return typer.Exit(code)


def run_init(
    target: Path,
    force: bool,
    mail_to: list[str],
    smtp: str,
    sender: str,
    topic: str,
    topic_name: str,
    digest_at: str,
    console: Console,
    err: Console,
) -> None:
    if target.exists() and not force:
        err.print(f"[red]{escape(str(target))} đã có[/] (exists); dùng --force để ghi đè")
        raise typer.Exit(1)
    if sys.stdin.isatty() and not (mail_to or smtp or topic or digest_at):
        console.print("Huunghi: vài câu hỏi để có cảnh báo và bản tin (Enter: bỏ qua).")
        answer = typer.prompt(
            "E-mail nhận cảnh báo và bản tin (cách nhau bởi dấu phẩy)", default="", show_default=False
        )
        mail_to = [a.strip() for a in answer.split(",") if a.strip()]
        if mail_to:
            smtp = typer.prompt(
                "Máy chủ SMTP host[:port] (bỏ trống: ghi .eml vào thư mục outbox)",
                default="",
                show_default=False,
            )
        topic = typer.prompt('Chủ đề đầu tiên, ví dụ "thanh hóa" hữu nghị', default="", show_default=False)
        if mail_to:
            digest_at = typer.prompt("Giờ gửi bản tin hằng ngày HH:MM (bỏ trống: không gửi)", default="07:00")
    if digest_at and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", digest_at):
        raise _fail(err, ValueError(f"--digest-at {digest_at!r}: HH:MM, ví dụ 07:00"))
    if digest_at and not mail_to:
        raise _fail(err, ValueError("--digest-at cần --mail-to (a digest needs recipients)"))
    answers = setup.InitAnswers(
        mail_to=mail_to, smtp=smtp, sender=sender, topic=topic, topic_name=topic_name, digest_at=digest_at
    )
    try:
        cfg = setup.write_checked(target, setup.init_document(answers))
    except ConfigError as exc:
        raise _fail(err, exc)
    console.print(
        f"đã ghi {escape(str(target))}: {len(cfg.sources)} nguồn, "
        "tất cả [yellow]chưa kiểm chứng[/] "
        "(unverified: hãy kiểm tra địa chỉ feed và danh mục, rồi đặt verified = true)"
    )
    parts = [
        f"{len(cfg.topics)} chủ đề",
        f"{len(cfg.subscriptions)} đăng ký cảnh báo",
        f"{len(cfg.digests)} bản tin",
    ]
    console.print(
        "; ".join(parts)
        + (
            f"; thư gửi qua {escape(cfg.mail.smtp_host)}"
            if cfg.mail.smtp_host
            else f"; thư ghi vào {escape(str(cfg.outbox))}"
        )
    )


def save_proposal(proposal: Any, path: Path | None, json_out: bool, console: Console, err: Console) -> None:
    """Print the proposal; with --save, add it to the file only if the whole file still validates."""
    try:
        setup.check_slug(proposal.name, "--name")
    except ConfigError as exc:
        raise _fail(err, exc)
    if json_out:
        console.print_json(data=dataclasses.asdict(proposal))
    else:
        console.print(proposal.toml(), markup=False, highlight=False)
    if path is None:
        return
    try:
        setup.add_source(path, proposal.table(), proposal.notes)
    except ConfigError as exc:
        raise _fail(err, exc)
    err.print(
        f"đã lưu vào {escape(str(path))} (verified = false cho đến khi có người kiểm tra); "
        "daemon sẽ đọc lại tệp, không cần khởi động lại"
    )


def pause(path: Path, name: str, paused: bool, console: Console, err: Console) -> None:
    try:
        setup.set_paused(path, name, paused)
    except ConfigError as exc:
        raise _fail(err, exc)
    console.print(
        f"nguồn {escape(name)}: "
        + (
            "[yellow]tạm dừng[/] (paused: not crawled until resumed)"
            if paused
            else "[green]tiếp tục[/] (resumed)"
        )
    )


def test_topic(
    archive: Any,
    cfg: Config,
    query: str,
    sources: list[str],
    tags: list[str],
    limit: int,
    json_out: bool,
    console: Console,
    err: Console,
) -> None:
    from huunghi.monitor.searching import BadRequest, hit_json
    from huunghi.text.query import QueryError

    try:
        result = setup.topic_test(archive, cfg, query, sources, tags, limit)
    except (ConfigError, BadRequest, QueryError, ValueError) as exc:
        raise _fail(err, exc)
    if json_out:
        console.print_json(
            data={"query": query, "total": result.total, "newest": [hit_json(h) for h in result.hits]}
        )
        return
    title = f"{escape(query)}: {result.total} bài khớp (matches) — mới nhất"
    table = Table(title=title, title_justify="left")
    for col in ("id", "nguồn", "đăng (GMT+7)", "tiêu đề"):
        table.add_column(col, justify="right" if col == "id" else "left")
    for h in result.hits:
        a = h.article
        table.add_row(str(a.id), a.source, local(a.published_at), escape(a.title))
    console.print(table)
    if not result.total and not archive.reads.totals()["articles"]:
        console.print(
            "[dim]Kho chưa có bài nào: chạy huunghi crawl (hoặc huunghi daemon) trước rồi thử lại.[/]"
        )


__all__ = ["run_init", "save_proposal", "pause", "test_topic", "load_config"]
