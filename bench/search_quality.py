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

Marks typed are marks meant: every name with a tone mark also has an article holding it with
another tone on one syllable ("Thanh Hòa" for "Thanh Hóa", "Khánh Hóa" for "Khánh Hòa"). For a
query typed with marks it is not relevant (a marked syllable means that syllable, in either
placement or Unicode form); for one typed bare it is (a bare syllable means every form). So the
marked and the bare queries of a name have different relevant sets, and each is scored apart.

The "words" reading is the default (syllables typed together are a word; the syllables stand
apart only when that finds nothing); "loose" is the same query asked with ``~``. Precision@10
counts the relevant among the first ten hits (or fewer, when fewer are found).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from huunghi.storage.archive import Archive, ArticleRecord  # noqa: E402
from huunghi.storage.search.engine import SearchQuery  # noqa: E402
from huunghi.text.normalize import marked_words, unaccent  # noqa: E402

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
    """The other tone placement: "Hóa" ↔ "Hoá" (NFC), where a syllable ends in "oa" or "uy"
    (the two styles differ only there: "ngoại" is "ngoại" in both, "ngọai" is a misspelling)."""
    swaps = {"óa": "oá", "òa": "oà", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "úy": "uý", "ùy": "uỳ", "ủy": "uỷ"}
    for a, b in swaps.items():
        end = r"(?![^\W_])"
        text = re.sub(a + end, "\0", text)
        text = re.sub(b + end, a, text)
        text = text.replace("\0", b)
    return text


def _apart(name: str, k: int) -> str:
    """The name's syllables, none of them next to the next in order."""
    s = name.replace("–", "").split()
    if k == 0:
        return f"Về {' '.join(reversed(s))} và nhiều nơi khác."
    if k == 1:
        return " ".join(f"{w} {f}" for w, f in zip(s, ("nay", "rằng", "thì", "cũng", "đã", "vẫn"))) + "."
    return " ".join(s[1:]) + " là nơi đến."


_TONES = "\u0300\u0301\u0303\u0309\u0323"


def _other_tone(name: str) -> str | None:
    """The name with its last tone mark changed (acute to grave, any other to acute), NFC: a
    word that folds like it and is not it; None for a name without tone marks."""
    syllables = NFD(name).split(" ")
    for i in range(len(syllables) - 1, -1, -1):
        tone = next((ch for ch in syllables[i] if ch in _TONES), None)
        if tone:
            syllables[i] = syllables[i].replace(tone, "\u0300" if tone == "\u0301" else "\u0301")
            return unicodedata.normalize("NFC", " ".join(syllables))
    return None


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
        other = _other_tone(name)
        if other:  # folds like the name and is not it: relevant to its bare queries only
            out.append(("", f"Tin vắn số {n}", f"Chuyện {other} hôm nay.", f))
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
        # and the form of the other kind (marked, bare) where the two above are of one kind
        third = forms[1] if _marked(forms[n % len(forms)]) and _marked(forms[(n + 3) % len(forms)]) else plain
        if third not in (forms[n % len(forms)], forms[(n + 3) % len(forms)]):
            out.append((third, name))
    return out


def _marked(typed: str) -> bool:
    """Whether any syllable of the query carries a mark."""
    return any(key != folded for folded, key in marked_words(typed))


def _holds(longer: str, typed: str) -> bool:
    """``longer`` holds the query as a word: its syllables in a row, folded alike, and each one
    typed with marks with those marks (in either placement or Unicode form)."""
    want, have = marked_words(typed.replace('"', "")), marked_words(longer)
    for i in range(len(have) - len(want) + 1):
        if all(
            h[0] == w[0] and (w[1] == w[0] or h[1] == w[1]) for h, w in zip(have[i : i + len(want)], want)
        ):
            return True
    return False


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
    """(precision@10, recall, how many fell back to loose) per reading, and per reading and kind
    of query ("words marked", "words bare", ...)."""
    out = {}
    texts = {a.id: (a.title, a.lead, a.body_text) for a in archive.reads.iter_articles()}
    for reading, prefix in (("words", ""), ("loose", "~")):
        precisions, recalls, fell_back = [], [], 0
        kinds: dict[str, list[tuple[float, float]]] = {"marked": [], "bare": []}
        for typed, _name in queries():
            want = {i for i, k in key_of.items() if k and _holds(k.rsplit(":", 1)[0], typed)} | {
                i for i, fields in texts.items() if any(_holds(f, typed) for f in fields)
            }
            result = archive.search(SearchQuery(text=prefix + typed, limit=200))
            fell_back += reading == "words" and result.reading == "loose"
            ids = [h.article.id for h in result.hits]
            top = ids[:10]
            precisions.append(sum(i in want for i in top) / len(top) if top else 0.0)
            recalls.append(len(want & set(ids)) / len(want))
            kinds["marked" if _marked(typed) else "bare"].append((precisions[-1], recalls[-1]))
            if show and (precisions[-1] < 1 or recalls[-1] < 1):
                print(
                    f"  {reading:5} {typed!r}: P@10 {precisions[-1]:.2f} R {recalls[-1]:.2f} "
                    f"({result.reading_label})"
                )
        out[reading] = (sum(precisions) / len(precisions), sum(recalls) / len(recalls), fell_back)
        for kind, scores in kinds.items():
            n = len(scores) or 1
            out[f"{reading} {kind}"] = (
                sum(p for p, _ in scores) / n,
                sum(r for _, r in scores) / n,
                len(scores),
            )
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
    marked = sum(_marked(t) for t, _ in queries())
    print(
        f"{len(queries())} queries ({marked} typed with marks), {len(corpus())} articles "
        f"({len(NAMES) * 3} about a name, {sum(1 for n in NAMES if _other_tone(n))} of another tone)"
    )
    orders: dict[str, list[list[int]]] = {}
    for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
        with tempfile.TemporaryDirectory() as tmp:
            archive, db = _archive(backend, tmp)
            try:
                key_of = build(archive)
                for reading, (p10, rec, fell) in evaluate(archive, key_of, args.show).items():
                    note = f" ({fell} fell back to loose)" if reading == "words" else ""
                    note = f" ({fell} queries)" if " " in reading else note
                    print(
                        f"{backend:10} {reading:12}  precision@10 {p10:.3f}  recall {rec:.3f}{note}"
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
