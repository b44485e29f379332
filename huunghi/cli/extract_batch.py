"""What `huunghi extract` does, without Typer or Rich: run by its Typer command, and by
``huunghi.cli.run`` directly when the command line is plain (``extract [FILE] [-o PATH]``).

Typer builds a pydantic validator for every parameter before a command runs: about a fifth of a
second, more than `huunghi extract` then needs for forty learned pages. Help, a mistyped option
or anything else unusual still goes through Typer, which defines the command and its help.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

_OPTIONS = {"-o": "output", "--output": "output", "--templates": "templates"}


def plain_arguments(argv: Sequence[str]) -> tuple[str, Path | None, Path | None] | None:
    """(file, output, templates) of a plain `huunghi [-c CONFIG] extract [FILE] [-o PATH]
    [--templates PATH]`, else None.

    --config is accepted and unused: extraction reads no configuration."""
    args = list(argv)
    if args[:1] in (["-c"], ["--config"]) and len(args) >= 2:
        args = args[2:]
    elif args[:1] and args[0].startswith("--config="):
        args = args[1:]
    if args[:1] != ["extract"]:
        return None
    file: str | None = None
    paths: dict[str, Path] = {}
    rest = args[1:]
    while rest:
        arg = rest.pop(0)
        name, eq, value = arg.partition("=")
        option = _OPTIONS.get(arg) or (_OPTIONS.get(name) if eq and name.startswith("--") else None)
        if option:
            if not eq:
                if not rest or rest[0].startswith("-"):
                    return None  # an option without its value: Typer answers
                value = rest.pop(0)
            if option in paths or not value:
                return None
            paths[option] = Path(value)
        elif file is None and (arg == "-" or not arg.startswith("-")):
            file = arg
        else:
            return None  # --help, an unknown option, a second file: Typer answers
    return (file or "-"), paths.get("output"), paths.get("templates")


TEMPLATES_VERSION = 1


def _load_templates(path: Path, say: Callable[[str], None]) -> dict[str, str]:
    """The site templates a previous run kept (host -> model); none when the file is new or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        say(f"bỏ qua tệp khuôn trang {path}, học lại từ đầu (ignoring templates file {path}): {exc}")
        return {}
    sites = data.get("sites") if isinstance(data, dict) and data.get("version") == TEMPLATES_VERSION else None
    if not isinstance(sites, dict):
        say(f"bỏ qua tệp khuôn trang {path}, học lại từ đầu (ignoring templates file {path})")
        return {}
    return {str(k): v for k, v in sites.items() if isinstance(v, str)}


def _save_templates(path: Path, sites: dict[str, str]) -> None:
    """Written whole to a temporary file then renamed: an interrupted run leaves the old file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps({"version": TEMPLATES_VERSION, "sites": sites}, ensure_ascii=False), encoding="utf-8"
    )
    os.replace(tmp, path)


def extract_file(
    file: str, output: Path | None, templates: Path | None = None, *, say: Callable[[str], None]
) -> int:
    """Extract the JSON Lines of ``file`` ('-': stdin) to ``output`` (None: stdout); the exit code.

    ``templates``: a file keeping the site templates learned between runs (read first if it
    exists, rewritten at the end), so a site's next batch is read by its template from the first
    page, audited as always. ``say`` gets the messages for the operator (stderr), Vietnamese first."""
    from huunghi.crawler.batch import extract_lines
    from huunghi.crawler.extract.extractor import Extractor
    from huunghi.crawler.extract.template import TemplateBook

    kept = _load_templates(templates, say) if templates else {}
    book = TemplateBook(load=kept.get, save=lambda host, model, _pages: kept.__setitem__(host, model))

    try:
        source = sys.stdin if file == "-" else open(file, encoding="utf-8", errors="replace")
    except OSError as exc:
        say(f"không đọc được {file} (cannot read {file}): {exc}")
        return 2
    try:
        out = open(output, "w", encoding="utf-8") if output else sys.stdout
    except OSError as exc:
        say(f"không ghi được {output} (cannot write {output}): {exc}")
        if source is not sys.stdin:
            source.close()
        return 2
    articles = reasons = 0
    try:
        for row in extract_lines(source, Extractor(book)):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if "reason" in row:
                reasons += 1
            else:
                articles += 1
        out.flush()
        if templates and book.flush():
            try:
                _save_templates(templates, kept)
            except OSError as exc:
                say(f"không ghi được {templates} (cannot write {templates}): {exc}")
                return 2
    finally:
        if source is not sys.stdin:
            source.close()
        if output:
            out.close()
    say(f"{articles} bài, {reasons} trang không đọc được thành bài (articles, pages not read as articles)")
    return 0
