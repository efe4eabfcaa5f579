"""The new-dump sensor and the daily sweep, run with Dagster's test utilities on a temporary folder."""

from __future__ import annotations

import hashlib
import json
import os
import shutil

import dagster as dg
import pytest
from dagster._core.definitions.sensor_definition import (
    _check_dynamic_partitions_requests as check_partition_requests,
)
from dagster._core.test_utils import create_run_for_test

from etl.pipeline import load_folder
from etl.warehouse import warehouse_engine
from orchestration import defs
from orchestration.partitions import dump_partitions
from orchestration.resources import DumpFolderResource, WarehouseResource
from orchestration.sensors import DATA_VERSION, RANGE_END, RANGE_START, build_sweep_schedule, new_dump_sensor
from tests.conftest import dump_text, write_dump

JOBS = {"load_dumps_job", "refused_dumps_job"}


def evaluate(instance, folder, cursor=None, batch=None, warehouse=None):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        resources={
            "dumps": DumpFolderResource(path=str(folder)),
            "warehouse": WarehouseResource(path=str(warehouse or folder.parent / "no_warehouse.duckdb")),
        },
    )
    with pytest.MonkeyPatch.context() as env:
        if batch is not None:
            env.setenv("PAPERHOUSE_SENSOR_BATCH", str(batch))
        result = new_dump_sensor(context)
    assert all(r.job_name in JOBS for r in result.run_requests)  # a sensor of two jobs must name one
    check_partition_requests(result.dynamic_partitions_requests)  # what the daemon refuses
    for request in result.dynamic_partitions_requests or []:  # in order, as the daemon applies them
        if isinstance(request, dg.DeleteDynamicPartitionsRequest):
            for key in request.partition_keys:
                instance.delete_dynamic_partition(request.partitions_def_name, key)
        else:
            instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def loaded(instance, raw, name):
    """Record the load of `name` as Dagster would: its source_files partition, with its sha256."""
    sha = hashlib.sha256((raw / name).read_bytes()).hexdigest()
    instance.report_runless_asset_event(
        dg.AssetMaterialization("source_files", partition=name, metadata={"sha256": sha})
    )


def later(path, seconds=1):
    """Move `path`'s mtime on: file times are coarse, and a test writes faster than they tick."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 10**9))


def partitions_of(request: dg.RunRequest, instance) -> list[str]:
    """The dumps a run request loads: its partition, or its range in the partitions' order."""
    if request.partition_key is not None:
        return [request.partition_key]
    order = instance.get_dynamic_partitions(dump_partitions.name)
    start, end = (request.tags[t] for t in (RANGE_START, RANGE_END))
    return list(order[order.index(start) : order.index(end) + 1])


def test_new_file_requests_a_run_same_file_none_changed_file_one(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["A\n\nA."]))
    first = evaluate(instance, raw)
    assert [r.partition_key for r in first.run_requests] == ["2025-01-01.txt"]
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["2025-01-01.txt"]
    loaded(instance, raw, "2025-01-01.txt")

    again = evaluate(instance, raw, first.cursor)
    assert again.run_requests == [] and again.skip_reason.skip_message == "no file changed among 1"

    path = raw / "2025-01-01.txt"
    later(path)  # touched, same bytes
    touched = evaluate(instance, raw, first.cursor)
    assert touched.run_requests == []
    assert touched.skip_reason.skip_message == "no new or changed dump among 1 files"

    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["A\n\nA, revised."]))
    later(path, 2)
    changed = evaluate(instance, raw, touched.cursor)
    assert [r.partition_key for r in changed.run_requests] == ["2025-01-01.txt"]
    assert changed.run_requests[0].run_key != first.run_requests[0].run_key
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["2025-01-01.txt"]


def test_many_new_files_are_one_run_per_batch_and_a_changed_one_joins_them(instance, tmp_path):
    raw = tmp_path / "raw"
    for n in range(5):
        write_dump(raw, f"a{n}.txt", dump_text("Jan 1", [f"A{n}\n\nA{n}."]))
    first = evaluate(instance, raw, batch=3)
    assert [partitions_of(r, instance) for r in first.run_requests] == [
        ["a0.txt", "a1.txt", "a2.txt"],
        ["a3.txt", "a4.txt"],
    ]
    for n in range(5):
        loaded(instance, raw, f"a{n}.txt")
    write_dump(raw, "a1.txt", dump_text("Jan 1", ["A1\n\nA1, revised."]))  # changed, in the middle
    later(raw / "a1.txt")
    write_dump(raw, "b.txt", dump_text("Jan 1", ["B\n\nB."]))
    second = evaluate(instance, raw, first.cursor, batch=3)
    assert [partitions_of(r, instance) for r in second.run_requests] == [["a1.txt", "b.txt"]]
    assert instance.get_dynamic_partitions(dump_partitions.name) == [
        "a0.txt",
        "a2.txt",
        "a3.txt",
        "a4.txt",
        "a1.txt",
        "b.txt",
    ]


