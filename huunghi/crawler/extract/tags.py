"""What an article is about: provinces (the 34 units since 1 July 2025, and their former names),
partner countries and the friendship organisations, found in its clean text.

Matching ignores diacritics and tone placement but keeps case, so "Hòa Bình" (a former
province) is not "hòa bình" (peace), and names that are also common words or given names
("Nga", "Anh", "Đức", "Mỹ") count only in a country context ("Liên bang Nga", "Việt Nam – Nga",
"Đại sứ quán Đức"). A former province is tagged with its current unit and its own name.
"""

from __future__ import annotations

import re
from functools import lru_cache

from huunghi.text.normalize import normalize, unaccent

# current unit: former units merged into it (PORTALS.md)
PROVINCES: dict[str, tuple[str, ...]] = {
    "Hà Nội": (), "Huế": ("Thừa Thiên Huế", "Thừa Thiên - Huế"), "Hải Phòng": ("Hải Dương",),
    "Đà Nẵng": ("Quảng Nam",), "TP Hồ Chí Minh": ("Bình Dương", "Bà Rịa - Vũng Tàu", "Bà Rịa – Vũng Tàu"),
    "Cần Thơ": ("Sóc Trăng", "Hậu Giang"), "Lai Châu": (), "Điện Biên": (), "Sơn La": (), "Lạng Sơn": (),
    "Cao Bằng": (), "Quảng Ninh": (), "Thanh Hóa": (), "Nghệ An": (), "Hà Tĩnh": (),
    "Tuyên Quang": ("Hà Giang",), "Lào Cai": ("Yên Bái",), "Thái Nguyên": ("Bắc Kạn", "Bắc Cạn"),
    "Phú Thọ": ("Vĩnh Phúc", "Hòa Bình"), "Bắc Ninh": ("Bắc Giang",), "Hưng Yên": ("Thái Bình",),
    "Ninh Bình": ("Hà Nam", "Nam Định"), "Quảng Trị": ("Quảng Bình",), "Quảng Ngãi": ("Kon Tum",),
    "Gia Lai": ("Bình Định",), "Khánh Hòa": ("Ninh Thuận",), "Lâm Đồng": ("Đắk Nông", "Bình Thuận"),
    "Đắk Lắk": ("Phú Yên",), "Đồng Nai": ("Bình Phước",), "Tây Ninh": ("Long An",),
    "Vĩnh Long": ("Bến Tre", "Trà Vinh"), "Đồng Tháp": ("Tiền Giang",), "Cà Mau": ("Bạc Liêu",),
    "An Giang": ("Kiên Giang",),
}
PROVINCE_VARIANTS: dict[str, tuple[str, ...]] = {
    "TP Hồ Chí Minh": ("TP Hồ Chí Minh", "TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh", "TPHCM", "TP.HCM",
                       "TP HCM", "Sài Gòn"),
    "Hà Nội": ("Hà Nội", "Thủ đô Hà Nội"),
}
COUNTRIES: dict[str, tuple[str, ...]] = {
    "Lào": ("Lào", "Laos"), "Campuchia": ("Campuchia", "Cambodia"), "Trung Quốc": ("Trung Quốc", "China"),
    "Nhật Bản": ("Nhật Bản", "Japan"), "Hàn Quốc": ("Hàn Quốc", "Korea"), "Triều Tiên": ("Triều Tiên",),
    "Nga": (), "Pháp": ("Pháp", "France"), "Đức": (), "Anh": ("Vương quốc Anh", "Anh Quốc", "United Kingdom"),
    "Mỹ": ("Hoa Kỳ", "United States"), "Cuba": ("Cuba",), "Ấn Độ": ("Ấn Độ", "India"),
    "Thái Lan": ("Thái Lan", "Thailand"), "Singapore": ("Singapore",), "Indonesia": ("Indonesia",),
    "Malaysia": ("Malaysia",), "Philippines": ("Philippines",), "Myanmar": ("Myanmar",),
    "Mông Cổ": ("Mông Cổ", "Mongolia"), "Australia": ("Australia", "Ô-xtrây-li-a", "Úc"),
    "New Zealand": ("New Zealand", "Niu Di-lân"), "Canada": ("Canada",), "Italia": ("Italia", "Italy"),
    "Tây Ban Nha": ("Tây Ban Nha", "Spain"), "Bồ Đào Nha": ("Bồ Đào Nha", "Portugal"), "Hà Lan": ("Hà Lan",),
    "Bỉ": (), "Thụy Sĩ": ("Thụy Sĩ",), "Thụy Điển": ("Thụy Điển", "Sweden"), "Na Uy": ("Na Uy", "Norway"),
    "Phần Lan": ("Phần Lan", "Finland"), "Đan Mạch": ("Đan Mạch", "Denmark"), "Ba Lan": ("Ba Lan", "Poland"),
    "Séc": (), "Hungary": ("Hungary",), "Bulgaria": ("Bulgaria",), "Romania": ("Romania",),
    "Ukraine": ("Ukraine", "Ucraina"), "Belarus": ("Belarus",), "Kazakhstan": ("Kazakhstan",),
    "Israel": ("Israel",), "Palestine": ("Palestine",), "Ai Cập": ("Ai Cập", "Egypt"), "Nam Phi": ("Nam Phi",),
    "Mozambique": ("Mozambique",), "Angola": ("Angola",), "Algeria": ("Algeria",), "Venezuela": ("Venezuela",),
    "Brazil": ("Brazil", "Braxin"), "Argentina": ("Argentina",), "Chile": ("Chile",), "Mexico": ("Mexico",),
}
# names that are also ordinary words or given names: only in a country context
CONTEXT_ONLY = {"Nga": "Nga", "Đức": "Đức", "Anh": "Anh", "Mỹ": "Mỹ", "Bỉ": "Bỉ", "Séc": "Séc"}
COUNTRY_CONTEXT = (r"(?:nước|Liên bang|LB|Cộng hòa|Vương quốc|Đại sứ quán|Đại sứ|Hội hữu nghị Việt Nam\s*[-–]|"
                   r"Việt Nam\s*[-–]|Việt\s*[-–]|nhân dân)\s+")
