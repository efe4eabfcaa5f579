"""A Dagster instance on PostgreSQL (dagster_home/postgres): separate processes share runs, cursors and a warehouse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ROOT, postgres_database

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]

PEEK = """
import json, sys
from dagster import DagsterInstance
instance = DagsterInstance.get()
if sys.argv[1] == "set":
    instance.run_storage.set_cursor_values({"paperhouse_test_cursor": sys.argv[2]})
runs = instance.get_runs()
print(json.dumps({
    "storage": type(instance.run_storage).__name__,
    "schedules": type(instance.schedule_storage).__name__,
    "runs": sorted((r.job_name, r.status.value) for r in runs),
    "cursor": instance.run_storage.get_cursor_values({"paperhouse_test_cursor"}).get("paperhouse_test_cursor"),
}))
"""


def test_two_processes_share_runs_and_cursors_and_load_into_one_postgresql_warehouse(tmp_path, sample_dir):
    tcp, pgpass = (
        os.environ.get("PAPERHOUSE_TEST_POSTGRES_TCP_URL"),
        os.environ.get("PAPERHOUSE_TEST_POSTGRES_PGPASS"),
    )
    with postgres_database("dagster") as storage_url, postgres_database("warehouse") as warehouse_url:
        if not (tcp and pgpass):
            pytest.skip("needs the server of .ci/with-postgres: TCP, the password in a pgpass file")
        server = make_url(tcp)
        where = {"DAGSTER_PG_HOST": server.host, "DAGSTER_PG_PORT": str(server.port), "PGPASSFILE": pgpass}
        home = tmp_path / "dagster_home"
        home.mkdir()
        shutil.copy(ROOT / "dagster_home" / "postgres" / "dagster.yaml", home / "dagster.yaml")
        env = {
            **os.environ,
            **where,
            "DAGSTER_HOME": str(home),
            "DAGSTER_PG_USERNAME": storage_url.username,
            "DAGSTER_PG_DB": storage_url.database,
            "PAPERHOUSE_WAREHOUSE": warehouse_url.render_as_string(hide_password=False),
            "PAPERHOUSE_RAW_DIR": str(sample_dir),
        }

        def run(*args: str) -> subprocess.CompletedProcess:
            done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr[-3000:]
            return done

        run(sys.executable, "-m", "orchestration.backfill")  # one process loads through Dagster
        first = json.loads(run(sys.executable, "-c", PEEK, "set", "files:5").stdout)
        second = json.loads(run(sys.executable, "-c", PEEK, "get").stdout)  # another process, as another host
        assert first["storage"] == "PostgresRunStorage" and first["schedules"] == "PostgresScheduleStorage"
        assert (
            second["runs"]
            == first["runs"]
            == [["load_dumps_job", "SUCCESS"], ["refresh_views_job", "SUCCESS"]]
        )
        assert second["cursor"] == "files:5"
        checked = run(sys.executable, "-m", "etl.cli", "check", "--json")
        assert all(rule["passed"] for rule in json.loads(checked.stdout).values())
        assert not list(home.rglob("*.db"))  # no SQLite run, event or schedule storage on this host