def test_the_cursor_stays_small_however_many_files_the_folder_holds(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", dump_text("Jan 1", ["A\n\nA."]))
    small = evaluate(instance, raw).cursor
    for n in range(300):
        write_dump(raw, f"{n:04}.txt", dump_text("Jan 1", [f"T{n}\n\nA{n}."]))
    large = evaluate(instance, raw, small).cursor
    assert len(small) == 141  # 13-digit tick, 19-digit mtime, 64-digit digest
    stored = json.loads(large)  # and where observing goes on: 200 files were observed, 100 wait
    assert set(stored) == {"tick", "newest_mtime_ns", "digest", "observe_after"}
    assert stored["observe_after"] == "0199.txt" and len(large) == 141 + len(', "observe_after": "0199.txt"')
    assert stored["newest_mtime_ns"] == max(p.stat().st_mtime_ns for p in raw.glob("*.txt"))
    assert stored["tick"] > 1_700_000_000_000  # the clock's milliseconds


def test_a_deleted_file_loses_its_partition_and_the_check_runs(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", dump_text("Jan 1", ["A\n\nA."]))
    write_dump(raw, "b.txt", dump_text("Jan 1", ["B\n\nB."]))
    first = evaluate(instance, raw)
    (raw / "b.txt").unlink()
    gone = evaluate(instance, raw, first.cursor)
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["a.txt"]
    assert [(r.job_name, r.partition_key) for r in gone.run_requests] == [("refused_dumps_job", None)]


def test_a_partition_added_for_a_file_that_does_not_exist_is_removed(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", dump_text("Jan 1", ["A\n\nA."]))
    first = evaluate(instance, raw)
    loaded(instance, raw, "a.txt")
    instance.add_dynamic_partitions(dump_partitions.name, ["typo.txt"])  # the UI's "Add a partition"
    write_dump(raw, "b.txt", dump_text("Jan 1", ["B\n\nB."]))
    second = evaluate(instance, raw, first.cursor)
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["a.txt", "b.txt"]
    assert [r.partition_key for r in second.run_requests] == ["b.txt"]


def test_a_partition_added_by_hand_goes_at_a_tick_with_no_change_once_no_run_is_queued(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", dump_text("Jan 1", ["A\n\nA."]))
    first = evaluate(instance, raw)
    loaded(instance, raw, "a.txt")
    instance.add_dynamic_partitions(dump_partitions.name, ["typo.txt"])  # the dialog's "Add a partition"
    queued = create_run_for_test(instance, job_name="load_dumps_job", status=dg.DagsterRunStatus.STARTED)
    waiting = evaluate(instance, raw, first.cursor)  # a run for it may be queued: it fails, saying why
    assert waiting.run_requests == [] and instance.get_dynamic_partitions(dump_partitions.name) == [
        "a.txt",
        "typo.txt",
    ]
    instance.report_run_failed(queued)
    after = evaluate(instance, raw, first.cursor)
    assert after.run_requests == []
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["a.txt"]


def test_new_files_the_warehouse_holds_already_get_a_partition_and_the_check_not_a_load(
    instance, tmp_path, sample_dir
):
    """`make run` then `make ui`: the CLI loaded the folder before the sensor's first tick."""
    warehouse = tmp_path / "w.duckdb"
    engine = warehouse_engine(warehouse)
    load_folder(sample_dir, engine)
    engine.dispose()
    names = sorted(p.name for p in sample_dir.glob("*.txt"))
    write_dump(sample_dir, "2025-12-01.txt", dump_text("Dec 1", ["New\n\nNew."]))
    first = evaluate(instance, sample_dir, warehouse=warehouse)
    assert [(r.job_name, r.partition_key) for r in first.run_requests] == [
        ("load_dumps_job", "2025-12-01.txt")
    ]
    assert instance.get_dynamic_partitions(dump_partitions.name) == [*names, "2025-12-01.txt"]  # held first
    observed = {e.partition: e.tags[DATA_VERSION] for e in first.asset_events}
    assert observed == {
        n: hashlib.sha256((sample_dir / n).read_bytes()).hexdigest() for n in [*names, "2025-12-01.txt"]
    }

    for name in names:  # moved out and back, unchanged, with their partitions gone: the check alone
        instance.delete_dynamic_partition(dump_partitions.name, name)
    (sample_dir / "2025-12-01.txt").unlink()
    gone = evaluate(instance, sample_dir, first.cursor, warehouse=warehouse)
    assert [r.job_name for r in gone.run_requests] == ["refused_dumps_job"]
    assert sorted(instance.get_dynamic_partitions(dump_partitions.name)) == names
    assert json.loads(gone.cursor)["tick"] == json.loads(first.cursor)["tick"] + 1


def test_a_cursor_of_the_fingerprint_form_keeps_its_newest_mtime(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", dump_text("Jan 1", ["A\n\nA."]))
    stat = (raw / "a.txt").stat()
    old = {"a.txt": {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": "x"}}
    instance.add_dynamic_partitions(dump_partitions.name, ["a.txt"])
    loaded(instance, raw, "a.txt")
    for cursor in (json.dumps({"tick": 7, "files": old}), json.dumps(old)):  # with its tick, and bare
        assert evaluate(instance, raw, cursor).run_requests == []


def test_a_revert_and_a_file_moved_out_and_back_each_request_a_new_run(instance, tmp_path):
    raw, away = tmp_path / "raw", tmp_path / "away"
    away.mkdir()
    a, b = dump_text("Jan 1", ["A\n\nA."]), dump_text("Jan 1", ["B\n\nB."])
    write_dump(raw, "x.txt", a)
    first = evaluate(instance, raw)
    loaded(instance, raw, "x.txt")
    write_dump(raw, "x.txt", b)
    later(raw / "x.txt")
    second = evaluate(instance, raw, first.cursor)
    loaded(instance, raw, "x.txt")
    write_dump(raw, "x.txt", a)  # reverted: the same bytes as the first run's
    later(raw / "x.txt", 2)
    reverted = evaluate(instance, raw, second.cursor)
    loaded(instance, raw, "x.txt")
    shutil.move(raw / "x.txt", away / "x.txt")
    gone = evaluate(instance, raw, reverted.cursor)
    shutil.move(away / "x.txt", raw / "x.txt")  # moved back: same bytes, same mtime
    back = evaluate(instance, raw, gone.cursor)
    keys = [r.run_key for result in (first, second, reverted, back) for r in result.run_requests]
    assert len(keys) == 4 and len(set(keys)) == 4  # four distinct runs: Dagster skips none of them
    assert [r.job_name for r in gone.run_requests] == ["refused_dumps_job"]
    assert [r.partition_key for r in back.run_requests] == ["x.txt"]
    instance.delete_dynamic_partition(dump_partitions.name, "x.txt")  # as before the last tick
    retried = evaluate(instance, raw, gone.cursor)  # the last tick evaluated again
    assert [r.run_key for r in retried.run_requests] == [r.run_key for r in back.run_requests]
    write_dump(raw, "y.txt", b)
    reset = evaluate(instance, raw)  # a sensor whose cursor was reset: its keys are new ones
    assert [r.partition_key for r in reset.run_requests] == ["y.txt"]
    assert {r.run_key for r in reset.run_requests}.isdisjoint(keys)


def test_a_name_that_is_not_utf8_is_skipped_and_said_so(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "good.txt", dump_text("Jan 1", ["A\n\nA."]))
    (raw / os.fsdecode(b"caf\xe9.txt")).write_bytes(dump_text("Jan 1", ["B\n\nB."]).encode())
    first = evaluate(instance, raw)
    assert [r.partition_key for r in first.run_requests] == ["good.txt"]
    again = evaluate(instance, raw, first.cursor)
    assert (again.run_requests, again.skip_reason.skip_message) == (
        [],
        "no file changed among 1; skipped: caf\\xe9.txt: cannot be read: "
        "the file name is not valid UTF-8 (byte 0xe9 at byte offset 3); rename the file",
    )
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["good.txt"]


def test_missing_folder_skips(instance, tmp_path):
    assert evaluate(instance, tmp_path / "nope").skip_reason.skip_message


def test_sensor_is_on_by_default_and_targets_the_load_job():
    sensor = defs.resolve_sensor_def("new_dump_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sorted(t.job_name for t in sensor.targets) == ["load_dumps_job", "refused_dumps_job"]


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
    assert [partitions_of(r, instance) for r in first.run_requests] == [
        sorted(p.name for p in sample_dir.glob("*.txt"))
    ]
    assert sorted(instance.get_dynamic_partitions(dump_partitions.name)) == sorted(
        p.name for p in sample_dir.glob("*.txt")
    )
    engine = warehouse_engine(warehouse)
    load_folder(sample_dir, engine)
    engine.dispose()
    assert not sweep(instance, sample_dir, warehouse).run_requests
    write_dump(sample_dir, "2025-12-01.txt", dump_text("Dec 1", ["New\n\nNew."]))
    assert [partitions_of(r, instance) for r in sweep(instance, sample_dir, warehouse).run_requests] == [
        ["2025-12-01.txt"]
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


def observed(result) -> dict[str, tuple]:
    """Partition -> (data version, sha256, size, mtime) of each observation of `dump_files` a tick reports."""
    return {
        e.partition: (
            e.data_version,
            e.metadata["sha256"].value,
            e.metadata["size_bytes"].value,
            e.metadata["modified_at"].value,
        )
        for e in result.asset_events
        if isinstance(e, dg.AssetObservation) and e.asset_key == dg.AssetKey("dump_files")
    }


def state(path) -> tuple:
    """What an observation of `path` must say: its sha256 (as data version too), size and mtime."""
    sha, stat = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat()
    return (sha, sha, stat.st_size, stat.st_mtime_ns / 1e9)


def test_new_changed_and_touched_files_are_observed_gone_ones_not(instance, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "a.txt", dump_text("Jan 1", ["A\n\nA."]))
    write_dump(raw, "b.txt", dump_text("Jan 1", ["B\n\nB."]))
    first = evaluate(instance, raw)
    assert observed(first) == {"a.txt": state(raw / "a.txt"), "b.txt": state(raw / "b.txt")}
    loaded(instance, raw, "a.txt")
    loaded(instance, raw, "b.txt")
    assert observed(evaluate(instance, raw, first.cursor)) == {}  # nothing changed: nothing observed
    write_dump(raw, "a.txt", dump_text("Jan 1", ["A\n\nA, revised."]))
    later(raw / "a.txt")
    (raw / "b.txt").unlink()
    write_dump(raw, "c.txt", dump_text("Jan 1", ["C\n\nC."]))
    later(raw / "c.txt", 2)
    second = evaluate(instance, raw, first.cursor)
    assert observed(second) == {"a.txt": state(raw / "a.txt"), "c.txt": state(raw / "c.txt")}
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["a.txt", "c.txt"]
    loaded(instance, raw, "c.txt")
    later(raw / "c.txt", 3)  # touched, not changed: no load, its new mtime observed
    third = evaluate(instance, raw, second.cursor)
    assert third.run_requests == [] and observed(third) == {"c.txt": state(raw / "c.txt")}


def test_observing_is_bounded_per_tick_and_goes_on_from_the_cursor(instance, tmp_path):
    raw = tmp_path / "raw"
    for n in range(7):
        write_dump(raw, f"{n}.txt", dump_text("Jan 1", [f"T{n}\n\nA{n}."]))
    first = evaluate(instance, raw, batch=3)
    assert sorted(observed(first)) == ["0.txt", "1.txt", "2.txt"]
    assert json.loads(first.cursor)["observe_after"] == "2.txt"
    for event in first.asset_events:  # the daemon stores what a tick reports
        instance.report_runless_asset_event(event)
    second = evaluate(instance, raw, first.cursor, batch=3)  # the folder is unchanged: the backlog goes on
    assert observed(second) == {n: state(raw / n) for n in ("3.txt", "4.txt", "5.txt")}
    assert second.run_requests == [] and json.loads(second.cursor)["observe_after"] == "5.txt"
    for event in second.asset_events:
        instance.report_runless_asset_event(event)
    third = evaluate(instance, raw, second.cursor, batch=3)
    assert observed(third) == {"6.txt": state(raw / "6.txt")}
    assert "observe_after" not in json.loads(third.cursor)
    for event in third.asset_events:
        instance.report_runless_asset_event(event)
    assert (
        evaluate(instance, raw, third.cursor, batch=3).skip_reason.skip_message == "no file changed among 7"
    )
    replay = json.loads(third.cursor) | {"observe_after": ""}  # a backlog over files observed already
    again = evaluate(instance, raw, json.dumps(replay), batch=3)
    assert observed(again) == {} and json.loads(again.cursor)["observe_after"] == "2.txt"
    record = instance.fetch_observations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("dump_files"), asset_partitions=["4.txt"]), limit=1
    ).records[0]
    assert record.asset_observation.data_version == state(raw / "4.txt")[0]
