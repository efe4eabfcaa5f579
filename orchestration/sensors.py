"""The sensors (new and changed dumps; views after loads) and the daily sweep schedule."""

import hashlib
import json
import time
from pathlib import Path

import dagster as dg

from etl import clock
from etl.extract import DumpFile, discover_dumps
from etl.inventory import FolderListing, FolderMark, hashed, list_dumps, unloaded_dumps, unreadable_note
from etl.report import quoted_names
from etl.settings import Settings, SettingsError
from orchestration.assets.dumps import dump_files
from orchestration.jobs import load_dumps_job, refused_dumps_job
from orchestration.partitions import dump_partitions
from orchestration.resources import DumpFolderResource, WarehouseResource, run_settings

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
DATA_VERSION = "dagster/data_version"  # an observation's data version (dagster.DATA_VERSION_TAG)


def _run_requests(names: list[str], key: object, batch: int) -> list[dg.RunRequest]:
    """One run per `batch` dumps (names that follow each other in the partitions' order), keyed by `key`.

    The sensor's key is the tick that saw the dumps: a revert (A, then B, then A again) or a
    file moved out and back is a new run, and a retried evaluation of the same tick repeats its
    keys, which Dagster ignores.
    """
    chunks = [names[i : i + batch] for i in range(0, len(names), batch)]
    return [
        dg.RunRequest(
            run_key=f"{key}:{n + 1}/{len(chunks)}", job_name=load_dumps_job.name, partition_key=chunk[0]
        )
        if len(chunk) == 1
        else dg.RunRequest(
            run_key=f"{key}:{n + 1}/{len(chunks)}",
            job_name=load_dumps_job.name,
            tags={RANGE_START: chunk[0], RANGE_END: chunk[-1]},
        )
        for n, chunk in enumerate(chunks)
    ]


def observation(file: DumpFile, sha256: str) -> dg.AssetObservation:
    """What `dump_files` shows of one file: its sha256 as the data version, its size and modification time."""
    return dg.AssetObservation(
        asset_key=dump_files.key,
        partition=file.path.name,
        tags={DATA_VERSION: sha256},
        metadata={
            "sha256": sha256,
            "size_bytes": file.size,
            "modified_at": dg.MetadataValue.timestamp(file.mtime_ns / 1e9),
        },
    )


def _observed(instance: dg.DagsterInstance, file: DumpFile) -> bool:
    """Whether the latest observation of the file's partition shows its size and modification time."""
    records = instance.fetch_observations(
        dg.AssetRecordsFilter(asset_key=dump_files.key, asset_partitions=[file.path.name]), limit=1
    ).records
    if not records:
        return False
    metadata = records[0].asset_observation.metadata
    size, modified = metadata.get("size_bytes"), metadata.get("modified_at")
    return (
        size is not None
        and modified is not None
        and (size.value, modified.value) == (file.size, file.mtime_ns / 1e9)
    )


def _observations(
    instance: dg.DagsterInstance,
    listing: list[DumpFile],
    fresh: list[str],
    known: dict[str, str],
    after: str | None,
    budget: int,
) -> tuple[list[dg.AssetObservation], str | None]:
    """Observations of at most `budget` files, and where the next tick goes on (None: nothing left).

    `fresh` are the names new or changed this tick, observed first; `known` the sha256 already
    read. What the budget leaves, and a backlog from an earlier tick (`after`: the last name
    looked at), is looked at in name order, each file observed only if its latest observation
    shows another size or mtime: a first drop of thousands of files is observed over some ticks.
    """
    by_name = {f.path.name: f for f in listing}
    present = sorted(n for n in fresh if n in by_name)
    to_hash = [by_name[n] for n in present[:budget]]
    if len(present) > budget:  # the rest of them are after the last one hashed, for the ticks to come
        last = to_hash[-1].path.name
        return _hashed(to_hash, known), last if after is None else min(after, last)
    if after is None:
        return _hashed(to_hash, known), None
    rest = sorted((f for f in listing if f.path.name > after), key=lambda f: f.path.name)
    examined = 0  # each costs a query of the instance: as bounded as the files hashed
    for file in rest:
        if len(to_hash) >= budget or examined >= budget:
            break
        examined += 1
        if file.path.name not in present and not _observed(instance, file):
            to_hash.append(file)
    if examined == len(rest):
        after = None
    elif examined:
        after = rest[examined - 1].path.name
    return _hashed(to_hash, known), after


