"""An archive to search: the replica portals' 25 articles (ground truth, with their real tags and
story signatures), plus articles written to test Vietnamese folding, and one correction."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone

from crawler.dedup import signature
from crawler.replicas.catalog import build_catalogs
from crawler.tags import find_tags
from storage.archive import Archive, ArticleRecord

VN = timezone(timedelta(hours=7))
SEED_000 = "-218974.html"
# written to test folding: (suffix, title, lead, body, section)
CRAFTED = [
    ("-900001.html", "Thanh Hóa đón đoàn hữu nghị Lào", "Ngày 3/2, Liên hiệp các tổ chức hữu nghị tỉnh Thanh Hóa "
     "tiếp đoàn Hội hữu nghị Lào – Việt Nam.", "Hai bên trao đổi về hợp tác giáo dục và y tế.", "Hữu nghị › Bốn phương"),
    ("-900002.html", "Thanh Hoá: giao lưu nhân dân", "Cuộc giao lưu tại thành phố Thanh Hoá.",
     "Đoàn Nhật Bản thăm trường học.", "Hữu nghị › Bốn phương"),
    ("-900003.html", unicodedata.normalize("NFD", "ĐỒNG NAI tăng cường đối ngoại nhân dân"),
     unicodedata.normalize("NFD", "Liên hiệp hữu nghị tỉnh Đồng Nai tổng kết năm."),
     "Bù Gia Mập đón đoàn Campuchia.", "Thời sự › Đối ngoại"),
    ("-900004.html", "Đà Nẵng: thời tiết", "Mưa lớn ở Đà Nẵng.", "Không có tin hữu nghị nào. Đường Đông Hà ngập.",
     "Thời sự"),
    ("-900005.html", "<script>alert('x')</script> Tiêu đề có mã", "Lead with <b>markup</b> & \"quotes\".",
     "Body ' OR 1=1; DROP TABLE articles; --", "Kinh tế"),
]


def fill(archive: Archive) -> dict[str, int]:
    """Store everything; returns {url suffix: article id}."""
    ids: dict[str, int] = {}
    for name, catalog in build_catalogs().items():
        sid = archive.ensure_source(name, name, f"https://{name}.test/")
        for a in catalog.articles:
            body = "\n\n".join(b["text"] for b in a.blocks if b["type"] in ("p", "h"))
            _store(archive, sid, f"https://{name}.test/{a.slug}-{a.id}.html", a.title, a.lead, body, a.published,
                   " › ".join(a.section))
    sid = archive.ensure_source("crafted", "Crafted", "https://crafted.test/")
    for k, (suffix, title, lead, body, section) in enumerate(CRAFTED):
        _store(archive, sid, f"https://crafted.test/a{suffix}", title, lead, body,
               datetime(2026, 2, 3 + k, 9, 0, tzinfo=VN), section)
    for a in archive.iter_articles():
        ids["-" + a.url.rsplit("-", 1)[1]] = a.id
    return ids


def correct_seed_000(archive: Archive, extra: str = "") -> int:
    """The editors fix seed 000's lead (trap 4): Thanh Hóa's second mention becomes Đồng Nai
    (and ``extra`` is appended to it)."""
    a = next(x for x in archive.iter_articles() if x.url.endswith(SEED_000))
    lead = a.lead.replace("Thanh Hóa", "Đồng Nai", 2).replace("Đồng Nai", "Thanh Hóa", 1) + extra
    assert lead != a.lead
    sid = archive.source_id(a.source)
    assert sid is not None
    _store(archive, sid, a.url, a.title, lead, a.body_text, a.published_at, a.section)
    return a.id


def _store(archive: Archive, source_id: int, url: str, title: str, lead: str, body: str,
           published: datetime | None, section: str) -> None:
    sig = signature(title, lead, body)
    archive.store_article(source_id, ArticleRecord(
        url=url, title=title, lead=lead, body_text=body, published_at=published, section=section,
        minhash=sig.minhash if sig else None, shingles=sig.shingles if sig else 0, bands=sig.bands if sig else [],
        tags=find_tags(title, lead, body)))
