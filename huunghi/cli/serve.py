"""``huunghi serve``: the read-only web page and JSON API."""

from __future__ import annotations

import typer

from huunghi.cli.base import app, console, load, open_archive


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Địa chỉ lắng nghe."),
    port: int = typer.Option(8080, "--port", "-p", help="Cổng lắng nghe."),
) -> None:
    """Trang web chỉ đọc và JSON API: tìm kiếm, bộ lọc, bài kèm lịch sử và câu chuyện (serve)."""
    import uvicorn

    from huunghi.web.app import create_app

    cfg = load()
    open_archive(cfg).close()  # a broken archive stops here, with its reason
    console.print(f"Huunghi ở http://{host}:{port}/  (chỉ đọc; Ctrl-C để dừng)")
    # SIGTERM stops it within seconds even with requests in flight (each is bounded anyway)
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
