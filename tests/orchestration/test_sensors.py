"""The new-dump sensor and the daily sweep, run with Dagster's test utilities on a temporary folder."""

from __future__ import annotations

import json
import os
import shutil

import dagster as dg
import pytest

from etl.pipeline import load_folder
from etl.warehouse import warehouse_engine
from orchestration import defs
from orchestration.partitions import dump_partitions
from orchestration.resources import DumpFolderResource, WarehouseResource
from orchestration.sensors import build_sweep_schedule, new_dump_sensor
from tests.conftest import SAMPLE_DIR, dump_text, write_dump


def evaluate(instance, folder, cursor=None):
    context = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"dumps": DumpFolderResource(path=str(folder))}
    )
    result = new_dump_sensor(context)
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def test_new_file_requests_a_run_same_file_none_changed_file_one(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["A\n\nA."]))
    first = evaluate(instance, raw)
    assert [r.partition_key for r in first.run_requests] == ["2025-01-01.txt"]
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["2025-01-01.txt"]

    again = evaluate(instance, raw, first.cursor)
    assert again.run_requests == [] and again.skip_reason

    path = raw / "2025-01-01.txt"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched, same bytes
    touched = evaluate(instance, raw, again.cursor)
    assert touched.run_requests == []

    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["A\n\nA, revised."]))
    changed = evaluate(instance, raw, touched.cursor)
    assert [r.partition_key for r in changed.run_requests] == ["2025-01-01.txt"]
    assert changed.run_requests[0].run_key != first.run_requests[0].run_key
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["2025-01-01.txt"]


def test_cursor_is_plain_json_so_it_survives_restarts(instance, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_DIR, raw)
    result = evaluate(instance, raw)
    assert len(result.run_requests) == 5
    cursor = json.loads(result.cursor)
    assert cursor["tick"] > 1_700_000_000_000  # the clock's milliseconds
    assert set(cursor["files"]) == {p.name for p in raw.glob("*.txt")}
    assert all(len(fp["sha256"]) == 64 for fp in cursor["files"].values())
    assert evaluate(instance, raw, result.cursor).run_requests == []


