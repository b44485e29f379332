"""Tags: what an article is about, read as Vietnamese is written (marks, case, punctuation,
names inside names), with where and how each was found."""

from __future__ import annotations

import unicodedata

import pytest

from huunghi.crawler.extract.tags import find_tags, main_places, read_tags


def _tags(text: str) -> set[tuple[str, str]]:
    return set(find_tags("", "", text))


@pytest.mark.parametrize(
    "text, want",
    [
        (
            "Hội Hữu nghị Việt Nam – Campuchia họp.",
            {("org", "Hội hữu nghị Việt Nam - Campuchia"), ("country", "Campuchia")},
        ),
        ("Hội hữu nghị Việt - Nga ra mắt.", {("org", "Hội hữu nghị Việt Nam - Nga"), ("country", "Nga")}),
        ("Hội Việt – Mỹ giao lưu.", {("org", "Hội hữu nghị Việt Nam - Mỹ"), ("country", "Mỹ")}),
        ("Quan hệ Việt Nam – Liên bang Nga.", {("country", "Nga")}),
        ("Liên hiệp Hữu nghị Việt Nam chúc mừng.", {("org", "VUFO")}),
        (
            "Liên hiệp Các tổ chức hữu nghị tỉnh Nghệ An.",
            {("org", "Liên hiệp các tổ chức hữu nghị Nghệ An"), ("province", "Nghệ An")},
        ),
        (
            "Liên hiệp các tổ chức hữu nghị Thành phố Hồ Chí Minh.",
            {("org", "Liên hiệp các tổ chức hữu nghị TP Hồ Chí Minh"), ("province", "TP Hồ Chí Minh")},
        ),
        ("Trường Phổ thông Thái Bình Dương; châu Á - Thái Bình Dương.", set()),
        ("Ông Phan Thái Bình phát biểu.", set()),
        ("Thăm Bà mẹ Việt Nam Anh hùng Nguyễn Thị Huế.", set()),
        ("Bà con nhân dân Đức Phổ.", set()),
        ("Pháp luật về hội.", set()),
        ("Sở Lao động và Bộ Lao động.", set()),
        ("Đoàn tại Việt Nam. Anh Tuấn cho biết.", set()),
        ("Trang web (Việt - Anh).", set()),
        (
            "Bungari, CH Séc, Colombia, Armenia.",
            {("country", "Bulgaria"), ("country", "Séc"), ("country", "Colombia"), ("country", "Armenia")},
        ),
        ("Thừa Thiên-Huế và Thừa Thiên Huế.", {("province", "Huế"), ("former_province", "Thừa Thiên Huế")}),
        ("Vì hòa bình; tỉnh Hòa Bình cũ.", {("province", "Phú Thọ"), ("former_province", "Hòa Bình")}),
        ("Hoa Kỳ tặng hoa.", {("country", "Mỹ")}),
        ("Đoàn Lào thăm Lào Cai.", {("country", "Lào"), ("province", "Lào Cai")}),
        ("LB Nga; bà Nguyễn Phương Nga.", {("country", "Nga")}),
        (unicodedata.normalize("NFD", "Tỉnh Thanh Hoá đón khách."), {("province", "Thanh Hóa")}),
        ("Dai su quan Duc o Ha Noi", {("country", "Đức"), ("province", "Hà Nội")}),  # written without marks
    ],
)
def test_tags_read_names_as_vietnamese_writes_them(text, want):
    assert _tags(text) == want


def test_tags_say_where_and_how_they_were_found_so_main_places_stand_apart():
    tags = read_tags(
        "Giao lưu nhân dân ở Quảng Trị",
        "Sinh viên Đại học Quốc gia Hà Nội tham gia.",
        "Tỉnh Cà Mau gửi lời chào. Ảnh: Báo Thanh Hóa",
    )
    how = {g.value: (g.field, g.via) for g in tags}
    assert how["Quảng Trị"] == ("title", "text") and how["Hà Nội"] == ("lead", "name")
    assert how["Cà Mau"] == ("body", "text") and how["Thanh Hóa"] == ("body", "name")
    assert main_places(tags) == ["Quảng Trị"]
    org = read_tags("Liên hiệp các tổ chức hữu nghị tỉnh Thanh Hóa tổng kết", "", "")
    assert {(g.value, g.via) for g in org} >= {("Thanh Hóa", "org")} and main_places(org) == ["Thanh Hóa"]
    # found in the body first, then in the title: the title counts
    again = read_tags("Đồng Nai", "", "Đồng Nai")
    assert [(g.field, g.main) for g in again] == [("title", True)]
    # a chapter's place, right after an association's name, is the association's (and the article's)
    for chapter in ("TP Hồ Chí Minh", "tỉnh Nghệ An", "Hà Nội"):
        ch = read_tags(f"Hội hữu nghị Việt Nam - Nhật Bản {chapter} bước vào nhiệm kỳ mới", "", "")
        assert [g.via for g in ch if g.kind == "province"] == ["org"] and len(main_places(ch)) == 1
    # not across punctuation: "…Nhật Bản. Hà Nội…" is a sentence about Hà Nội, found as text
    apart = read_tags("", "Hội hữu nghị Việt Nam - Nhật Bản họp. Hà Nội mưa to.", "")
    assert [(g.value, g.via) for g in apart if g.kind == "province"] == [("Hà Nội", "text")]
