"""What an article is about: provinces (the 34 units since 1 July 2025, and their former names),
partner countries and the friendship organisations, found in its clean text.

Names are matched in their marked form first (NFC, one tone placement), so "Lao động" is not
"Lào"; an article written without any marks is matched folded. Places and countries keep
case, so "Hòa Bình" (a former province) is not "hòa bình" (peace); organisations do not
("Hội Hữu nghị Việt Nam – Campuchia" = "Hội hữu nghị Việt Nam - Campuchia"). Punctuation
is kept between words: a name never runs across ". " or ", " ("…Việt Nam. Anh Tuấn…").
A place that is only part of a longer proper name is not that place ("Thái Bình Dương", "Lào
Cai", the person "Phan Thái Bình"); names that are also common words or given names ("Nga",
"Anh", "Đức", "Mỹ") count only in a country context ("Liên bang Nga", "Việt Nam – Nga",
"Đại sứ quán Đức"). A former province is tagged with its current unit and its own name.

Each tag says where it was found (``Tag.field``: title, lead, body) and how (``Tag.via``: in
running text, in a friendship organisation's name, or inside another name or a photo credit
— "Đại học Quốc gia Hà Nội", "Ảnh: Báo Thanh Hóa"), so an article's main places (title or
lead, not inside another name) can be told from places it only mentions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from huunghi.text.normalize import WORD, normalize, unaccent

# current unit: former units merged into it (PORTALS.md)
PROVINCES: dict[str, tuple[str, ...]] = {
    "Hà Nội": (),
    "Huế": ("Thừa Thiên Huế",),
    "Hải Phòng": ("Hải Dương",),
    "Đà Nẵng": ("Quảng Nam",),
    "TP Hồ Chí Minh": ("Bình Dương", "Bà Rịa - Vũng Tàu"),
    "Cần Thơ": ("Sóc Trăng", "Hậu Giang"),
    "Lai Châu": (),
    "Điện Biên": (),
    "Sơn La": (),
    "Lạng Sơn": (),
    "Cao Bằng": (),
    "Quảng Ninh": (),
    "Thanh Hóa": (),
    "Nghệ An": (),
    "Hà Tĩnh": (),
    "Tuyên Quang": ("Hà Giang",),
    "Lào Cai": ("Yên Bái",),
    "Thái Nguyên": ("Bắc Kạn", "Bắc Cạn"),
    "Phú Thọ": ("Vĩnh Phúc", "Hòa Bình"),
    "Bắc Ninh": ("Bắc Giang",),
    "Hưng Yên": ("Thái Bình",),
    "Ninh Bình": ("Hà Nam", "Nam Định"),
    "Quảng Trị": ("Quảng Bình",),
    "Quảng Ngãi": ("Kon Tum",),
    "Gia Lai": ("Bình Định",),
    "Khánh Hòa": ("Ninh Thuận",),
    "Lâm Đồng": ("Đắk Nông", "Bình Thuận"),
    "Đắk Lắk": ("Phú Yên",),
    "Đồng Nai": ("Bình Phước",),
    "Tây Ninh": ("Long An",),
    "Vĩnh Long": ("Bến Tre", "Trà Vinh"),
    "Đồng Tháp": ("Tiền Giang",),
    "Cà Mau": ("Bạc Liêu",),
    "An Giang": ("Kiên Giang",),
}
PROVINCE_VARIANTS: dict[str, tuple[str, ...]] = {
    "TP Hồ Chí Minh": (
        "TP Hồ Chí Minh",
        "TP. Hồ Chí Minh",
        "Thành phố Hồ Chí Minh",
        "TPHCM",
        "TP.HCM",
        "TP HCM",
        "Sài Gòn",
    ),
    "Hà Nội": ("Hà Nội", "Thủ đô Hà Nội"),
}
COUNTRIES: dict[str, tuple[str, ...]] = {
    "Lào": ("Lào", "Laos"),
    "Campuchia": ("Campuchia", "Cambodia"),
    "Trung Quốc": ("Trung Quốc", "China"),
    "Nhật Bản": ("Nhật Bản", "Japan"),
    "Hàn Quốc": ("Hàn Quốc", "Korea"),
    "Triều Tiên": ("Triều Tiên",),
    "Nga": (),
    "Pháp": ("Pháp", "France"),
    "Đức": (),
    "Anh": ("Vương quốc Anh", "Anh Quốc", "United Kingdom"),
    "Mỹ": ("Hoa Kỳ", "United States"),
    "Cuba": ("Cuba",),
    "Ấn Độ": ("Ấn Độ", "India"),
    "Thái Lan": ("Thái Lan", "Thailand"),
    "Singapore": ("Singapore",),
    "Indonesia": ("Indonesia",),
    "Malaysia": ("Malaysia",),
    "Philippines": ("Philippines",),
    "Myanmar": ("Myanmar",),
    "Mông Cổ": ("Mông Cổ", "Mongolia"),
    "Australia": ("Australia", "Ô-xtrây-li-a", "Úc"),
    "New Zealand": ("New Zealand", "Niu Di-lân"),
    "Canada": ("Canada",),
    "Italia": ("Italia", "Italy"),
    "Tây Ban Nha": ("Tây Ban Nha", "Spain"),
    "Bồ Đào Nha": ("Bồ Đào Nha", "Portugal"),
    "Hà Lan": ("Hà Lan",),
    "Bỉ": (),
    "Thụy Sĩ": ("Thụy Sĩ",),
    "Thụy Điển": ("Thụy Điển", "Sweden"),
    "Na Uy": ("Na Uy", "Norway"),
    "Phần Lan": ("Phần Lan", "Finland"),
    "Đan Mạch": ("Đan Mạch", "Denmark"),
    "Ba Lan": ("Ba Lan", "Poland"),
    "Séc": (),
    "Hungary": ("Hungary",),
    "Bulgaria": ("Bulgaria", "Bungari"),
    "Romania": ("Romania",),
    "Ukraine": ("Ukraine", "Ucraina"),
    "Belarus": ("Belarus",),
    "Kazakhstan": ("Kazakhstan",),
    "Israel": ("Israel",),
    "Palestine": ("Palestine",),
    "Ai Cập": ("Ai Cập", "Egypt"),
    "Nam Phi": ("Nam Phi",),
    "Mozambique": ("Mozambique",),
    "Angola": ("Angola",),
    "Algeria": ("Algeria",),
    "Venezuela": ("Venezuela",),
    "Brazil": ("Brazil", "Braxin"),
    "Argentina": ("Argentina",),
    "Chile": ("Chile",),
    "Mexico": ("Mexico",),
    "Colombia": ("Colombia", "Cô-lôm-bi-a"),
    "Armenia": ("Armenia", "Ác-mê-ni-a"),
    "Peru": ("Peru", "Pê-ru"),
    "Iran": ("Iran",),
    "Thổ Nhĩ Kỳ": ("Thổ Nhĩ Kỳ", "Türkiye", "Turkey"),
    "Áo": ("Cộng hòa Áo", "Austria"),
    "Nicaragua": ("Nicaragua",),
    "Slovakia": ("Slovakia",),
    "Azerbaijan": ("Azerbaijan",),
    "Uzbekistan": ("Uzbekistan",),
    "Nigeria": ("Nigeria",),
    "Ethiopia": ("Ethiopia",),
    "Kenya": ("Kenya",),
}
# names that are also ordinary words or given names: only in a country context
CONTEXT_ONLY = {"Nga": "Nga", "Đức": "Đức", "Anh": "Anh", "Mỹ": "Mỹ", "Bỉ": "Bỉ", "Séc": "Séc"}
# words before a country that is also a common word: right before it, or (Việt Nam, Việt) with a dash between
CONTEXTS = (
    "nước",
    "Liên bang",
    "LB",
    "Cộng hòa",
    "CH",
    "Vương quốc",
    "Đại sứ quán",
    "Đại sứ",
    "nhân dân",
    "Tổng lãnh sự quán",
    "Thủ đô",
)
DASHED = ("Việt Nam", "Việt")
# a one-syllable name and the next syllable that make a common word instead ("Pháp luật")
COMPOUNDS = (
    "pháp luật",
    "pháp lý",
    "pháp chế",
    "pháp nhân",
    "pháp quyền",
    "pháp lệnh",
    "pháp điển",
    "pháp sư",
    "pháp môn",
    "pháp y",
    "anh hùng",
    "anh em",
    "anh chị",
    "mỹ thuật",
    "mỹ phẩm",
    "mỹ nghệ",
    "mỹ quan",
    "mỹ mãn",
    "mỹ học",
    "mỹ tho",
    "đức tính",
    "đức độ",
    "đức hạnh",
    "nga my",
    "lào cai",
    "úc châu",
)
# family names (the common ones cover nearly everyone): a capitalised run starting with one is a person
SURNAMES = frozenset(
    """Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn
    Vương Trịnh Trương Lâm Phùng Mai Tô Hà Tạ Lưu Châu Quách Cao Đinh Lương Thái Kiều Hứa Triệu Tăng Khúc
    Nông Lò Quàng Thân Chu Giáp Tống Văn Âu Đàm Lục Ông Mạc Nghiêm Doãn Bạch Kim La Lã Diệp Chế Từ Vi
    Phương Khổng Thạch""".split()
)
MIDDLE = frozenset(("Thị", "Văn", "Hữu", "Đình", "Công", "Xuân", "Ngọc"))
# heads of names of institutions that carry a place without being about it ("Đại học Quốc gia Hà Nội")
INSTITUTIONS = (
    "Đại học",
    "Trường",
    "Học viện",
    "Báo",
    "Đài",
    "Bệnh viện",
    "Viện",
    "Bảo tàng",
    "Nhà hát",
    "Ngân hàng",
    "Công ty",
    "Tập đoàn",
    "Sân bay",
    "Nhà xuất bản",
    "Thông tấn xã",
    "Tạp chí",
)
_HEADS: dict[str, list[tuple[str, ...]]] = {}
for _h in INSTITUTIONS:
    _HEADS.setdefault(_h.split()[0], []).append(tuple(_h.split()))
QUALIFIER_WORDS = frozenset(
    (
        "Tỉnh",
        "Thành",
        "Phố",
        "TP",
        "Thủ",
        "Đô",
        "Nước",
        "Cộng",
        "Hòa",
        "Hoà",
        "Liên",
        "Bang",
        "Vương",
        "Quốc",
        "CH",
        "LB",
        "Tại",
        "Ở",
        "Từ",
        "Về",
        "Và",
        "Với",
        "Của",
    )
)
ORGS: dict[str, tuple[str, ...]] = {
    "VUFO": (
        "Liên hiệp các tổ chức hữu nghị Việt Nam",
        "Liên hiệp hữu nghị Việt Nam",
        "VUFO",
        "Vietnam Union of Friendship Organisations",
        "Vietnam Union of Friendship Organizations",
        "Union des organisations d'amitié du Vietnam",
    ),
    "PACCOM": ("PACCOM", "Ban Điều phối viện trợ nhân dân"),
    "Ủy ban Hòa bình Việt Nam": (
        "Ủy ban Hòa bình Việt Nam",
        "Uỷ ban Hoà bình Việt Nam",
        "Vietnam Peace Committee",
    ),
}


@dataclass(frozen=True)
class Tag:
    """A tag and how it was found: ``field`` title, lead or body; ``via`` "text" (running text),
    "org" (a friendship organisation's name), "name" (inside another proper name or a credit)."""

    kind: str
    value: str
    field: str = "body"
    via: str = "text"

    @property
    def main(self) -> bool:
        """Whether the place is what the article is about: named in its title or lead, not in passing."""
        return self.field in ("title", "lead") and self.via != "name"


_PIECE = re.compile(rf"{WORD}|\n|[^\w\s]")
_DASHES = {"–": "-", "—": "-", "‑": "-"}
STOPS = frozenset(".!?\n")


class _Tok(NamedTuple):  # a tuple: a page makes hundreds, and a tuple is the cheapest to make
    word: str  # NFC, one tone placement, as written
    key: str  # what names are compared on: case kept, an ALL-CAPS word as Capitalised
    low: str  # lower case (organisations)
    gap: str  # punctuation between the previous word and this one ("" for a space only)
    field: str
    start: bool  # first word of a sentence (or of a field)


def _key(word: str, marked: bool) -> str:
    w = word.capitalize() if len(word) > 1 and word.isupper() else word
    return w if marked else unaccent(w)


def _toks(text: str, field: str, marked: bool) -> list[_Tok]:
    out: list[_Tok] = []
    gap, start = "\n", True
    for piece in _PIECE.findall(normalize(text or "")):
        if piece[0].isalnum():
            key = piece if marked and not (piece.isupper() and len(piece) > 1) else _key(piece, marked)
            out.append(_Tok(piece, key, key.lower(), gap, field, start))
            gap, start = "", False
        else:
            gap += _DASHES.get(piece, piece)
            start = start or piece in STOPS
    out.append(_Tok("", "", "", gap + "\n", field, True))  # the field's end, with what closes it
    return out


@lru_cache(maxsize=4096)
def _name_key(name: str, marked: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A name's word keys and its inner gaps, a dash or nothing counting alike."""
    toks = _toks(name, "", marked)[:-1]  # without the end mark
    return tuple(t.key for t in toks), tuple(_gapclass(t.gap) for t in toks[1:])


def _gapclass(gap: str) -> str:
    return "" if gap in ("", "-") else gap


_Table = dict[tuple[str, ...], list[tuple[tuple[str, ...], tuple[str, ...], list[tuple[str, str]]]]]


@lru_cache(maxsize=2)
def _lexicon(marked: bool) -> dict[str, _Table]:
    """Name tables by use, each keyed on its first word for a look-up per word:
    "place" (tags), "country" (tags), "context" (countries that need a context), "org" (lower
    case), "org_place" and "partner" (lower case, for the organisation rules)."""
    tables: dict[str, dict[tuple[str, ...], list[tuple[str, str]]]] = {
        k: {} for k in ("place", "org", "org_place", "partner", "context")
    }

    def add(table: str, name: str, tag: tuple[str, str], lower: bool = False) -> None:
        words, gaps = _name_key(name, marked)
        if lower:
            words = tuple(w.lower() for w in words)
        entry = tables[table].setdefault(words + gaps, [])
        if tag not in entry:
            entry.append(tag)

    for unit, former in PROVINCES.items():
        for name in PROVINCE_VARIANTS.get(unit, (unit,)):
            add("place", name, ("province", unit))
            add("org_place", name, ("province", unit), lower=True)
        for old in former:
            add("place", old, ("province", unit))
            add("place", old, ("former_province", old))
            add("org_place", old, ("province", old), lower=True)  # a former province's union keeps its name
    add("org_place", "Hồ Chí Minh", ("province", "TP Hồ Chí Minh"), lower=True)
    for country, names in COUNTRIES.items():
        for name in names:
            add("place", name, ("country", country))
        for name in (*names, country):
            add("partner", name, ("country", country), lower=True)
        if country in CONTEXT_ONLY:
            add("context", CONTEXT_ONLY[country], ("country", country))
    for org, names in ORGS.items():
        for name in names:
            add("org", name, ("org", org), lower=True)
    out: dict[str, _Table] = {}
    for table, entries in tables.items():
        by_first: _Table = {}
        for full, tags in entries.items():
            n = (len(full) + 1) // 2
            by_first.setdefault((full[0],), []).append((full[:n], full[n:], tags))
        for cands in by_first.values():
            cands.sort(key=lambda c: -len(c[0]))  # longest first
        out[table] = by_first
    return out


def _match(toks: list[_Tok], i: int, table: _Table, lower: bool = False) -> tuple[int, list[tuple[str, str]]]:
    """(length, tags) of the longest name of ``table`` starting at word ``i``; (0, []) if none."""
    first = toks[i].low if lower else toks[i].key
    for words, gaps, tags in table.get((first,), ()):
        n = len(words)
        if i + n > len(toks):
            continue
        if all((toks[i + k].low if lower else toks[i + k].key) == words[k] for k in range(n)) and all(
            _gapclass(toks[i + k + 1].gap) == gaps[k] for k in range(n - 1)
        ):
            return n, tags
    return 0, []


def _capital(t: _Tok) -> bool:
    return t.word[:1].isupper() and not (len(t.word) > 1 and t.word.isupper())


def _continues(toks: list[_Tok], end: int) -> bool:
    """The proper name goes on after the match ("Thái Bình Dương", "Đức Phổ")."""
    return end < len(toks) and toks[end].gap == "" and _capital(toks[end])


def _before(toks: list[_Tok], i: int) -> str:
    """What stands right before word ``i`` in the same name: "person", "name" or ""."""
    j = i
    while j > 0 and toks[j].gap == "" and _capital(toks[j - 1]) and toks[j - 1].word not in QUALIFIER_WORDS:
        j -= 1
    for k in range(i - 1, max(i - 7, -1), -1):  # an institution's name, in the same clause
        if toks[k + 1].gap:
            break
        heads = _HEADS.get(toks[k].word, ())
        if any(tuple(t.word for t in toks[k : k + len(h)]) == h for h in heads):
            return "name"
    if j == i:
        return ""
    run = [t.word for t in toks[j:i]]
    if len(run) == 1 and toks[j].start:
        return ""  # a capital only because the sentence starts there ("Tại Thanh Hóa", "Đoàn Lào")
    if run[0] in SURNAMES or any(w in MIDDLE for w in run):
        return "person"
    return "name"


def _credit(toks: list[_Tok], i: int) -> bool:
    """Word ``i`` is in a photo or source credit ("Ảnh: Báo Thanh Hóa", "(Nguồn: …)")."""
    j = i
    while j > 0 and not toks[j].start and ":" not in toks[j].gap:
        j -= 1
    return ":" in toks[j].gap and j > 0 and toks[j - 1].low in ("ảnh", "nguồn", "anh", "nguon")


def _compound(toks: list[_Tok], i: int, n: int) -> bool:
    if n != 1 or i + 1 >= len(toks) or toks[i + 1].gap != "":
        return False
    return f"{toks[i].low} {toks[i + 1].low}" in COMPOUNDS


def _context(toks: list[_Tok], i: int, n: int, marked: bool) -> bool:
    """A country that is also a common word has its context: "Liên bang Nga", "Việt Nam – Nga",
    "Nga – Việt Nam"; not "(Việt - Anh)", a language pair."""
    for c in CONTEXTS:
        words = tuple(w.lower() for w in _name_key(c, marked)[0])
        k = len(words)
        if (
            i >= k
            and tuple(t.low for t in toks[i - k : i]) == words
            and toks[i].gap == ""
            and all(t.gap == "" for t in toks[i - k + 1 : i])
        ):
            return True
    for c in DASHED:
        words = _name_key(c, marked)[0]
        k = len(words)
        if i >= k and tuple(t.key for t in toks[i - k : i]) == words and toks[i].gap == "-":
            bracketed = "(" in toks[i - k].gap and i + n < len(toks) and ")" in toks[i + n].gap
            return not bracketed
    after = _name_key("Việt Nam", marked)[0]
    return (
        i + n + 2 <= len(toks)
        and toks[i + n].gap == "-"
        and tuple(t.key for t in toks[i + n : i + n + 2]) == after
    )


_UNIONS = (("liên", "hiệp", "các", "tổ", "chức", "hữu", "nghị"), ("liên", "hiệp", "hữu", "nghị"))
_FRIENDS = (("hội", "hữu", "nghị"), ("hội",))
_QUALIFY = (("tỉnh",), ("thành", "phố"), ("tp",), ("thủ", "đô"))
_PARTNER_CONTEXT = (("liên", "bang"), ("lb",), ("cộng", "hòa"), ("cộng", "hoà"), ("ch",), ("vương", "quốc"))


def _lows(toks: list[_Tok], i: int, words: tuple[str, ...], marked: bool) -> bool:
    if not marked:
        words = tuple(unaccent(w) for w in words)
    end = i + len(words)
    return tuple(t.low for t in toks[i:end]) == words and all(t.gap == "" for t in toks[i + 1 : end])


def _chapter(toks: list[_Tok], j: int, lex: dict[str, _Table], marked: bool) -> tuple[int, int] | None:
    """The place right after an association's name, a qualifier ("tỉnh", "thành phố") or none
    between (the chapter's place: "Hội hữu nghị Việt Nam – Nhật Bản TP Hồ Chí Minh"), as its
    first and end word; None where the name runs on into something else."""
    if j >= len(toks) or toks[j].gap != "":
        return None
    n, _tags = _match(toks, j, lex["place"])
    if n:
        return j, j + n
    for q in _QUALIFY:
        if _lows(toks, j, q, marked) and j + len(q) < len(toks):
            n, _tags = _match(toks, j + len(q), lex["place"])
            return (j + len(q), j + len(q) + n) if n else None
    return None


def _orgs(toks: list[_Tok], i: int, lex: dict[str, _Table], marked: bool) -> list[tuple[Tag, int, int]]:
    """The friendship organisations' rules at word ``i``: (tag, first and end word of the place or
    partner in its name)."""
    out: list[tuple[Tag, int, int]] = []
    field = toks[i].field
    for union in _UNIONS:
        if not _lows(toks, i, union, marked):
            continue
        j = i + len(union)
        n, tags = _match(toks, j, lex["org_place"], lower=True) if j < len(toks) else (0, [])
        if not n:
            for q in _QUALIFY:
                if _lows(toks, j, q, marked):
                    j += len(q)
                    n, tags = _match(toks, j, lex["org_place"], lower=True) if j < len(toks) else (0, [])
                    break
        for _kind, unit in tags:
            out.append((Tag("org", f"Liên hiệp các tổ chức hữu nghị {unit}", field, "org"), j, j + n))
        break
    for friends in _FRIENDS:
        if not _lows(toks, i, friends, marked):
            continue
        j = i + len(friends)
        for viet in (("việt", "nam"), ("việt",)):
            if _lows(toks, j, viet, marked) and j + len(viet) < len(toks) and toks[j + len(viet)].gap == "-":
                k = j + len(viet)
                for c in _PARTNER_CONTEXT:
                    if _lows(toks, k, c, marked):
                        k += len(c)
                        break
                n, tags = _match(toks, k, lex["partner"], lower=True) if k < len(toks) else (0, [])
                for _kind, country in tags:
                    org = Tag("org", f"Hội hữu nghị Việt Nam - {country}", field, "org")
                    out.append((org, k, k + n))
                    at = _chapter(toks, k + n, lex, marked)
                    if at is not None:  # a chapter's place ("… - Nhật Bản TP Hồ Chí Minh") is the org's
                        out.append((org, at[0], at[1]))
                break
        if out:
            break
    return out


def read_tags(title: str = "", lead: str = "", body: str = "") -> list[Tag]:
    """Every tag with where and how it was first found (title before lead before body; in
    running text before inside a name). One pass over the words with look-ups keyed on a
    word: its cost grows with the article, not with the number of names known."""
    marked = any(ord(ch) > 127 and ch.isalpha() for ch in f"{title}{lead}{body}")
    lex = _lexicon(marked)
    toks = _toks(title, "title", marked) + _toks(lead, "lead", marked) + _toks(body, "body", marked)
    found: dict[tuple[str, str], Tag] = {}
    org_spans: dict[int, int] = {}  # first word of a place in an organisation's name -> its end

    def keep(tag: Tag) -> None:
        old = found.get((tag.kind, tag.value))
        rank = {"title": 0, "lead": 1, "body": 2}
        if (
            old is None
            or (old.via == "name" and tag.via != "name")
            or (old.via == tag.via and rank[tag.field] < rank[old.field])
        ):
            found[(tag.kind, tag.value)] = tag

    i = 0
    org_starts = ("liên", "hội") if marked else ("lien", "hoi")
    org_first, place_first = lex["org"].keys(), lex["place"].keys() | lex["context"].keys()
    while i < len(toks):
        t = toks[i]
        if t.low not in org_starts and (t.low,) not in org_first and (t.key,) not in place_first:
            i += 1
            continue
        for tag, a, b in _orgs(toks, i, lex, marked) if t.low in org_starts else ():
            keep(tag)
            org_spans[a] = b
        n, tags = _match(toks, i, lex["org"], lower=True)
        for kind, value in tags:
            keep(Tag(kind, value, t.field, "text"))
        n, tags = _match(toks, i, lex["place"])
        context = False
        if not n:
            n, tags = _match(toks, i, lex["context"])
            context = True
        if not n:
            i += 1
            continue
        before = _before(toks, i)
        if (
            _continues(toks, i + n)
            or before == "person"
            or _compound(toks, i, n)
            or (context and not _context(toks, i, n, marked))
        ):
            i += n
            continue
        via = "org" if i in org_spans else ("name" if before == "name" or _credit(toks, i) else "text")
        for kind, value in tags:
            keep(Tag(kind, value, t.field, via))
        i += n
    return sorted(found.values(), key=lambda g: (g.kind, g.value))


def find_tags(*texts: str) -> list[tuple[str, str]]:
    """(kind, value) pairs found in the texts (title, lead, body): province, former_province,
    country, org."""
    fields = (
        (list(texts) + ["", "", ""])[:3] if len(texts) <= 3 else [texts[0], texts[1], "\n".join(texts[2:])]
    )
    return [(g.kind, g.value) for g in read_tags(*fields)]


def main_places(tags: list[Tag]) -> list[str]:
    """The provinces an article is about (title or lead, not in passing), for digests."""
    return sorted({g.value for g in tags if g.kind == "province" and g.main})
