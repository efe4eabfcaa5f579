"""The load's clock: today's date in UTC, the wall clock and pauses, in one place so tests can set them."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime


def today() -> date:
    """Today's date in UTC (the date rules compare listing and card dates with it)."""
    return datetime.now(UTC).date()


def now_ns() -> int:
    """The wall clock in nanoseconds since 1970 UTC: the time base of file modification times."""
    return time.time_ns()


def sleep(seconds: float) -> None:
    """Pause (a file that is settling is given time to change)."""
    time.sleep(seconds)
