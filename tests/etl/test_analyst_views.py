"""The analyst views of issue 33 on the sample, on both engines: calendar, keyword weeks, paper keywords and
links, and the dates columns of v_papers and the sighting views."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.pipeline import load_folder
from tests.conftest import dump_text, set_mtime, write_dump

# Three sample dumps take their listing year from the file's modification time: fix it, so the
# pins below (the calendar's last day, the weeks) do not move with the day of the clone.
SAVED = dt.datetime(2026, 7, 1)


def rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql)).all()]


@pytest.fixture
def sample(engine, sample_dir: Path, clock):
    for path in sample_dir.glob("*.txt"):
        set_mtime(path, SAVED)
    load_folder(sample_dir, engine)
    return engine


def test_the_calendar_is_every_day_of_the_dates_span(sample):
    assert rows(
        sample,
        "SELECT count(*), count(DISTINCT date), min(date), max(date), sum(dumps_listed), "
        "sum(CASE WHEN has_dump THEN 1 ELSE 0 END) FROM v_calendar",
    ) == [(3453, 3453, dt.date(2016, 12, 20), dt.date(2026, 6, 3), 5, 5)]
    assert rows(sample, "SELECT min(date), max(date) FROM dates") == [
        (dt.date(2016, 12, 20), dt.date(2026, 6, 3))
    ]
    known = (
        "SELECT date, date_id, week_start, iso_year, iso_week, month_start, year, month, day_of_week, "
        "dumps_listed, has_dump FROM v_calendar WHERE date IN ('2025-11-06', '2024-12-30', '2021-01-03') "
        "ORDER BY date"
    )
    assert rows(sample, known) == [
        (dt.date(2021, 1, 3), 20210103, dt.date(2020, 12, 28), 2020, 53, dt.date(2021, 1, 1), 2021, 1, 7, 0, False),
        (dt.date(2024, 12, 30), 20241230, dt.date(2024, 12, 30), 2025, 1, dt.date(2024, 12, 1), 2024, 12, 1, 0, False),
        (dt.date(2025, 11, 6), 20251106, dt.date(2025, 11, 3), 2025, 45, dt.date(2025, 11, 1), 2025, 11, 4, 1, True),
    ]  # fmt: skip
    # The calendar's attributes agree with the dates table's wherever both have the day.
    assert rows(
        sample,
        "SELECT count(*) FROM v_calendar AS c INNER JOIN dates AS d ON d.date_id = c.date_id AND d.date = c.date "
        "AND d.iso_year = c.iso_year AND d.iso_week = c.iso_week AND d.day_of_week = c.day_of_week",
    ) == [(238,)]


def test_months_without_sightings_show_as_zero_when_joined_to_the_calendar(sample):
    monthly = (
        "SELECT c.month_start, count(a.paper_id) FROM v_calendar AS c "
        "LEFT JOIN v_paper_appearances AS a ON a.listing_date = c.date "
        "WHERE c.date BETWEEN '2025-11-01' AND '2026-06-30' GROUP BY c.month_start ORDER BY c.month_start"
    )
    assert rows(sample, monthly) == [
        (dt.date(2025, 11, 1), 284), (dt.date(2025, 12, 1), 0), (dt.date(2026, 1, 1), 0),
        (dt.date(2026, 2, 1), 0), (dt.date(2026, 3, 1), 120), (dt.date(2026, 4, 1), 0),
        (dt.date(2026, 5, 1), 0), (dt.date(2026, 6, 1), 47),
    ]  # fmt: skip


def test_keyword_weeks_count_papers_by_their_first_listing_week(sample):
    assert rows(sample, "SELECT count(*), sum(papers), count(DISTINCT week_start) FROM v_keyword_weeks") == [
        (4957, 3953, 5)
    ]
    rl = (
        "SELECT week_start, iso_year, iso_week, papers, papers_week_before, change FROM v_keyword_weeks "
        "WHERE keyword = 'reinforcement learning' AND kind = 'keyphrase' ORDER BY week_start"
    )
    assert rows(sample, rl) == [
        (dt.date(2025, 11, 3), 2025, 45, 78, 0, 78),
        (dt.date(2025, 11, 10), 2025, 46, 0, 78, -78),  # the week after: a fall to zero shows
        (dt.date(2026, 3, 9), 2026, 11, 45, 0, 45),
        (dt.date(2026, 3, 16), 2026, 12, 0, 45, -45),
        (dt.date(2026, 6, 1), 2026, 23, 10, 0, 10),  # no week after 2026-06-03, the last date known
    ]
    # Every week, zeros included, from the calendar's weeks alone.
    every_week = (
        "SELECT count(*), sum(coalesce(kw.papers, 0)) FROM (SELECT DISTINCT week_start FROM v_calendar) AS w "
        "LEFT JOIN v_keyword_weeks AS kw ON kw.week_start = w.week_start AND kw.keyword = 'reinforcement learning' "
        "WHERE w.week_start BETWEEN '2025-11-03' AND '2026-06-01'"
    )
    assert rows(sample, every_week) == [(31, 133)]


def test_paper_keywords_carry_the_canonical_keyword_and_the_paper_s_form(sample):
    assert rows(sample, "SELECT count(*), count(DISTINCT paper_id) FROM v_paper_keywords") == [(3953, 411)]
    vision_r1 = (
        "SELECT k.keyword, k.form, k.kind, k.rank, k.score FROM v_paper_keywords AS k "
        "INNER JOIN v_paper_links AS l ON l.paper_id = k.paper_id "
        "WHERE l.url = 'https://github.com/Osilly/Vision-R1' AND k.rank <= 2 ORDER BY k.rank"
    )
    assert rows(sample, vision_r1) == [
        ("Vision-R1", "Vision-R1", "method", 0, None),
        ("multimodal large language model", "Multimodal Large Language Models", "keyphrase", 1, 9.0),
        ("large language model", "Large Language Models", "keyphrase", 2, 6.0),
    ]


def test_paper_links_name_the_owner_and_repository_of_code_and_hugging_face_links(sample):
    by_kind = "SELECT kind, count(*), count(owner), count(repository) FROM v_paper_links GROUP BY kind ORDER BY kind"
    assert rows(sample, by_kind) == [
        ("code", 73, 73, 73),
        ("huggingface", 3, 3, 2),
        ("other", 5, 0, 0),
        ("project_page", 26, 0, 0),
        ("video", 2, 0, 0),
    ]
    known = (
        "SELECT url, host, kind, owner, repository FROM v_paper_links WHERE url IN ("
        "'https://huggingface.co/datasets/nvidia/HelpSteer2', 'https://huggingface.co/RedStar-Reasoning', "
        "'https://huggingface.co/nvidia/Llama-3.1-Nemotron-70B-Reward', "
        "'https://github.com/XueruiSu/Trust-Region-Preference-Approximation.git') ORDER BY url"
    )
    assert rows(sample, known) == [
        ("https://github.com/XueruiSu/Trust-Region-Preference-Approximation.git", "github.com", "code",
         "XueruiSu", "Trust-Region-Preference-Approximation"),
        ("https://huggingface.co/RedStar-Reasoning", "huggingface.co", "huggingface", "RedStar-Reasoning", None),
        ("https://huggingface.co/datasets/nvidia/HelpSteer2", "huggingface.co", "huggingface", "nvidia", "HelpSteer2"),
        ("https://huggingface.co/nvidia/Llama-3.1-Nemotron-70B-Reward", "huggingface.co", "huggingface", "nvidia",
         "Llama-3.1-Nemotron-70B-Reward"),
    ]  # fmt: skip


def test_sightings_say_how_their_listing_year_was_found(sample):
    by_rule = (
        "SELECT listing_year_rule, listing_year_guessed, count(*) FROM v_paper_appearances "
        "GROUP BY listing_year_rule, listing_year_guessed ORDER BY listing_year_rule"
    )
    assert rows(sample, by_rule) == [("file_mtime", True, 167), ("inferred_from_cards", False, 284)]
    assert rows(sample, "SELECT count(*) FROM v_paper_appearances WHERE NOT listing_year_guessed") == [(284,)]
    duplicates = "SELECT listing_year_guessed, count(*) FROM v_duplicates GROUP BY 1 ORDER BY 1"
    assert rows(sample, duplicates) == [(False, 8), (True, 26)]


def test_v_papers_dates_and_peak_upvotes_on_the_sample(sample):
    figures = (
        "SELECT count(*), count(peak_upvotes), sum(CASE WHEN peak_upvotes <> upvotes THEN 1 ELSE 0 END), "
        "count(days_to_first_listing), min(days_to_first_listing), max(days_to_first_listing), "
        "sum(CASE WHEN card_date_after_first_listing THEN 1 ELSE 0 END) FROM v_papers"
    )
    assert rows(sample, figures) == [(411, 263, 0, 263, 18, 3243, 0)]


def test_peak_upvotes_and_a_card_date_after_the_first_listing(engine, tmp_path, clock):
    raw = tmp_path / "raw"
    write_dump(
        raw,
        "2025-01-03.txt",
        dump_text("Jan 3", ["Shared\n\nShared abstract.\n\n  • 4 authors\n·\nJan 10, 2025 9"]),
    )
    write_dump(
        raw,
        "2025-01-09.txt",
        dump_text("Jan 9", ["Shared\n\nShared abstract.\n\n  • 4 authors\n·\nJan 10, 2025 5"]),
    )
    load_folder(raw, engine)
    assert rows(
        engine,
        "SELECT upvotes, peak_upvotes, first_seen, published_date, days_to_first_listing, "
        "card_date_after_first_listing FROM v_papers",
    ) == [(5, 9, dt.date(2025, 1, 3), dt.date(2025, 1, 10), -7, True)]
    assert rows(engine, "SELECT listing_year_rule, listing_year_guessed FROM v_paper_appearances") == [
        ("file_name", False),
        ("file_name", False),
    ]
