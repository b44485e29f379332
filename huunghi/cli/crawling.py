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
    source: list[str] = typer.Option(None, "--source", "-s", help="Chỉ nguồn này (lặp lại được)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Hiện nhật ký của Scrapy (Scrapy's log)."),
    since_day: Optional[str] = typer.Option(
        None,
        "--since",
        help="Lấy bù: đi ngược danh mục và sitemap đến ngày này (YYYY-MM-DD, GMT+7; backfill).",
    ),
    json_out: bool = typer.Option(False, "--json", help="In tóm tắt các lượt thu thập dạng JSON."),
    time_limit: Optional[int] = typer.Option(
        None,
        "--time-limit",
        min=1,
        metavar="SECONDS",
        help="Dừng lượt thu thập của mỗi nguồn sau ngần này giây, giữ những gì đã tải "
        "(mặc định: [crawler] crawl_deadline_seconds). Mã thoát 3 khi một lượt bị cắt.",
    ),
) -> None:
    """Thu thập các nguồn đã cấu hình một lượt, lưu bài mới hoặc đã sửa (crawl once).

    Mã thoát (exit code): 0 xong; 1 một nguồn thất bại (không lấy được gì); 2 cấu hình hoặc tham số
    sai; 3 một lượt dừng vì hết giới hạn thời gian (những gì đã tải được đã lưu, lượt sau lấy tiếp).
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
        err.print("[yellow]không có nguồn nào đang bật để thu thập (no enabled sources to crawl)[/]")
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
    help="Nguồn (sources): liệt kê, thêm nguồn mới, tạm dừng, tiếp tục.", invoke_without_command=True
)
app.add_typer(sources_app, name="sources")


@sources_app.callback()
def sources(ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Các nguồn đã cấu hình và lượt thu thập gần nhất (hoặc: sources add URL)."""
    if ctx.invoked_subcommand:
        return
    cfg = load()
    with open_archive(cfg) as archive:
        rows = overview.sources(cfg, archive)
    emit(rows, json_out, tables.sources_table)


@sources_app.command("add")
def sources_add(
    url: str = typer.Argument(..., help="Trang chủ của báo."),
    name: Optional[str] = typer.Option(None, "--name", help="Tên nguồn (mặc định: lấy từ tên máy chủ)."),
    save: bool = typer.Option(False, "--save", help="Ghi đề xuất vào tệp cấu hình."),
    json_out: bool = typer.Option(False, "--json", help="In đề xuất dạng JSON."),
    allow_private: bool = typer.Option(
        False,
        "--allow-private",
        help="Báo nằm trong mạng nội bộ (địa chỉ loopback/riêng): cho phép.",
    ),
) -> None:
    """Dò trang chủ: tìm feed và sitemap, đoán địa chỉ bài, đề xuất một nguồn (probe a portal)."""
    import httpx

    from huunghi.crawler.discovery.probe import probe

    path = config_path(State.config_file)
    cfg = load() if path.exists() else None
    agent = cfg.crawler.full_user_agent if cfg else "Huunghi/0.1 news monitor"
    try:
        proposal = probe(url, agent, allow_private=allow_private or bool(cfg and cfg.crawler.allow_private))
    except (httpx.HTTPError, ValueError) as exc:  # ValueError: refused by the fetch policy, too large
        err.print(f"[red]không đọc được (cannot read) {escape(url)}:[/] {escape(str(exc))}")
        raise typer.Exit(1)
    if name:
        proposal.name = name
    proposal.allow_private = allow_private
    from huunghi.cli.setup_commands import save_proposal

    save_proposal(proposal, path if save else None, json_out, console, err)


@sources_app.command("pause")
def sources_pause(name: str = typer.Argument(..., help="Tên nguồn (xem huunghi sources).")) -> None:
    """Tạm dừng thu thập một nguồn, giữ định nghĩa của nó (daemon theo ngay ở nhịp sau)."""
    from huunghi.cli.setup_commands import pause

    pause(config_path(State.config_file), name, True, console, err)


@sources_app.command("resume")
def sources_resume(name: str = typer.Argument(..., help="Tên một nguồn đang tạm dừng.")) -> None:
    """Thu thập lại một nguồn đang tạm dừng (resume)."""
    from huunghi.cli.setup_commands import pause

    pause(config_path(State.config_file), name, False, console, err)


topics_app = typer.Typer(help="Chủ đề (topics): thử một luật trên kho trước khi thêm.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")


@topics_app.command("test")
def topics_test(
    query: str = typer.Argument(..., help='Từ, "cụm từ", OR, NOT/-từ, (…).'),
    source: list[str] = typer.Option(None, "--source", "-s", help="Chỉ nguồn này (lặp lại được)."),
    tag: list[str] = typer.Option(
        None, "--tag", "-t", help="loại:giá trị (khớp một trong số đó), ví dụ province:Nghệ An."
    ),
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=200, help="Bao nhiêu bài mới nhất."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Luật này lẽ ra đã khớp những gì trong kho: bao nhiêu bài, và các bài mới nhất."""
    from huunghi.cli.setup_commands import test_topic

    cfg = load()
    with open_archive(cfg) as archive:
        test_topic(archive, cfg, query, source or [], tag or [], limit, json_out, console, err)
