"""``huunghi serve``: the read-only web page and JSON API."""

from __future__ import annotations

import typer

from huunghi.cli.base import State, app, console, load, open_archive


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Địa chỉ lắng nghe."),
    port: int = typer.Option(8080, "--port", "-p", help="Cổng lắng nghe."),
) -> None:
    """Trang web chỉ đọc và JSON API: tìm kiếm, bộ lọc, bài kèm lịch sử và câu chuyện (serve)."""
    import logging

    import uvicorn

    from huunghi.config import config_path
    from huunghi.monitor.daemon import log_in_hanoi_time
    from huunghi.web.app import create_app

    cfg = load()
    open_archive(cfg).close()  # a broken archive stops here, with its reason
    log_in_hanoi_time(logging.WARNING)
    logging.getLogger("huunghi.web").setLevel(logging.INFO)  # reloads of huunghi.toml are said
    console.print(
        f"Huunghi ở http://{host}:{port}/  (chỉ đọc; Ctrl-C để dừng; "
        "sửa huunghi.toml thì trang tự đọc lại, không cần khởi động lại)"
    )
    app = create_app(cfg, config_path(State.config_file))
    # SIGTERM stops it within seconds even with requests in flight (each is bounded anyway)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
