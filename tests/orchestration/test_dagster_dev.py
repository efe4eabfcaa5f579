"""`dagster dev` for real: GraphQL and Chromium, as an operator meets it after `make ui`.

One server for the module, in the order an operator lives it: the sensor loads the sample in
one run, the views follow with no click, a broken dump arrives and is a warning, not a failed
table (again when its run is re-executed), the UI shows it, the file is fixed and loads; a drop
of 200 dumps, one of them refused, loads in at most 3 runs leaving every table green; a deleted
dump's partition is removed and its refusal forgotten with no load.
"""

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

from etl.checks import RULES
from models import TABLES
from orchestration.assets.refused import WHAT_TO_DO
from tests.conftest import CUT_DUMP, CUT_REASON, ROOT, SAMPLE_DIR, dump_text, write_dump
from tests.orchestration.conftest import VIEW_NAMES

pytestmark = pytest.mark.slow

SAMPLE = sorted(p.name for p in SAMPLE_DIR.glob("*.txt"))
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}

GRAPH = """{ assetNodes { assetKey { path } groupName description isPartitioned
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }"""
RUNS = """{ runsOrError { ... on Runs { results { runId status jobName startTime endTime
    tags { key value } assetSelection { path } } } } }"""
PARTITIONS = """query ($path: [String!]!) { assetNodeOrError(assetKey: {path: $path}) { ... on AssetNode {
    assetPartitionStatuses { ... on DefaultPartitionStatuses { materializedPartitions failedPartitions } } } } }"""
LATEST = """{ assetNodes { assetKey { path } assetMaterializations(limit: 1) { timestamp runId } } }"""
STEP_FAILURE = """query ($runId: ID!) { logsForRun(runId: $runId) { ... on EventConnection { events {
    __typename ... on ExecutionStepFailureEvent { error { message } } } } } }"""
CHECK_RUNS = """query ($path: [String!]!, $name: String!) { assetCheckExecutions(
    assetKey: {path: $path}, checkName: $name, limit: 1) { runId status evaluation { severity description } } }"""
DUMP_PARTITIONS = """{ partitionSetsOrError(repositorySelector: {repositoryLocationName: "orchestration",
    repositoryName: "__repository__"}, pipelineName: "load_dumps_job") { ... on PartitionSets { results {
    partitionsOrError { ... on Partitions { results { name } } } } } } }"""
REEXECUTE = """mutation ($parent: String!) { launchPipelineReexecution(
    reexecutionParams: {parentRunId: $parent, strategy: ALL_STEPS}) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
MATERIALIZE = """mutation ($assets: [AssetKeyInput!]!) { launchPipelineExecution(executionParams: {
    selector: {repositoryLocationName: "orchestration", repositoryName: "__repository__",
               pipelineName: "__ASSET_JOB", assetSelection: $assets}}) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str, **variables: object) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.load(response)
    assert "errors" not in body, body["errors"]
    return body["data"]


def runs(port: int) -> list[dict]:
    return graphql(port, RUNS)["runsOrError"]["results"]


def wait_for(predicate, timeout: float, what: str, home: Path):
    """Poll `predicate` until it returns something truthy; fail with the server's log tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(2)
    log = (home / "dagster_dev.log").read_text()[-4000:]
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}; dagster dev log:\n{log}")


def partition_statuses(port: int, asset: str) -> dict[str, list[str]]:
    node = graphql(port, PARTITIONS, path=[asset])["assetNodeOrError"]
    statuses = node["assetPartitionStatuses"]
    return {
        "materialized": sorted(statuses["materializedPartitions"]),
        "failed": sorted(statuses["failedPartitions"]),
    }


def step_failure(port: int, run_id: str) -> str:
    events = graphql(port, STEP_FAILURE, runId=run_id)["logsForRun"]["events"]
    return next(e["error"]["message"] for e in events if e["__typename"] == "ExecutionStepFailureEvent")


def tags_of(run: dict) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run["tags"]}


def sensor_load(port: int, partition: str, after: set[str]) -> dict | None:
    """The finished sensor run of `partition` alone not among the run ids `after`, if there is one."""
    for run in runs(port):
        tags = tags_of(run)
        if (
            run["runId"] not in after
            and tags.get("dagster/partition") == partition
            and tags.get("dagster/sensor_name") == "new_dump_sensor"
            and run["status"] in FINISHED
        ):
            return run
    return None


def sensor_loads(port: int, after: set[str]) -> list[dict]:
    """The sensor's load runs not among the run ids `after`."""
    return [
        r
        for r in runs(port)
        if r["runId"] not in after
        and r["jobName"] == "load_dumps_job"
        and tags_of(r).get("dagster/sensor_name") == "new_dump_sensor"
    ]


