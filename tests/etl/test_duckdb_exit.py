from __future__ import annotations

import subprocess
import sys

import pytest

# The smallest process that shows it: SQLAlchemy's ORM and duckdb-engine imported, then a polars
# conversion of a Python list (what `is_in(list)` does).
LEAKS = "import polars as pl, duckdb_engine, sqlalchemy.orm; pl.Series([[5]]);"


def _stderr(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    ).stderr


@pytest.mark.parametrize(
    ("released", "expected_first_line"),
    [
        # If this fails, DuckDB no longer leaks at exit: etl/duckdb_exit.py can go.
        (False, "nanobind: leaked 27 instances!"),
        (True, None),
    ],
)
def test_releasing_duckdbs_constants_at_exit_silences_nanobinds_leak_report(released, expected_first_line):
    release = "from etl.duckdb_exit import release_at_exit; release_at_exit(); release_at_exit()"
    stderr = _stderr(LEAKS + (release if released else ""))
    assert (stderr.splitlines() or [None])[0] == expected_first_line
    if released:
        assert stderr == ""


def test_importing_the_warehouse_module_registers_the_release():
    assert _stderr(LEAKS + "import etl.warehouse") == ""
