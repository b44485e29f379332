"""One event, one story: independent rewrites join by their events, look-alikes stay apart, a
page "updated" days later stays in its story, and a person's merge or split outlives a rebuild —
through the archive on both backends, with reports of the labelled story set."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from huunghi.crawler.extract.extractor import Extracted
from huunghi.crawler.reading import to_record
from huunghi.storage.archive import Archive, ArticleRecord
from huunghi.text.events import EventSignature, compare, named, signature
from tests.fixtures.crawling import huunghi

DATA = Path(__file__).resolve().parents[1] / "bench" / "data" / "stories" / "reports.jsonl"
REPORTS = {r["id"]: r for r in map(json.loads, DATA.read_text(encoding="utf-8").splitlines())}


def _record(report_id: str) -> ArticleRecord:
    r = REPORTS[report_id]
    first, *rest = r["text"].split("\n\n")
    art = Extracted(
        title=r["title"],
        lead=first,
        body_text="\n\n".join(rest),
        body_html="",
        published=datetime.fromisoformat(r["published"]),
    )
    return to_record(art, r["url"], None, None, "vi")


def _store(archive: Archive, *ids: str) -> dict[str, int]:
    """Store the reports in publication order; each one's story."""
    for rid in sorted(ids, key=lambda i: REPORTS[i]["published"]):
        portal = REPORTS[rid]["portal"]
        sid = archive.crawls.ensure_source(portal, portal, f"https://{portal}/")
        archive.articles.store(sid, _record(rid))
    stories = {a.url: a.story_id for a in archive.reads.iter_articles()}
    return {rid: stories[REPORTS[rid]["url"]] for rid in ids}


SEED_PAIR = ("f01-thanhhoa-2025-thoidai", "f01-thanhhoa-2025-baothanhhoa", "f01-thanhhoa-2025-vietnamplus")
# the same union's conference a year before, and the neighbouring province's the day before
LOOKALIKES = ("f01-thanhhoa-2024-baothanhhoa", "f01-nghean-2025-baonghean", "f01-nghean-2025-thoidai")


def test_rewrites_join_and_lookalikes_stay_apart(archive_url):
    with Archive(archive_url) as archive:
        story = _store(archive, *SEED_PAIR, *LOOKALIKES)
    assert len({story[i] for i in SEED_PAIR}) == 1  # the seeds' pair and a wire version: one story
    assert story["f01-nghean-2025-baonghean"] == story["f01-nghean-2025-thoidai"]
    assert len({story[SEED_PAIR[0]], story[LOOKALIKES[0]], story[LOOKALIKES[1]]}) == 3


def test_a_page_updated_twelve_days_later_stays_in_its_story(archive_url):
    late = "f01-nghean-2025-vufo"  # published 26/1 for a conference of 14/1
    assert (date.fromisoformat(REPORTS[late]["published"][:10]) - date(2026, 1, 14)).days == 12
    with Archive(archive_url) as archive:
        story = _store(archive, "f01-nghean-2025-baonghean", late)
        (day,) = archive.session().execute(text("SELECT DISTINCT day FROM story_keys")).scalars()
    assert story[late] == story["f01-nghean-2025-baonghean"]
    assert day == (date(2026, 1, 14) - date(1970, 1, 1)).days  # indexed on the event's day


def test_signature_keeps_names_as_written_and_compares_them_folded():
    pub = date(2026, 1, 16)
    a = signature(
        "Hội nghị", "Chiều 15/1, ông Trịnh Tuấn Sinh chủ trì; 1,9 triệu USD.", pub, places=["Thanh Hóa"]
    )
    b = signature(
        "Hoi nghi", "Ngay 15/01, ong Trinh Tuan Sinh chu tri; 1,9 trieu USD.", pub, places=["Thanh Hoa"]
    )
    assert a.people == {"Trịnh Tuấn Sinh"} and a.figures == {"1900000 usd"}
    got = compare(a, b)
    assert not got.conflict and got.same_event, got
    assert EventSignature.from_json(a.to_json()) == a


