"""What an article is about: provinces (the 34 units since 1 July 2025, and their former names),
partner countries and the friendship organisations, found in its clean text.

Matching ignores diacritics and tone placement but keeps case, so "Hòa Bình" (a former
province) is not "hòa bình" (peace), and names that are also common words or given names
("Nga", "Anh", "Đức", "Mỹ") count only in a country context ("Liên bang Nga", "Việt Nam – Nga",
"Đại sứ quán Đức"). A former province is tagged with its current unit and its own name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from storage.textnorm import normalize

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
    decomposed = unicodedata.normalize("NFD", normalize(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _alternation(names: tuple[str, ...] | list[str]) -> str:
    forms = sorted({re.escape(_fold_case(n)).replace(r"\ ", r"\s+") for n in names}, key=len, reverse=True)
    return "|".join(forms)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, str, re.Pattern[str]]]:
    out: list[tuple[str, str, re.Pattern[str]]] = []
    for unit, former in PROVINCES.items():
        names = list(PROVINCE_VARIANTS.get(unit, (unit,)))
        out.append(("province", unit, re.compile(rf"(?<!\w)(?:{_alternation(names)})(?!\w)")))
        for old in former:
            pat = re.compile(rf"(?<!\w)(?:{_alternation([old])})(?!\w)")
            out.append(("province", unit, pat))
            out.append(("former_province", old.replace(" – ", " - "), pat))
    lao_cai = _fold_case("Lào Cai")
    for country, names in COUNTRIES.items():
        if country in CONTEXT_ONLY:
            word = re.escape(_fold_case(CONTEXT_ONLY[country]))
            pat = rf"{_fold_case(COUNTRY_CONTEXT)}{word}(?!\w)|(?<!\w){word}\s*[-–]\s*Viet Nam(?!\w)"
            if names:
                pat += rf"|(?<!\w)(?:{_alternation(names)})(?!\w)"
            out.append(("country", country, re.compile(pat)))
            continue
        guard = rf"(?!\s+{lao_cai.split()[1]})" if country == "Lào" else ""
        out.append(("country", country, re.compile(rf"(?<!\w)(?:{_alternation(names)})(?!\w){guard}")))
    for org, names in ORGS.items():
        out.append(("org", org, re.compile(rf"(?<!\w)(?:{_alternation(names)})(?!\w)")))
    # provincial unions and bilateral associations, named after their place or partner
    union = _fold_case("Liên hiệp các tổ chức hữu nghị").replace(" ", r"\s+")
    for unit, former in PROVINCES.items():
        for name in (unit, *former):
            names = PROVINCE_VARIANTS.get(name, (name,))
            out.append(("org", f"Liên hiệp các tổ chức hữu nghị {name.replace(' – ', ' - ')}", re.compile(
                rf"(?<!\w){union}\s+(?:tinh|thanh pho|TP\.?)?\s*(?:{_alternation(names)})(?!\w)")))
    friends = _fold_case("Hội hữu nghị Việt Nam").replace(" ", r"\s+")
    for country, names in COUNTRIES.items():
        forms = list(names) or [country]
        out.append(("org", f"Hội hữu nghị Việt Nam - {country}", re.compile(
            rf"(?<!\w){friends}\s*[-–]\s*(?:{_alternation(forms + [country])})(?!\w)")))
    return out


def find_tags(*texts: str) -> list[tuple[str, str]]:
    """(kind, value) pairs found in the texts: province, former_province, country, org."""
    folded = _fold_case(" ".join(t for t in texts if t))
    found: set[tuple[str, str]] = set()
    for kind, value, pattern in _patterns():
        if pattern.search(folded):
            found.add((kind, value))
    return sorted(found)
