"""The counts behind each chart of the report, on the sample: equal to the answers of docs/analysts.md.

The report's period starts on 2025-11-01, where the cookbook's month queries start, and ends on the last
listing date, so every paper of the sample is in it and each chart's counts are one of the cookbook's
answers (or their sums); those with no cookbook question are pinned here. On both engines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from etl.digest.figures import Figures, Period, gather, monday, period_for
from etl.warehouse import warehouse_engine
from tests.etl.digest.conftest import SINCE
from tests.test_analysts_cookbook import QUESTIONS


def answer(name: str) -> list[list[str]]:
    """The rows of the cookbook's answer to `name`, as the cells the page shows."""
    lines = QUESTIONS[name][1].splitlines()[2:]
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines]


def cells(*values: object) -> list[str]:
    """Values as the duckdb CLI's markdown prints them."""
    return ["" if v is None else str(v) for v in values]


@pytest.fixture(scope="module")
def figures(sample_warehouse: Path | URL) -> Figures:
    engine = warehouse_engine(sample_warehouse, read_only=isinstance(sample_warehouse, Path))
    try:
        with engine.connect() as connection:
            found = gather(connection, SINCE, 8)
            connection.rollback()
    finally:
        engine.dispose()
    assert found is not None
    return found


def test_the_period_runs_from_since_to_the_last_listing_and_the_holdings_are_the_cookbooks(figures):
    assert figures.period == Period(SINCE, dt.date(2026, 6, 3))
    h = figures.holdings
    assert [cells(*h.values())] == answer("holdings")
    assert cells(*h.values()) == ["411", "451", "5", "2025-11-04", "2026-06-03", "167"]


def test_each_day_with_a_dump_splits_new_and_returning_papers_as_each_dump_does(figures):
    per_dump = [[r[1], r[2], r[3], r[4], r[5] == "file_mtime"] for r in answer("new-per-dump")]
    shown = [
        [
            str(d["date"]),
            str(d["sightings"]),
            str(d["new_papers"]),
            str(d["returning_papers"]),
            d["year_guessed"],
        ]
        for d in figures.days
        if d["has_dump"]
    ]
    assert shown == per_dump
    assert [str(d) for d in figures.guessed_days] == ["2026-03-11", "2026-03-14", "2026-06-03"]


def test_the_days_summed_by_month_are_the_monthly_volume_and_sightings(figures):
    months: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for d in figures.days:
        m = months[d["month_start"]]
        m[0 if d["has_dump"] else 1] += 1
        m[2] += d["new_papers"]
        m[3] += d["sightings"]
        m[4] += 0 if d["year_guessed"] else d["sightings"]
    assert [cells(k, a, b, c) for k, (a, b, c, _, _) in months.items()] == answer("monthly-volume")
    assert [cells(k, s, known) for k, (_, _, _, s, known) in months.items()] == answer(
        "sightings-without-guesses"
    )
    assert len(figures.days) == figures.period.days == 215 and len(figures.gap_days) == 210


def test_the_weeks_sum_the_days(figures):
    assert [
        (str(w["week_start"]), w["new_papers"], w["year_guessed"]) for w in figures.weeks if w["new_papers"]
    ] == [
        ("2025-11-03", 272, False),
        ("2026-03-09", 98, True),
        ("2026-06-01", 41, True),
    ]
    assert sum(w["days"] for w in figures.weeks) == 215 and figures.weeks[0]["week_start"] == monday(SINCE)


def test_top_topics_are_the_cookbooks(figures):
    shown = [cells(r["keyword"], r["papers"], round(r["mean_score"], 2)) for r in figures.top_keywords[:10]]
    assert shown == answer("top-topics")


def test_rising_topics_week_over_week_are_the_cookbooks(figures):
    week = str(figures.period.last_week)
    shown = [cells(week, t.keyword, t.papers, t.papers_before, t.change) for t in figures.rising_week]
    assert shown == answer("rising-topics")


