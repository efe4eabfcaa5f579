"""Every id a view exposes reads back unchanged in clients that hold numbers as doubles.

JavaScript's `Number`, JSON readers and the BI tools built on them (Evidence, through
`@duckdb/node-api`) round integers above 2^53; keys are the first 53 bits of SHA-256
(`etl.keys.KEY_BITS`) so that none is. The columns are found in the catalog (every column named
`id` or `*_id` of every view), so a view added later is covered without naming it here.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from sqlalchemy import text

from etl.cli import EXIT_OK, main
from etl.keys import KEY_BITS
from etl.pipeline import load_folder
from etl.warehouse import warehouse_engine
from tests.catalog import column_comments, view_names
from tests.conftest import ROOT, SAMPLE_DIR
from tests.test_clients import node_api


def is_id(column: str) -> bool:
    return column == "id" or column.endswith("_id")


def view_id_columns(connection) -> list[tuple[str, str]]:
    """(view, column) of every column named id or *_id of every view, from the catalog."""
    views = view_names(connection)
    columns = column_comments(connection)
    return sorted((view, column) for view in views for column in columns[view] if is_id(column))


def test_every_id_a_view_exposes_is_below_2_53(engine, sample_dir):
    load_folder(sample_dir, engine)
    with engine.connect() as c:
        columns = view_id_columns(c)
        assert ("v_papers", "paper_id") in columns and len(columns) >= 9
        for view, column in columns:
            largest = c.execute(text(f'SELECT max(abs("{column}")) FROM "{view}"')).scalar_one()
            assert largest is None or largest < 2**KEY_BITS, f"{view}.{column}"


@pytest.mark.slow
def test_node_api_reads_every_id_of_every_view_exactly(tmp_path):
    modules = node_api()
    warehouse = tmp_path / "paperhouse.duckdb"
    assert main(["load", str(SAMPLE_DIR), "--warehouse", str(warehouse)]) == EXIT_OK
    serving = tmp_path / "serving" / "paperhouse.duckdb"
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "clients" / "ids.cjs"), str(serving)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NODE_PATH": str(modules)},
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["version"].startswith("v1.")
    expected = {}
    engine = warehouse_engine(warehouse)  # the warehouse, not the copy node-api read
    with engine.connect() as connection:
        for view, column in view_id_columns(connection):
            query = text(f'SELECT "{column}" FROM "{view}" ORDER BY 1 NULLS FIRST')
            expected[f"{view}.{column}"] = [v for (v,) in connection.execute(query)]
    engine.dispose()
    assert sorted(seen["ids"]) == sorted(expected)
    assert "v_papers.paper_id" in expected and sum(len(v) for v in expected.values()) > 1000
    for name, values in expected.items():
        as_json = [None if v is None else int(v) for v in seen["ids"][name]["json"]]
        assert as_json == values, f"{name}: node-api's JSON differs"
        assert seen["ids"][name]["numbers"] == values, f"{name}: a JavaScript Number differs"
