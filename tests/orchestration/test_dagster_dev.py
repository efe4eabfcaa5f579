"""`dagster dev` for real: its GraphQL API, the sensor's runs through the queue, and the UI in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from etl.pipeline import WAREHOUSE_TABLES
from tests.conftest import ROOT, SAMPLE_DIR

pytestmark = pytest.mark.slow

QUERY = """{
  assetNodes { assetKey { path } groupName description isPartitioned
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } } }
  runsOrError { ... on Runs { results { status jobName tags { key value } } } }
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    raw = tmp_path_factory.mktemp("raw")
    for path in SAMPLE_DIR.glob("*.txt"):
        shutil.copy2(path, raw / path.name)
    port = free_port()
    env = os.environ | {
        "DAGSTER_HOME": str(home),
        "PAPERHOUSE_RAW_DIR": str(raw),
        "PAPERHOUSE_WAREHOUSE": str(home / "warehouse.duckdb"),
    }
    dagster = Path(sys.executable).with_name("dagster")
    log = (home / "dagster_dev.log").open("w")
    process = subprocess.Popen(
        [str(dagster), "dev", "-m", "orchestration", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
                break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail(f"dagster dev did not start; see {home / 'dagster_dev.log'}")
        yield port, home
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_graphql_serves_the_asset_graph_and_its_checks(dagster_dev):
    port, _ = dagster_dev
    deadline = time.monotonic() + 120
    while True:  # the code location loads in the background
        nodes = graphql(port)["assetNodes"]
        if nodes or time.monotonic() > deadline:
            break
        time.sleep(2)
    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert set(WAREHOUSE_TABLES) <= set(by_key)
    assert {"dump_files", "parsed_entries", "v_papers", "v_duplicates"} <= set(by_key)
    assert by_key["papers"]["groupName"] == "warehouse" and by_key["papers"]["isPartitioned"]
    assert all(n["description"] for n in nodes)
    checks = {c["name"]: c["blocking"] for n in nodes for c in n["assetChecksOrError"]["checks"]}
    assert checks == dict.fromkeys(
        [
            "paper_id_unique",
            "row_keys_unique",
            "every_entry_loaded",
            "no_dangling_references",
            "no_future_listing_dates",
            "reject_rate_under_threshold",
        ],
        True,
    )


def test_the_sensor_loads_each_dump_in_its_own_queued_run(dagster_dev):
    port, home = dagster_dev
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        runs = graphql(port)["runsOrError"]["results"]
        loads = [r for r in runs if r["jobName"] == "load_dumps_job"]
        if len(loads) == 5 and all(r["status"] in {"SUCCESS", "FAILURE", "CANCELED"} for r in loads):
            break
        time.sleep(3)
    assert [r["status"] for r in loads] == ["SUCCESS"] * 5, (home / "dagster_dev.log").read_text()[-3000:]
    for run in loads:
        tags = {t["key"]: t["value"] for t in run["tags"]}
        assert tags["paperhouse/warehouse"] == "writer"
        assert tags["dagster/sensor_name"] == "new_dump_sensor"


def test_the_ui_draws_every_asset_in_chromium(dagster_dev):
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        if os.environ.get("PAPERHOUSE_REQUIRE_BROWSER"):
            pytest.fail(f"{chromium} is missing (CI installs Debian's chromium)")
        pytest.skip("no chromium here; .ci/run installs it")
    port, _ = dagster_dev
    shots = ROOT / "artifacts" / "ui"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "screenshot_asset_graph.py"),
            f"http://127.0.0.1:{port}",
            str(shots),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (shots / "asset_graph.png").stat().st_size > 10_000
