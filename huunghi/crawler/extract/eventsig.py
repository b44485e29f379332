"""An article's event signature from its clean text and its tags (read once for both).

``text.events`` reads people, the event's day and figures from the words; the tagger knows
the names of places, countries and organisations better than a pattern, so the signature takes
its organisations, the provinces the article is about (title or lead, not in passing) and the
partner countries it names there.
"""

from __future__ import annotations

from datetime import datetime

from huunghi.clock import HANOI
from huunghi.crawler.extract.tags import Tag, main_places
from huunghi.text.events import EventSignature, signature


def event_of(title: str, lead: str, body: str, published: datetime | None, tags: list[Tag]) -> EventSignature:
    """The signature; the event's day is read against the publication's day in Hanoi."""
    day = published.astimezone(HANOI).date() if published else None
    return signature(
        title,
        f"{lead}\n\n{body}" if lead else body,
        day,
        orgs=[t.value for t in tags if t.kind == "org"],
        places=main_places(tags),
        countries=[t.value for t in tags if t.kind == "country" and t.main],
    )
