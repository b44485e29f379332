"""Search quality: precision@10 and recall of queries typed as a press desk types them, over an
archive whose relevant articles are known, for each reading, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.search_quality [--backend sqlite|postgresql|both] [--show]

The archive is written for it: for every place, country and organisation name of several
syllables, three articles about it (named in the title, the lead or the body; one in NFD, one
in the other tone placement) and three that hold its syllables apart ("Hoa Kỳ … thanh niên",
the order swapped, or in two fields: the headline ends "…Thanh", the lead starts "Hóa…"), plus
filler. A query's relevant articles are the three about it, and those about a longer name
holding it as a word ("Hội hữu nghị Việt Nam – Lào" for "hữu nghị"), and any other article
whose headline, lead or body holds it as a word (a distractor of a longer name may: "hữu nghị
Việt Nam" stays together when "Hội" goes to the headline). Queries are typed every way people
type them: with and without marks, lower and upper case, both tone placements, NFD, quoted.

The "words" reading is the default (syllables typed together are a word; the syllables stand
apart only when that finds nothing); "loose" is the same query asked with ``~``. Precision@10
counts the relevant among the first ten hits (or fewer, when fewer are found).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from huunghi.storage.archive import Archive, ArticleRecord  # noqa: E402
from huunghi.storage.search.engine import SearchQuery  # noqa: E402
from huunghi.text.normalize import unaccent, words  # noqa: E402

VN = timezone(timedelta(hours=7))
PG_ADMIN = os.environ.get("HUUNGHI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731

NAMES = [
    "Thanh Hóa",
    "Hòa Bình",
    "Khánh Hòa",
    "Đồng Nai",
    "Nghệ An",
    "Quảng Ninh",
    "Hà Tĩnh",
    "Lạng Sơn",
    "Cao Bằng",
    "Tây Ninh",
    "Cà Mau",
    "An Giang",
    "Gia Lai",
    "Đắk Lắk",
    "Lâm Đồng",
    "Bắc Ninh",
    "Hưng Yên",
    "Ninh Bình",
    "Quảng Trị",
    "Điện Biên",
    "Thái Nguyên",
    "Tuyên Quang",
    "Vĩnh Long",
    "Đồng Tháp",
    "Nhật Bản",
    "Hàn Quốc",
    "Hoa Kỳ",
    "Thái Lan",
    "Ấn Độ",
    "Mông Cổ",
    "Ba Lan",
    "Liên bang Nga",
    "hữu nghị",
    "đối ngoại nhân dân",
    "viện trợ phi chính phủ",
    "Hội hữu nghị Việt Nam – Lào",
    "Liên hiệp các tổ chức hữu nghị",
    "giao lưu văn hóa",
    "Ủy ban Hòa bình",
    "học bổng du học",
]
FILLER = [
    "Đoàn công tác làm việc với lãnh đạo địa phương.",
    "Hai bên trao đổi kinh nghiệm quản lý.",
    "Buổi lễ diễn ra trong không khí ấm cúng.",
    "Các đại biểu thảo luận kế hoạch năm tới.",
    "Chương trình thu hút đông đảo người dân tham gia.",
]


def _old_tone(text: str) -> str:
    """The other tone placement: "Hóa" ↔ "Hoá" (NFC)."""
    swaps = {"óa": "oá", "òa": "oà", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "úy": "uý", "ùy": "uỳ", "ủy": "uỷ"}
    for a, b in swaps.items():
        text = text.replace(a, "\0").replace(b, a).replace("\0", b)
    return text


def _apart(name: str, k: int) -> str:
    """The name's syllables, none of them next to the next in order."""
    s = name.replace("–", "").split()
    if k == 0:
        return f"Về {' '.join(reversed(s))} và nhiều nơi khác."
    if k == 1:
        return " ".join(f"{w} {f}" for w, f in zip(s, ("nay", "rằng", "thì", "cũng", "đã", "vẫn"))) + "."
    return " ".join(s[1:]) + " là nơi đến."


def corpus() -> list[tuple[str, str, str, str]]:
    """(key, title, lead, body): key "name:i" for an article about a name, "" for the others."""
    out: list[tuple[str, str, str, str]] = []
    for n, name in enumerate(NAMES):
        f = FILLER[n % len(FILLER)]
        out.append((f"{name}:0", f"{name} đón đoàn khách quốc tế", f, f))
        out.append(
            (f"{name}:1", "Tin hoạt động trong tuần", NFD(f"Hoạt động tại {name} được đánh giá cao."), f)
        )
        out.append((f"{name}:2", "Nhìn lại một năm", f, f"{f} Nhắc đến {_old_tone(name)}, ai cũng nhớ."))
        for k in range(2):
            out.append(("", f"Bản tin số {n * 3 + k}", _apart(name, k), f))
        out.append(("", f"Bản tin số {n * 3 + 2} {name.split()[0]}", _apart(name, 2), f))
    return out