ORGS: dict[str, tuple[str, ...]] = {
    "VUFO": ("Liên hiệp các tổ chức hữu nghị Việt Nam", "VUFO", "Vietnam Union of Friendship Organisations",
             "Vietnam Union of Friendship Organizations", "Union des organisations d'amitié du Vietnam"),
    "PACCOM": ("PACCOM", "Ban Điều phối viện trợ nhân dân"),
    "Ủy ban Hòa bình Việt Nam": ("Ủy ban Hòa bình Việt Nam", "Uỷ ban Hoà bình Việt Nam", "Vietnam Peace Committee"),
}


def _fold_case(text: str) -> str:
    """No diacritics, đ → d, tone placement irrelevant; case kept."""
    return unaccent(normalize(text))


_TOKEN = re.compile(r"\w+")
UNION = ("Lien", "hiep", "cac", "to", "chuc", "huu", "nghi")
FRIENDS = ("Hoi", "huu", "nghi", "Viet", "Nam")
QUALIFIERS = (("tinh",), ("thanh", "pho"), ("TP",), ("Thanh", "pho"), ("Tinh",))
CONTEXTS = (("nuoc",), ("Lien", "bang"), ("LB",), ("Cong", "hoa"), ("Vuong", "quoc"), ("Dai", "su", "quan"),
            ("Dai", "su"), ("Viet", "Nam"), ("Viet",), ("nhan", "dan"))


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(_fold_case(text)))


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[tuple[str, ...], list[tuple[str, str]]], dict[tuple[str, ...], str],
                        dict[tuple[str, ...], str], dict[tuple[str, ...], str], int]:
    """Phrase → tags, and the name tables the organisation and context rules use."""
    phrases: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    places: dict[tuple[str, ...], str] = {}   # a province name (current or former) → its display name
    partners: dict[tuple[str, ...], str] = {}  # a country name → the country
    context_only: dict[tuple[str, ...], str] = {}
    for unit, former in PROVINCES.items():
        for name in PROVINCE_VARIANTS.get(unit, (unit,)):
            phrases.setdefault(_tokens(name), []).append(("province", unit))
            places[_tokens(name)] = unit
        for old in former:
            phrases.setdefault(_tokens(old), []).extend([("province", unit), ("former_province", old.replace(" – ", " - "))])
            places[_tokens(old)] = old.replace(" – ", " - ")
    for country, names in COUNTRIES.items():
        for name in names:
            phrases.setdefault(_tokens(name), []).append(("country", country))
        for name in (*names, country):
            partners[_tokens(name)] = country
        if country in CONTEXT_ONLY:
            context_only[_tokens(CONTEXT_ONLY[country])] = country
    for org, names in ORGS.items():
        for name in names:
            phrases.setdefault(_tokens(name), []).append(("org", org))
    longest = max(len(k) for k in (*phrases, *places, *partners))
    return phrases, places, partners, context_only, longest


@lru_cache(maxsize=1)
def _starts() -> frozenset[str]:
    """First words of every phrase and rule: other positions need no look-up at all."""
    phrases, _places, _partners, context_only, _n = _lexicon()
    return frozenset(k[0] for k in (*phrases, *context_only)) | {UNION[0], FRIENDS[0]}


def _name_at(tokens: tuple[str, ...], i: int, table: dict[tuple[str, ...], str], longest: int) -> str | None:
    for n in range(min(longest, len(tokens) - i), 0, -1):
        hit = table.get(tokens[i:i + n])
        if hit is not None and (i + n == len(tokens) or not (hit == "Lào" and tokens[i + n] == "Cai")):
            return hit
    return None


def find_tags(*texts: str) -> list[tuple[str, str]]:
    """(kind, value) pairs found in the texts: province, former_province, country, org.

    One pass over the folded words with phrase look-ups: its cost grows with the article, not
    with the number of names known.
    """
    phrases, places, partners, context_only, longest = _lexicon()
    tokens = _tokens(" ".join(t for t in texts if t))
    found: set[tuple[str, str]] = set()
    n_tokens = len(tokens)
    starts = _starts()
    for i in range(n_tokens):
        if tokens[i] not in starts:
            continue
        for n in range(1, min(longest, n_tokens - i) + 1):
            key = tokens[i:i + n]
            for kind, value in phrases.get(key, ()):
                if value == "Lào" and i + n < n_tokens and tokens[i + n] == "Cai":
                    continue  # Lào Cai is a province, not Laos
                found.add((kind, value))
            country = context_only.get(key)
            if country and (any(tokens[max(0, i - len(c)):i] == c for c in CONTEXTS)
                            or tokens[i + n:i + n + 2] == ("Viet", "Nam")):
                found.add(("country", country))
        if tokens[i:i + len(UNION)] == UNION:
            j = i + len(UNION)
            for q in QUALIFIERS:
                if tokens[j:j + len(q)] == q:
                    j += len(q)
                    break
            place = _name_at(tokens, j, places, longest)
            if place:
                found.add(("org", f"Liên hiệp các tổ chức hữu nghị {place}"))
        if tokens[i:i + len(FRIENDS)] == FRIENDS:
            partner = _name_at(tokens, i + len(FRIENDS), partners, longest)
            if partner:
                found.add(("org", f"Hội hữu nghị Việt Nam - {partner}"))
    return sorted(found)
