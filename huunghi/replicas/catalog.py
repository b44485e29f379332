"""The articles each replica portal publishes, derived deterministically from ``seeds.json``.

Each portal carries its real seed pages plus articles built from them: a derived article takes
its title and lead from a sidebar item the seeds carried (so, as on the real portals, its own
title and lead appear in other pages' sidebars) and its body from seed paragraphs.
Ground truth (``ReplicaArticle.text``) is known exactly, so tests and benchmarks can score
extraction on the replicas.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

VN = timezone(timedelta(hours=7))
SEEDS = Path(__file__).with_name("seeds.json")


@dataclass(frozen=True)
class ReplicaArticle:
    """One article of a replica portal, with everything a template needs and the ground truth."""

    id: int
    title: str
    lead: str
    blocks: tuple[dict[str, str], ...]
    author: str
    credit: str
    published: datetime
    section: tuple[str, ...]
    top_related: tuple[str, ...] = ()
    seed: str | None = None

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def text(self) -> str:
        """The article as read: lead, then headings and paragraphs (captions belong to images)."""
        return "\n\n".join([self.lead] + [b["text"] for b in self.blocks if b["type"] in ("p", "h")])

    @property
    def captions(self) -> list[str]:
        """One caption per image, in order."""
        return [b["caption"] for b in self.blocks if b["type"] == "img" and b.get("caption")]


@dataclass
class PortalCatalog:
    """The articles and sidebar material of one portal."""

    name: str
    layout: str
    articles: list[ReplicaArticle]
    sidebar_items: list[dict[str, str]] = field(default_factory=list)
    infographics: list[str] = field(default_factory=list)
    videos: list[str] = field(default_factory=list)

    def furniture(self, article: ReplicaArticle) -> set[str]:
        """Every sidebar, rail and widget text a page of this portal may carry that is not part
        of ``article`` (other articles' titles and leads included: trap 1)."""
        items = [i["title"] for i in self.sidebar_items] + [i["summary"] for i in self.sidebar_items]
        items += [a.title for a in self.articles if a is not article] + [
            a.lead for a in self.articles if a is not article
        ]
        items += (
            self.infographics
            + self.videos
            + [
                "aa",
                "Xin chờ trong giây lát...",
                "Phiên bản di động",
                "Tin bài liên quan",
                "Các tin bài khác",
                "Đọc nhiều",
            ]
        )
        own = article.text
        return {t for t in items if t and t not in own}

    def leaks(self, article: ReplicaArticle, text: str) -> list[str]:
        """Furniture found in an extracted text: long items anywhere, short ones as a paragraph."""
        paragraphs = {p.strip() for p in text.split("\n")}
        return sorted(t for t in self.furniture(article) if (t in text if len(t) >= 20 else t in paragraphs))

    def by_id(self, article_id: int) -> ReplicaArticle | None:
        return next((a for a in self.articles if a.id == article_id), None)


def slugify(text: str) -> str:
    """ASCII slug as Vietnamese portals build them (diacritics dropped, đ → d)."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80]


@lru_cache(maxsize=1)
def load_seeds() -> dict[str, Any]:
    return json.loads(SEEDS.read_text(encoding="utf-8"))


def _parse_thoidai_time(value: str) -> datetime:
    return datetime.strptime(value.replace(" GMT+7", ""), "%H:%M | %d/%m/%Y").replace(tzinfo=VN)


def _paragraph_pool(seeds: dict[str, Any]) -> list[str]:
    return [b["text"] for key in sorted(seeds) for b in seeds[key]["blocks"] if b["type"] == "p"]


def _image_pool(seeds: dict[str, Any]) -> list[dict[str, str]]:
    return [b for key in sorted(seeds) for b in seeds[key]["blocks"] if b["type"] == "img"]


def _reword(paragraph: str, rng: random.Random) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", paragraph)
    out = []
    for sentence in sentences:
        words = sentence.rstrip(".!?").split()
        head, tail = words[:2], words[2:]
        rng.shuffle(tail)
        out.append(" ".join(head + tail) + ".")
    return " ".join(out)


def _derived(
    start_id: int,
    count: int,
    titles: list[dict[str, str]],
    paragraphs: list[str],
    images: list[dict[str, str]],
    section: tuple[str, ...],
    newest: datetime,
    stride: int,
    credit: str,
    authors: tuple[str, ...],
) -> list[ReplicaArticle]:
    """Articles built from sidebar headlines and seed paragraphs; each body is a distinct mix.

    Their words come from the seeds, but each sentence's words after the first two are
    shuffled per article: these stand for *other* events, so they must not share the seeds'
    phrasing (or each other's), or every synthetic article would look like a report of the
    seeds' events to story clustering.
    """
    out = []
    for k in range(count):
        item = titles[k]
        rng = random.Random(start_id + k)
        picks = [_reword(paragraphs[(k * stride + j * 5) % len(paragraphs)], rng) for j in range(4 + k % 3)]
        lead = item["summary"] or picks.pop(0)
        blocks: list[dict[str, str]] = [{"type": "p", "text": p} for p in picks]
        image = images[(k * 3) % len(images)]
        blocks.insert(1, {"type": "img", "alt": image.get("alt", ""), "caption": image["caption"]})
        out.append(
            ReplicaArticle(
                id=start_id + k,
                title=item["title"],
                lead=lead,
                blocks=tuple(blocks),
                author=authors[k % len(authors)],
                credit=credit,
                published=newest - timedelta(days=2 * k + 1, hours=3 * k, minutes=7 * k),
                section=section,
            )
        )
    return out


@lru_cache(maxsize=1)
def build_catalogs() -> dict[str, PortalCatalog]:
    """The five portals: Thời Đại-like, a provincial paper, one with captions in tables, an old
    table-layout paper (class-less nested tables, teaser cells) and an old one-block CMS."""
    seeds = load_seeds()
    paragraphs = _paragraph_pool(seeds)
    images = _image_pool(seeds)
    td_section = ("Hữu nghị", "Bốn phương kết bạn")

    thoidai_real = [
        ReplicaArticle(
            id=id_,
            title=s["title"],
            lead=s["lead"],
            blocks=tuple(s["blocks"]),
            author=s["author"],
            credit="",
            published=_parse_thoidai_time(s["time"]),
            section=tuple(s["breadcrumb"]),
            top_related=tuple(s["top_related"]),
            seed=key,
        )
        for key, id_ in (("000", 218974), ("001", 217650), ("004", 201133))
        for s in [seeds[key]]
    ]
    td_items: list[dict[str, str]] = []
    for key in ("000", "001", "004"):
        for item in seeds[key]["sidebar"]["items"]:
            if item["summary"] and item["title"] not in {i["title"] for i in td_items}:
                td_items.append(item)
    real_titles = {a.title for a in thoidai_real}
    td_titles = [i for i in td_items if i["title"] not in real_titles]
    thoidai = PortalCatalog(
        name="thoidai",
        layout="thoidai",
        articles=thoidai_real
        + _derived(
            219001,
            9,
            td_titles,
            paragraphs,
            images,
            td_section,
            datetime(2026, 3, 17, 16, 40, tzinfo=VN),
            7,
            "",
            ("Minh Thái (tổng hợp)", "Kim Hảo (t/h)", "Ngọc Châu", "Thu Hà"),
        ),
        sidebar_items=td_items,
        infographics=sorted({x for k in ("000", "001", "004") for x in seeds[k]["sidebar"]["infographics"]}),
        videos=list(dict.fromkeys(x for k in ("000", "001", "004") for x in seeds[k]["sidebar"]["videos"])),
    )

    s2 = seeds["002"]
    provincial_real = ReplicaArticle(
        id=276512,
        title=s2["title"],
        lead=s2["lead"],
        blocks=tuple(s2["blocks"]),
        author=s2["author"],
        credit="",
        published=datetime.fromisoformat(s2["date"] + "T21:05:00+07:00"),
        section=("Thời sự", "Đối ngoại"),
        seed="002",
    )
    prov_titles = [i for i in td_items[len(td_items) // 2 :] if i["title"] not in real_titles]
    provincial = PortalCatalog(
        name="baotinh",
        layout="provincial",
        articles=[provincial_real]
        + _derived(
            276400,
            5,
            prov_titles[::-1],
            paragraphs[::-1],
            images,
            ("Thời sự", "Đối ngoại"),
            datetime(2026, 2, 27, 9, 15, tzinfo=VN),
            5,
            "",
            ("Lê Hợi", "Minh Hiếu", "Thanh Hà"),
        ),
        sidebar_items=td_items[::-1],
    )

    s3 = seeds["003"]
    tables_real = ReplicaArticle(
        id=305187,
        title=s3["title"],
        lead=s3["lead"],
        blocks=tuple(s3["blocks"]),
        author="Thu Trang",
        credit="Theo Báo Nghệ An",
        published=datetime(2025, 2, 3, 14, 35, tzinfo=VN),
        section=("Đối ngoại nhân dân",),
        seed="003",
    )
    singles = [i for i in s3["sidebar"]["items"] if not i["title"].startswith(("[", "Đêm"))]
    titled = [{"title": i["title"], "summary": ""} for i in singles[:6]]
    tables = PortalCatalog(
        name="quocte",
        layout="tables",
        articles=[tables_real]
        + _derived(
            305100,
            6,
            titled,
            paragraphs[3:],
            images,
            ("Đối ngoại nhân dân",),
            datetime(2026, 1, 30, 11, 0, tzinfo=VN),
            11,
            "Nguồn: TTXVN",
            ("Thu Trang", "Hoàng Anh"),
        ),
        sidebar_items=[{"title": i["title"], "summary": ""} for i in singles],
        videos=[i["title"] for i in s3["sidebar"]["items"] if i["title"].startswith("[")],
    )
    # An old table-layout provincial paper: titles with " - " in them, so <title> cannot be cut.
    dashed = [i for i in td_items if " - " in i["title"] and i["title"] not in real_titles]
    others = [i for i in td_items if i not in dashed and i["title"] not in real_titles]
    old_titles = (dashed + others[::2])[:8]
    oldtable = PortalCatalog(
        name="baocu",
        layout="oldtable",
        articles=_derived(
            410200,
            len(old_titles),
            old_titles,
            paragraphs[2:],
            images,
            ("Thời sự", "Đối ngoại"),
            datetime(2025, 3, 12, 9, 15, tzinfo=VN),
            9,
            "",
            ("Quang Minh", "Hà Linh", "Văn Tùng"),
        ),
        sidebar_items=td_items[1::3],
    )
    # An old CMS whose body is one block of <br><br> paragraphs.
    cms_titles = [i for i in others[1::2] if i not in old_titles][:6]
    oldcms = PortalCatalog(
        name="tinxua",
        layout="oldcms",
        articles=_derived(
            520300,
            len(cms_titles),
            cms_titles,
            paragraphs[::-1][4:],
            images,
            ("Hữu nghị",),
            datetime(2015, 1, 8, 16, 30, tzinfo=VN),
            13,
            "",
            ("Nguyễn Hòa", "Trần Mai"),
        ),
        sidebar_items=td_items[2::4],
    )
    return {c.name: c for c in (thoidai, provincial, tables, oldtable, oldcms)}