def test_a_cursor_of_the_first_form_is_read(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", dump_text("Jan 1", ["A\n\nA."]))
    bare = json.dumps(json.loads(evaluate(instance, raw).cursor)["files"])  # a cursor stored before ticks
    assert evaluate(instance, raw, bare).run_requests == []


def test_a_revert_and_a_file_moved_out_and_back_each_request_a_new_run(instance, tmp_path):
    raw, away = tmp_path / "raw", tmp_path / "away"
    away.mkdir()
    a, b = dump_text("Jan 1", ["A\n\nA."]), dump_text("Jan 1", ["B\n\nB."])
    write_dump(raw, "x.txt", a)
    first = evaluate(instance, raw)
    write_dump(raw, "x.txt", b)
    second = evaluate(instance, raw, first.cursor)
    write_dump(raw, "x.txt", a)  # reverted: the same bytes as the first run's
    reverted = evaluate(instance, raw, second.cursor)
    shutil.move(raw / "x.txt", away / "x.txt")
    gone = evaluate(instance, raw, reverted.cursor)
    shutil.move(away / "x.txt", raw / "x.txt")  # moved back: same bytes, same mtime
    back = evaluate(instance, raw, gone.cursor)
    keys = [r.run_key for result in (first, second, reverted, back) for r in result.run_requests]
    assert len(keys) == 4 and len(set(keys)) == 4  # four distinct runs: Dagster skips none of them
    assert gone.run_requests == []
    assert [k.split(":")[1] for k in keys] == [k.split(":")[1] for k in [keys[0], keys[1], keys[0], keys[0]]]
    retried = evaluate(instance, raw, gone.cursor)  # the last tick evaluated again
    assert [r.run_key for r in retried.run_requests] == [r.run_key for r in back.run_requests]
    reset = evaluate(instance, raw)  # a sensor whose cursor was reset: its keys are new ones
    assert {r.run_key for r in reset.run_requests}.isdisjoint(keys)


def test_a_name_that_is_not_utf8_is_skipped_and_said_so(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "good.txt", dump_text("Jan 1", ["A\n\nA."]))
    (raw / os.fsdecode(b"caf\xe9.txt")).write_bytes(dump_text("Jan 1", ["B\n\nB."]).encode())
    first = evaluate(instance, raw)
    assert [r.partition_key for r in first.run_requests] == ["good.txt"]
    assert list(json.loads(first.cursor)["files"]) == ["good.txt"]
    again = evaluate(instance, raw, first.cursor)
    assert (again.run_requests, again.skip_reason.skip_message) == (
        [],
        "no new or changed dump among 1 files; skipped: caf\\xe9.txt: cannot be read: "
        "the file name is not valid UTF-8 (byte 0xe9 at byte offset 3); rename the file",
    )
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["good.txt"]


def test_missing_folder_skips(instance, tmp_path):
    assert evaluate(instance, tmp_path / "nope").skip_reason


def test_sensor_is_on_by_default_and_targets_the_load_job():
    sensor = defs.resolve_sensor_def("new_dump_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "load_dumps_job"


def sweep(instance, raw, warehouse):
    schedule = build_sweep_schedule()
    context = dg.build_schedule_context(
        instance=instance,
        repository_def=defs.get_repository_def(),
        resources={
            "dumps": DumpFolderResource(path=str(raw)),
            "warehouse": WarehouseResource(path=str(warehouse)),
        },
    )
    return schedule.evaluate_tick(context)


def test_daily_sweep_requests_what_the_warehouse_lacks(instance, tmp_path, sample_dir):
    warehouse = tmp_path / "w.duckdb"
    first = sweep(instance, sample_dir, warehouse)
    assert sorted(r.partition_key for r in first.run_requests) == sorted(
        p.name for p in sample_dir.glob("*.txt")
    )
    assert sorted(instance.get_dynamic_partitions(dump_partitions.name)) == sorted(
        p.name for p in sample_dir.glob("*.txt")
    )
    engine = warehouse_engine(warehouse)
    load_folder(sample_dir, engine)
    engine.dispose()
    assert not sweep(instance, sample_dir, warehouse).run_requests
    write_dump(sample_dir, "2025-12-01.txt", dump_text("Dec 1", ["New\n\nNew."]))
    assert [r.partition_key for r in sweep(instance, sample_dir, warehouse).run_requests] == [
        "2025-12-01.txt"
    ]


def test_daily_sweep_skips_while_a_writer_holds_the_warehouse(instance, tmp_path, sample_dir):
    warehouse = tmp_path / "w.duckdb"
    engine = warehouse_engine(warehouse)
    load_folder(sample_dir, engine)
    with engine.connect():  # this process holds the write lock, as a running load would
        import subprocess
        import sys

        probe = (
            "from datetime import date; from pathlib import Path; from etl.extract import discover_dumps;"
            "from etl.inventory import list_dumps, unloaded_dumps;"
            f"print(unloaded_dumps(list_dumps(discover_dumps(Path({str(sample_dir)!r}))), Path({str(warehouse)!r}),"
            " None, date(2026, 1, 1)))"
        )
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    engine.dispose()
    assert done.stdout.strip() == "None", done.stderr


def test_sweep_cron_is_configurable(monkeypatch):
    assert build_sweep_schedule().cron_schedule == "0 6 * * *"
    monkeypatch.setenv("PAPERHOUSE_SWEEP_CRON", "30 2 * * 1-5")
    assert build_sweep_schedule().cron_schedule == "30 2 * * 1-5"


def test_a_bad_sweep_cron_names_the_variable(monkeypatch):
    monkeypatch.setenv("PAPERHOUSE_SWEEP_CRON", "every morning")
    with pytest.raises(
        dg.Failure, match=r"PAPERHOUSE_SWEEP_CRON='every morning': expected a five-field cron"
    ):
        build_sweep_schedule()


def test_a_bad_load_setting_does_not_stop_the_definitions_from_loading(monkeypatch):
    """Only the cron is read when the definitions load; a bad batch size is the run's error."""
    monkeypatch.setenv("PAPERHOUSE_BATCH_MB", "abc")
    assert build_sweep_schedule().cron_schedule == "0 6 * * *"
