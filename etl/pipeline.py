"""The load: list the folder, plan batches of dumps, and commit each batch in its own transaction.

    list (etl.inventory) → migrate → re-derive keywords if the extractor changed (etl.rederive) →
    plan → for each batch: prepare (etl.transform, on a worker thread, one batch ahead) → merge
    (etl.merge) → check (etl.checks) → commit → sum up (etl.report)

Schema migrations commit first, then a re-derivation of every paper's keywords, if the
extractor's version is not the one that derived them, in transactions of its own (a full
refresh skips it: it derives every keyword anew). Each batch's merge and integrity checks then share one
transaction, so a crash or a broken rule at any point leaves the warehouse as after the last
committed batch: a state of complete dumps, which the next run completes. A full refresh
empties the tables inside the first batch's transaction, and pruning runs inside the last's.

A first backfill (into a warehouse that holds no dump, or a full refresh) commits once per
`BACKFILL_COMMIT_BYTES` of dumps instead, several batches to a transaction: nothing can be
known already, so a crash loses at most that much, and DuckDB writes large appends straight
into the file (row groups of 122,880 rows) instead of logging them and rewriting them at the
next checkpoint. Memory stays bounded by the batch.

A first backfill of more than one transaction also lets the engine drop indexes it would keep up
row by row (PostgreSQL: the full-text search index) in a short transaction before its first
batch, and build them once in its last (`defer_indexes`, `restore_indexes`). A load that ends
otherwise (a failure, a stop, a crash) has them built again by its own cleanup (after a failure)
or by the next load, which builds whatever index is missing before it reads anything. A backfill
of one transaction keeps them up as it goes: the build at the end runs alone after the last batch,
where the row-by-row upkeep ran beside the transform of the next batch, and on a warehouse that
small it cost as much (docs/performance.md#postgresql).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine, func, select

from etl import clock as load_clock
from etl.batch import CommittedBatch, StagingFrames
from etl.checks import CheckOutcome, batch_keys, integrity_outcomes, raise_if_broken
from etl.engines import engine_of
from etl.extract import DumpFile, discover_dumps
from etl.inventory import HeldVersions, held_versions, list_dumps, loaded_entries, still_refused
from etl.merge import MergeStats, clear_warehouse, merge_batch
from etl.rederive import record_version, rederive_keywords
from etl.refresh import compare_papers, remember_papers
from etl.report import LoadReport
from etl.settings import DEFAULTS, Settings
from etl.stopping import LoadInterrupted, StopSwitch
from etl.timing import StageClock
from etl.transform import PapersSeen, ReadOptions, TransformedBatch, prepare_batch
from etl.warehouse import checkpoint, interrupter, migrate
from models import TABLES

BACKFILL_COMMIT_BYTES = 128_000_000  # about 65k papers; 256 MB peaked at 2.2 GB RSS against 1.9 (1 GB corpus)


@dataclass(frozen=True)
class LoadOptions:
    """How one load runs: what it reads dumps with, and what its transactions do besides merging."""

    listing_year: int | None = None
    full_refresh: bool = False  # empty every table first (in the first batch's transaction)
    present_files: list[str] | None = None  # prune: loaded dumps not named here go (in the last one)
    batch_bytes: int = DEFAULTS.batch_bytes
    max_dump_bytes: int | None = DEFAULTS.max_dump_bytes  # None: no cap
    today: date | None = None  # dates the rules on future listing dates; default: the clock
    settle_seconds: float = DEFAULTS.settle_seconds  # a file is read once unchanged this long (etl.settle)
    accept_shrink: bool = False  # apply versions that lost entries (etl.shrink)
    rederive_keywords: bool = False  # derive every paper's keywords again, even by the same extractor

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        full_refresh: bool = False,
        present_files: list[str] | None = None,
        accept_shrink: bool = False,
        rederive_keywords: bool = False,
    ) -> LoadOptions:
        """The options of a load run with `settings` (`present_files`: prune against these names)."""
        return cls(
            settings.listing_year,
            full_refresh,
            present_files,
            settings.batch_bytes,
            settings.max_dump_bytes,
            settle_seconds=settings.settle_seconds,
            accept_shrink=accept_shrink,
            rederive_keywords=rederive_keywords,
        )


@dataclass(frozen=True)
class BatchPlan:
    """One transaction of a load: the dumps it reads, and whether it also empties or prunes."""

    number: int
    files: list[DumpFile]
    clear_first: bool
    present_files: list[str] | None
    commit_after: bool = True  # False: the next batch joins this one's transaction (first backfills)


def plan_batches(files: list[DumpFile], batch_bytes: int) -> list[list[DumpFile]]:
    """Group dumps, in order, into batches of at most `batch_bytes` (a larger dump makes a batch alone)."""
    batches: list[list[DumpFile]] = []
    current: list[DumpFile] = []
    size = 0
    for file in files:
        if current and size + file.size > batch_bytes:
            batches.append(current)
            current, size = [], 0
        current.append(file)
        size += file.size
    return [*batches, current] if current else batches


def plan_transactions(
    files: list[DumpFile], options: LoadOptions, commit_bytes: int | None = None
) -> list[BatchPlan]:
    """The load's batches; at least one, so that a refresh or a prune runs with nothing to read.

    Each batch commits alone, or (with `commit_bytes`) once the batches since the last commit
    hold at least that many bytes of dumps, and after the last batch.
    """
    groups = plan_batches(files, options.batch_bytes) or [[]]
    last, pending, plan = len(groups) - 1, 0, []
    for n, group in enumerate(groups):
        pending += sum(f.size for f in group)
        commit = commit_bytes is None or n == last or pending >= commit_bytes
        present = options.present_files if n == last else None
        plan.append(BatchPlan(n, group, options.full_refresh and n == 0, present, commit))
        pending = 0 if commit else pending
    return plan


def table_counts(connection: Connection) -> dict[str, int]:
    """Row count of every warehouse table."""
    return {
        name: connection.execute(select(func.count()).select_from(t)).scalar_one()
        for name, t in TABLES.items()
    }


def merge_checked(
    connection: Connection, planned: BatchPlan, batch: StagingFrames, today: date, stop: StopSwitch
) -> tuple[MergeStats, dict[str, CheckOutcome]]:
    """Merge and check one batch inside the caller's transaction; a broken rule raises."""
    if planned.clear_first:
        remember_papers(connection)
        clear_warehouse(connection)
        record_version(connection)  # every keyword from here on is this extractor's
    stats = merge_batch(connection, batch, datetime.now(UTC), planned.present_files, stop.check)
    loaded = batch.source_files.filter(pl.col("status") == "loaded")["file_id"].to_list()
    outcomes = integrity_outcomes(connection, loaded, today, stats.touched_papers, batch_keys(batch))
    raise_if_broken(outcomes)
    stop.check()
    return stats, outcomes


