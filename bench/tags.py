"""Tag quality: precision and recall per tag kind, and the main-place reading apart, on labelled
article texts (title, lead, body) written for it: every province, former province and partner
country in the sentences friendship-union portals write, and each trap met on real articles
(names that are not places, places only mentioned, organisations' short forms, missing
spellings). Run: ``.venv/bin/python -m bench.tags`` (``--show`` lists every miss).

The main-place reading (the provinces an article is *about*: ``main_places``) is scored apart
from the places it only mentions, on these texts and on 48 reports of ``bench/data/stories``
(written as the country's press writes them, two of them the seeds' real articles) whose main
provinces were labelled by reading their title and lead, by hand (``MAIN_LABELLED``)."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from huunghi.crawler.extract.tags import COUNTRIES, PROVINCES, main_places, read_tags

Case = tuple[str, str, str, set[tuple[str, str]], set[str]]  # title, lead, body, tags, main provinces

P, F, C, ORG = "province", "former_province", "country", "org"


def _lh(unit: str) -> tuple[str, str]:
    return (ORG, f"Liên hiệp các tổ chức hữu nghị {unit}")


def _hh(country: str) -> tuple[str, str]:
    return (ORG, f"Hội hữu nghị Việt Nam - {country}")


def generated() -> list[Case]:
    """The sentences portals write, once for every name (spelling and structure, not traps)."""
    cases: list[Case] = []
    for k, unit in enumerate(PROVINCES):
        city = unit in ("Hà Nội", "Huế", "Hải Phòng", "Đà Nẵng", "Cần Thơ")
        name = "Thành phố Hồ Chí Minh" if unit == "TP Hồ Chí Minh" else unit
        qual = "" if unit == "TP Hồ Chí Minh" else ("thành phố " if city else "tỉnh ")
        title = f"Liên hiệp các tổ chức hữu nghị {qual}{name} tổng kết năm 2025"
        lead = f"Ngày {k % 28 + 1}/12, tại {name}, hội nghị đánh giá công tác đối ngoại nhân dân."
        cases.append(
            (
                title,
                lead,
                "Các đại biểu thảo luận về hợp tác giáo dục và y tế.",
                {(P, unit), _lh(unit)},
                {unit},
            )
        )
    for unit, former in PROVINCES.items():
        for old in former:
            cases.append(
                (
                    f"Đoàn công tác thăm {old} cũ",
                    f"Bà con ở {old} (nay thuộc {unit}) đón đoàn.",
                    "Chuyến thăm diễn ra trong hai ngày.",
                    {(P, unit), (F, old)},
                    {unit},
                )
            )
    for country, names in COUNTRIES.items():
        if not names:
            cases.append(
                (
                    f"Đại sứ quán {country} trao học bổng",
                    f"Nhân dân {country} và Việt Nam gắn bó.",
                    "Buổi lễ diễn ra ấm cúng.",
                    {(C, country)},
                    set(),
                )
            )
            continue
        name = names[0]
        cases.append(
            (
                f"Hội hữu nghị Việt Nam – {name} đại hội nhiệm kỳ mới",
                f"Quan hệ giữa Việt Nam và {name} không ngừng phát triển.",
                "Đại hội bầu ban chấp hành.",
                {(C, country), _hh(country)},
                set(),
            )
        )
    return cases


# each trap seen on real articles, written out: (title, lead, body, tags, main provinces)
WRITTEN: list[Case] = [
    (
        "Hội Hữu nghị Việt Nam – Campuchia tỉnh Tây Ninh họp",
        "",
        "",
        {_hh("Campuchia"), (C, "Campuchia"), (P, "Tây Ninh")},
        {"Tây Ninh"},
    ),
    ("LIÊN HIỆP CÁC TỔ CHỨC HỮU NGHỊ TỈNH NGHỆ AN", "", "", {_lh("Nghệ An"), (P, "Nghệ An")}, {"Nghệ An"}),
    (
        "Liên hiệp Các tổ chức hữu nghị tỉnh Quảng Ninh đón khách",
        "",
        "",
        {_lh("Quảng Ninh"), (P, "Quảng Ninh")},
        {"Quảng Ninh"},
    ),
    (
        "",
        "Hội hữu nghị Việt - Nga tỉnh Lâm Đồng ra mắt.",
        "",
        {_hh("Nga"), (C, "Nga"), (P, "Lâm Đồng")},
        {"Lâm Đồng"},
    ),
    ("", "Thắt chặt tình đoàn kết Việt - Lào.", "", {(C, "Lào")}, set()),
    ("", "Hội Việt – Mỹ tổ chức giao lưu.", "", {_hh("Mỹ"), (C, "Mỹ")}, set()),
    ("", "Quan hệ Việt Nam – Liên bang Nga ngày càng bền chặt.", "", {(C, "Nga")}, set()),
    ("", "Liên hiệp Hữu nghị Việt Nam chúc mừng.", "", {(ORG, "VUFO")}, set()),
    (
        "",
        "Liên hiệp các tổ chức hữu nghị Thành phố Hồ Chí Minh tiếp đoàn.",
        "",
        {_lh("TP Hồ Chí Minh"), (P, "TP Hồ Chí Minh")},
        {"TP Hồ Chí Minh"},
    ),
    ("", "Học sinh Trường Phổ thông Thái Bình Dương biểu diễn.", "", set(), set()),
    ("", "Hợp tác khu vực châu Á - Thái Bình Dương.", "", set(), set()),
    ("", "Ông Phan Thái Bình, Phó Chủ tịch, phát biểu.", "", set(), set()),
    ("", "Thăm Bà mẹ Việt Nam Anh hùng Nguyễn Thị Huế.", "", set(), set()),
    ("", "Bà con nhân dân Đức Phổ đón đoàn.", "", set(), set()),
    ("", "Pháp luật về hội được hoàn thiện.", "", set(), set()),
    ("", "Sở Lao động và Bộ Lao động phối hợp.", "", set(), set()),
    ("", "Đoàn công tác tại Việt Nam. Anh Tuấn, trưởng đoàn, cho biết.", "", set(), set()),
    ("", "Trang thông tin điện tử (Việt - Anh) ra mắt.", "", set(), set()),
    (
        "",
        "Đoàn Bungari và đoàn CH Séc cùng Colombia, Armenia dự.",
        "",
        {(C, "Bulgaria"), (C, "Séc"), (C, "Colombia"), (C, "Armenia")},
        set(),
    ),
    ("", "Tỉnh Thừa Thiên-Huế cũ nay là thành phố Huế.", "", {(P, "Huế"), (F, "Thừa Thiên Huế")}, {"Huế"}),
    ("", "Vì hòa bình và hữu nghị.", "", set(), set()),
    ("", "Đoàn đến tỉnh Hòa Bình cũ.", "", {(P, "Phú Thọ"), (F, "Hòa Bình")}, {"Phú Thọ"}),
    ("", "Bà Nguyễn Phương Nga phát biểu.", "", set(), set()),
    ("", "Đại sứ Hoa Kỳ tặng hoa.", "", {(C, "Mỹ")}, set()),
    ("", "Đoàn Lào thăm Lào Cai.", "", {(C, "Lào"), (P, "Lào Cai")}, {"Lào Cai"}),
    ("", "Đại diện LB Nga dự lễ.", "", {(C, "Nga")}, set()),
    (
        "Giao lưu nhân dân ở Quảng Trị",
        "Đoàn thăm Quảng Trị.",
        "Ảnh: Báo Thanh Hóa",
        {(P, "Quảng Trị"), (P, "Thanh Hóa")},
        {"Quảng Trị"},
    ),
    ("Sinh viên quốc tế giao lưu", "Sinh viên Đại học Quốc gia Hà Nội tham gia.", "", {(P, "Hà Nội")}, set()),
    ("Lào và Campuchia", "", "", {(C, "Lào"), (C, "Campuchia")}, set()),
    (
        "",
        "Sở Ngoại vụ Đồng Tháp làm việc với Đại sứ quán Đức.",
        "",
        {(P, "Đồng Tháp"), (C, "Đức")},
        {"Đồng Tháp"},
    ),
    ("", "Chị Thu Nga và anh Minh Đức tham gia.", "", set(), set()),
    ("", "Chủ tịch Hồ Chí Minh bàn về hòa bình.", "", set(), set()),
    ("", "Người dân TP.HCM hưởng ứng.", "", {(P, "TP Hồ Chí Minh")}, {"TP Hồ Chí Minh"}),
    ("THANH HÓA ĐÓN ĐOÀN HỮU NGHỊ LÀO", "", "", {(P, "Thanh Hóa"), (C, "Lào")}, {"Thanh Hóa"}),
    ("", "Tỉnh Thanh Hoá và tỉnh Thanh Hóa là một.", "", {(P, "Thanh Hóa")}, {"Thanh Hóa"}),
    ("", "Lao động nước ngoài tại Bắc Ninh.", "", {(P, "Bắc Ninh")}, {"Bắc Ninh"}),
    ("", "Nhân dân Nga và nhân dân Việt Nam.", "", {(C, "Nga")}, set()),
    ("", "Anh hùng lao động Trần Văn Đức kể chuyện.", "", set(), set()),
    ("", "Cộng hòa Séc và Vương quốc Anh cùng dự.", "", {(C, "Séc"), (C, "Anh")}, set()),
    (
        "",
        "Hội hữu nghị Việt Nam – Nhật Bản thành phố Hải Phòng.",
        "",
        {_hh("Nhật Bản"), (C, "Nhật Bản"), (P, "Hải Phòng")},
        {"Hải Phòng"},
    ),
]


# the provinces each report is about, read from its title and lead (the venue of a national event
# counts: "tại Hà Nội"; a report naming no province there has none)
HCM = "TP Hồ Chí Minh"
MAIN_LABELLED: dict[str, set[str]] = {
    "f01-thanhhoa-2025-thoidai": {"Thanh Hóa", "Đồng Nai"},
    "f01-thanhhoa-2025-baothanhhoa": {"Thanh Hóa"},
    "f01-thanhhoa-2025-vietnamplus": {"Thanh Hóa"},
    "f01-nghean-2025-baonghean": {"Nghệ An"},
    "f01-nghean-2025-thoidai": {"Nghệ An"},
    "f01-nghean-2025-vufo": {"Nghệ An"},
    "f01-thanhhoa-2024-baothanhhoa": {"Thanh Hóa"},
    "f01-quangninh-2025-baoquangninh": {"Quảng Ninh"},
    "f01-quangninh-2025-thoidai": {"Quảng Ninh"},
    "f01-hatinh-2025-baohatinh": {"Hà Tĩnh"},
    "f01-dongnai-2024-baodongnai": {"Đồng Nai"},
    "f02-lao-nghean-2026-baonghean": {"Nghệ An"},
    "f02-lao-nghean-2026-baoquocte": {"Nghệ An"},
    "f02-lao-nghean-2026-thoidai": {"Nghệ An"},
    "f02-lao-hatinh-2026-baohatinh": {"Hà Tĩnh"},
    "f02-lao-hatinh-2026-vufo": {"Hà Tĩnh"},
    "f02-lao-quangtri-2026-baoquangtri": {"Quảng Trị"},
    "f02-lao-nghean-2025-baonghean": {"Nghệ An"},
    "f02-cam-nghean-2026-baonghean": {"Nghệ An"},
    "f03-dongnai-bangiao-2026-baodongnai": {"Đồng Nai"},
    "f03-dongnai-bangiao-2026-thoidai": {"Đồng Nai"},
    "f03-dongnai-bangiao-2026-vietnamplus": {"Đồng Nai"},
    "f03-dongnai-khoicong-2026-baodongnai": {"Đồng Nai"},
    "f03-dongnai-khoicong-2026-thoidai": {"Đồng Nai"},
    "f03-quangngai-2025-baoquangngai": {"Quảng Ngãi"},
    "f03-quangngai-2025-thoidai": {"Quảng Ngãi"},
    "f03-quangtri-2026-baoquangtri": {"Quảng Trị"},
    "f03-hungyen-2026-baohungyen": {"Hưng Yên"},
    "f04-nghean-2026-baonghean": {"Nghệ An"},
    "f04-nghean-2026-vietnamplus": {"Nghệ An"},
    "f04-nghean-2026-baoquocte": {"Nghệ An"},
    "f04-nghean-2025-baonghean": {"Nghệ An"},
    "f04-quangtri-2026-baoquangtri": {"Quảng Trị"},
    "f04-quangtri-2026-qpvn": {"Quảng Trị"},
    "f04-tayninh-2026-baotayninh": {"Tây Ninh"},
    "f04-tayninh-2026-vietnamplus": {"Tây Ninh"},
    "f04-angiang-2026-baoangiang": {"An Giang"},
    "f05-japan-ambassador-2026-vufo": {"Hà Nội"},
    "f05-japan-ambassador-2026-baoquocte": set(),
    "f05-japan-ambassador-2026-thoidai": {"Hà Nội"},
    "f05-cuba-ambassador-2026-vufo": {"Hà Nội"},
    "f05-cuba-ambassador-2026-nhandan": {"Hà Nội"},
    "f05-japan-ambassador-2023-vufo": {"Hà Nội"},
    "f05-ngo-2025-vufo": {"Hà Nội"},
    "f05-ngo-2025-baoquocte": set(),
    "f05-hcm-consul-2026-sggp": {HCM},
    "f06-vnjp-hcm-daihoi-2026-sggp": {HCM},
    "f06-vnjp-hcm-daihoi-2026-thoidai": {HCM},
}
REPORTS = Path(__file__).resolve().parent / "data" / "stories" / "reports.jsonl"


def labelled_reports() -> list[tuple[str, str, str, str, set[str]]]:
    """(id, title, lead, body, main provinces) of the reports in ``MAIN_LABELLED``: the first
    paragraph is the lead, the rest the body."""
    out = []
    for line in REPORTS.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["id"] in MAIN_LABELLED:
            lead, _, body = r["text"].partition("\n\n")
            out.append((r["id"], r["title"], lead, body, MAIN_LABELLED[r["id"]]))
    return out


def score_main(
    reports: list[tuple[str, str, str, str, set[str]]], show: bool = False
) -> tuple[float, float, int, int]:
    """Main places on the labelled reports: precision, recall, labelled, reports exactly right."""
    tp = fp = fn = exact = 0
    for rid, title, lead, body, want in reports:
        got = set(main_places(read_tags(title, lead, body)))
        tp, fp, fn, exact = (
            tp + len(got & want),
            fp + len(got - want),
            fn + len(want - got),
            exact + (got == want),
        )
        if show and got != want:
            print(f"  main place: +{sorted(got - want)} -{sorted(want - got)} in {rid}")
    return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp + fn, exact)


def score(cases: list[Case], show: bool = False) -> dict[str, tuple[float, float, int]]:
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    exact = 0
    for title, lead, body, want, want_main in cases:
        tags = read_tags(title, lead, body)
        got = {(g.kind, g.value) for g in tags}
        main = set(main_places(tags))
        exact += got == want
        mentioned = {v for k, v in got if k == P} - main  # provinces named in passing only
        want_mentioned = {v for k, v in want if k == P} - want_main
        for kind, g, w in [
            (k, {x for x in got if x[0] == k}, {x for x in want if x[0] == k}) for k in (P, F, C, ORG)
        ] + [("main place", main, want_main), ("mentioned place", mentioned, want_mentioned)]:
            tp[kind] += len(g & w)
            fp[kind] += len(g - w)
            fn[kind] += len(w - g)
            if show and g != w:
                print(f"  {kind}: +{sorted(g - w)} -{sorted(w - g)} in {(title or lead or body)[:70]!r}")
    out = {}
    for kind in (P, F, C, ORG, "main place", "mentioned place"):
        prec = tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else 1.0
        rec = tp[kind] / (tp[kind] + fn[kind]) if tp[kind] + fn[kind] else 1.0
        out[kind] = (prec, rec, tp[kind] + fn[kind])
    out["exact"] = (exact / len(cases), 0.0, len(cases))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--show", action="store_true", help="list every miss and every extra tag")
    args = ap.parse_args()
    for name, cases in (
        ("generated", generated()),
        ("written traps", WRITTEN),
        ("all", generated() + WRITTEN),
    ):
        res = score(cases, show=args.show and name != "all")
        print(f"{name}: {len(cases)} texts, {res['exact'][0]:.3f} exactly right")
        for kind in (P, F, C, ORG, "main place", "mentioned place"):
            prec, rec, n = res[kind]
            print(f"  {kind:16} P {prec:.3f}  R {rec:.3f}  ({n} labelled)")
    reports = labelled_reports()
    prec, rec, n, exact = score_main(reports, show=args.show)
    print(f"story reports, main places labelled by reading: {len(reports)} texts, {exact} exactly right")
    print(f"  {'main place':16} P {prec:.3f}  R {rec:.3f}  ({n} labelled)")


if __name__ == "__main__":
    main()
