"""The assets' kind and the writers' pool follow the configured warehouse's engine (orchestration.engine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from orchestration.engine import qualified_name
from tests.conftest import ROOT

PROBE = """
import json
from orchestration import defs
graph = defs.resolve_asset_graph()
print(json.dumps({
    "kinds": sorted({k for key in graph.get_all_asset_keys() for k in graph.get(key).kinds} - {"file", "table", "view", "html"}),
    "pools": sorted({a.op.pool for a in graph.assets_defs if a.is_executable and a.op.pool}),
    # the schema-change checks compare materializations' metadata and never open the warehouse
    "unpooled": sorted({k.name for a in graph.assets_defs if a.is_executable and not a.op.pool for k in a.check_keys}),
}))
"""


@pytest.mark.parametrize(
    ("warehouse", "kind", "pool"),
    [
        (None, "duckdb", "duckdb_warehouse"),
        ("postgresql+psycopg://loader@db:5432/papers", "postgres", "postgres_warehouse"),
        (
            "postgresql+psycopg://loader:secret@db/papers",
            "duckdb",
            "duckdb_warehouse",
        ),  # bad: the run says so
    ],
)
def test_kinds_and_pool_come_from_the_engine_of_the_configured_warehouse(warehouse, kind, pool):
    env = {k: v for k, v in os.environ.items() if k != "PAPERHOUSE_WAREHOUSE"}
    if warehouse is not None:
        env["PAPERHOUSE_WAREHOUSE"] = warehouse
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
        check=True,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "kinds": [kind],
        "pools": [pool],
        "unpooled": ["column_schema_change"],
    }


def test_a_table_name_is_qualified_by_the_warehouse_it_is_in():
    assert qualified_name("papers", Path("warehouse/paperhouse.duckdb")) == "paperhouse.main.papers"
    url = make_url("postgresql+psycopg://loader@db:5432/papers")
    assert qualified_name("v_papers", url) == "papers.public.v_papers"