def queries() -> list[tuple[str, str]]:
    """(query as typed, the name it means)."""
    out: list[tuple[str, str]] = []
    for n, name in enumerate(NAMES):
        plain = name.replace("–", "").replace("  ", " ")
        forms = [
            plain,
            unaccent(plain).lower(),
            NFD(plain),
            plain.upper(),
            _old_tone(plain),
            f'"{unaccent(plain)}"',
        ]
        out += [(forms[n % len(forms)], name), (forms[(n + 3) % len(forms)], name)]
    return out


def _holds(longer: str, name: str) -> bool:
    """``longer`` holds ``name`` as a word: its syllables in a row (folded, as search compares)."""
    return f" {' '.join(words(name))} " in f" {' '.join(words(longer))} "


def build(archive: Archive) -> dict[int, str]:
    sid = archive.crawls.ensure_source("quality", "Quality", "https://quality.test/")
    for i, (_key, title, lead, body) in enumerate(corpus()):
        archive.articles.store(
            sid,
            ArticleRecord(
                url=f"https://quality.test/a-{i + 1}.html",
                title=title,
                lead=lead,
                body_text=body,
                published_at=datetime(2026, 1, 1, tzinfo=VN) + timedelta(hours=i),
            ),
        )
    keys = [k for k, *_ in corpus()]
    return {a.id: keys[int(a.url.rsplit("-", 1)[1].split(".")[0]) - 1] for a in archive.reads.iter_articles()}


def evaluate(archive: Archive, key_of: dict[int, str], show: bool) -> dict[str, tuple[float, float, int]]:
    out = {}
    texts = {a.id: (a.title, a.lead, a.body_text) for a in archive.reads.iter_articles()}
    for reading, prefix in (("words", ""), ("loose", "~")):
        precisions, recalls, fell_back = [], [], 0
        for typed, name in queries():
            want = {i for i, k in key_of.items() if k and _holds(k.rsplit(":", 1)[0], name)} | {
                i for i, fields in texts.items() if any(_holds(f, name) for f in fields)
            }
            result = archive.search(SearchQuery(text=prefix + typed, limit=200))
            fell_back += reading == "words" and result.reading == "loose"
            ids = [h.article.id for h in result.hits]
            top = ids[:10]
            precisions.append(sum(i in want for i in top) / len(top) if top else 0.0)
            recalls.append(len(want & set(ids)) / len(want))
            if show and (precisions[-1] < 1 or recalls[-1] < 1):
                print(
                    f"  {reading:5} {typed!r}: P@10 {precisions[-1]:.2f} R {recalls[-1]:.2f} "
                    f"({result.reading_label})"
                )
        out[reading] = (sum(precisions) / len(precisions), sum(recalls) / len(recalls), fell_back)
    return out


def _archive(backend: str, tmp: str) -> tuple[Archive, str | None]:
    if backend == "sqlite":
        return Archive(f"sqlite:///{tmp}/quality.sqlite"), None
    import psycopg

    name = f"huunghi_search_quality_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return Archive(f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"), name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--show", action="store_true", help="list every query below 1.0")
    args = ap.parse_args()
    print(f"{len(queries())} queries, {len(corpus())} articles ({len(NAMES) * 3} relevant)")
    orders: dict[str, list[list[int]]] = {}
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        with tempfile.TemporaryDirectory() as tmp:
            archive, db = _archive(backend, tmp)
            try:
                key_of = build(archive)
                for reading, (p10, rec, fell) in evaluate(archive, key_of, args.show).items():
                    note = f" ({fell} fell back to loose)" if reading == "words" else ""
                    print(
                        f"{backend:10} {reading:5}  precision@10 {p10:.3f}  recall {rec:.3f}{note}"
                        f"  target ≥ 0.95: {'met' if p10 >= 0.95 and rec >= 0.95 else 'NOT MET'}"
                    )
                orders[backend] = [
                    [h.article.id for h in archive.search(SearchQuery(text=t, limit=50)).hits]
                    for t, _ in queries()
                ]
            finally:
                archive.close()
                if db:
                    import psycopg

                    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    if len(orders) == 2:
        same = orders["sqlite"] == orders["postgresql"]
        print(f"both backends: {'the same hits in the same order' if same else 'DIFFERENT results'}")


if __name__ == "__main__":
    main()
