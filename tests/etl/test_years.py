"""The listing year rules, in their order of precedence, year-less card dates, and dates that cannot be right."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from etl import clock
from etl.extract import discover_dumps, read_dumps
from etl.parse import CLOCK_SKEW, ParsedDumps, parse_dumps
from etl.years import EARLIEST_CARD_YEAR, EARLIEST_LISTING_YEAR, listing_year_problem
from tests.conftest import dump_text, write_dump

TODAY = dt.date(2026, 12, 1)
YEARLESS = "Paper\n\nAbstract.\n\n  • 2 authors\n·\nMar 3"
DATED = "Old Paper\n\nOld abstract.\n\n  • 2 authors\n·\nMar 3, 2021"
PLAIN = "Plain\n\nNo card."
CARD = "Paper\n\nAbstract.\n\n  • 2 authors\n·\n"  # + the card date line, line 17 of the dump
NOT_YET = "which is after today (2026-12-01)"
NO_SITE = "before 2022, when Daily Papers did not exist; name the file YYYY-MM-DD*.txt or pass --listing-year"
RENAME = "rename the file: its leading YYYY-MM-DD gives the year, and outranks --listing-year"


def parse(folder: Path, listing_year: int | None = None, today: dt.date = TODAY) -> ParsedDumps:
    """Read and parse every dump of a folder against a fixed clock."""
    return parse_dumps(read_dumps(discover_dumps(folder)), listing_year, today)


def set_mtime(path: Path, when: dt.datetime) -> None:
    """Give a file a modification time (UTC)."""
    seconds = when.replace(tzinfo=dt.UTC).timestamp()
    os.utime(path, (seconds, seconds))


def listing(tmp_path: Path, name: str, blocks: list[str], listing_year: int | None = None, mtime: int = 2024):
    write_dump(tmp_path, name, dump_text("Nov 4", blocks), mtime_year=mtime)
    parsed = parse(tmp_path, listing_year)
    row = parsed.files.row(0, named=True)
    assert row["error"] is None, row["error"]
    return row["listing_date"], row["listing_year_rule"], parsed.entries


def refusal(tmp_path: Path, name: str, listing_text: str, blocks: list[str], **options) -> str:
    """The error of a one-dump folder, after checking it kept no entries."""
    write_dump(tmp_path, name, dump_text(listing_text, blocks), mtime_year=options.pop("mtime", 2026))
    parsed = parse(tmp_path, **options)
    assert parsed.entries.height == 0
    assert parsed.files["listing_date"].to_list() == [None]
    return parsed.files["error"].item()


@pytest.mark.parametrize(
    ("name", "blocks", "configured", "year", "rule"),
    [
        ("2025-11-04_page.txt", [DATED], 2024, 2025, "file_name"),
        ("page.txt", [DATED], 2024, 2024, "configured"),
        ("page.txt", [DATED, YEARLESS], None, 2022, "inferred_from_cards"),
        # Saved on 2024-07-01: the latest Nov 4 before it is in 2023.
        ("page.txt", [PLAIN], None, 2023, "file_mtime"),
        ("page.txt", [YEARLESS], None, 2023, "file_mtime"),
    ],
)
def test_listing_year_precedence(tmp_path, name, blocks, configured, year, rule):
    listing_date, used_rule, _ = listing(tmp_path, name, blocks, configured)
    assert listing_date == dt.date(year, 11, 4)
    assert used_rule == rule


@pytest.mark.parametrize(
    ("name", "year", "rule"),
    [
        ("2025-11-04.txt", 2025, "file_name"),
        ("2025-11-04 listing.txt", 2025, "file_name"),
        # A date elsewhere in the name may be an export date: the later rules decide.
        ("export-2021-05-01 listing.txt", 2024, "configured"),
        ("page-2025-11-04.txt", 2024, "configured"),
        ("2025-11.txt", 2024, "configured"),
    ],
)
def test_only_a_name_that_starts_with_a_date_gives_the_year(tmp_path, name, year, rule):
    listing_date, used_rule, _ = listing(tmp_path, name, [PLAIN], 2024)
    assert (listing_date, used_rule) == (dt.date(year, 11, 4), rule)


def test_yearless_card_after_listing_date_is_previous_year(tmp_path):
    later = "Late\n\nLate abstract.\n\n  • 2 authors\n·\nDec 30"
    same_day = "Same\n\nSame abstract.\n\n  • 2 authors\n·\nNov 4"
    _, _, entries = listing(tmp_path, "2025-11-04.txt", [YEARLESS, later, same_day])
    assert entries["card_date"].to_list() == [
        dt.date(2025, 3, 3),
        dt.date(2024, 12, 30),
        dt.date(2025, 11, 4),
    ]


@pytest.mark.parametrize(
    ("name", "listing_text", "card_date"),
    [
        ("2024-03-01.txt", "Mar 1", dt.date(2024, 2, 29)),
        ("2025-03-01.txt", "Mar 1", dt.date(2024, 2, 29)),  # 2025 has no Feb 29: the year before
        ("2025-02-28.txt", "Feb 28", dt.date(2024, 2, 29)),
    ],
)
def test_yearless_feb_29_card_is_the_latest_one_on_or_before_the_listing(
    tmp_path, name, listing_text, card_date
):
    write_dump(tmp_path, name, dump_text(listing_text, [CARD + "Feb 29"]))
    parsed = parse(tmp_path)
    assert parsed.files["error"].to_list() == [None]
    assert parsed.entries["card_date"].to_list() == [card_date]


def test_yearless_feb_29_card_with_no_leap_year_in_reach_is_refused(tmp_path):
    error = refusal(tmp_path, "2026-03-01.txt", "Mar 1", [CARD + "Feb 29"])
    assert error == "2026-03-01.txt, line 17: card date 'Feb 29' does not exist"


def test_listing_line_with_a_year_wins(tmp_path):
    write_dump(tmp_path, "2025-11-04.txt", dump_text("Nov 4, 2023", [PLAIN]))
    row = parse(tmp_path, 2024).files.row(0, named=True)
    assert (row["listing_date"], row["listing_year_rule"]) == (dt.date(2023, 11, 4), "listing_line")


@pytest.mark.parametrize(
    ("listing_text", "saved", "listing_date"),
    [
        ("Mar 14", dt.datetime(2027, 3, 1, 12), dt.date(2026, 3, 14)),
        ("Mar 14", dt.datetime(2027, 3, 14, 0, 0), dt.date(2027, 3, 14)),
        ("Mar 2", dt.datetime(2027, 3, 1, 12), dt.date(2027, 3, 2)),  # within the day of clock skew
        ("Mar 3", dt.datetime(2027, 3, 1, 12), dt.date(2026, 3, 3)),
        ("Jan 1", dt.datetime(2026, 12, 31, 23), dt.date(2027, 1, 1)),  # skew across the new year
        ("Dec 31", dt.datetime(2027, 1, 1, 1), dt.date(2026, 12, 31)),
        ("Feb 29", dt.datetime(2027, 3, 1, 12), dt.date(2024, 2, 29)),
        ("Feb 29", dt.datetime(2028, 2, 28, 12), dt.date(2028, 2, 29)),  # skew
        ("Feb 29", dt.datetime(2028, 2, 27, 12), dt.date(2024, 2, 29)),
        ("Feb 29", dt.datetime(2100, 3, 1, 12), dt.date(2096, 2, 29)),  # 2100 is no leap year
    ],
)
def test_year_from_mtime_is_the_latest_listing_date_the_file_could_be_saved_on(
    tmp_path, listing_text, saved, listing_date
):
    path = write_dump(tmp_path, "page.txt", dump_text(listing_text, [PLAIN]))
    set_mtime(path, saved)
    row = parse(tmp_path, today=saved.date()).files.row(0, named=True)
    assert (row["error"], row["listing_date"], row["listing_year_rule"]) == (None, listing_date, "file_mtime")


@pytest.mark.parametrize("saved", [dt.datetime(2027, 3, 1, 12), dt.datetime(2026, 12, 1, 12)])
def test_bundled_sample_takes_its_card_less_years_from_the_mtime(sample_dir, saved):
    for path in sample_dir.iterdir():
        set_mtime(path, saved)
    parsed = parse(sample_dir, today=saved.date())
    files = parsed.files.join(
        parsed.entries.select("file_id", "file_name").unique(), on="file_id", how="left"
    ).sort("file_name")
    assert files.select("file_name", "listing_date", "listing_year_rule", "entries", "error").rows() == [
        ("000_5d2d21384fb82738.txt", dt.date(2026, 3, 14), "file_mtime", 32, None),
        ("001_1080c8d201f1a929.txt", dt.date(2025, 11, 4), "inferred_from_cards", 156, None),
        ("002_6ea843bea65a7bc1.txt", dt.date(2026, 3, 11), "file_mtime", 88, None),
        ("003_b4640f3a18e1601e.txt", dt.date(2025, 11, 6), "inferred_from_cards", 128, None),
        ("004_82609d3b5bc6fa3c.txt", dt.date(2026, 6, 3), "file_mtime", 47, None),
    ]
    assert parsed.entries.height == 451


def test_mtime_in_2019_is_refused(tmp_path):
    write_dump(tmp_path, "page.txt", dump_text("Nov 4", [PLAIN]), mtime_year=2019)
    parsed = parse(tmp_path)
    assert parsed.files.select("error", "listing_date", "listing_year_rule", "entries").row(0) == (
        f"page.txt, line 9: listing date 'Nov 4' resolves to year 2018 (year from the file's modification time), {NO_SITE}",
        None,
        "file_mtime",
        None,
    )
    assert parsed.entries.height == 0


BEFORE = "before 2022, when Daily Papers did not exist"


@pytest.mark.parametrize(
    ("name", "listing_text", "blocks", "configured", "mtime", "resolved"),
    [
        (
            "2025-11-04.txt",
            "Nov 4, 2019",
            [PLAIN],
            None,
            None,
            f"year 2019 (year printed on the listing line), {BEFORE}; the page prints that year, and nothing outranks it",
        ),
        (
            "0000-11-04_x.txt",
            "Nov 4",
            [PLAIN],
            None,
            None,
            f"year 0 (year from the file name), {BEFORE}; {RENAME}",
        ),
        # The file name outranks the setting: advising --listing-year would change nothing.
        (
            "2021-05-01 listing.txt",
            "Nov 4",
            [PLAIN],
            2025,
            None,
            f"year 2021 (year from the file name), {BEFORE}; {RENAME}",
        ),
        (
            "page.txt",
            "Nov 4",
            [PLAIN],
            2021,
            None,
            f"year 2021 (configured listing year), {BEFORE}; pass another --listing-year, or name the file YYYY-MM-DD*.txt",
        ),
        (
            "page.txt",
            "Nov 4",
            [CARD + "Mar 3, 2019"],
            None,
            None,
            f"year 2020 (one more than the latest year printed on its cards), {NO_SITE}",
        ),
        (
            "page.txt",
            "Nov 4",
            [PLAIN],
            None,
            dt.datetime(1970, 1, 1),
            f"year 1969 (year from the file's modification time), {NO_SITE}",
        ),
    ],
)
def test_listing_year_before_the_site_existed_is_refused(
    tmp_path, name, listing_text, blocks, configured, mtime, resolved
):
    path = write_dump(tmp_path, name, dump_text(listing_text, blocks))
    if mtime is not None:
        set_mtime(path, mtime)
    parsed = parse(tmp_path, configured)
    assert parsed.files["error"].to_list() == [
        f"{name}, line 9: listing date '{listing_text}' resolves to {resolved}"
    ]
    assert parsed.entries.height == 0


def test_card_year_before_arxiv_is_refused(tmp_path):
    error = refusal(tmp_path, "2025-11-04_x.txt", "Nov 4", [CARD + "Nov 15, 0000"])
    assert error == (
        "2025-11-04_x.txt, line 17: card date 'Nov 15, 0000' is before 1990; "
        "card dates are arXiv publication dates, and arXiv began in 1991"
    )


def test_card_year_1990_is_plausible(tmp_path):
    _, _, entries = listing(tmp_path, "2025-11-04_x.txt", [CARD + "Jan 1, 1990"])
    assert entries["card_date"].to_list() == [dt.date(1990, 1, 1)]


@pytest.mark.parametrize(
    ("name", "listing_text", "blocks", "configured", "error"),
    [
        (
            "2026-12-03_x.txt",
            "Dec 3",
            [],
            None,
            f"2026-12-03_x.txt, line 9: listing date 'Dec 3' resolves to 2026-12-03 (year from the file name), {NOT_YET}",
        ),
        (
            "2099-11-15_x.txt",
            "Nov 15",
            [],
            None,
            f"2099-11-15_x.txt, line 9: listing date 'Nov 15' resolves to 2099-11-15 (year from the file name), {NOT_YET}",
        ),
        (
            "page.txt",
            "Nov 4",
            [PLAIN],
            2027,
            f"page.txt, line 9: listing date 'Nov 4' resolves to 2027-11-04 (configured listing year), {NOT_YET}",
        ),
        (
            "page.txt",
            "Nov 4, 2027",
            [PLAIN],
            None,
            f"page.txt, line 9: listing date 'Nov 4, 2027' resolves to 2027-11-04 (year printed on the listing line), {NOT_YET}",
        ),
        (
            "2026-11-04_x.txt",
            "Nov 4",
            [CARD + "Nov 15, 2099"],
            None,
            "2026-11-04_x.txt, line 17: card date 'Nov 15, 2099' is after today (2026-12-01)",
        ),
        (
            "page.txt",
            "Nov 4",
            [CARD + "Nov 15, 2099"],
            None,
            "page.txt, line 9: listing date 'Nov 4' resolves to 2100-11-04 "
            f"(one more than the latest year printed on its cards), {NOT_YET}",
        ),
        (
            "page.txt",
            "Feb 29",
            [CARD + "Feb 28, 9999"],
            None,
            f"page.txt, line 9: listing date 'Feb 29' resolves to year 10000 (one more than the latest year printed on its cards), {NOT_YET}",
        ),
        (
            "2026-11-04_x.txt",
            "Nov 4",
            [CARD + "Dec 3, 2026 5"],
            None,
            "2026-11-04_x.txt, line 17: card date 'Dec 3, 2026' is after today (2026-12-01)",
        ),
    ],
)
def test_future_dates_are_refused(tmp_path, name, listing_text, blocks, configured, error):
    assert refusal(tmp_path, name, listing_text, blocks, listing_year=configured) == error


def test_future_mtime_is_refused(tmp_path):
    path = write_dump(tmp_path, "page.txt", dump_text("Mar 14", [PLAIN]))
    set_mtime(path, dt.datetime(2027, 3, 20, 12))
    assert parse(tmp_path).files["error"].to_list() == [
        f"page.txt, line 9: listing date 'Mar 14' resolves to 2027-03-14 (year from the file's modification time), {NOT_YET}"
    ]


@pytest.mark.parametrize(
    ("name", "listing_text", "blocks"),
    [("2026-12-02_x.txt", "Dec 2", [PLAIN]), ("2026-11-04_x.txt", "Nov 4", [CARD + "Dec 2, 2026"])],
)
def test_one_day_after_today_is_within_the_clock_skew(tmp_path, name, listing_text, blocks):
    write_dump(tmp_path, name, dump_text(listing_text, blocks))
    parsed = parse(tmp_path)
    assert parsed.files.select("error", "entries").row(0) == (None, 1)


def test_today_defaults_to_the_load_clock(tmp_path, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 12, 1))
    write_dump(tmp_path, "2026-12-03_x.txt", dump_text("Dec 3", []))
    parsed = parse_dumps(read_dumps(discover_dumps(tmp_path)))
    assert parsed.files["error"].to_list() == [
        f"2026-12-03_x.txt, line 9: listing date 'Dec 3' resolves to 2026-12-03 (year from the file name), {NOT_YET}"
    ]


def test_date_limits():
    assert (CLOCK_SKEW, EARLIEST_LISTING_YEAR, EARLIEST_CARD_YEAR) == (dt.timedelta(days=1), 2022, 1990)


@pytest.mark.parametrize(
    ("year", "problem"),
    [
        (2021, "before 2022, when Daily Papers did not exist"),
        (0, "before 2022, when Daily Papers did not exist"),
        (2022, None),
        (2026, None),
        (2027, None),
        (2028, "after 2027, the year after today (2026-12-01)"),
    ],
)
def test_listing_year_problem(year, problem):
    assert listing_year_problem(year, TODAY) == problem
