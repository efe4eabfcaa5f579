"""The listing year rules, in their order of precedence, and year-less card dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import dump_text, parse_folder, write_dump

YEARLESS = "Paper\n\nAbstract.\n\n  • 2 authors\n·\nMar 3"
DATED = "Old Paper\n\nOld abstract.\n\n  • 2 authors\n·\nMar 3, 2021"
PLAIN = "Plain\n\nNo card."


def listing(tmp_path: Path, name: str, blocks: list[str], listing_year: int | None = None, mtime: int = 2019):
    write_dump(tmp_path, name, dump_text("Nov 4", blocks), mtime_year=mtime)
    parsed = parse_folder(tmp_path, listing_year)
    row = parsed.files.row(0, named=True)
    assert row["error"] is None, row["error"]
    return row["listing_date"], row["listing_year_rule"], parsed.entries


@pytest.mark.parametrize(
    ("name", "blocks", "configured", "year", "rule"),
    [
        ("2025-11-04_page.txt", [DATED], 2030, 2025, "file_name"),
        ("page.txt", [DATED], 2030, 2030, "configured"),
        ("page.txt", [DATED, YEARLESS], None, 2022, "inferred_from_cards"),
        ("page.txt", [PLAIN], None, 2019, "file_mtime"),
        ("page.txt", [YEARLESS], None, 2019, "file_mtime"),
    ],
)
def test_listing_year_precedence(tmp_path, name, blocks, configured, year, rule):
    listing_date, used_rule, _ = listing(tmp_path, name, blocks, configured)
    assert listing_date == dt.date(year, 11, 4)
    assert used_rule == rule


def test_yearless_card_after_listing_date_is_previous_year(tmp_path):
    later = "Late\n\nLate abstract.\n\n  • 2 authors\n·\nDec 30"
    same_day = "Same\n\nSame abstract.\n\n  • 2 authors\n·\nNov 4"
    _, _, entries = listing(tmp_path, "2025-11-04.txt", [YEARLESS, later, same_day])
    assert entries["card_date"].to_list() == [
        dt.date(2025, 3, 3),
        dt.date(2024, 12, 30),
        dt.date(2025, 11, 4),
    ]


def test_listing_line_with_a_year_wins(tmp_path):
    write_dump(tmp_path, "2025-11-04.txt", dump_text("Nov 4, 2023", [PLAIN]))
    row = parse_folder(tmp_path, 2030).files.row(0, named=True)
    assert (row["listing_date"], row["listing_year_rule"]) == (dt.date(2023, 11, 4), "listing_line")