def commit_batch(
    connection: Connection, planned: BatchPlan, batch: StagingFrames, today: date, stop: StopSwitch
) -> tuple[MergeStats, dict[str, CheckOutcome]]:
    """Merge and check one batch in a transaction of its own; a broken rule raises and rolls it back."""
    with connection.begin() as transaction:
        outcome = merge_checked(connection, planned, batch, today, stop)
        transaction.commit()  # to the WAL; DuckDB compresses it into the file at checkpoints
    return outcome


def _prepared_in_turn(
    worker: ThreadPoolExecutor, plan: list[BatchPlan], held: frozenset[int], options: ReadOptions
) -> Iterator[TransformedBatch]:
    """Each planned batch read and transformed on `worker`: the next one while the caller merges this one."""
    upcoming = worker.submit(prepare_batch, plan[0].files, held, options)
    for following in plan[1:]:
        ready = upcoming.result()
        upcoming = worker.submit(prepare_batch, following.files, held, options)
        yield ready
    yield upcoming.result()


def _held(
    connection: Connection, options: LoadOptions, today: date
) -> tuple[HeldVersions, bool, dict[str, int] | None]:
    """What the warehouse holds already (nothing, for a full refresh), whether that is no dump at all,
    and the entries of each loaded dump (None with --accept-shrink).

    Read outside any batch. A full refresh compares shrunk versions with the warehouse as it was
    before the refresh: rebuilding does not confirm a cut download.
    """
    if options.full_refresh:
        held, empty = HeldVersions(), True
    else:
        held = held_versions(connection, options.listing_year, today, options.accept_shrink)
        empty = connection.execute(select(func.count()).select_from(TABLES["source_files"])).scalar_one() == 0
    entries = None if options.accept_shrink else loaded_entries(connection)
    connection.rollback()  # ends the read's implicit transaction; this process holds the write lock
    return held, empty, entries


