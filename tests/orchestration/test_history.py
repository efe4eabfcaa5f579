"""Loads outside Dagster: what `paperhouse load` loaded shows in the tables' history, once."""

from __future__ import annotations

import json
import shutil
from datetime import UTC
from pathlib import Path

import dagster as dg
from dagster._core.test_utils import create_run_for_test
from sqlalchemy import text

from etl.cli import EXIT_OK, main
from models import TABLES
from orchestration import defs
from orchestration.history import LOADED_OUTSIDE, loads_outside_dagster
from orchestration.partitions import dump_partitions
from orchestration.resources import WarehouseResource
from tests.orchestration.conftest import materialize_partitions, partition_status, warehouse_of


def evaluate(instance, resources: dict, cursor: str | None = None):  # noqa: ANN001
    """One tick of the sensor on `instance`, with the resources' warehouse."""
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"warehouse": resources["warehouse"]}
    )
    return loads_outside_dagster(context)


def events_of(result) -> list[tuple[str, str, dict]]:  # noqa: ANN001
    """(table, partition, metadata values) of each event a tick reported."""
    events = result.asset_events
    return [
        (e.asset_key.to_user_string(), e.partition, {k: v.value for k, v in e.metadata.items()})
        for e in events
    ]


def recorded_loads(resources: dict, names: list[str]) -> list[tuple[str, str, dict]]:
    """The events the warehouse's `source_files` says the loads of `names` must give, in the sensor's order."""
    engine = warehouse_of(resources)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT file_id, file_name, sha256, entries, loaded_at FROM source_files "
                "WHERE status = 'loaded' ORDER BY loaded_at, file_id"
            )
        ).all()
    engine.dispose()
    return [
        (
            table,
            name,
            {
                "loaded_by": LOADED_OUTSIDE,
                "loaded_at": loaded_at.replace(tzinfo=UTC).isoformat(),
                "sha256": sha,
                "file_id": file_id,
                "entries": entries,
            },
        )
        for file_id, name, sha, entries, loaded_at in rows
        if name in names
        for table in TABLES
    ]


def cli_load(folder: Path, resources: dict) -> None:
    assert main(["load", str(folder), "--warehouse", resources["warehouse"].path]) == EXIT_OK


def test_cli_loads_are_reported_once_as_materializations_of_every_table(
    instance, resources, sample_dir, capsys
):
    names = sorted(p.name for p in sample_dir.iterdir())
    cli_load(sample_dir, resources)
    capsys.readouterr()

    first = evaluate(instance, resources)
    assert events_of(first) == recorded_loads(resources, names)
    assert len(events_of(first)) == len(names) * len(TABLES) == 50
    assert sorted(instance.get_dynamic_partitions(dump_partitions.name)) == names
    for event in first.asset_events:  # as the daemon does with a tick's events
        instance.report_runless_asset_event(event)
    assert partition_status(instance, names) == dict.fromkeys(names, "MATERIALIZED")
    latest = instance.get_latest_materialization_event(dg.AssetKey("keywords")).asset_materialization
    assert latest.metadata["loaded_by"].value == LOADED_OUTSIDE

    again = evaluate(instance, resources, first.cursor)
    assert events_of(again) == []
    unchanged = "the warehouse has not changed since the last tick"  # a DuckDB file is not even opened
    reads = "no load outside Dagster since the last tick"
    assert again.skip_reason.skip_message == (
        unchanged if resources["warehouse"].path.endswith(".duckdb") else reads
    )

    shutil.copy(sample_dir / names[0], sample_dir / "copy.txt")  # a new dump, loaded by the CLI
    cli_load(sample_dir, resources)
    third = evaluate(instance, resources, first.cursor)
    assert events_of(third) == recorded_loads(resources, ["copy.txt"])
    assert events_of(evaluate(instance, resources, third.cursor)) == []


def test_a_cursor_without_the_file_state_still_reports_nothing_twice(instance, resources, sample_dir, capsys):
    cli_load(sample_dir, resources)
    first = evaluate(instance, resources)
    position = json.loads(first.cursor) | {"stamp": None}  # as if the file had changed since
    again = evaluate(instance, resources, json.dumps(position))
    assert (
        events_of(again) == []
        and again.skip_reason.skip_message == "no load outside Dagster since the last tick"
    )


def test_loads_dagster_ran_are_not_reported_again(instance, resources, sample_dir):
    names = sorted(p.name for p in sample_dir.iterdir())
    assert materialize_partitions(instance, resources, names).success
    result = evaluate(instance, resources)
    assert events_of(result) == []
    assert result.skip_reason.skip_message == "every load since the last tick was a Dagster run"
    assert json.loads(result.cursor)["file_id"] != -(2**63)  # moved past them


def test_no_warehouse_yet_is_nothing_to_report(instance, tmp_path):
    resources = {"warehouse": WarehouseResource(path=str(tmp_path / "none.duckdb"))}
    result = evaluate(instance, resources)
    assert events_of(result) == [] and not (tmp_path / "none.duckdb").exists()


def test_the_history_sensor_is_registered_on_by_default():
    sensor = defs.resolve_sensor_def("loads_outside_dagster")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_nothing_is_read_while_a_run_is_in_progress(instance, resources, sample_dir, capsys):
    cli_load(sample_dir, resources)
    create_run_for_test(instance, job_name="load_dumps_job", status=dg.DagsterRunStatus.STARTED)
    result = evaluate(instance, resources)
    assert events_of(result) == [] and result.cursor is None  # the next tick reads from the same point
    assert result.skip_reason.skip_message == "a run is in progress; its own loads are recorded when it ends"


def test_a_dagster_run_that_found_the_dumps_loaded_does_not_hide_the_cli_load(
    instance, resources, sample_dir, capsys
):
    names = sorted(p.name for p in sample_dir.iterdir())
    cli_load(sample_dir, resources)
    assert materialize_partitions(instance, resources, names).success  # nothing left to load: a no-op
    assert events_of(evaluate(instance, resources)) == recorded_loads(resources, names)


def test_a_reset_cursor_reports_nothing_already_reported(instance, resources, sample_dir, capsys):
    cli_load(sample_dir, resources)
    first = evaluate(instance, resources)
    for event in first.asset_events:
        instance.report_runless_asset_event(event)
    again = evaluate(instance, resources)  # no cursor: from the beginning of the record
    assert (
        events_of(again) == []
        and json.loads(again.cursor)["loaded_at"] == json.loads(first.cursor)["loaded_at"]
    )
