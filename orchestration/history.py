"""Loads Dagster did not run (`paperhouse load` from a shell or cron) in the tables' asset history.

The warehouse's `source_files` is the record of truth: every version it holds as loaded that
Dagster has no materialization of since it was loaded becomes a runless materialization of
each table for its partition, saying where it came from. The cursor is the position of the
newest version reported, (loaded_at, file_id), so no load is reported twice; a DuckDB file is
opened only when it changed since the last tick (a reader would make a starting load wait).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from etl.history import BEGINNING, LoadedVersion, loaded_since
from models import TABLES
from orchestration.partitions import dump_partitions
from orchestration.resources import WarehouseResource, run_settings

LOADED_OUTSIDE = "paperhouse load outside Dagster (command line or cron)"
VERSIONS_PER_TICK = 200  # ten events each; the next tick goes on from the cursor
SOURCE_FILES = dg.AssetKey("source_files")
_IN_PROGRESS = (dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING)


def _read_cursor(cursor: str | None) -> tuple[tuple[datetime, int], list[int] | None]:
    """(the position of the newest version reported, the DuckDB file's [size, mtime_ns] then)."""
    if not cursor:
        return BEGINNING, None
    stored = json.loads(cursor)
    return (datetime.fromisoformat(stored["loaded_at"]), stored["file_id"]), stored.get("stamp")


def _cursor(position: tuple[datetime, int], stamp: list[int] | None) -> str:
    return json.dumps({"loaded_at": position[0].isoformat(), "file_id": position[1], "stamp": stamp})


def _file_stamp(warehouse: Path) -> list[int] | None:
    """[size, mtime_ns] of a DuckDB warehouse and of its write-ahead log: what changes when a load commits."""
    stamp = []
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        try:
            status = path.stat()
        except OSError:
            stamp += [-1, -1]
        else:
            stamp += [status.st_size, status.st_mtime_ns]
    return stamp


def _materializations(instance: dg.DagsterInstance, versions: list[LoadedVersion]) -> list[dg.EventLogRecord]:
    """The materializations of `source_files` for the versions' partitions since the oldest was loaded."""
    records_filter = dg.AssetRecordsFilter(
        asset_key=SOURCE_FILES,
        asset_partitions=sorted({v.file_name for v in versions}),
        after_timestamp=min(_timestamp(v) for v in versions),
    )
    records, cursor = [], None
    while True:
        page = instance.fetch_materializations(records_filter, limit=1000, cursor=cursor)
        records += page.records
        if not page.has_more:
            return records
        cursor = page.cursor


def _recorded_by_dagster(instance: dg.DagsterInstance, versions: list[LoadedVersion]) -> set[int]:
    """The versions Dagster already shows: loaded by a run (started before, materialized after), or reported here.

    A run that found the version already loaded (a no-op) materializes it too, but later than it
    started, so it does not hide the load that brought it.
    """
    records = _materializations(instance, versions)
    run_ids = sorted({r.run_id for r in records if r.run_id})
    started = {
        record.dagster_run.run_id: record.start_time
        for record in (instance.get_run_records(dg.RunsFilter(run_ids=run_ids)) if run_ids else [])
    }
    recorded = set()
    for version in versions:
        at = _timestamp(version)
        for record in (r for r in records if r.partition_key == version.file_name):
            if record.run_id:
                start = started.get(record.run_id)
                if start is not None and start <= at <= record.timestamp:
                    recorded.add(version.file_id)
            elif (
                getattr(record.asset_materialization.metadata.get("file_id"), "value", None)
                == version.file_id
            ):
                recorded.add(version.file_id)
    return recorded


def _timestamp(version: LoadedVersion) -> float:
    return version.loaded_at.replace(tzinfo=UTC).timestamp()


def load_events(version: LoadedVersion) -> list[dg.AssetMaterialization]:
    """One runless materialization per table for the version's partition, saying which load brought it."""
    metadata = {
        "loaded_by": LOADED_OUTSIDE,
        "loaded_at": version.loaded_at.replace(tzinfo=UTC).isoformat(),
        "sha256": version.sha256,
        "file_id": version.file_id,
        "entries": version.entries,
    }
    return [
        dg.AssetMaterialization(asset_key=table, partition=version.file_name, metadata=metadata)
        for table in TABLES
    ]


@dg.sensor(
    name="loads_outside_dagster",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Record in the tables' history the dumps `paperhouse load` loaded outside Dagster "
    "(read from the warehouse's source_files).",
)
def loads_outside_dagster(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult:
    """Report each dump version loaded outside Dagster since the last tick as materializations of every table."""
    if context.instance.get_run_records(dg.RunsFilter(statuses=list(_IN_PROGRESS)), limit=1):
        return dg.SensorResult(skip_reason="a run is in progress; its own loads are recorded when it ends")
    target = run_settings(warehouse=warehouse).warehouse
    position, seen_stamp = _read_cursor(context.cursor)
    stamp = _file_stamp(target) if isinstance(target, Path) else None
    if stamp is not None and stamp == seen_stamp:
        return dg.SensorResult(skip_reason="the warehouse has not changed since the last tick")
    versions = loaded_since(target, position, VERSIONS_PER_TICK)
    if versions is None:
        return dg.SensorResult(skip_reason="the warehouse is being written right now; the next tick reads it")
    if not versions:
        return dg.SensorResult(
            skip_reason="no load outside Dagster since the last tick", cursor=_cursor(position, stamp)
        )
    dagster_recorded = _recorded_by_dagster(context.instance, versions)
    outside = [v for v in versions if v.file_id not in dagster_recorded]
    if len(versions) == VERSIONS_PER_TICK:
        stamp = None  # more to read: the next tick reads on whatever the file's state
    known = set(context.instance.get_dynamic_partitions(dump_partitions.name))
    new_partitions = sorted({v.file_name for v in outside} - known)
    if new_partitions:  # before the events: a materialization names a partition that exists
        context.instance.add_dynamic_partitions(dump_partitions.name, new_partitions)
    return dg.SensorResult(
        asset_events=[event for version in outside for event in load_events(version)],
        cursor=_cursor(versions[-1].position, stamp),
        skip_reason=None if outside else "every load since the last tick was a Dagster run",
    )
