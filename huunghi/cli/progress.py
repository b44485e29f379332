"""A rich progress display fed by the crawler's signals: pages fetched and items per source."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class CrawlProgress:
    """Counts per source; ``update`` has the runner's progress signature (source, event)."""

    def __init__(self, console: Console, sources: list[str]) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[cyan]{task.fields[source]:<12}"),
            TextColumn("{task.fields[fetched]:>4} trang đã tải"),
            TextColumn("{task.fields[stored]:>4} bài"),
            TextColumn("[red]{task.fields[errors]:>3} lỗi"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks = {
            s: self.progress.add_task(s, total=None, source=s, fetched=0, stored=0, errors=0) for s in sources
        }
        # Any: they go to Progress.update as its task fields (**fields), beside its typed keywords
        self.counts: dict[str, dict[str, Any]] = {
            s: {"fetched": 0, "stored": 0, "errors": 0} for s in sources
        }

    def update(self, source: str, event: str) -> None:
        key = {"fetched": "fetched", "stored": "stored", "error": "errors"}[event]
        self.counts[source][key] += 1
        self.progress.update(self.tasks[source], **self.counts[source])

    def __enter__(self) -> CrawlProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for task in self.tasks.values():
            self.progress.update(task, total=1, completed=1)
        self.progress.stop()


@contextmanager
def bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (stdout stays the report or clean JSON), fed as ``(done, total)``."""
    from rich.progress import BarColumn, MofNCompleteColumn

    progress = Progress(
        TextColumn(description),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
    task = progress.add_task(description, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    with progress:
        yield update