def latest_check(port: int, asset: str, name: str) -> dict:
    return graphql(port, CHECK_RUNS, path=[asset], name=name)["assetCheckExecutions"][0]


def dump_partitions(port: int) -> list[str]:
    (partition_set,) = graphql(port, DUMP_PARTITIONS)["partitionSetsOrError"]["results"]
    return [p["name"] for p in partition_set["partitionsOrError"]["results"]]


def views_fresh(port: int) -> bool:
    """Every view was materialized after the end of the newest finished run that loaded tables."""
    ends = [
        r["endTime"]
        for r in runs(port)
        if r["jobName"] == "load_dumps_job" and r["status"] in FINISHED and r["endTime"]
    ]
    latest = {
        n["assetKey"]["path"][-1]: n["assetMaterializations"]
        for n in graphql(port, LATEST)["assetNodes"]
        if n["assetKey"]["path"][-1] in VIEW_NAMES
    }
    return bool(ends) and all(m and float(m[0]["timestamp"]) / 1000 >= max(ends) for m in latest.values())


def screenshots(port: int, folder: Path, *pages: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "screenshot_ui.py"),
            f"http://127.0.0.1:{port}",
            str(folder),
            *pages,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )


def chromium_or_skip() -> None:
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        if os.environ.get("PAPERHOUSE_REQUIRE_BROWSER"):
            pytest.fail(f"{chromium} is missing (CI installs Debian's chromium)")
        pytest.skip("no chromium here; .ci/run installs it")


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
    env["PAPERHOUSE_BIN"] = str(Path(sys.executable).parent)
    log = (home / "dagster_dev.log").open("w")
    process = subprocess.Popen(  # what `make ui` runs
        ["bash", str(ROOT / "scripts" / "ui.sh"), "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:

        def up() -> bool:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
            except OSError:
                return False
            return bool(graphql(port, GRAPH)["assetNodes"])  # the code location loads in the background

        wait_for(up, 180, "dagster dev to serve the code location", home)
        yield port, home, raw
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def test_graphql_serves_the_asset_graph_and_its_checks(dagster_dev):
    port, _, _ = dagster_dev
    nodes = graphql(port, GRAPH)["assetNodes"]
    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert set(by_key) == {"dump_files"} | set(TABLES) | VIEW_NAMES | {"weekly_report"}
    assert {k: n["groupName"] for k, n in by_key.items() if n["isPartitioned"]} == {
        "dump_files": "raw"
    } | dict.fromkeys(TABLES, "warehouse")
    assert all(n["description"] for n in nodes)
    checks = {c["name"]: c["blocking"] for n in nodes for c in n["assetChecksOrError"]["checks"]}
    assert checks == dict.fromkeys([rule.name for rule in RULES], True) | {
        "no_refused_dumps": False,
        "rows_match_tables": False,
        "column_schema_change": False,
    }
    on_views = {k: sorted(c["name"] for c in by_key[k]["assetChecksOrError"]["checks"]) for k in VIEW_NAMES}
    assert on_views == dict.fromkeys(VIEW_NAMES, ["column_schema_change", "rows_match_tables"]) | {
        "v_keyword_weeks": ["column_schema_change"]  # no row invariant (etl.view_rows.NO_INVARIANT)
    }


def test_the_sensor_loads_the_sample_in_one_run_and_the_views_follow_with_no_click(dagster_dev):
    port, home, _ = dagster_dev

    def loaded() -> list[dict] | None:
        loads = [r for r in runs(port) if r["jobName"] == "load_dumps_job"]
        return loads if loads and all(r["status"] in FINISHED for r in loads) else None

    (load,) = wait_for(loaded, 300, "the sensor's load of the sample", home)
    assert load["status"] == "SUCCESS"
    tags = tags_of(load)
    assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == (
        SAMPLE[0],
        SAMPLE[-1],
    )
    assert partition_statuses(port, "papers") == {"materialized": SAMPLE, "failed": []}
    wait_for(lambda: views_fresh(port), 180, "the views to be refreshed after the load", home)

    def automation_runs() -> list[dict] | None:
        launched = [r for r in runs(port) if tags_of(r).get("dagster/sensor_name") == "views_after_loads"]
        return launched if launched and all(r["status"] in FINISHED for r in launched) else None

    by_automation = wait_for(automation_runs, 180, "the views' runs to finish", home)
    assert [r["status"] for r in by_automation] == ["SUCCESS"] * len(by_automation)

    def report_written() -> bool:  # the same sensor writes the report after the views
        nodes = graphql(port, LATEST)["assetNodes"]
        return any(n["assetKey"]["path"][-1] == "weekly_report" and n["assetMaterializations"] for n in nodes)

    wait_for(report_written, 180, "the weekly report after the views", home)
    assert (home / "report.html").read_text(encoding="utf-8").count('<svg class="chart') >= 10
    if Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():  # its page shows the week's summary
        done = screenshots(port, home / "shots", "asset:weekly_report:Rising this week")
        assert done.returncode == 0, done.stdout + done.stderr


def test_writers_launched_from_different_places_never_overlap(dagster_dev):
    """A "Materialize" click (the UI's own mutation) and a sensor load queue behind each other."""
    port, home, raw = dagster_dev
    before = {r["runId"] for r in runs(port)}
    shutil.copy2(SAMPLE_DIR / SAMPLE[0], raw / "2025-12-24_copy.txt")  # the sensor requests a load
    clicked = graphql(port, MATERIALIZE, assets=[{"path": [view]} for view in sorted(VIEW_NAMES)])
    assert clicked["launchPipelineExecution"]["__typename"] == "LaunchRunSuccess", clicked
    click_id = clicked["launchPipelineExecution"]["run"]["runId"]
    wait_for(
        lambda: sensor_load(port, "2025-12-24_copy.txt", before), 300, "the sensor's load of the copy", home
    )
    wait_for(lambda: all(r["status"] in FINISHED for r in runs(port)), 300, "every run to finish", home)
    finished = [r for r in runs(port) if r["startTime"] and r["endTime"]]
    assert {r["runId"] for r in finished} >= {click_id}
    spans = sorted((r["startTime"], r["endTime"], r["runId"]) for r in finished)
    for (_, end, first), (start, _, second) in zip(spans, spans[1:], strict=False):
        assert start >= end, f"runs {first} and {second} wrote the warehouse at the same time"
    assert all(r["status"] == "SUCCESS" for r in finished)


def test_a_broken_dump_warns_and_fails_no_table_until_its_file_is_fixed(dagster_dev, tmp_path):
    port, home, raw = dagster_dev
    before = {r["runId"] for r in runs(port)}
    shutil.copy(CUT_DUMP, raw / "cut.txt")
    refused = wait_for(lambda: sensor_load(port, "cut.txt", before), 300, "the sensor's run of cut.txt", home)
    assert refused["status"] == "SUCCESS"  # a refused dump is not loadable: nothing failed
    assert tags_of(refused)["paperhouse/refused"] == "cut.txt"
    for table in TABLES:
        statuses = partition_statuses(port, table)
        assert statuses["failed"] == [] and "cut.txt" not in statuses["materialized"], table
    check = latest_check(port, "source_files", "no_refused_dumps")
    assert (check["runId"], check["status"], check["evaluation"]["severity"]) == (
        refused["runId"],
        "FAILED",
        "WARN",
    )
    assert (
        check["evaluation"]["description"]
        == f"refused dumps in the folder: 1\n\n- {CUT_REASON}\n\n{WHAT_TO_DO}"
    )

    relaunched = graphql(port, REEXECUTE, parent=refused["runId"])["launchPipelineReexecution"]
    assert relaunched["__typename"] == "LaunchRunSuccess", relaunched
    rerun_id = relaunched["run"]["runId"]

    def rerun_finished() -> dict | None:
        return next((r for r in runs(port) if r["runId"] == rerun_id and r["status"] in FINISHED), None)

    assert wait_for(rerun_finished, 300, "the re-execution", home)["status"] == "SUCCESS"
    assert latest_check(port, "source_files", "no_refused_dumps")["evaluation"]["severity"] == "WARN"
    assert partition_statuses(port, "papers")["failed"] == []

    if Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():  # the UI shows it too
        shots = ROOT / "artifacts" / "ui"
        done = screenshots(
            port, shots, "partitions:papers:cut.txt", f"run:{rerun_id}", "check:source_files:no_refused_dumps"
        )
        assert done.returncode == 0, done.stdout + done.stderr

    before = {r["runId"] for r in runs(port)}
    shutil.copy(SAMPLE_DIR / SAMPLE[1], raw / "cut.txt")  # fixed: new bytes, new sha256
    fixed = wait_for(
        lambda: sensor_load(port, "cut.txt", before), 300, "the sensor's run of the fixed file", home
    )
    assert fixed["status"] == "SUCCESS"
    statuses = partition_statuses(port, "papers")
    assert statuses["failed"] == [] and "cut.txt" in statuses["materialized"]
    assert latest_check(port, "source_files", "no_refused_dumps")["status"] == "SUCCEEDED"
    wait_for(lambda: views_fresh(port), 180, "the views to be refreshed after the fix", home)


def test_a_drop_of_200_dumps_loads_in_at_most_3_runs_and_one_refused_leaves_the_tables_green(dagster_dev):
    port, home, raw = dagster_dev
    wait_for(lambda: all(r["status"] in FINISHED for r in runs(port)), 300, "every run to finish", home)
    before = {r["runId"] for r in runs(port)}
    drop = [f"2024-03-01_{n:03}.txt" for n in range(199)]
    staging = raw.parent / "staging"
    staging.mkdir()
    for n, name in enumerate(drop):
        write_dump(staging, name, dump_text("Mar 1", [f"Drop title {n}\n\nDrop abstract {n}, on testing."]))
    shutil.copy(CUT_DUMP, staging / "2024-03-01_cut.txt")
    for path in sorted(staging.iterdir()):  # complete files renamed into the folder, as a download tool does
        path.rename(raw / path.name)

    def drop_loaded() -> list[dict] | None:
        loads = sensor_loads(port, before)
        done = loads and all(r["status"] in FINISHED for r in loads)
        return (
            loads if done and set(drop) <= set(partition_statuses(port, "papers")["materialized"]) else None
        )

    loads = wait_for(drop_loaded, 600, "the sensor's loads of the drop", home)
    kept = ROOT / "artifacts" / "ui" / "drop"
    kept.mkdir(parents=True, exist_ok=True)  # how many runs it took, for the operator reading the artifacts
    (kept / "runs.json").write_text(
        json.dumps([tags_of(r) | {"status": r["status"]} for r in loads], indent=1)
    )
    assert 1 <= len(loads) <= 3 and [r["status"] for r in loads] == ["SUCCESS"] * len(loads), loads
    for table in TABLES:  # green: no failed partition; the refused dump's is missing
        statuses = partition_statuses(port, table)
        assert statuses["failed"] == [] and "2024-03-01_cut.txt" not in statuses["materialized"], table
    check = latest_check(port, "source_files", "no_refused_dumps")
    assert (check["status"], check["evaluation"]["severity"]) == ("FAILED", "WARN")
    assert check["evaluation"]["description"].splitlines()[:3] == [
        "refused dumps in the folder: 1",
        "",
        "- " + CUT_REASON.replace("cut.txt", "2024-03-01\\_cut.txt"),  # Markdown: `_` escaped
    ]
    if Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():
        shots = ROOT / "artifacts" / "ui" / "drop"
        done = screenshots(
            port, shots, "check:source_files:no_refused_dumps", "partitions:papers:2024-03-01_cut.txt"
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_deleted_dump_loses_its_partition_and_its_refusal_with_no_load(dagster_dev):
    port, home, raw = dagster_dev
    wait_for(lambda: all(r["status"] in FINISHED for r in runs(port)), 300, "every run to finish", home)
    before = {r["runId"] for r in runs(port)}
    assert "2024-03-01_cut.txt" in dump_partitions(port)
    (raw / "2024-03-01_cut.txt").unlink()

    def checked() -> dict | None:
        new = [r for r in runs(port) if r["runId"] not in before and r["jobName"] != "refresh_views_job"]
        new = [
            r
            for r in new
            if r["jobName"] != "__ASSET_JOB" or tags_of(r).get("dagster/sensor_name") != "views_after_loads"
        ]
        return new[0] if len(new) == 1 and new[0]["status"] in FINISHED else None

    run = wait_for(checked, 300, "the sensor's check run", home)
    assert (run["jobName"], run["status"]) == ("refused_dumps_job", "SUCCESS")  # and no load
    assert "2024-03-01_cut.txt" not in dump_partitions(port)
    check = latest_check(port, "source_files", "no_refused_dumps")
    assert (check["runId"], check["status"]) == (run["runId"], "SUCCEEDED")
    assert check["evaluation"]["description"] == (
        f"every dump read from the folder is loaded ({len(list(raw.glob('*.txt')))} in the folder)"
    )


def test_the_ui_draws_every_asset_and_the_expanded_graph_in_chromium(dagster_dev):
    chromium_or_skip()
    port, _, _ = dagster_dev
    shots = ROOT / "artifacts" / "ui"
    done = screenshots(port, shots, "graph")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (shots / "asset_graph.png").stat().st_size > 10_000
