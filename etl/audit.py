"""`paperhouse check`: every integrity rule over the whole warehouse, read-only, as a report and an exit code."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import URL

from etl import clock
from etl.checks import CheckOutcome, audit
from etl.engines import WarehouseLocked
from etl.report import cause
from etl.warehouse import reading


def audit_warehouse(path: Path | URL) -> dict[str, CheckOutcome]:
    """Every rule's outcome over the warehouse at `path` (a DuckDB file or a URL), opened read-only."""
    with reading(path) as connection:
        return audit(connection, clock.today())


def format_audit(outcomes: dict[str, CheckOutcome], as_json: bool) -> str:
    """The outcomes as one JSON object, or one line per rule."""
    if as_json:
        return json.dumps(
            {
                n: {"passed": o.passed, "failures": o.failures, "details": o.details}
                for n, o in outcomes.items()
            },
            indent=2,
        )
    return "\n".join(
        f"{'ok    ' if o.passed else 'BROKEN'} {name}: {o.failures} failing rows; {o.details}"
        for name, o in outcomes.items()
    )


def describe_lock(exc: WarehouseLocked) -> str:
    """One line for a check refused because a load holds the warehouse."""
    who = f"process {exc.pid} ({exc.holder})" if exc.pid else "another process"
    return f"the warehouse {exc.path} is being written by {who}: nothing was checked; run the check when that load ends"


def describe_failure(exc: Exception) -> str:
    """One line for a check that could not run."""
    return f"check failed: {cause(exc)}; nothing was changed"
