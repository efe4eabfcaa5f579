"""The load's clock: today's date in UTC, in one place so tests can set it."""

from __future__ import annotations

from datetime import UTC, date, datetime


def today() -> date:
    """Today's date in UTC (the date rules compare listing and card dates with it)."""
    return datetime.now(UTC).date()
