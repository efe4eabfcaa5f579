"""The report's fixtures: a load of the bundled sample on each engine, its mtimes and today fixed as the
cookbook's (tests/test_analysts_cookbook.py), so the report's counts can be held to the cookbook's answers."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

import etl.clock
from etl.cli import EXIT_OK, main
from tests.conftest import ENGINES, SAMPLE_DIR, postgres_database, set_mtime
from tests.etl.test_analyst_views import SAVED

TODAY = dt.date(2026, 12, 1)
SINCE = dt.date(2025, 11, 1)  # the cookbook's month queries start here: the report's period covers them


def load_sample(raw: Path, warehouse: Path | URL, exit_code: int = EXIT_OK) -> None:
    """Load the dumps of `raw` (their mtimes set to the cookbook's) into `warehouse`; the load exits `exit_code`."""
    for path in raw.glob("*.txt"):
        set_mtime(path, SAVED)
    target = (
        str(warehouse) if isinstance(warehouse, Path) else warehouse.render_as_string(hide_password=False)
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(etl.clock, "today", lambda: TODAY)
        patch.setenv("PAPERHOUSE_SETTLE_SECONDS", "0")
        assert main(["load", str(raw), "--warehouse", target]) == exit_code


@pytest.fixture(scope="module", params=ENGINES)
def sample_warehouse(request, tmp_path_factory) -> Iterator[Path | URL]:
    """The sample loaded once per module and engine: the DuckDB serving copy, or a PostgreSQL database."""
    root = tmp_path_factory.mktemp("digest")
    raw = root / "raw"
    shutil.copytree(SAMPLE_DIR, raw)
    if request.param == "duckdb":
        load_sample(raw, root / "warehouse" / "paperhouse.duckdb")
        yield root / "warehouse" / "serving" / "paperhouse.duckdb"
        return
    with postgres_database("digest") as url:
        load_sample(raw, url)
        yield url
