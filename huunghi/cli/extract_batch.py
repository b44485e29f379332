"""What `huunghi extract` does, without Typer or Rich: run by its Typer command, and by
``huunghi.cli.run`` directly when the command line is plain (``extract [FILE] [-o PATH]``).

Typer builds a pydantic validator for every parameter before a command runs: about a fifth of a
second, more than `huunghi extract` then needs for forty learned pages. Help, a mistyped option
or anything else unusual still goes through Typer, which defines the command and its help.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def plain_arguments(argv: Sequence[str]) -> tuple[str, Path | None] | None:
    """(file, output) of a plain `huunghi [-c CONFIG] extract [FILE] [-o PATH]`, else None.

    --config is accepted and unused: extraction reads no configuration."""
    args = list(argv)
    if args[:1] in (["-c"], ["--config"]) and len(args) >= 2:
        args = args[2:]
    elif args[:1] and args[0].startswith("--config="):
        args = args[1:]
    if args[:1] != ["extract"]:
        return None
    file: str | None = None
    output: Path | None = None
    rest = args[1:]
    while rest:
        arg = rest.pop(0)
        if arg in ("-o", "--output") and rest and not rest[0].startswith("-"):
            if output is not None:
                return None
            output = Path(rest.pop(0))
        elif arg.startswith("--output=") and len(arg) > len("--output=") and output is None:
            output = Path(arg.removeprefix("--output="))
        elif file is None and (arg == "-" or not arg.startswith("-")):
            file = arg
        else:
            return None  # --help, an unknown option, a second file: Typer answers
    return (file or "-"), output


def extract_file(file: str, output: Path | None, say: Callable[[str], None]) -> int:
    """Extract the JSON Lines of ``file`` ('-': stdin) to ``output`` (None: stdout); the exit code.

    ``say`` gets the messages for the operator (stderr), Vietnamese first."""
    from huunghi.crawler.batch import extract_lines

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
        for row in extract_lines(source):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if "reason" in row:
                reasons += 1
            else:
                articles += 1
        out.flush()
    finally:
        if source is not sys.stdin:
            source.close()
        if output:
            out.close()
    say(f"{articles} bài, {reasons} trang không đọc được thành bài (articles, pages not read as articles)")
    return 0