def _hashed(files: list[DumpFile], known: dict[str, str]) -> list[dg.AssetObservation]:
    """The observation of each file that can still be read, its sha256 read unless `known` has it."""
    sums = {f.path.name: known[f.path.name] for f in files if f.path.name in known}
    sums |= hashed([f for f in files if f.path.name not in sums])
    return [observation(f, sums[f.path.name]) for f in files if f.path.name in sums]


def _read_cursor(cursor: str | None) -> tuple[int, FolderMark, str | None]:
    """(the number of the last tick that requested anything, the folder's mark, where observing goes on) from the cursor.

    A cursor without a tick (none yet, reset, or the first bare form) counts on from the clock's
    milliseconds: ticks that saw changes are at least 30 s apart, so a reset sensor's run keys
    never repeat earlier ones (Dagster would skip such a run), and the same cursor always gives
    the same keys (a retried evaluation requests nothing twice). A cursor of the fingerprint
    form this one replaced keeps only its newest mtime.
    """
    stored = json.loads(cursor) if cursor else {}
    if "digest" in stored:
        mark = FolderMark(stored["newest_mtime_ns"], stored["digest"])
        return stored["tick"], mark, stored.get("observe_after")
    tick = stored.get("tick", time.time_ns() // 1_000_000)
    files = stored.get("files", {} if "tick" in stored else stored)
    return tick, FolderMark(max((fp["mtime_ns"] for fp in files.values()), default=0)), None


def _loaded_sha256(instance: dg.DagsterInstance, name: str) -> str | None:
    """The sha256 the latest materialization of `name`'s source_files partition recorded, if any."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("source_files"), asset_partitions=[name]), limit=1
    ).records
    value = records[0].asset_materialization.metadata.get("sha256") if records else None
    return value.value if value is not None else None


_QUEUED_OR_RUNNING = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def _held_already(settings: Settings, files: list[DumpFile]) -> tuple[list[str], dict[str, str]]:
    """Of new `files` (no partition yet), those the warehouse holds at these bytes, and the sha256 read of the others.

    The loader's own question (`unloaded_dumps`), asked of the new files alone: a dump loaded by
    `paperhouse load` before Dagster saw it (`make run`, then `make ui`), or moved out and back,
    needs no run; a load would find nothing to read. While a writer holds a DuckDB warehouse it
    cannot be asked: every file is then requested, as the load finds out itself.
    """
    if not files:
        return [], {}
    pending = unloaded_dumps(
        FolderListing(files, []), settings.warehouse, settings.listing_year, clock.today()
    )
    if pending is None:
        return [], {}
    return sorted(f.path.name for f in files if f.path.name not in pending), pending


def _absent_partitions(context: dg.SensorEvaluationContext, present: set[str]) -> list[str]:
    """Partitions of files not in the folder (added by hand) while no run is queued or in progress.

    Checked on the ticks the folder did not change; a run queued for such a partition warns
    first that there is no file, and the partition goes at the next tick after it.
    """
    absent = [n for n in context.instance.get_dynamic_partitions(dump_partitions.name) if n not in present]
    if not absent or context.instance.get_run_records(dg.RunsFilter(statuses=_QUEUED_OR_RUNNING), limit=1):
        return []
    return absent


@dg.sensor(
    jobs=[load_dumps_job, refused_dumps_job],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def new_dump_sensor(
    context: dg.SensorEvaluationContext, dumps: DumpFolderResource, warehouse: WarehouseResource
) -> dg.SensorResult:
    """Request one run per `sensor_batch` dumps new or changed since the last tick, observe them, drop absent files' partitions."""
    settings = run_settings(dumps, warehouse)
    folder = settings.raw_dir.absolute()
    if not folder.is_dir():
        return dg.SensorResult(skip_reason=f"dump folder {folder} does not exist")
    tick, mark, observe_after = _read_cursor(context.cursor)
    listing = list_dumps(discover_dumps(folder))
    now = FolderMark.of(listing, mark)
    skipped = unreadable_note(listing)
    if skipped:  # a file no load can read (a name that is not UTF-8, no permission): say so, skip it
        context.log.warning(skipped.removeprefix("; "))
    if now.digest == mark.digest:
        unchanged = f"no file changed among {len(listing.files)}{skipped}"
        absent = _absent_partitions(context, {f.path.name for f in listing.files})
        for name in absent:
            context.log.info(f"dump {name} is not in the folder: its partition is removed")
        removed = [dump_partitions.build_delete_request(absent)] if absent else []
        if observe_after is None:
            return dg.SensorResult(dynamic_partitions_requests=removed, skip_reason=unchanged)
        events, observe_after = _observations(
            context.instance, listing.files, [], {}, observe_after, settings.sensor_batch
        )
        return dg.SensorResult(
            dynamic_partitions_requests=removed,
            asset_events=events,
            cursor=_cursor(tick, now, observe_after),
            skip_reason=f"{unchanged}; {len(events)} observed",
        )
    registered = list(context.instance.get_dynamic_partitions(dump_partitions.name))
    present = {f.path.name for f in listing.files}
    gone = [name for name in registered if name not in present]
    candidates = mark.since(listing, set(registered))
    known = set(registered)
    held, read = _held_already(settings, [f for f in candidates if f.path.name not in known])
    new = [f.path.name for f in candidates if f.path.name not in known and f.path.name not in held]
    rewritten = hashed([f for f in candidates if f.path.name in known])
    changed = [n for n, sha in rewritten.items() if _loaded_sha256(context.instance, n) != sha]
    to_load = sorted(new + changed)
    tick += 1 if to_load or gone or held else 0
    # A changed dump's partition is added again, after the new ones: the run's dumps are then
    # one range of the partitions' order, so one run loads them all. A result may not remove and
    # add one key, so it is removed here (a tick that fails next adds it back as a new file).
    for name in changed:
        context.instance.delete_dynamic_partition(dump_partitions.name, name)
    partitions = [dump_partitions.build_delete_request(gone)] if gone else []
    if held:  # before the others: a run's range of partitions never spans a dump it need not load
        partitions.append(dump_partitions.build_add_request(held))
        context.log.info(f"already in the warehouse, no run: {quoted_names(held, quote=False)}")
    if to_load:
        partitions.append(dump_partitions.build_add_request(to_load))
    runs = _run_requests(to_load, tick, settings.sensor_batch)
    if (gone or held) and not to_load:  # the check says what the warehouse holds of the folder, with no load
        runs.append(dg.RunRequest(run_key=f"{tick}:check", job_name=refused_dumps_job.name))
    for name in gone:
        context.log.info(f"dump {name} left the folder: its partition is removed")
    # Observed: the files new, changed or touched (a gone file is not listed, so never observed).
    events, observe_after = _observations(
        context.instance,
        listing.files,
        [*new, *held, *rewritten],
        rewritten | read,
        observe_after,
        settings.sensor_batch,
    )
    said = f"no new or changed dump among {len(listing.files)} files{skipped}"
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=partitions,
        asset_events=events,
        cursor=_cursor(tick, now, observe_after),
        skip_reason=None if runs else said,
    )


def _cursor(tick: int, mark: FolderMark, observe_after: str | None) -> str:
    """The sensor's cursor: its tick, the folder's mark, and where observing goes on (only while files wait)."""
    stored = {"tick": tick, "newest_mtime_ns": mark.newest_mtime_ns, "digest": mark.digest}
    return json.dumps(stored | ({"observe_after": observe_after} if observe_after is not None else {}))


views_after_loads = dg.AutomationConditionSensorDefinition(
    "views_after_loads",
    target=dg.AssetSelection.groups("views", "report"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=15,
    description="Refresh the analyst views and the serving copy after every load, then the weekly report "
    "(their automation condition).",
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
        names = sorted(pending)
        known = set(context.instance.get_dynamic_partitions(dump_partitions.name))
        for name in names:  # schedules cannot return partition requests: change them directly
            if name in known:  # added again after the others, as the sensor does: one range
                context.instance.delete_dynamic_partition(dump_partitions.name, name)
        context.instance.add_dynamic_partitions(dump_partitions.name, names)
        versions = hashlib.sha256(json.dumps(sorted(pending.items())).encode()).hexdigest()[:16]
        return _run_requests(names, f"sweep:{versions}", settings.sensor_batch)

    return daily_dump_sweep
