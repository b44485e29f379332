"""Extraction outside a crawl: JSON Lines in and out (`huunghi extract`), and re-extracting the
archive's stored pages (`huunghi reextract`). Both learn site templates across the batch in
order, exactly as the crawler does.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from huunghi.crawler.extract.extractor import Extracted, Extractor, NotAnArticle
from huunghi.crawler.extract.template import TemplateBook

if TYPE_CHECKING:  # extraction alone imports neither Scrapy nor SQLAlchemy (start-up time)
    from huunghi.storage.archive import Archive

FIELDS = (
    "url",
    "title",
    "lead",
    "text",
    "published",
    "updated",
    "author",
    "credit",
    "section",
    "images",
    "language",
)


def _when(value: datetime | None) -> str | None:
    """ISO 8601 with the page's own offset: converting to GMT+7 would move an evening's day."""
    return value.isoformat() if value else None


def as_json(url: str, art: Extracted) -> dict[str, Any]:
    """One extracted article as `huunghi extract` writes it (times ISO 8601, with their own offset)."""
    return {
        "url": url,
        "title": art.title,
        "lead": art.lead,
        "text": art.text,
        "published": _when(art.published),
        "updated": _when(art.updated),
        "author": art.author,
        "credit": art.credit,
        "section": art.section,
        "published_source": art.published_source,
        "images": [{"src": i["src"], "caption": i["caption"]} for i in art.images],
        "language": art.language,
    }


def _not_article(url: str, reason: str) -> dict[str, Any]:
    out: dict[str, Any] = {k: "" for k in FIELDS}
    out.update(url=url, published=None, updated=None, images=[], reason=reason)
    return out


def extract_lines(lines: Iterable[str], extractor: Extractor | None = None) -> Iterator[dict[str, Any]]:
    """One output object per input line, in order; a bad line gets a reason, never an exception."""
    extractor = extractor or Extractor()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            page = json.loads(line)
        except ValueError as exc:
            yield _not_article("", f"line {number}: not JSON ({exc})")
            continue
        if not isinstance(page, dict):
            yield _not_article("", f"line {number}: expected an object with url and html")
            continue
        url = str(page.get("url") or "")
        html = page.get("html")
        if not isinstance(html, str):
            yield _not_article(url, f"line {number}: no html string")
            continue
        try:
            yield as_json(url, extractor.extract(html, url))
        except NotAnArticle as exc:
            out = _not_article(url, str(exc))
            found = exc.dates  # a page that is not an article keeps the dates it carries
            if found is not None:
                out.update(
                    published=_when(found.published),
                    updated=_when(found.updated),
                    published_source=found.source,
                )
            yield out
        except Exception as exc:  # an extractor bug costs this line, not the batch
            yield _not_article(url, f"extraction failed: {type(exc).__name__}: {exc}")


@dataclass
class ReextractReport:
    pages: int = 0
    changed: int = 0
    unchanged: int = 0
    not_article: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    fields: Counter[str] = field(default_factory=Counter)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (url, reason), article kept as it was

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "not_article": self.not_article,
            "by_method": dict(self.by_method),
            "fields": dict(self.fields),
            "problems": [{"url": u, "reason": r} for u, r in self.problems],
        }


def reextract(
    archive: Archive, source: str | None = None, progress: Callable[[int], None] | None = None
) -> ReextractReport:
    """Re-read every stored page of one source (or all) with today's extractor.

    Templates are learned afresh over the stored pages in crawl order (a model learned by an
    older extractor is not trusted) and saved at the end. A page that no longer reads as an
    article keeps its stored text and is reported.
    """
    from huunghi.crawler.pipelines import to_record  # Scrapy: only when the archive is re-read

    extractor = Extractor(TemplateBook(save=archive.crawls.save_template))
    report = ReextractReport()
    for raw in archive.articles.iter_raw_pages(source):
        report.pages += 1
        try:
            art = extractor.extract(raw.html, raw.url)
        except NotAnArticle as exc:
            report.not_article += 1
            report.problems.append((raw.url, str(exc)))
        except Exception as exc:
            report.problems.append((raw.url, f"extraction failed: {type(exc).__name__}: {exc}"))
        else:
            report.by_method[art.method] += 1
            current = archive.reads.article(raw.article_id)
            rec = to_record(art, raw.url, None, None, current.language if current else "")
            rec.url = raw.url
            changed = archive.articles.replace_extraction(raw.article_id, rec)
            if changed:
                report.changed += 1
                report.fields.update(changed)
            else:
                report.unchanged += 1
        if progress:
            progress(report.pages)
    extractor.book.flush()
    return report


def articles_to_reextract(archive: Archive, source: str | None = None) -> int:
    """How many articles ``reextract`` will walk over (the length of its progress bar)."""
    return sum(a.source == source or source is None for a in archive.reads.iter_articles(source))