def load_batches(
    paths: list[Path],
    engine: Engine,
    options: LoadOptions,
    report: LoadReport,
    clock: StageClock | None = None,
    stop: StopSwitch | None = None,
) -> Iterator[CommittedBatch]:
    """Load the new or changed dumps among `paths`, one transaction per batch; yield each after its commit.

    Memory is bounded by the batch, not by the folder: while one batch is merged, the next is
    read and transformed on a worker thread, and no more (Polars and DuckDB release the GIL).
    `report` gets the plan first, each batch as it commits, and the warehouse's state after the
    last; `stop` is checked between statements and batches. Before the first batch, every paper's
    keywords are derived again when another extractor version derived them (`etl.rederive`).
    """
    clock, stop = clock or StageClock(), stop or StopSwitch()
    today = options.today or load_clock.today()
    listing = list_dumps(paths).settled(options.settle_seconds, stop.check)
    with clock.stage("load"):
        report.schema_migrated = migrate(engine)  # committed apart: a schema state is a complete state too
    stop.check()
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperhouse-transform") as worker,
        engine.connect() as connection,
        _discarded_after_stop(connection, stop),
        stop.watching(interrupter(connection)),
    ):
        with clock.stage("load"), connection.begin():
            engine_of(connection).restore_indexes(connection)  # a backfill that did not end left them out
        with clock.stage("keywords"):
            if not options.full_refresh:  # a refresh derives every keyword anew, and records the version
                rederive_keywords(connection, report, stop, force=options.rederive_keywords)
        with clock.stage("load"):
            held, empty, entries = _held(connection, options, today)
        read = ReadOptions(options.listing_year, today, options.max_dump_bytes, clock, PapersSeen(), entries)
        to_read, unchanged = held.split(listing.files)
        plan = plan_transactions(to_read, options, BACKFILL_COMMIT_BYTES if empty else None)
        # A backfill of several transactions builds the indexes once, after its last batch (above).
        deferring = empty and sum(p.commit_after for p in plan) > 1
        if deferring:  # in a transaction of its own: readers wait for the drop's lock, not for a batch
            with clock.stage("load"), connection.begin():
                engine_of(connection).defer_indexes(connection)
        report.plan(to_read, len(plan) if to_read else 0, len(unchanged))
        uncommitted: list[CommittedBatch] = []
        transaction = None
        try:
            for planned, prepared in zip(
                plan, _prepared_in_turn(worker, plan, held.file_ids, read), strict=True
            ):
                stop.check()
                with clock.stage("load"):
                    transaction = transaction or connection.begin()
                    stats, outcomes = merge_checked(connection, planned, prepared.batch, today, stop)
                    if deferring and planned.number == len(plan) - 1:
                        engine_of(connection).restore_indexes(connection)  # committed with the last batch
                    if planned.commit_after:
                        transaction.commit()  # to the WAL, or (large appends) straight into the file
                        transaction = None
                uncommitted.append(_batch_load(planned, len(plan), prepared, stats, outcomes))
                if transaction is None:  # committed: only now does the report say so
                    for done in uncommitted:
                        report.add_batch(done)
                        unchanged += done.same_content
                        yield done
                    uncommitted = []
        except Exception as exc:
            if stop.signum is not None:  # the statement a stop request cancelled: a stop, not a failure
                raise LoadInterrupted(stop.signum) from exc
            raise
        finally:
            if transaction is not None:
                transaction.rollback()
            if deferring and stop.signum is None:  # after a failure: build them now
                _restore_indexes(connection)
        if options.full_refresh:
            report.papers_new, report.papers_already_known, report.papers_removed = compare_papers(connection)
        rejected, suspect = still_refused(connection, unchanged)
        report.finish(table_counts(connection), rejected, listing.unreadable, suspect, listing.deferred)
        if report.wrote:
            with clock.stage("load"):
                checkpoint(connection)


