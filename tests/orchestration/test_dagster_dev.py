"""`dagster dev` for real: GraphQL and Chromium, as an operator meets it after `make ui`.

One server for the module, in the order an operator lives it: the sensor loads the sample in
one run, the views follow with no click, a broken dump arrives and is a warning, not a failed
table (again when its run is re-executed), the UI shows it, the file is fixed and loads; a drop
of 200 dumps, one of them refused, loads in at most 3 runs leaving every table green; a deleted
dump's partition is removed and its refusal forgotten with no load.

Before it, a server of its own (`TestMakeRunThenMakeUi`, stopped after its class) starts on a
warehouse `paperhouse load` filled, as after the README's `make run` then `make ui`: the CLI's
loads are in every table's history and no load runs for them; the Materialize dialog opens on 0
partitions; a partition added for a file that does not exist warns and the sensor removes it; a
load whose warehouse cannot be opened fails and its alert reaches a local webhook; the tables are
fresh, then stale once the same instance runs 27 h later (faketime).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from etl.checks import RULES
from etl.history import LoadedVersion, loaded_since
from models import TABLES
from orchestration import defs
from orchestration.assets.refused import WHAT_TO_DO
from orchestration.history import LOADED_OUTSIDE
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
STEP_STATS = """query ($runId: ID!) { runOrError(runId: $runId) { ... on Run {
    stepStats { stepKey startTime endTime } } } }"""
REEXECUTE = """mutation ($parent: String!) { launchPipelineReexecution(
    reexecutionParams: {parentRunId: $parent, strategy: ALL_STEPS}) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
MATERIALIZE = """mutation ($assets: [AssetKeyInput!]!) { launchPipelineExecution(executionParams: {
    selector: {repositoryLocationName: "orchestration", repositoryName: "__repository__",
               pipelineName: "__ASSET_JOB", assetSelection: $assets}}) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""

HISTORY = """query ($path: [String!]!) { assetNodeOrError(assetKey: {path: $path}) { ... on AssetNode {
    assetMaterializations(limit: 100) { partition runId metadataEntries { label __typename
    ... on TextMetadataEntry { text } ... on IntMetadataEntry { intRepr } } } } } }"""
TICKS = """query ($name: String!) { sensorOrError(sensorSelector: {repositoryLocationName: "orchestration",
    repositoryName: "__repository__", sensorName: $name}) { ... on Sensor { sensorState {
    ticks(limit: 10) { status timestamp runIds skipReason } } } } }"""
FRESHNESS = """{ assetNodes { assetKey { path } freshnessStatusInfo { freshnessStatus }
    internalFreshnessPolicy { ... on TimeWindowFreshnessPolicy { failWindowSeconds } } } }"""
DAEMONS = """{ instance { freshnessEvaluationEnabled
    daemonHealth { allDaemonStatuses { daemonType healthy } } } }"""
ADD_PARTITION = """mutation ($key: String!) { addDynamicPartition(partitionsDefName: "dump_files",
    partitionKey: $key, repositorySelector: {repositoryLocationName: "orchestration",
    repositoryName: "__repository__"}) { __typename ... on PythonError { message } } }"""
WARNINGS = """query ($runId: ID!) { logsForRun(runId: $runId) { ... on EventConnection { events {
    ... on MessageEvent { message level } } } } }"""
LAUNCH_PARTITION = """mutation ($key: String!, $assets: [AssetKeyInput!]!, $config: RunConfigData) {
    launchPipelineExecution(executionParams: {
    selector: {repositoryLocationName: "orchestration", repositoryName: "__repository__",
               pipelineName: "__ASSET_JOB", assetSelection: $assets}, runConfigData: $config,
    executionMetadata: {tags: [{key: "dagster/partition", value: $key}]}}) {
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


def start_dagster_dev(home: Path, env: dict[str, str], port: int, clock: list[str] = ()) -> subprocess.Popen:
    """What `make ui` runs (scripts/ui.sh), logging to home/dagster_dev.log; `clock` prefixes it (faketime)."""
    log = (home / "dagster_dev.log").open("a")
    process = subprocess.Popen(
        [*clock, "bash", str(ROOT / "scripts" / "ui.sh"), "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()

    def up() -> bool:
        if process.poll() is not None:
            pytest.fail(
                f"dagster dev exited with {process.returncode}: {(home / 'dagster_dev.log').read_text()[-4000:]}"
            )
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
        except OSError:
            return False
        return bool(graphql(port, GRAPH)["assetNodes"])  # the code location loads in the background

    try:
        wait_for(up, 180, "dagster dev to serve the code location", home)
    except BaseException:
        stop_dagster_dev(process)
        raise
    return process


def descendants(pid: int) -> list[int]:
    """The processes started by `pid`, and theirs (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def stop_dagster_dev(process: subprocess.Popen) -> None:
    """Stop the server's process group, then any process it started in a session of its own.

    The code server starts its gRPC server in another session, which exits when the heartbeats
    stop; under faketime it never does, so it is killed here.
    """
    started = descendants(process.pid)
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    for pid in started:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def server_env(home: Path, raw: Path, **extra: str) -> dict[str, str]:
    return os.environ | {
        "DAGSTER_HOME": str(home),
        "PAPERHOUSE_RAW_DIR": str(raw),
        "PAPERHOUSE_WAREHOUSE": str(home / "warehouse.duckdb"),
        "PAPERHOUSE_BIN": str(Path(sys.executable).parent),
        **extra,
    }


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    raw = tmp_path_factory.mktemp("raw")
    for path in SAMPLE_DIR.glob("*.txt"):
        shutil.copy2(path, raw / path.name)
    port = free_port()
    process = start_dagster_dev(home, server_env(home, raw), port)
    try:
        yield port, home, raw
    finally:
        stop_dagster_dev(process)


class Webhook(http.server.ThreadingHTTPServer):
    """A local chat webhook: every POSTed JSON body, in order."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.posts.append(json.loads(body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/alert"


@dataclass
class Server:
    """A `dagster dev` that can be restarted on the same instance, under another clock."""

    port: int
    home: Path
    raw: Path
    env: dict[str, str]
    process: subprocess.Popen
    webhook: Webhook
    cli_loads: list[LoadedVersion]
    shots: Path

    def restart(self, clock: list[str]) -> None:
        stop_dagster_dev(self.process)
        self.port = free_port()
        self.process = start_dagster_dev(self.home, self.env, self.port, clock)


@pytest.fixture(scope="class")
def after_make_run(tmp_path_factory):
    """`make run` (the CLI loads the sample), then `make ui`: a server of its own, stopped after its class.

    The alerts go to a local webhook; the freshness daemon evaluates every 5 s instead of 30.
    """
    home = tmp_path_factory.mktemp("make_run_home")
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    raw = tmp_path_factory.mktemp("make_run_raw")
    for path in SAMPLE_DIR.glob("*.txt"):
        shutil.copy2(path, raw / path.name)
    webhook = Webhook()
    env = server_env(home, raw, PAPERHOUSE_ALERT_WEBHOOK=webhook.url, FRESHNESS_DAEMON_INTERVAL_SECONDS="5")
    loaded = subprocess.run(  # what `make run` runs: `paperhouse load`, the settings from the environment
        [str(Path(sys.executable).parent / "paperhouse"), "load"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "files: 5 seen, 5 loaded, 0 unchanged, 0 rejected" in loaded.stdout
    cli_loads = loaded_since(home / "warehouse.duckdb")
    port = free_port()
    server = Server(
        port,
        home,
        raw,
        env,
        start_dagster_dev(home, env, port),
        webhook,
        cli_loads,
        tmp_path_factory.mktemp("shots"),
    )
    try:
        yield server
    finally:
        stop_dagster_dev(server.process)
        webhook.shutdown()


def metadata_values(entries: list[dict]) -> dict[str, object]:
    values = {}
    for entry in entries:
        kind = entry["__typename"]
        values[entry["label"]] = (
            int(entry["intRepr"]) if kind == "IntMetadataEntry" else entry.get("text", kind)
        )
    return values


def history(port: int, table: str) -> list[dict]:
    node = graphql(port, HISTORY, path=[table])["assetNodeOrError"]
    return node["assetMaterializations"]


def launch(port: int, partition: str, assets: list[dict], config: dict | None = None) -> str:
    """The UI's Materialize of `assets` for one partition (what the dialog launches for one); the run id."""
    launched = graphql(port, LAUNCH_PARTITION, key=partition, assets=assets, config=config)
    assert launched["launchPipelineExecution"]["__typename"] == "LaunchRunSuccess", launched
    return launched["launchPipelineExecution"]["run"]["runId"]


def finished(port: int, run_id: str) -> dict | None:
    return next((r for r in runs(port) if r["runId"] == run_id and r["status"] in FINISHED), None)


def sensor_ticks(port: int, name: str) -> list[dict]:
    sensor = graphql(port, TICKS, name=name)["sensorOrError"]
    return sensor["sensorState"]["ticks"]


def freshness(port: int) -> dict[str, str | None]:
    return {
        n["assetKey"]["path"][-1]: (n["freshnessStatusInfo"] or {}).get("freshnessStatus")
        for n in graphql(port, FRESHNESS)["assetNodes"]
    }


class TestMakeRunThenMakeUi:
    """The README's `make run`, then `make ui`: the CLI's loads in the history, no load run, an alert, freshness."""

    def test_the_cli_loads_are_in_the_tables_history_and_the_sensor_runs_no_load(self, after_make_run):
        server = after_make_run
        port, home = server.port, server.home
        expected = {
            v.file_name: {
                "loaded_by": LOADED_OUTSIDE,
                "loaded_at": v.loaded_at.replace(tzinfo=dt.UTC).isoformat(),
                "sha256": hashlib.sha256((server.raw / v.file_name).read_bytes()).hexdigest(),
                "file_id": v.file_id,
                "entries": v.entries,
            }
            for v in server.cli_loads
        }
        assert sorted(expected) == SAMPLE and sum(m["entries"] for m in expected.values()) == 451

        def recorded() -> dict | None:
            events = {table: history(port, table) for table in TABLES}
            return events if all(len(e) >= len(SAMPLE) for e in events.values()) else None

        events = wait_for(recorded, 240, "the CLI's loads in every table's history", home)
        for table, table_events in events.items():
            assert len(table_events) == len(SAMPLE), table
            assert all(e["runId"] == "" for e in table_events), table  # runless: no Dagster run loaded them
            by_partition = {e["partition"]: metadata_values(e["metadataEntries"]) for e in table_events}
            assert by_partition == expected, table
            assert partition_statuses(port, table) == {"materialized": SAMPLE, "failed": []}, table
        if Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():  # the UI shows them too
            done = screenshots(port, server.shots, "history:papers")
            assert done.returncode == 0, done.stdout + done.stderr

        def ticked_twice() -> list[dict] | None:  # the second tick is one after the partitions exist
            ticks = sensor_ticks(port, "new_dump_sensor")
            return ticks if len(ticks) >= 2 else None

        wait_for(ticked_twice, 120, "two ticks of new_dump_sensor", home)
        wait_for(lambda: all(r["status"] in FINISHED for r in runs(port)), 300, "every run to finish", home)
        launched = runs(port)
        assert [r for r in launched if r["jobName"] == "load_dumps_job"] == []  # no no-op load of the five
        checks = [r for r in launched if r["jobName"] == "refused_dumps_job"]
        for run in checks:  # when the sensor saw the files before their history: the check, no load
            assert run["status"] == "SUCCESS" and tags_of(run)["dagster/sensor_name"] == "new_dump_sensor"
        views = [r for r in launched if tags_of(r).get("dagster/sensor_name") == "views_after_loads"]
        assert len(launched) == len(checks) + len(views) and len(checks) <= 1
        assert [r["status"] for r in views] == ["SUCCESS"] * len(views)

    def test_the_materialize_dialog_a_partition_with_no_file_warns_and_a_failed_load_posts_an_alert(
        self, after_make_run
    ):
        server = after_make_run
        port, home = server.port, server.home
        if Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():
            done = screenshots(port, server.shots, "materialize:warehouse:5")
            assert done.returncode == 0, done.stdout + done.stderr
            texts = json.loads((server.shots / "materialize_dialog.json").read_text())
            # Dagster 1.13's dialog always opens on an empty custom selection (docs/dagster.md says so)
            assert "0 partitions" in texts["opened"] and "Add a partition" in texts["opened"]
            assert "5 partitions" in texts["all"]

        added = graphql(port, ADD_PARTITION, key="ghost.txt")["addDynamicPartition"]  # "Add a partition"
        assert added["__typename"] == "AddDynamicPartitionSuccess", added
        tables = [{"path": [table]} for table in sorted(TABLES)]  # the dialog's run of one partition
        ghost_id = launch(port, "ghost.txt", tables)
        ghost = wait_for(lambda: finished(port, ghost_id), 300, "the run of ghost.txt", home)
        assert (ghost["status"], tags_of(ghost)["paperhouse/missing"]) == ("SUCCESS", "ghost.txt")
        events = graphql(port, WARNINGS, runId=ghost_id)["logsForRun"]["events"]
        assert [e["message"] for e in events if e.get("level") == "WARNING"] == [
            f"No file to load: dump ghost.txt is not in {server.raw} (a file deleted since, or a partition "
            "added by hand); nothing was loaded for it, and the sensor removes its partition."
        ]
        wait_for(
            lambda: "ghost.txt" not in dump_partitions(port),
            120,
            "the sensor to remove ghost.txt's partition",
            home,
        )
        assert sorted(dump_partitions(port)) == SAMPLE
        for table in TABLES:  # nothing failed: a file that does not exist is not loadable, as a refused one
            assert partition_statuses(port, table) == {"materialized": SAMPLE, "failed": []}, table
        assert server.webhook.posts == []  # no failed run, no alert

        blocked = home / "blocked"  # a file where the warehouse's folder would be: a load that truly fails
        blocked.write_text("not a folder\n")
        config = {"resources": {"warehouse": {"config": {"path": str(blocked / "w.duckdb")}}}}
        failed_id = launch(port, SAMPLE[0], tables, config)
        assert (
            wait_for(lambda: finished(port, failed_id), 300, "the failing run", home)["status"] == "FAILURE"
        )
        message = (
            f"The load failed: cannot open the warehouse {blocked}/w.duckdb: {blocked} is a file, not a folder; "
            "nothing was done"
        )
        assert step_failure(port, failed_id) == f"dagster._core.definitions.events.Failure: {message}\n"
        wait_for(lambda: server.webhook.posts, 120, "the alert on the webhook", home)
        assert (
            server.webhook.posts
            == [  # a Materialize is named by its assets, not `__ASSET_JOB`
                {
                    "text": "paperhouse: materialization of dates, keywords, links and 7 more "
                    f"(partition {SAMPLE[0]}) failed, run {failed_id[:8]}\nRun: {failed_id}\n{message}"
                }
            ]
        )

    def test_freshness_passes_after_the_load_and_fails_27_hours_later(self, after_make_run):
        server = after_make_run
        if shutil.which("faketime") is None:
            pytest.skip("no faketime here (Debian's faketime); .ci/run installs it")
        shipped = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
        assert shipped["freshness"] == {"enabled": True}
        policies = {
            n["assetKey"]["path"][-1]: n["internalFreshnessPolicy"]
            for n in graphql(server.port, FRESHNESS)["assetNodes"]
        }
        assert policies == dict.fromkeys(TABLES, {"failWindowSeconds": 26 * 3600}) | dict.fromkeys(
            VIEW_NAMES | {"dump_files", "weekly_report"}
        )
        unchecked = dict.fromkeys(VIEW_NAMES | {"dump_files", "weekly_report"})
        fresh = dict.fromkeys(TABLES, "HEALTHY") | unchecked
        wait_for(lambda: freshness(server.port) == fresh, 120, "the tables to be fresh", server.home)
        instance = graphql(server.port, DAEMONS)["instance"]
        assert instance["freshnessEvaluationEnabled"] is True
        assert {"daemonType": "FRESHNESS_DAEMON", "healthy": True} in instance["daemonHealth"][
            "allDaemonStatuses"
        ]
        browser = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists()
        if browser:  # the overview's freshness tag: Passing
            done = screenshots(server.port, server.shots / "fresh", "overview:papers:Passing")
            assert done.returncode == 0, done.stdout + done.stderr

        server.restart(["faketime", "-f", "+27h"])  # the same instance, its clock 27 h on: no load since
        stale = dict.fromkeys(TABLES, "DEGRADED") | unchecked
        wait_for(lambda: freshness(server.port) == stale, 120, "the tables to turn stale", server.home)
        if browser:  # the overview's freshness tag: Failed (the UI's word for DEGRADED)
            done = screenshots(server.port, server.shots / "stale", "overview:papers:Failed")
            assert done.returncode == 0, done.stdout + done.stderr
        assert server.webhook.posts[1:] == []  # staleness is health, not a failed run


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
    # The steps that open the warehouse hold its pool; the others (the weekly report, the views' run's
    # last step, reads the serving copy) may run beside a load.
    pooled = {a.op.name for a in defs.resolve_asset_graph().assets_defs if a.is_executable and a.op.pool}
    assert {"load_dumps", "analyst_views"} <= pooled and "weekly_report" not in pooled
    spans = sorted(
        (step["startTime"], step["endTime"], f"{r['runId']}:{step['stepKey']}")
        for r in finished
        for step in graphql(port, STEP_STATS, runId=r["runId"])["runOrError"]["stepStats"]
        if step["stepKey"] in pooled and step["startTime"]
    )
    assert f"{click_id}:analyst_views" in {name for _, _, name in spans}  # the click's views, a writer
    for (_, end, first), (start, _, second) in zip(spans, spans[1:], strict=False):
        assert start >= end, f"steps {first} and {second} wrote the warehouse at the same time"
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
