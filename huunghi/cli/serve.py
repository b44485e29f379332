"""``huunghi serve``: the read-only web page and JSON API."""

from __future__ import annotations

import typer

from huunghi.cli.base import app, console, load, open_archive


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", "-p", help="Port to listen on."),
) -> None:
    """The read-only web page and JSON API: search, filters, articles with their history and story."""
    import uvicorn

    from huunghi.web.app import create_app

    cfg = load()
    open_archive(cfg).close()  # a broken archive stops here, with its reason
    console.print(f"Huunghi on http://{host}:{port}/  (read-only; Ctrl-C stops it)")
    # SIGTERM stops it within seconds even with requests in flight (each is bounded anyway)
    uvicorn.run(create_app(cfg), host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
