"""An article's main places (the provinces it is about, not those it only mentions), as stored
with its tags; read again from its text where the tags were stored before the archive kept
where each was found (migration 0013), so digests and ``show`` read old and new articles alike."""

from __future__ import annotations

from huunghi.crawler.extract.tags import main_places, read_tags
from huunghi.storage.archive import Archive, ArticleSummary
from huunghi.text.collate import sorted_vi


def main_places_of(archive: Archive, article: ArticleSummary) -> list[str]:
    """The article's main provinces, in Vietnamese order."""
    rows = archive.reads.tag_places(article.id)
    if all(r["main"] is not None for r in rows):
        return sorted_vi({r["value"] for r in rows if r["kind"] == "province" and r["main"]})
    body = article.body_text or (archive.reads.article(article.id) or article).body_text
    return sorted_vi(main_places(read_tags(article.title, article.lead, body)))
