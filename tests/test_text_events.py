"""Event features of the seeds' 000/002 pair: two wordings of one conference agree."""

from datetime import date
from pathlib import Path

from huunghi.text.events import event_day, figures, people

SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"


def test_seed_pair_agrees_on_person_and_day() -> None:
    a = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    b = next(SEEDS.glob("002_*.txt")).read_text(encoding="utf-8")
    pub = date(2026, 1, 16)
    assert "trinh tuan sinh" in people(a) & people(b)
    assert event_day(a, pub) == event_day(b, pub) == date(2026, 1, 15)


def test_day_never_after_publication_and_year_from_it() -> None:
    assert event_day("Chiều 28/12, hội nghị …", date(2026, 1, 3)) == date(2025, 12, 28)
    assert event_day("sáng thứ Năm (12/3) tại Hà Nội", date(2026, 3, 13)) == date(2026, 3, 12)
    assert event_day("Không có ngày", date(2026, 3, 13)) is None


def test_figures_with_scale_and_unit() -> None:
    got = figures("Dự án 1,9 triệu USD xây 20 căn nhà, hồi hương 54 hài cốt.")
    assert (1_900_000.0, "usd") in got
    assert (20.0, "can nha") in got
    assert (54.0, "hai cot") in got
