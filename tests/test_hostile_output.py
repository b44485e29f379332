"""Titles written by strangers on the operator's terminal and in Atom: markup shown as text,
control characters gone; every run status can be listed."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from rich.console import Console

from huunghi.cli import tables as render
from huunghi.safetext import strip_controls
from huunghi.storage.archive import RunSummary

HOSTILE = "Tin \x1b[31mđỏ\x1b[0m [/] [bold]đậm [link=file:///etc]x[/link]\x07\x9b2J hữu nghị"


def printed(*renderables) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=200, color_system="truecolor")
    for r in renderables:
        console.print(r)
    return out.getvalue()


def _article(**kw):
    now = datetime(2026, 11, 20, tzinfo=UTC)
    base = dict(
        id=1,
        source="src[/]",
        url="http://x.test/a-1.html",
        title=HOSTILE,
        lead=HOSTILE,
        published_at=now,
        updated_at=None,
        author="",
        credit="",
        section="",
        language="vi",
        versions=1,
        first_seen=now,
        last_seen=now,
        story_id=None,
        removed_at=None,
        images=[],
        body_text=HOSTILE,
    )
    return SimpleNamespace(**{**base, **kw})


def _visible(text: str) -> str:
    """What a reader sees: the terminal's own colour codes removed (ours), nothing else."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_a_hostile_title_neither_crashes_nor_drives_the_terminal():
    text = printed(render.articles_table([_article()]))
    assert "[/]" in _visible(text) and "[bold]" in _visible(text)
    assert "\x07" not in text and "\x9b" not in text and "31m" not in _visible(text)


def test_events_and_show_with_markup_in_titles():
    event = SimpleNamespace(
        id=1,
        created_at=datetime.now(UTC),
        kind="removed",
        source="s[/]",
        data={"title": HOSTILE, "reason": "[/red] gone"},
    )
    assert "[/red]" in _visible(printed(render.events_table([event])))
    detail = {
        **vars(_article()),
        "published_at": "2026-11-20T07:00",
        "tags": ["org:[/]"],
        "story": [{"id": 2, "source": "b[/]", "published_at": None, "title": HOSTILE}],
        "history": [{"version": 1, "fetched_at": "2026-11-20T07:00", "diff": []}],
        "removed_at": None,
    }
    out = io.StringIO()
    render.print_article(Console(file=out, force_terminal=True, width=200), detail)
    assert "\x07" not in out.getvalue() and "[/]" in _visible(out.getvalue())


@pytest.mark.parametrize("status", ["running", "interrupted", "ok", "partial", "failed", "[/]"])
def test_runs_lists_every_status(status):
    run = RunSummary(
        id=1,
        source="s",
        started_at=datetime.now(UTC),
        finished_at=None,
        status=status,
        pages_fetched=0,
        articles_new=0,
        articles_updated=0,
        articles_unchanged=0,
        error_count=0,
        duration_s=None,
        errors=[],
    )
    shown = render.outcome(status)  # in Vietnamese ("thất bại"); an unknown one as it is, markup and all
    assert shown and shown in _visible(printed(render.runs_table([run])))
    assert (shown == status) == (status == "[/]")


def test_control_characters_make_no_invalid_xml():
    cleaned = strip_controls(HOSTILE)
    ET.fromstring(f"<t>{cleaned.replace('&', '&amp;').replace('<', '&lt;')}</t>")
    assert cleaned == "Tin đỏ [/] [bold]đậm [link=file:///etc]x[/link] hữu nghị"


def test_an_atom_feed_stays_valid_xml_with_controls_in_a_stored_title(tmp_path):
    from huunghi.config import TopicConfig
    from huunghi.monitor.exporting import atom_feed
    from huunghi.storage.archive import Archive
    from tests.fixtures.searchdata import fill

    with Archive(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        fill(archive)
        with archive.session() as s:  # a row stored before titles were cleaned
            from sqlalchemy import text

            s.execute(text("UPDATE articles SET title = :t"), {"t": "Hữu nghị \x1b[31m\x0b đỏ"})
            s.commit()
        body = atom_feed(archive, TopicConfig(name="all", query=""), "http://h.test")
    root = ET.fromstring(body.encode("utf-8"))
    assert root is not None and "\x1b" not in body


def test_config_dir_is_a_message_not_a_traceback(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("huunghi", path=str(Path(sys.executable).parent))
    done = subprocess.run(
        [exe, "--config", str(tmp_path), "runs"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr and "not a file" in done.stderr


def test_bad_ranges_and_patterns_are_refused_with_their_key():
    from huunghi.config import parse_config

    src = {"name": "s", "feeds": ["https://example.org/rss"]}
    for crawler, key in [
        ({"timeout": 0.0}, "timeout"),
        ({"max_response_mb": 0}, "max_response_mb"),
        ({"download_delay": -1.0}, "download_delay"),
        ({"concurrent_per_host": 0}, "concurrent_per_host"),
    ]:
        with pytest.raises(Exception, match=key):
            parse_config({"crawler": crawler, "sources": [src]})
    for bad in [
        {"article_pattern": "(a+)+$"},
        {"article_pattern": "(x*y?)*z"},
        {"feeds": ["file:///etc/passwd"]},
        {"feeds": ["http://169.254.169.254/rss"]},
        {"listings": ["gopher://h/"]},
        {"sitemaps": ["data:text/xml,x"]},
    ]:
        config = parse_config({"sources": [{**src, **bad}]})
        assert not config.sources and config.problems, bad
    fine = parse_config({"sources": [{**src, "article_pattern": r"-\d{5,}\.html?$"}]})
    assert [s.name for s in fine.sources] == ["s"]
