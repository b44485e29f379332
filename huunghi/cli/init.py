"""``huunghi init``: a starter configuration with the real portals."""

from __future__ import annotations

from pathlib import Path

import typer

from huunghi.cli.base import State, app, console, err
from huunghi.config import config_path


@app.command()
def init(
    path: Path = typer.Argument(None, help="Ghi vào đâu (mặc định: đường dẫn --config)."),
    force: bool = typer.Option(False, "--force", help="Ghi đè tệp đã có."),
    mail_to: list[str] = typer.Option(None, "--mail-to", help="Ai nhận cảnh báo và bản tin (lặp lại được)."),
    smtp: str = typer.Option(
        "", "--smtp", help="Máy chủ SMTP host[:port] (mặc định: ghi tệp .eml vào outbox/)."
    ),
    sender: str = typer.Option(
        "", "--sender", help='Địa chỉ người gửi (From:), ví dụ "Huunghi <huunghi@example.org>".'
    ),
    topic: str = typer.Option(
        "", "--topic", help="Câu tìm của chủ đề đầu tiên, ví dụ '\"thanh hóa\" hữu nghị'."
    ),
    topic_name: str = typer.Option("", "--topic-name", help="Tên chủ đề (mặc định: lấy từ câu tìm)."),
    digest_at: str = typer.Option("", "--digest-at", help="Bản tin hằng ngày lúc HH:MM (giờ Hà Nội)."),
) -> None:
    """Ghi một huunghi.toml có chú thích: các báo thật (chưa kiểm chứng), thư, chủ đề, bản tin hằng ngày.

    Chạy trong terminal thì hỏi những gì các cờ chưa cho; không bao giờ hỏi khi stdin không phải terminal.
    """
    from huunghi.cli.setup_commands import run_init

    run_init(
        path or config_path(State.config_file),
        force,
        mail_to or [],
        smtp,
        sender,
        topic,
        topic_name,
        digest_at,
        console,
        err,
    )
