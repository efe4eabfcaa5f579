"""DuckDB clients the project did not write, each in its own environment, open the serving copy.

`make clients` (and `make test`) builds them under .clients/: the duckdb CLI 1.5.6 and 1.4.4 from
PyPI, and a Superset-like Python (duckdb 1.4.4, SQLAlchemy 1.4, duckdb-engine). The connection
strings are the README's own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from etl.cli import EXIT_OK, main
from tests.conftest import ROOT, SAMPLE_DIR

README_PATH = "/abs/path/warehouse/serving/paperhouse.duckdb"
CLIENTS = Path(os.environ.get("PAPERHOUSE_CLIENTS", ROOT / ".clients"))
VIEWS = sorted(p.stem for p in (ROOT / "sql" / "views").glob("*.sql"))

pytestmark = pytest.mark.slow


def client(env: str, program: str) -> Path:
    path = CLIENTS / env / "bin" / program
    if not path.exists():
        if os.environ.get("PAPERHOUSE_CI"):
            pytest.fail(f"{path} is missing: `make clients` builds it")
        pytest.skip(f"{path} is missing: `make clients` builds it")
    return path


def readme_strings() -> tuple[str, str]:
    """The README's duckdb CLI command and Superset URI."""
    readme = (ROOT / "README.md").read_text()
    cli = re.search(r"`(duckdb -readonly /abs/path/\S+)`", readme)[1]
    uri = re.search(r"SQLAlchemy URI `(duckdb:////abs/path/[^`]+)`", readme)[1]
    return cli, uri


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> tuple[Path, Path]:
    """A fresh load of the bundled sample; the folder standing for /abs/path, and its serving copy."""
    root = tmp_path_factory.mktemp("abs")
    assert (
        main(["load", str(SAMPLE_DIR), "--warehouse", str(root / "warehouse" / "paperhouse.duckdb")])
        == EXIT_OK
    )
    return root, root / "warehouse" / "serving" / "paperhouse.duckdb"


@pytest.fixture(scope="module")
def expected(served) -> dict:
    """What the project's own DuckDB reads in the serving copy: view counts, comments."""
    connection = duckdb.connect(str(served[1]), read_only=True)
    try:
        counts = {v: connection.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in VIEWS}
        comments = {
            name: connection.execute(
                "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                [name],
            ).fetchall()
            for name in ("v_papers", "papers")
        }
    finally:
        connection.close()
    return {"counts": counts, "comments": comments}


@pytest.mark.parametrize(("env", "version"), [("cli-1.5", "v1.5.6"), ("cli-1.4", "v1.4.4")])
def test_the_duckdb_cli_from_pypi_answers_every_view(served, expected, env, version):
    root, _ = served
    command = readme_strings()[0].replace("/abs/path", str(root)).split()
    duckdb_cli = client(env, "duckdb")
    sql = "PRAGMA version; " + "; ".join(f"SELECT '{v}', count(*) FROM {v}" for v in VIEWS)
    done = subprocess.run(
        [str(duckdb_cli), *command[1:], "-csv", "-noheader", "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(version + ",")
    assert dict(line.split(",") for line in lines[1:]) == {v: str(n) for v, n in expected["counts"].items()}
    assert expected["counts"]["v_papers"] == 411


def test_a_superset_like_environment_queries_and_reflects_with_comments(served, expected):
    root, _ = served
    python = client("superset", "python")
    uri = readme_strings()[1].replace("/abs/path", str(root))
    done = subprocess.run(
        [str(python), str(ROOT / "tests" / "clients" / "reflect.py"), uri],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert (seen["duckdb"], seen["sqlalchemy"]) == ("1.4.4", "1.4.54")
    assert seen["views"] == VIEWS and seen["counts"] == expected["counts"]
    assert {"papers", "paper_appearances", "source_files", "dates"} <= set(seen["tables"])
    for name, columns in seen["columns"].items():
        assert [tuple(c) for c in columns] == expected["comments"][name]
        assert all(comment for _, comment in columns), f"{name} has a column without a description"
