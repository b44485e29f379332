"""Getting articles out: JSON Lines or CSV for scripts and spreadsheets, and an Atom feed per
topic rule so people can follow Huunghi in their feed reader."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import IO, Any

from huunghi.monitor.searching import article_json, iso, run, topic_query
from huunghi.safetext import strip_controls
from huunghi.storage.archive import Archive
from huunghi.storage.records import export_fields
from huunghi.text.normalize import normalize

ATOM = "http://www.w3.org/2005/Atom"
# the article's own fields as storage.records defines them, then its tags ("kind:value; …")
CSV_FIELDS = [*export_fields(), "tags"]


def write(
    archive: Archive,
    out: IO[str],
    fmt: str,
    since: datetime | None,
    until: datetime | None,
    sources: list[str] | None,
) -> int:
    """Every article published in [since, until) (first seen, when its date is unknown), in the
    order they were stored, one per line or row; returns how many."""
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore") if fmt == "csv" else None
    if writer:
        writer.writeheader()
    count = 0
    for article, tags in archive.reads.iter_articles(
        sources=sources, since=since, until=until, with_tags=True
    ):
        row = {**article_json(article), "tags": [f"{k}:{v}" for k, v in tags]}
        if writer:
            writer.writerow({**row, "tags": "; ".join(row["tags"])})
        else:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def atom_feed(
    archive: Archive, topic: Any, base_url: str | None, limit: int = 50, budget_ms: int | None = None
) -> str:
    """The newest ``limit`` articles matching a topic rule, as an Atom 1.0 document. Its own
    links start with ``base_url`` ("": links from the site's root, as "/articles/12"; None: no
    links); ``budget_ms``: the search's time budget (``SearchTimeout``)."""
    ET.register_namespace("", ATOM)
    result = run(archive, topic_query(topic, limit), budget_ms)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", f"urn:huunghi:topic:{topic.name}")
    _text(feed, "title", f"Huunghi — {topic.title or topic.name}")
    _text(feed, "subtitle", f"Bài khớp (articles matching): {normalize(topic.query)[:300]}")
    newest = max((_updated(h.article) for h in result.hits), default=None)
    _text(feed, "updated", iso(newest) or "1970-01-01T00:00:00+00:00")
    if base_url is not None:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=f"{base_url}/topics/{topic.name}.atom")
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = "Huunghi"
    _text(feed, "generator", "Huunghi")
    for h in result.hits:
        a = h.article
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"urn:huunghi:article:{a.id}")
        _text(entry, "title", a.title)
        if a.url.startswith(("http://", "https://")):
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=a.url)
        if base_url is not None:
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=f"{base_url}/articles/{a.id}")
        _text(entry, "updated", iso(_updated(a)) or "")
        if a.published_at:
            _text(entry, "published", iso(a.published_at) or "")
        if a.author:
            ET.SubElement(ET.SubElement(entry, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = a.author
        for kind, value in h.tags:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=f"{kind}:{value}", label=value)
        _text(entry, "summary", a.lead or h.snippet)
        source = ET.SubElement(entry, f"{{{ATOM}}}source")
        _text(source, "title", a.source)
    # a control character in any field (older rows predate the crawler's cleaning) is invalid XML
    body = strip_controls(ET.tostring(feed, encoding="unicode"))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _text(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}{name}").text = value


def _updated(a: Any) -> datetime:
    return a.updated_at or a.published_at or a.first_seen
