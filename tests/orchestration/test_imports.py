"""Importing `orchestration` (what `dagster dev` and every run worker do) does no database work."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

# Run in a fresh interpreter: records every DuckDB connection and every Alembic script directory
# loaded while `orchestration` (and so every etl module it reads) is imported.
PROBE = """
import json, sys
import duckdb
import alembic.script

calls = []
connect = duckdb.connect
def recorded_connect(*args, **kwargs):
    calls.append(f"duckdb.connect{args!r}")
    return connect(*args, **kwargs)
duckdb.connect = recorded_connect

ScriptDirectory = alembic.script.ScriptDirectory
from_config, init = ScriptDirectory.from_config.__func__, ScriptDirectory.__init__
def recorded_from_config(cls, *args, **kwargs):
    calls.append("ScriptDirectory.from_config")
    return from_config(cls, *args, **kwargs)
def recorded_init(self, *args, **kwargs):
    calls.append("ScriptDirectory")
    init(self, *args, **kwargs)
ScriptDirectory.from_config = classmethod(recorded_from_config)
ScriptDirectory.__init__ = recorded_init

import orchestration

print(json.dumps({"calls": calls, "etl.dictionary": "etl.dictionary" in sys.modules}))
"""


def test_importing_orchestration_opens_no_database_and_walks_no_migration():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=ROOT, check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["etl.dictionary"]  # the probe saw the module that used to build DuckDBs
    assert found["calls"] == []


def test_the_probe_sees_a_connection_and_a_migration_walk():
    """The probe records what it should: a probe that never fires would pass the test above."""
    probe = PROBE.replace(
        "import orchestration\n",
        "import orchestration\nfrom etl.dictionary import computed_view_types\ncomputed_view_types()\n",
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT, check=True
    )
    calls = json.loads(done.stdout.strip().splitlines()[-1])["calls"]
    assert "ScriptDirectory.from_config" in calls and "ScriptDirectory" in calls
    assert "duckdb.connect(':memory:',)" in calls