def _restore_indexes(connection: Connection) -> None:
    """Build the deferred indexes that are missing, in a transaction of their own (a no-op when none is).

    After a failure: a connection that cannot do it leaves it to the next load, which does it first.
    """
    with suppress(Exception):  # the load's own error is the one to raise
        with connection.begin():
            engine_of(connection).restore_indexes(connection)


@contextmanager
def _discarded_after_stop(connection: Connection, stop: StopSwitch) -> Iterator[None]:
    """Close the connection for good after a stop request instead of returning it to the pool.

    The request interrupts or cancels its statement from another thread; a cancel the server gets
    late would otherwise stop whatever statement the pool's next user runs on the same session.
    """
    try:
        yield
    finally:
        if stop.signum is not None:
            connection.invalidate()


def _batch_load(
    planned: BatchPlan,
    batches: int,
    prepared: TransformedBatch,
    stats: MergeStats,
    outcomes: dict[str, CheckOutcome],
) -> CommittedBatch:
    deferred = {d["file"] for d in prepared.deferred}
    return CommittedBatch(
        planned.number,
        batches,
        prepared.batch,
        stats,
        outcomes,
        prepared.same_content,
        prepared.unreadable,
        [f.path.name for f in planned.files if f.path.name not in deferred],
        sum(f.size for f in planned.files),
        prepared.deferred,
    )


def load_paths(
    paths: list[Path],
    engine: Engine,
    listing_year: int | None = None,
    full_refresh: bool = False,
    prune: bool = False,
    batch_bytes: int = DEFAULTS.batch_bytes,
    clock: StageClock | None = None,
    today: date | None = None,
    max_dump_bytes: int | None = DEFAULTS.max_dump_bytes,
    stop: StopSwitch | None = None,
    report: LoadReport | None = None,
    present_files: list[str] | None = None,
    on_batch: Callable[[CommittedBatch, LoadReport], None] | None = None,
    accept_shrink: bool = False,
) -> LoadReport:
    """Load the new or changed dumps among `paths` into the warehouse, one transaction per batch.

    See `load_batches`; a broken integrity rule raises and rolls its batch back. With `prune`,
    loaded dumps not among `paths` (or, given, not among `present_files`) are removed with their
    sightings. `report` (filled as the batches commit, so a caller that catches a failure can say
    what was committed) is returned; `on_batch` is called after each batch is added to it.
    """
    present = (present_files if present_files is not None else [p.name for p in paths]) if prune else None
    options = LoadOptions(
        listing_year,
        full_refresh,
        present,
        batch_bytes,
        max_dump_bytes,
        today,
        accept_shrink=accept_shrink,
    )
    return load_with(paths, engine, options, report, clock, stop, on_batch)


def load_with(
    paths: list[Path],
    engine: Engine,
    options: LoadOptions,
    report: LoadReport | None = None,
    clock: StageClock | None = None,
    stop: StopSwitch | None = None,
    on_batch: Callable[[CommittedBatch, LoadReport], None] | None = None,
) -> LoadReport:
    """`load_paths` with its options in one object (what the CLI and Dagster build from `Settings`)."""
    report = report if report is not None else LoadReport()
    report.files_seen = len(paths)
    for done in load_batches(paths, engine, options, report, clock, stop):
        if on_batch is not None:
            on_batch(done, report)
    return report


def load_folder(raw_dir: Path, engine: Engine, **options: object) -> LoadReport:
    """Load every new or changed dump of `raw_dir` (`options`: those of `load_paths`)."""
    return load_paths(discover_dumps(raw_dir), engine, **options)
