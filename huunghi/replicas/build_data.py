"""Build ``seeds.json`` (the replicas' raw material) from the text seeds in ../shared/seeds.

The seeds are real pages flattened to one block per line. This parser knows their three
layouts and turns each into an article (title, time, lead, blocks) plus the sidebar items it
carried, so the replicas can re-render them in HTML with rotating sidebars. It runs once, by
hand (``python -m huunghi.replicas.build_data ../shared/seeds``); its output is committed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

SECTION_MARKERS = ("Tin bài liên quan", "Các tin bài khác", "Đọc nhiều")
CAPTION_RE = re.compile(r"\(?Ảnh:|Ảnh:")


def _doubled(line: str) -> str | None:
    """Return X when the line is ``X X`` (the portals' doubled inline related links)."""
    half = (len(line) - 1) // 2
    if len(line) % 2 == 1 and line[half] == " " and line[:half] == line[half + 1 :]:
        return line[:half]
    return None


def _body_blocks(lines: list[str]) -> list[dict[str, str]]:
    """Classify body lines into paragraphs, sub-headings, images (alt + caption), related links."""
    blocks: list[dict[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        related = _doubled(line)
        if related:
            blocks.append({"type": "related", "text": related})
        elif nxt and CAPTION_RE.search(nxt) and not CAPTION_RE.search(line) and len(line) < 400:
            blocks.append({"type": "img", "alt": line, "caption": nxt})
            i += 1
        elif nxt == line and len(line) < 400:
            blocks.append({"type": "img", "alt": line, "caption": line})
            i += 1
        elif len(line) < 110 and not line.rstrip().endswith((".", ":", ";", "…")):
            blocks.append({"type": "h", "text": line})
        else:
            blocks.append({"type": "p", "text": line})
        i += 1
    return blocks


def _sidebar_items(lines: list[str]) -> dict[str, list[Any]]:
    """Collect (title, summary) items, infographic slugs and video titles after the article."""
    items: list[dict[str, str]] = []
    infographics: list[str] = []
    videos: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line in SECTION_MARKERS or line.startswith(("Xin chờ", "Phiên bản")):
            i += 1
            continue
        if line.startswith("infographic "):
            infographics.append(line)
        elif i + 2 < len(lines) and lines[i + 1] == line and lines[i + 2] not in SECTION_MARKERS:
            items.append({"title": line, "summary": lines[i + 2]})
            i += 3
            continue
        elif i + 1 < len(lines) and lines[i + 1] == line:
            items.append({"title": line, "summary": ""})
            i += 2
            continue
        else:
            videos.append(line)
        i += 1
    return {"items": items, "infographics": infographics, "videos": videos}


def parse_thoidai(text: str) -> dict[str, Any]:
    """Seeds 000, 001, 004: breadcrumb, time, title, 'aa', lead, 2 related, body, author, Nguồn."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    breadcrumb, when, title = lines[0], lines[1], lines[2]
    assert lines[3] == "aa", lines[3]
    lead = lines[4]
    top_related = lines[5:7]
    source_at = lines.index("Nguồn:")
    author = lines[source_at - 1]
    body = _body_blocks(lines[7 : source_at - 1])
    return {
        "layout": "thoidai",
        # "Trang chủ Hữu nghị Bốn phương kết bạn": the flattened text lost the item borders.
        "breadcrumb": ["Hữu nghị", breadcrumb.removeprefix("Trang chủ Hữu nghị ")],
        "time": when,
        "title": title,
        "lead": lead,
        "top_related": top_related,
        "blocks": body,
        "author": author,
        "sidebar": _sidebar_items(lines[source_at + 1 :]),
    }


def parse_provincial(text: str) -> dict[str, Any]:
    """Seed 002: ' date YYYY-MM-DD Title', lead, paragraphs with one-line photo captions, author."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    m = re.match(r"date (\d{4}-\d{2}-\d{2}) (.*)", lines[0])
    assert m, lines[0]
    blocks: list[dict[str, str]] = []
    for line in lines[2:-1]:
        is_caption = len(line) < 260 and line.endswith(("hội nghị.", "dự hội nghị."))
        if is_caption:
            blocks.append({"type": "img", "alt": "", "caption": line})
        else:
            blocks.append({"type": "p", "text": line})
    return {
        "layout": "provincial",
        "date": m.group(1),
        "title": m.group(2),
        "lead": lines[1],
        "blocks": blocks,
        "author": lines[-1],
    }


def parse_tables(text: str) -> dict[str, Any]:
    """Seed 003: title, paragraphs, images as markdown-ish tables, then one-line sidebar items."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    end = lines.index("Tin bài liên quan")
    blocks: list[dict[str, str]] = []
    for line in lines[1:end]:
        if line.startswith("![]("):
            continue
        if line.startswith("|") and line.endswith("|"):
            blocks.append({"type": "img", "alt": "", "caption": line.strip("| ").strip()})
        else:
            blocks.append({"type": "p", "text": line})
    rest = lines[end:]
    singles = [
        ln
        for ln in rest
        if ln not in SECTION_MARKERS
        and ln not in ("Bờ cõi biển đảo", "Multimedia")
        and not ln.startswith("Miền đất - Con người")
    ]
    return {
        "layout": "tables",
        "title": lines[0],
        "lead": blocks[0]["text"],
        "blocks": blocks[1:],
        "author": "",
        "sidebar": {
            "items": [{"title": t, "summary": ""} for t in singles],
            "infographics": [],
            "videos": [],
        },
    }


PARSERS = {
    "000": parse_thoidai,
    "001": parse_thoidai,
    "004": parse_thoidai,
    "002": parse_provincial,
    "003": parse_tables,
}


def build(seed_dir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted(seed_dir.glob("*.txt")):
        key = path.name[:3]
        out[key] = PARSERS[key](path.read_text(encoding="utf-8"))
    return out


def main(argv: list[str]) -> int:
    seed_dir = Path(argv[1] if len(argv) > 1 else "../shared/seeds")
    data = build(seed_dir)
    target = Path(__file__).with_name("seeds.json")
    target.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target} ({len(data)} seeds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
