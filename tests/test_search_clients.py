"""search_papers in the clients the project did not write, on the read-only serving copy.

The duckdb CLI 1.4 and 1.5, the Superset-like Python (duckdb 1.4, SQLAlchemy 1.4) and Node.js's
`@duckdb/node-api` (`make clients` builds them under .clients/) open the serving copy that the
project's DuckDB wrote, read-only and without any extension, and each answers the same queries
with the same papers in the same order as the project's own DuckDB.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from etl.cli import EXIT_OK, main
from tests.conftest import ROOT, SAMPLE_DIR
from tests.test_clients import client, node_api

QUERIES = ("diffusion -video", '"world model"', 'agent or "language models"', "GPT-4o's reasoning")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> tuple[str, dict[str, list[str]]]:
    """The serving copy of a fresh load of the sample, and what the project's DuckDB finds in it."""
    root = tmp_path_factory.mktemp("search")
    assert main(["load", str(SAMPLE_DIR), "--warehouse", str(root / "paperhouse.duckdb")]) == EXIT_OK
    serving = str(root / "serving" / "paperhouse.duckdb")
    with duckdb.connect(serving, read_only=True) as connection:
        expected = {
            q: [
                str(r[0])
                for r in connection.execute("SELECT paper_id FROM search_papers(?) LIMIT 10", [q]).fetchall()
            ]
            for q in QUERIES
        }
    assert all(expected.values())
    return serving, expected


def quoted(query: str) -> str:
    return "'" + query.replace("'", "''") + "'"


@pytest.mark.parametrize(("env", "version"), [("cli-1.5", "v1.5.6"), ("cli-1.4", "v1.4.4")])
def test_the_duckdb_cli_ranks_as_the_project_does(served, env, version):
    serving, expected = served
    sql = "PRAGMA version; " + "; ".join(
        f"SELECT {quoted(q)}, string_agg(paper_id::VARCHAR, ' ') FROM (SELECT paper_id FROM search_papers({quoted(q)}) LIMIT 10)"
        for q in QUERIES
    )
    done = subprocess.run(
        [str(client(env, "duckdb")), "-readonly", serving, "-json", "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert version in done.stdout
    for q in QUERIES:
        assert " ".join(expected[q]) in done.stdout, q


def test_a_superset_like_environment_ranks_as_the_project_does(served):
    serving, expected = served
    done = subprocess.run(
        [
            str(client("superset", "python")),
            str(ROOT / "tests" / "clients" / "search.py"),
            f"duckdb:///{serving}?access_mode=READ_ONLY",
            *QUERIES,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["version"] == "1.4.4" and seen["results"] == expected


def test_node_api_ranks_as_the_project_does(served):
    serving, expected = served
    modules = node_api()
    done = subprocess.run(
        ["node", str(ROOT / "tests" / "clients" / "search.cjs"), serving, *QUERIES],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_PATH": str(modules)},
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["version"].startswith("v1.") and seen["results"] == expected


def test_the_speed_benchmark_times_every_query_in_the_cli_and_counts_what_it_matches(served):
    from bench.search_agreement import QUERIES as BENCH_QUERIES
    from bench.search_speed import timings

    serving, _ = served
    found = timings(Path(serving), client("cli-1.5", "duckdb"), repeat=2)
    with duckdb.connect(serving, read_only=True) as connection:
        counts = {
            q: connection.execute("SELECT count(*) FROM search_papers(?)", [q]).fetchone()[0]
            for q in BENCH_QUERIES
        }
    assert list(found) == list(BENCH_QUERIES)
    assert {q: f["matches"] for q, f in found.items()} == counts
    assert counts["diffusion"] == 43 and counts['"large language models"'] == 108
    assert all(0 < f["seconds"] < 60 for f in found.values())


def test_the_phrase_designs_answer_as_the_shipped_macro_and_are_timed_in_the_cli(served):
    from bench.search_phrase_designs import DESIGNS, PHRASE_QUERIES, compare, design_macro

    serving, _ = served
    found = compare(Path(serving), client("cli-1.5", "duckdb"), rounds=1)  # raises unless all agree
    assert list(found) == list(PHRASE_QUERIES) and len(PHRASE_QUERIES) == 6
    assert found['"large language models"']["matches"] == 108 and found['"chain of thought"']["matches"] == 26
    macros = {"search_papers"} | {f"search_papers_{d}" for d in DESIGNS}
    assert all(set(seconds) == macros | {"matches"} for seconds in found.values())
    # Each design differs from the shipped text only in its phrase CTEs.
    for design in DESIGNS:
        text = design_macro(design)
        assert text.startswith(f"CREATE TEMP MACRO search_papers_{design}(query) AS TABLE\nWITH")
        assert "phrase_bits AS MATERIALIZED" in text and text.endswith("ORDER BY s.rank DESC, s.paper_id;")
