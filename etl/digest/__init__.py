"""`paperhouse report`: one self-contained HTML page of what the warehouse shows, read from its views.

`figures` runs the named queries of `sql/digest/` and computes the numbers behind each chart, `svg`
draws them, `page` sets them in the page (`report.html.j2`, `report.css`). `write_report` opens the
warehouse read-only (a DuckDB file in read-only mode; a PostgreSQL transaction that is rolled back,
never committed), builds the page and replaces the output file whole. (`etl.report` is a load's
report, `LoadReport`; this package is the analysts' one.)
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.engine import URL

from etl.digest.figures import Figures, Period, gather
from etl.digest.page import render
from etl.settings import warehouse_label
from etl.warehouse import reading


@dataclass(frozen=True)
class WrittenReport:
    """What `write_report` wrote: the file, its size, the period it covers, how long it took."""

    path: Path
    size_bytes: int
    period: Period | None
    seconds: float
    figures: Figures | None


def build_page(
    connection: Connection, warehouse: Path | URL, since: dt.date | None, weeks: int, now: dt.datetime
) -> tuple[str, Figures | None]:
    """The page's HTML and its figures, read on `connection`."""
    figures = gather(connection, since, weeks)
    context = {"warehouse": warehouse_label(warehouse), "generated_at": now.strftime("%Y-%m-%d %H:%M UTC")}
    return render(figures, context), figures


def write_report(
    warehouse: Path | URL,
    out: Path,
    since: dt.date | None = None,
    weeks: int = 8,
    now: dt.datetime | None = None,
) -> WrittenReport:
    """Write the report of `warehouse` to `out` (replaced whole, never half-written); nothing is written to the warehouse."""
    started = time.perf_counter()
    now = now or dt.datetime.now(dt.UTC)
    with reading(warehouse) as connection:
        html, figures = build_page(connection, warehouse, since, weeks, now)
    data = html.encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return WrittenReport(
        out, len(data), figures.period if figures else None, time.perf_counter() - started, figures
    )
