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
    source: Optional[str] = typer.Option(None, "--source", "-s", help="Chỉ nguồn này."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Bao nhiêu bài."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Các bài mới lưu, mới nhất trước (articles)."""
    cfg = load()
    with open_archive(cfg) as archive:
        rows = archive.reads.latest_articles(limit=limit, source=source)
    emit(rows, json_out, lambda rows: tables.articles_table(rows, title=f"Bài mới nhất ({len(rows)})"))


@app.command()
def search(
    query: str = typer.Argument(
        "", help='Từ, "cụm từ", OR, NOT/-từ, (…), từ*; có dấu hay không, đặt dấu thanh kiểu nào cũng được.'
    ),
    source: list[str] = typer.Option(None, "--source", "-s", help="Chỉ nguồn này (lặp lại được)."),
    section: list[str] = typer.Option(None, "--section", help='Chuyên mục, ví dụ "Hữu nghị" (lặp lại được).'),
    tag: list[str] = typer.Option(
        None, "--tag", "-t", help="loại:giá trị, ví dụ province:Thanh Hóa (phải khớp tất cả)."
    ),
    story: Optional[int] = typer.Option(None, "--story", help="Chỉ câu chuyện này (story id)."),
    date_from: Optional[str] = typer.Option(None, "--from", help="Đăng từ ngày này (YYYY-MM-DD, GMT+7)."),
    date_to: Optional[str] = typer.Option(None, "--to", help="Đăng đến ngày này (YYYY-MM-DD, GMT+7)."),
    changed_since: Optional[str] = typer.Option(
        None, "--changed-since", help="Được sửa từ ngày này (YYYY-MM-DD)."
    ),
    by_date: bool = typer.Option(False, "--by-date", help="Mới nhất trước thay vì liên quan nhất trước."),
    limit: int = typer.Option(20, "--limit", "-n", help="Bao nhiêu kết quả (tối đa 200)."),
    offset: int = typer.Option(0, "--offset", help="Bỏ qua ngần này kết quả (phân trang)."),
    json_out: bool = typer.Option(False, "--json", help="JSON (giống /api/search của web API)."),
    csv_out: bool = typer.Option(False, "--csv", help="CSV: mỗi kết quả một dòng."),
    group: str = typer.Option("", "--group", help='"story": mỗi câu chuyện một mục, kèm các nguồn của nó.'),
) -> None:
    """Tìm trong kho: toàn văn có bộ lọc, xếp theo độ liên quan hoặc theo ngày, kèm đoạn trích (search)."""
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
    article_id: int = typer.Argument(..., help="Mã bài (từ search hoặc articles)."),
    json_out: bool = typer.Option(False, "--json", help="JSON (giống /api/articles/ID của web API)."),
) -> None:
    """Một bài: nội dung, thẻ, các nguồn khác cùng câu chuyện, mọi phiên bản kèm phần khác (show)."""
    from huunghi.monitor.searching import article_detail

    cfg = load()
    with open_archive(cfg) as archive:
        detail = article_detail(archive, article_id)
    if detail is None:
        err.print(f"[red]không có bài {article_id} (no article {article_id})[/]")
        raise typer.Exit(1)
    if json_out:
        emit(detail, json_out)
    else:
        tables.print_article(console, detail)
        console.print(f"Ngày đăng theo (date evidence): {detail.get('published_source') or '—'}")


@app.command()
def stats(
    days: int = typer.Option(14, "--days", "-d", min=1, max=366, help="Lùi lại bao nhiêu ngày (GMT+7)."),
    json_out: bool = typer.Option(False, "--json", help="In JSON thay cho bảng."),
) -> None:
    """Số bài theo nguồn và ngày, sự kiện theo loại và ngày, và tình trạng từng nguồn (stats)."""
    cfg = load()
    with open_archive(cfg) as archive:
        data = archive.reads.activity(days)
    emit(data, json_out, tables.stats_tables)


@app.command()
def export(
    since: Optional[str] = typer.Option(None, "--since", help="Đăng từ ngày này (YYYY-MM-DD, GMT+7)."),
    until: Optional[str] = typer.Option(None, "--until", help="Đăng đến ngày này (YYYY-MM-DD, GMT+7)."),
    source: list[str] = typer.Option(None, "--source", "-s", help="Chỉ nguồn này (lặp lại được)."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl, csv, hoặc atom (kèm --topic)."),
    topic: Optional[str] = typer.Option(None, "--topic", help="atom: chủ đề có các bài khớp cần liệt kê."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Ghi vào đây thay cho stdout."),
) -> None:
    """Xuất bài (JSON Lines hoặc CSV, cũ nhất trước), hoặc các bài khớp một chủ đề dạng Atom (export)."""
    from huunghi.monitor import exporting
    from huunghi.monitor.searching import BadRequest, day

    cfg = load()
    if fmt not in ("jsonl", "csv", "atom"):
        raise bad(ValueError(f"--format {fmt!r}: cần jsonl, csv hoặc atom (expected jsonl, csv or atom)"))
    if (fmt == "atom") != bool(topic):
        raise bad(
            ValueError("--topic đi với --format atom, và atom cần --topic (--topic goes with --format atom)")
        )
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
                    raise bad(
                        ValueError(f"không có chủ đề {topic!r} (no topic {topic!r}); có: {', '.join(rules)}")
                    )
                out.write(exporting.atom_feed(archive, rules[topic], base_url=None))
                count = -1
            else:
                count = exporting.write(archive, out, fmt, start, end, source or None)
    finally:
        if output:
            out.close()
    if output and count >= 0:
        err.print(f"đã ghi {count} bài (wrote {count} articles) vào {output}")