def test_another_day_or_province_is_another_event():
    base = EventSignature(
        day=date(2026, 1, 15), people=frozenset({"Trịnh Tuấn Sinh"}), places=frozenset({"Thanh Hóa"})
    )
    a_year_on = EventSignature(day=date(2027, 1, 14), people=base.people, places=base.places)
    elsewhere = EventSignature(day=base.day, people=base.people, places=frozenset({"Nghệ An"}))
    assert compare(base, a_year_on).conflict == "day"
    assert compare(base, elsewhere).conflict == "place"
    # the next morning's wire is the same day; a name without honorific after a title is a person
    assert not compare(base, EventSignature(day=date(2026, 1, 16), people=base.people)).conflict
    assert "phan anh son" in named("Chủ tịch Liên hiệp các tổ chức hữu nghị Việt Nam Phan Anh Sơn nhấn mạnh")
    assert not named("Hà Tĩnh và Lâm Đồng; Thành phố Hồ Chí Minh")  # places, not people


def test_candidates_come_from_the_index_not_a_scan(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with Archive(url) as archive:
        _store(archive, *SEED_PAIR[:1])
        plan = archive.session().execute(
            text(
                "EXPLAIN QUERY PLAN SELECT article_id FROM story_keys"
                " WHERE key IN ('p:x') AND day BETWEEN 1 AND 9"
            )
        )
        detail = " ".join(str(row[-1]) for row in plan)
    assert "ix_story_keys_key_day" in detail, detail


@pytest.mark.e2e
def test_merge_and_split_by_hand_outlive_a_rebuild(tmp_path):
    db = tmp_path / "a.sqlite"
    config = tmp_path / "huunghi.toml"
    config.write_text(f'[archive]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    with Archive(f"sqlite:///{db}") as archive:
        story = _store(archive, *SEED_PAIR, "f01-dongnai-2024-baodongnai")
        ids = {a.url: a.id for a in archive.reads.iter_articles()}
    wire = ids[REPORTS[SEED_PAIR[2]]["url"]]
    other = story["f01-dongnai-2024-baodongnai"]

    run = huunghi("--config", str(config), "stories", "split", str(wire), "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    alone = json.loads(run.stdout)["story"]
    run = huunghi("--config", str(config), "stories", "merge", str(alone), str(other), "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    run = huunghi("--config", str(config), "stories", "rebuild", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["articles"] == 4

    with Archive(f"sqlite:///{db}") as archive:
        after = {a.url: a.story_id for a in archive.reads.iter_articles()}
        decided = archive.stories.decisions()
    first, second = (after[REPORTS[i]["url"]] for i in SEED_PAIR[:2])
    assert first == second  # the machine's join stands
    assert after[REPORTS[SEED_PAIR[2]]["url"]] != first  # split by hand: stays out
    assert (
        after[REPORTS[SEED_PAIR[2]]["url"]] == after[REPORTS["f01-dongnai-2024-baodongnai"]["url"]]
    )  # merged
    assert any(not same for *_, same in decided) and any(same for *_, same in decided)

    run = huunghi("--config", str(config), "stories", "decisions", "--json", cwd=tmp_path)
    reviewed = json.loads(run.stdout)
    assert run.returncode == 0 and len(reviewed) == len(decided)
    # the split wire version is the same event to the rule: the person overrules it, and it shows
    assert any(not r["same"] and r["rule_same"] for r in reviewed)
    run = huunghi("--config", str(config), "stories", "decisions", cwd=tmp_path, env={"COLUMNS": "200"})
    assert "the rule agrees on" in run.stdout

    bad = huunghi("--config", str(config), "stories", "merge", "999999", str(first), cwd=tmp_path)
    assert bad.returncode == 1 and "999999" in bad.stderr
