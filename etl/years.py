"""The years a listing date may have: shared by the parser's date rules and the listing-year setting.

A leaf: `etl.settings` checks `--listing-year` with it without importing the parser.
"""

from __future__ import annotations

from datetime import date

# Daily Papers started in 2023; one year of margin. Card dates are arXiv publication dates (arXiv: 1991).
EARLIEST_LISTING_YEAR = 2022
EARLIEST_CARD_YEAR = 1990


def listing_year_problem(year: int, today: date) -> str | None:
    """Why a configured listing year cannot be right (outside 2022 to next year), or None."""
    if year < EARLIEST_LISTING_YEAR:
        return f"before {EARLIEST_LISTING_YEAR}, when Daily Papers did not exist"
    if year > today.year + 1:
        return f"after {today.year + 1}, the year after today ({today.isoformat()})"
    return None
