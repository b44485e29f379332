"""``huunghi demo``: the whole pipeline offline, against local replicas of three portals."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer
from rich.console import Console
from rich.table import Table

from huunghi.cli.base import app, err
from huunghi.cli.base import console as cli_console
from huunghi.cli.progress import CrawlProgress
from huunghi.cli.tables import articles_table, errors_table, outcome, runs_table
from huunghi.config import parse_config
from huunghi.replicas.server import ReplicaSet

if TYPE_CHECKING:
    from huunghi.storage.archive import RunSummary


def demo_config(replicas: ReplicaSet, workdir: Path) -> dict[str, object]:
    """A huunghi.toml document for the replicas: no delay, since the server is ours."""
    return {
        "archive": {"url": f"sqlite:///{(workdir / 'archive.sqlite').resolve()}"},
        "crawler": {
            "download_delay": 0.0,
            "autothrottle": False,
            "concurrent_per_host": 8,
            "retries": 1,
            "user_agent": "Huunghi/0.1 demo",
            "contact": "mailto:demo@localhost",
        },
        "sources": replicas.source_definitions(),
    }


def run_demo(workdir: Path, console: Console, faults: bool = False, limit: int = 40) -> list[RunSummary]:
    from huunghi.crawler.runner import crawl  # imports Scrapy: keep `huunghi --help` fast
    from huunghi.storage.archive import Archive  # and SQLAlchemy

    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    with ReplicaSet(faults=faults) as replicas:
        console.print(
            f"[bold]Huunghi demo[/]: {len(replicas.portals)} bản sao báo trên máy này (portal replicas) "
            f"({', '.join(p.base for p in replicas.portals.values())}); kho ở {workdir}"
        )
        raw = demo_config(replicas, workdir)
        config = parse_config(raw)
        with CrawlProgress(console, [s.name for s in config.sources]) as progress:
            runs = crawl(config, progress=progress.update)
    with Archive(config.database_url) as archive:
        articles = archive.reads.latest_articles(limit=limit)
        totals = archive.reads.totals()
        per_source = Counter(a.source for a in archive.reads.iter_articles())
    console.print(articles_table(articles, title=f"Bài đã lưu ({len(articles)} bài mới nhất)"))
    summary = Table(title="Tổng theo nguồn", title_justify="left")
    for col in ("nguồn", "bài", "trang đã tải", "lỗi", "trạng thái"):
        summary.add_column(col, justify="left" if col in ("nguồn", "trạng thái") else "right")
    for run in runs:
        summary.add_row(
            run.source,
            str(per_source[run.source]),
            str(run.pages_fetched),
            str(run.error_count),
            outcome(run.status),
        )
    summary.add_row("[bold]tất cả[/]", f"[bold]{totals['articles']}[/]", "", str(totals["errors"]), "")
    console.print(summary)
    console.print(runs_table(runs))
    problems = errors_table(runs)
    if problems:
        console.print(problems)
    config_arg = f"--config {workdir / 'huunghi.toml'}"
    console.print(
        f'Thử (try): [bold]huunghi {config_arg} search "thanh hoa"[/], '
        f"[bold]huunghi {config_arg} show 3[/], hoặc [bold]huunghi {config_arg} serve[/] để xem trang web "
        "(các bản sao báo tắt khi demo kết thúc; kho vẫn còn). "
        f"[bold]huunghi {config_arg} digest preview daily[/] cho xem bản tin hằng ngày. "
        "Nội dung bài trong demo là các từ xáo trộn (the demo's bodies are shuffled words)."
    )
    # cast: demo_config put replicas.source_definitions() there
    _write_config(workdir, config.database_url, runs, list(cast("list[dict[str, object]]", raw["sources"])))
    return runs


def _write_config(
    workdir: Path, database_url: str, runs: list[RunSummary], sources: list[dict[str, object]] | None = None
) -> None:
    """Leave a config beside the demo archive so the other commands can read it."""
    import tomlkit

    from huunghi.monitor.setup import demo_document

    text = tomlkit.dumps(demo_document(database_url, sources or []))
    (workdir / "huunghi.toml").write_text(text, encoding="utf-8")


@app.command()
def demo(
    workdir: Path = typer.Option(Path("huunghi-demo"), "--dir", help="Thư mục của kho demo."),
    faults: bool = typer.Option(False, "--faults", help="Phục vụ cả trang hỏng, để xem chúng được ghi lại."),
) -> None:
    """Thu thập bản sao cục bộ của ba báo (không cần internet) vào một kho SQLite mới (demo)."""
    runs = run_demo(workdir, cli_console, faults=faults)
    if not runs or any(r.articles_new == 0 for r in runs):
        err.print(
            "[red]demo thất bại: một bản sao báo không cho bài nào "
            "(demo failed: a replica gave no articles)[/]"
        )
        raise typer.Exit(1)