def test_month_over_month_and_the_trend_lines(figures):
    # The four weeks before the last four have no paper: the month's rise is the last four weeks' count.
    assert [(t.keyword, t.papers, t.papers_before) for t in figures.rising_month[:3]] == [
        ("large language model", 13, 0),
        ("reinforcement learning", 10, 0),
        ("optimization", 9, 0),
    ]
    weeks = figures.period.trend_weeks
    assert weeks[0] == dt.date(2025, 10, 27) and weeks[-1] == dt.date(2026, 6, 1) and len(weeks) == 32
    llm = figures.rising_week[0]
    assert {str(w): n for w, n in zip(weeks, llm.trend, strict=True) if n} == {
        "2025-11-03": 64,
        "2026-03-09": 34,
        "2026-06-01": 13,
    }
    assert sum(llm.trend) == 111  # every paper of `large language model` (top-topics)


def test_new_topics_on_a_period_holding_every_paper_are_the_top_topics(figures):
    assert [r["keyword"] for r in figures.new_keywords] == [r[0] for r in answer("top-topics")]


def test_each_named_topic_opens_its_papers(figures):
    named = {t.keyword for t in (*figures.rising_week, *figures.rising_month)}
    named |= {r["keyword"] for r in (*figures.top_keywords, *figures.new_keywords)}
    assert set(figures.keyword_papers) == named
    assert len(figures.keyword_papers["direct preference optimization"]) == 5
    assert all(1 <= len(rows) <= 12 for rows in figures.keyword_papers.values())


def test_code_and_links_are_the_cookbooks(figures):
    assert [cells(r["kind"], r["host"], r["papers"], r["urls"]) for r in figures.hosts] == answer(
        "link-kinds"
    )
    with_code = sum(int(r[2]) for r in answer("organizations"))
    assert sum(r["with_code"] for r in figures.code_share) == with_code == 72
    assert sum(r["papers"] for r in figures.code_share) == 411
    assert [
        (str(r["week_start"]), r["papers"], r["with_code"], r["with_links"]) for r in figures.code_share
    ] == [
        ("2025-11-03", 272, 47, 71),
        ("2026-03-09", 98, 16, 21),
        ("2026-06-01", 41, 9, 13),
    ]
    owners = {r[0]: int(r[1]) for r in answer("github-owners")}
    assert len(figures.repositories) == 10
    assert all(
        r["host"] == "github.com" and r["papers"] <= owners.get(r["owner"], 1) for r in figures.repositories
    )


def test_attention_is_the_cookbooks(figures):
    top = [
        cells("2025-11", i + 1, p["title"], p["peak_upvotes"]) for i, p in enumerate(figures.top_papers[:3])
    ]
    assert top == answer("top-papers-per-month")
    waits = [
        cells(r["wait"], r["papers"], r["shortest"], float(r["median_days"]), r["longest"])
        for r in figures.days_to_listing
    ]
    assert waits == answer("days-to-listing")
    with_card = sum(int(r[1]) for r in answer("code-upvotes"))
    assert [(r["band"], r["papers"]) for r in figures.upvotes] == [
        ("0", 204),
        ("1", 13),
        ("2-4", 42),
        ("5-9", 4),
    ]
    assert sum(r["papers"] for r in figures.upvotes) == with_card == 263


def test_organizations_are_the_cookbooks_that_cards_name(figures):
    shown = [
        cells(r["organization"], r["papers"], r["with_code"], r["most_upvotes"])
        for r in figures.organizations
    ]
    assert shown == [r for r in answer("organizations") if r[0] != "(none shown)"]


def test_data_quality(figures):
    guessed = [[r[0], r[1], r[2]] for r in answer("new-per-dump") if r[5] == "file_mtime"]
    assert [
        cells(r["file_name"], r["listing_date"], r["sightings"]) for r in figures.guessed_dumps
    ] == guessed
    assert figures.refused_dumps == []
    assert [(r["status"], r["versions"]) for r in figures.loads] == [("loaded", 5)]
    assert figures.last_loaded_at is not None


def test_the_period_of_weeks_is_whole_iso_weeks_up_to_the_last_listing():
    last = dt.date(2026, 6, 3)  # a Wednesday
    assert period_for(last, None, 1) == Period(dt.date(2026, 6, 1), last)
    assert period_for(last, None, 8) == Period(dt.date(2026, 4, 13), last)
    assert period_for(last, dt.date(2027, 1, 1), 8) == Period(last, last)  # a since after the last day
