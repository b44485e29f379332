"""``huunghi stories``: the events the archive has put together, and a person's word on them.

A story is one event reported by one or more portals. The machine joins reports whose texts
overlap or whose events agree (people, figures, day, place); a person can ``merge`` stories the
machine left apart and ``split`` articles out of a story, and what they decide is kept: no later
placement or ``rebuild`` undoes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from huunghi.cli import tables
from huunghi.cli.base import JSON_HELP, app, console, emit, err, load, open_archive
from huunghi.cli.progress import bar

if TYPE_CHECKING:
    from huunghi.storage.models import Article
    from huunghi.text.events import EventSignature

stories_app = typer.Typer(
    help="Câu chuyện (stories): một sự kiện, nhiều nguồn; gộp, tách, dựng lại.", no_args_is_help=True
)
app.add_typer(stories_app, name="stories")


@stories_app.command("list")
def list_stories(
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=1000, help="Bao nhiêu câu chuyện (how many)."),
    min_size: int = typer.Option(
        1, "--min-size", min=1, help="Chỉ câu chuyện có từ N bài (only stories of N articles or more)."
    ),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Câu chuyện mới nhất (the latest stories), with how many articles and which sources."""
    with open_archive(load()) as archive:
        rows = archive.stories.latest(limit, min_size)
    emit(rows, json_out, tables.stories_table)


@stories_app.command("show")
def show_story(
    story_id: int = typer.Argument(..., help="Mã câu chuyện (a story id, from `stories list`)."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Một câu chuyện (one story): its articles, oldest first, with the facts their events share."""
    from huunghi.storage.stories import StoryNotFound

    with open_archive(load()) as archive:
        try:
            members = archive.stories.members(story_id)
        except StoryNotFound:
            err.print(f"[red]không có câu chuyện {story_id} (no such story)[/]")
            raise typer.Exit(1)
        facts = archive.stories.facts([m.id for m in members])
    rows = [{**_summary(m), "event": facts.get(m.id)} for m in members]
    emit({"id": story_id, "articles": rows}, json_out, tables.story_table)


def _summary(m: Any) -> dict[str, Any]:
    return {"id": m.id, "source": m.source, "published_at": m.published_at, "title": m.title, "url": m.url}


@stories_app.command("merge")
def merge(
    story_ids: list[int] = typer.Argument(..., help="Hai câu chuyện trở lên (two or more story ids)."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Gộp (merge): one event the machine left apart; kept, never undone by the machine."""
    from huunghi.storage.stories import StoryNotFound

    if len(set(story_ids)) < 2:
        err.print("[red]cần ít nhất hai câu chuyện khác nhau (give two or more different stories)[/]")
        raise typer.Exit(2)
    with open_archive(load()) as archive:
        try:
            kept = archive.stories.merge(story_ids)
        except StoryNotFound as exc:
            err.print(f"[red]không có câu chuyện {exc.args[0]} (no such story)[/]")
            raise typer.Exit(1)
        size = len(archive.stories.members(kept))
    if json_out:
        emit({"story": kept, "articles": size}, True)
    else:
        console.print(f"Đã gộp thành câu chuyện #{kept} ({size} bài) — merged; the decision is kept.")


@stories_app.command("split")
def split(
    article_ids: list[int] = typer.Argument(..., help="Các bài tách ra (article ids, from `stories show`)."),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Tách (split): these articles are another event than the rest of their story; kept."""
    with open_archive(load()) as archive:
        try:
            new = archive.stories.split(article_ids)
        except ValueError as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(2)
        except LookupError as exc:
            err.print(f"[red]không có bài {exc.args[0]} (no such article)[/]")
            raise typer.Exit(1)
    if json_out:
        emit({"story": new, "articles": len(article_ids)}, True)
    else:
        console.print(
            f"Đã tách {len(article_ids)} bài thành câu chuyện #{new} — split; the decision is kept."
        )


@stories_app.command("decisions")
def decisions(json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Quyết định (decisions): every pair merged or split by hand, beside what the rule says today."""
    with open_archive(load()) as archive:
        rows = archive.stories.review()
    emit(rows, json_out, tables.decisions_table)


def _signer(art: Article) -> EventSignature:
    from huunghi.crawler.extract.eventsig import event_of
    from huunghi.crawler.extract.tags import read_tags

    tags = read_tags(art.title, art.lead, art.body_text)
    return event_of(art.title, art.lead, art.body_text, art.published_at, tags)


@stories_app.command("rebuild")
def rebuild(json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """Dựng lại (rebuild): every article placed again with today's event signatures (after an
    upgrade); a person's decisions are honoured. One transaction: interrupted, nothing changes."""
    with open_archive(load()) as archive, bar("Dựng lại câu chuyện (rebuilding stories)") as progress:
        report = archive.stories.rebuild(_signer, progress)
    emit(report, json_out, tables.rebuild_table)
