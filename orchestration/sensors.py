"""The sensors (new and changed dumps; views after loads) and the daily sweep schedule."""

import json
import time
from pathlib import Path

import dagster as dg

from etl import clock
from etl.extract import discover_dumps
from etl.inventory import fingerprints, list_dumps, unloaded_dumps, unreadable_note
from etl.settings import Settings, SettingsError
from orchestration.jobs import load_dumps_job
from orchestration.partitions import dump_partitions
from orchestration.resources import DumpFolderResource, WarehouseResource, run_settings


def _run_requests(changed: dict[str, str], tick: int | None = None) -> list[dg.RunRequest]:
    """One run per changed dump, keyed by name, sha256 and the tick that saw the change.

    The tick makes a revert (A, then B, then A again) or a file moved out and back a new run;
    a retried evaluation of the same tick repeats its keys, which Dagster ignores.
    """
    suffix = "" if tick is None else f":{tick}"
    return [
        dg.RunRequest(run_key=f"{name}:{sha}{suffix}", partition_key=name)
        for name, sha in sorted(changed.items())
    ]


def _read_cursor(cursor: str | None) -> tuple[int, dict[str, dict]]:
    """(the number of the last tick that saw changes, the folder's fingerprints) from the sensor's cursor.

    A cursor without a tick (none yet, reset, or the first bare form) counts on from the clock's
    milliseconds: ticks that saw changes are at least 30 s apart, so a reset sensor's run keys
    never repeat earlier ones (Dagster would skip such a run), and the same cursor always gives
    the same keys (a retried evaluation requests nothing twice).
    """
    stored = json.loads(cursor) if cursor else {}
    if "files" in stored and "tick" in stored:
        return stored["tick"], stored["files"]
    return time.time_ns() // 1_000_000, stored


@dg.sensor(job=load_dumps_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def new_dump_sensor(context: dg.SensorEvaluationContext, dumps: DumpFolderResource) -> dg.SensorResult:
    """Add a partition and request a run for every dump file that is new or whose sha256 changed."""
    folder = run_settings(dumps).raw_dir.absolute()
    if not folder.is_dir():
        return dg.SensorResult(skip_reason=f"dump folder {folder} does not exist")
    ticks, previous = _read_cursor(context.cursor)
    listing = list_dumps(discover_dumps(folder))
    current = fingerprints(listing, previous)
    skipped = unreadable_note(listing)
    if skipped:  # a file no load can read (a name that is not UTF-8, no permission): say so, skip it
        context.log.warning(skipped.removeprefix("; "))
    changed = {
        name: fp["sha256"]
        for name, fp in current.items()
        if previous.get(name, {}).get("sha256") != fp["sha256"]
    }
    ticks += 1 if changed else 0
    new_partitions = sorted(set(changed) - set(context.instance.get_dynamic_partitions(dump_partitions.name)))
    return dg.SensorResult(
        run_requests=_run_requests(changed, ticks),
        dynamic_partitions_requests=[dump_partitions.build_add_request(new_partitions)]
        if new_partitions
        else [],
        cursor=json.dumps({"tick": ticks, "files": current}, sort_keys=True),
        skip_reason=None if changed else f"no new or changed dump among {len(current)} files{skipped}",
    )


views_after_loads = dg.AutomationConditionSensorDefinition(
    "views_after_loads",
    target=dg.AssetSelection.groups("views"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
    description="Refresh the analyst views and the serving copy after every load (their automation condition).",
)


def build_sweep_schedule() -> dg.ScheduleDefinition:
    """The daily safety-net sweep; its cron is the `sweep_cron` setting ($PAPERHOUSE_SWEEP_CRON, default 06:00)."""

    try:
        cron = Settings.read_one("sweep_cron")
    except SettingsError as exc:
        raise dg.Failure(description=f"bad setting: {exc}") from None

    @dg.schedule(job=load_dumps_job, cron_schedule=cron, name="daily_dump_sweep")
    def daily_dump_sweep(
        context: dg.ScheduleEvaluationContext, dumps: DumpFolderResource, warehouse: WarehouseResource
    ):
        """Request a run for every dump in the folder that the warehouse does not hold yet."""
        settings = run_settings(dumps, warehouse)
        folder: Path = settings.raw_dir.absolute()
        if not folder.is_dir():
            return dg.SkipReason(f"dump folder {folder} does not exist")
        pending = unloaded_dumps(
            list_dumps(discover_dumps(folder)),
            settings.warehouse,
            settings.listing_year,
            clock.today(),
        )
        if pending is None:
            return dg.SkipReason(
                "the warehouse is being written right now; the sensor or the next sweep will pick the dumps up"
            )
        if not pending:
            return dg.SkipReason("the warehouse holds the current version of every dump in the folder")
        known = set(context.instance.get_dynamic_partitions(dump_partitions.name))
        new_partitions = sorted(set(pending) - known)
        if new_partitions:  # schedules cannot return partition requests: add them directly
            context.instance.add_dynamic_partitions(dump_partitions.name, new_partitions)
        return _run_requests(pending)

    return daily_dump_sweep
