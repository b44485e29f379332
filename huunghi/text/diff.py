"""Word-level differences between two versions of an article, for "article changed" events.

Words are compared in their normalised form (NFC, one tone placement), so a page that only
switched Unicode form or tone style shows no difference; the words shown are as published.
"""

from __future__ import annotations

from datetime import datetime
from difflib import SequenceMatcher
from typing import Any

from huunghi.text.normalize import normalize

FIELDS = ("title", "lead", "body_text")
CONTEXT = 6  # words of context on each side of a change


def word_diff(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, str]]:
    """The changed stretches of title, lead and body (and the publication time), in order."""
    out: list[dict[str, str]] = []
    for name in FIELDS:
        a, b = (old.get(name) or "").split(), (new.get(name) or "").split()
        matcher = SequenceMatcher(None, [normalize(w) for w in a], [normalize(w) for w in b], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            out.append(
                {
                    "field": name,
                    "op": tag,
                    "old": " ".join(a[i1:i2]),
                    "new": " ".join(b[j1:j2]),
                    "before": " ".join(a[max(0, i1 - CONTEXT) : i1]),
                    "after": " ".join(a[i2 : i2 + CONTEXT]),
                }
            )
    when_old, when_new = old.get("published_at"), new.get("published_at")
    if when_old != when_new:
        out.append(
            {
                "field": "published_at",
                "op": "replace",
                "old": _iso(when_old),
                "new": _iso(when_new),
                "before": "",
                "after": "",
            }
        )
    return out


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def render(diff: list[dict[str, str]], width: int = 400) -> str:
    """A diff as one line per change: `lead: …Thanh [-Hóa-]{+Đồng Nai+}…`."""
    lines = []
    for d in diff:
        old = f"[-{d['old']}-]" if d["old"] else ""
        new = f"{{+{d['new']}+}}" if d["new"] else ""
        text = f"{d['field']}: …{d['before']} {old}{new} {d['after']}…".replace("  ", " ")
        lines.append(text[:width])
    return "\n".join(lines)
