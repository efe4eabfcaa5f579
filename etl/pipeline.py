"""The whole load, dumps folder to warehouse, as plain functions shared by the CLI and Dagster."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from etl import clock as load_clock
from etl.batch import WarehouseBatch, assemble_batch
from etl.dedupe import identify_papers, latest_paper_texts
from etl.extract import DumpFile, discover_dumps, dump_fingerprints, inventory, read_dump_files
from etl.keywords import extract_keywords
from etl.links import extract_links
from etl.load import MergeStats, clear_warehouse, merge_batch
from etl.parse import ParsedDumps, parse_dumps
from etl.quality import CheckOutcome, integrity_outcomes, raise_if_broken
from etl.report import LoadReport
from etl.stopping import StopSwitch
from etl.timing import StageClock
from etl.warehouse import checkpoint, migrate, warehouse_engine
from models import HELD_STATUSES, SETTING_DEPENDENT_YEAR_RULES

DEFAULT_BATCH_BYTES = 32_000_000
WAREHOUSE_TABLES = (
    "source_files",
    "dates",
    "organizations",
    "papers",
    "paper_appearances",
    "links",
    "paper_links",
    "keywords",
    "paper_keywords",
)


def unloaded_dumps(paths: list[Path], warehouse: Path) -> dict[str, str] | None:
    """Name -> sha256 of the dumps whose current content the warehouse holds neither loaded nor rejected.

    Opens the warehouse read-only; returns None while another process holds its write lock.
    """
    fingerprints = {name: fp["sha256"] for name, fp in dump_fingerprints(paths, {}).items()}
    if not warehouse.exists():
        return fingerprints
    engine = warehouse_engine(warehouse, read_only=True)
    try:
        with engine.connect() as connection:
            if not connection.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'source_files'")
            ).scalar_one():
                return fingerprints
            held = set(
                connection.execute(
                    text(
                        "SELECT file_name, sha256 FROM source_files "
                        "WHERE status IN (SELECT unnest(CAST(:held AS VARCHAR[])))"
                    ),
                    {"held": list(HELD_STATUSES)},
                ).all()
            )
    except OperationalError:  # DuckDB: another process holds the write lock
        return None
    finally:
        engine.dispose()
    return {name: sha for name, sha in fingerprints.items() if (name, sha) not in held}


def table_counts(connection: Connection) -> dict[str, int]:
    """Row count of every warehouse table."""
    return {
        table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # vetted identifier
        for table in WAREHOUSE_TABLES
    }


def known_files(
    connection: Connection, listing_year: int | None, today: date
) -> tuple[frozenset[int], dict[tuple[str, int, int], int]]:
    """Dump versions the warehouse holds: their ids, and (name, size, mtime_ns) -> id.

    Held: loaded, or rejected, except two kinds of rejection that may not hold any more, which
    are read again: a version whose listing year came from a rule the setting outranks (or from
    the setting itself) when `listing_year` differs from the setting it was parsed with, and a
    version refused for a date after today once `today` reached its `recheck_on`.
    """
    rows = connection.execute(
        text(
            "SELECT file_id, file_name, size_bytes, modified_ns FROM source_files "
            "WHERE status = 'loaded' OR (status = 'rejected' AND NOT ("
            "coalesce(listing_year_rule IN (SELECT unnest(CAST(:rules AS VARCHAR[]))), false) "
            "AND listing_year_setting IS DISTINCT FROM CAST(:setting AS INTEGER)) "
            "AND coalesce(recheck_on > :today, true))"
        ),
        {"rules": list(SETTING_DEPENDENT_YEAR_RULES), "setting": listing_year, "today": today},
    ).all()
    stats = {(name, size, mtime): file_id for file_id, name, size, mtime in rows if mtime is not None}
    return frozenset(file_id for file_id, *_ in rows), stats


def split_unchanged(
    files: list[DumpFile], known: frozenset[int], known_stats: dict[tuple[str, int, int], int]
) -> tuple[list[DumpFile], list[int]]:
    """Split `files` into those to read and the ids of versions already held, by (name, size, mtime) alone."""
    unchanged_ids, candidates = [], []
    for file in files:
        held = known_stats.get((file.path.name, file.size, file.mtime_ns))
        if held is not None and held in known:
            unchanged_ids.append(held)
        else:
            candidates.append(file)
    return candidates, unchanged_ids


def new_dumps(
    files: list[DumpFile], known: frozenset[int], max_dump_bytes: int | None = None
) -> tuple[pl.DataFrame, list[int], list[dict[str, str]]]:
    """Read the dumps among `files` that the warehouse does not hold yet.

    Also return the ids of versions it holds already (same sha256), and the refusals of files
    that could not be read at all. Any file read is identified by its sha256.
    """
    dumps, unreadable = read_dump_files(files, skip_file_ids=known, max_bytes=max_dump_bytes)
    unchanged = pl.col("file_id").is_in(list(known))
    return dumps.filter(~unchanged), dumps.filter(unchanged)["file_id"].to_list(), unreadable


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


def still_rejected(connection: Connection, file_ids: list[int]) -> list[dict[str, str]]:
    """Unchanged dumps whose current version the warehouse holds as rejected, with the reasons."""
    rows = connection.execute(
        text(
            "SELECT file_name, error FROM source_files WHERE status = 'rejected' "
            "AND file_id IN (SELECT unnest(CAST(:ids AS BIGINT[]))) ORDER BY file_name"
        ),
        {"ids": file_ids},
    ).all()
    return [{"file": name, "reason": error} for name, error in rows]


@dataclass(frozen=True)
class Transformed:
    """The result of every transform step for one batch of dumps."""

    parsed: ParsedDumps
    identified: pl.DataFrame
    papers: pl.DataFrame
    links: tuple[pl.DataFrame, pl.DataFrame]
    keywords: tuple[pl.DataFrame, pl.DataFrame]
    batch: WarehouseBatch


def transform(
    dumps: pl.DataFrame,
    listing_year: int | None,
    clock: StageClock | None = None,
    today: date | None = None,
) -> Transformed:
    """Parse dumps, identify and deduplicate papers, extract links and keywords: one warehouse batch."""
    clock = clock or StageClock()
    with clock.stage("parse"):
        parsed = parse_dumps(dumps, listing_year, today)
    with clock.stage("dedupe"):
        identified = identify_papers(parsed.entries)
        papers = latest_paper_texts(identified)
    with clock.stage("links"):
        links = extract_links(papers)
    with clock.stage("keywords"):
        keywords = extract_keywords(papers)
    with clock.stage("dedupe"):
        batch = assemble_batch(dumps, parsed, identified, papers, links, keywords, listing_year)
    return Transformed(parsed, identified, papers, links, keywords, batch)


def commit_batch(
    connection: Connection,
    batch: WarehouseBatch,
    full_refresh: bool = False,
    present_files: list[str] | None = None,
    check: Callable[[], None] | None = None,
) -> MergeStats:
    """Merge a batch inside the caller's transaction; a full refresh first empties every table.

    `present_files` (the folder's dump names) prunes loaded dumps that are no longer there;
    `check` runs between statements (a stop request raises there).
    """
    if full_refresh:
        clear_warehouse(connection)
    return merge_batch(connection, batch, datetime.now(UTC), present_files, check)


@dataclass(frozen=True)
class _Options:
    """What every batch of one load is read and parsed with."""

    listing_year: int | None
    today: date
    max_dump_bytes: int | None
    clock: StageClock


def _prepare(
    files: list[DumpFile], known: frozenset[int], options: _Options
) -> tuple[Transformed, list[int], list[dict[str, str]]]:
    """Read and transform one batch of dumps; also the ids of versions already held, and unreadable files."""
    with options.clock.stage("read"):
        dumps, same_content, unreadable = new_dumps(files, known, options.max_dump_bytes)
    return transform(dumps, options.listing_year, options.clock, options.today), same_content, unreadable


@dataclass(frozen=True)
class BatchLoad:
    """One committed batch of a load: its transform, what its merge changed, its integrity outcomes."""

    number: int
    batches: int
    steps: Transformed
    stats: MergeStats
    outcomes: dict[str, CheckOutcome]
    unchanged: list[int]  # ids of dump versions the warehouse held already (all of them, in batch 0)
    warehouse_rows: dict[str, int] | None  # every table's row count, after the last batch
    rejected_before: list[dict[str, str]]  # unchanged dumps held as rejected, with the last batch
    unreadable: list[dict[str, str]]  # files that could not be read at all (stored nowhere)
    files: list[str]  # names of the dumps this batch read


def load_batches(
    paths: list[Path],
    engine: Engine,
    listing_year: int | None = None,
    full_refresh: bool = False,
    present_files: list[str] | None = None,
    batch_bytes: int | None = None,
    clock: StageClock | None = None,
    today: date | None = None,
    max_dump_bytes: int | None = None,
    stop: StopSwitch | None = None,
    progress: LoadReport | None = None,
) -> Iterator[BatchLoad]:
    """Load the new or changed dumps among `paths`, one transaction per batch; yield each after its commit.

    Dumps go in batches of about `batch_bytes`, so memory is bounded by the batch, not by the
    folder: while one batch is merged, the next one is read and transformed on a worker thread,
    and no more. Schema migrations commit first; then each batch's merge and integrity checks
    share its transaction. A broken rule raises `IntegrityError` (with every rule's outcome),
    rolling the batch back, so a crash or a broken rule at any point leaves the warehouse as
    after the last committed batch, a state of complete dumps, and the next run loads the rest.
    With `present_files` (names now in the folder), loaded dumps missing from it are removed with
    their sightings (pruning). `today` (default: the clock)
    dates the rules on future dates; `stop` is checked between statements and batches;
    `progress` receives the plan (dumps to read, batches) as soon as it is known.
    """
    clock = clock or StageClock()
    stop = stop or StopSwitch()
    options = _Options(listing_year, today or load_clock.today(), max_dump_bytes, clock)
    progress = progress if progress is not None else LoadReport(files_seen=len(paths))
    files, unreadable = inventory(paths)
    changed = False
    # Polars and DuckDB release the GIL, so transforming the next batch overlaps this one's merge.
    with clock.stage("load"):
        progress.schema_migrated = migrate(engine)  # committed apart: a schema state is a complete state too
    stop.check()
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperhouse-transform") as worker,
        engine.connect() as connection,
        stop.watching(connection.connection.driver_connection),
    ):
        with clock.stage("load"):
            # Names are unique in `paths`, so no batch can hold a version another batch adds.
            held, stats_held = (
                (frozenset(), {}) if full_refresh else known_files(connection, listing_year, options.today)
            )
            connection.rollback()  # ends the read's implicit transaction; this process holds the write lock
        pending, unchanged = split_unchanged(files, held, stats_held)
        plan = plan_batches(pending, batch_bytes or DEFAULT_BATCH_BYTES) or [[]]
        progress.pending_files = [f.path.name for f in pending]
        progress.batches = len(plan) if pending else 0
        held_so_far = list(unchanged)
        upcoming = worker.submit(_prepare, plan[0], held, options)
        for number, batch_files in enumerate(plan):
            last = number == len(plan) - 1
            steps, same_content, batch_unreadable = upcoming.result()
            unreadable += batch_unreadable
            if not last:
                upcoming = worker.submit(_prepare, plan[number + 1], held, options)
            stop.check()
            with connection.begin() as transaction, clock.stage("load"):
                present = present_files if last else None
                stats = commit_batch(
                    connection, steps.batch, full_refresh and number == 0, present, stop.check
                )
                loaded = steps.batch.source_files.filter(pl.col("status") == "loaded")["file_id"].to_list()
                outcomes = integrity_outcomes(connection, loaded, options.today, stats.touched_papers)
                raise_if_broken(outcomes)
                stop.check()
                transaction.commit()  # to the WAL; DuckDB compresses it into the file at checkpoints
            held_so_far += same_content
            changed = (
                changed or steps.batch.source_files.height > 0 or stats.papers_removed or stats.files_removed
            )
            done = BatchLoad(
                number,
                len(plan),
                steps,
                stats,
                outcomes,
                (unchanged if number == 0 else []) + same_content,
                None,
                [],
                [],
                [f.path.name for f in batch_files],
            )
            if last:  # read-only summaries of the committed state
                done = _with_summary(done, connection, held_so_far, unreadable)
            yield done
            del steps, done
        if changed:
            with clock.stage("load"):
                checkpoint(connection)


def _with_summary(
    done: BatchLoad, connection: Connection, held: list[int], unreadable: list[dict[str, str]]
) -> BatchLoad:
    """The last batch, with the row counts after it and the files still refused."""
    return replace(
        done,
        warehouse_rows=table_counts(connection),
        rejected_before=still_rejected(connection, held),
        unreadable=sorted(unreadable, key=lambda r: r["file"]),
    )


def load_paths(
    paths: list[Path],
    engine: Engine,
    listing_year: int | None = None,
    full_refresh: bool = False,
    prune: bool = False,
    batch_bytes: int | None = None,
    clock: StageClock | None = None,
    today: date | None = None,
    max_dump_bytes: int | None = None,
    stop: StopSwitch | None = None,
    report: LoadReport | None = None,
    present_files: list[str] | None = None,
    on_batch: Callable[[BatchLoad, LoadReport], None] | None = None,
) -> LoadReport:
    """Load the new or changed dumps among `paths` into the warehouse, one transaction per batch.

    See `load_batches`; a broken integrity rule raises and rolls its batch back. With `prune`,
    loaded dumps not among `paths` (or, given, not among `present_files`) are removed with their
    sightings. `report` (filled as the batches commit, so a caller that catches a failure can say
    what was committed) is returned; `on_batch` is called after each batch is added to it.
    """
    report = report if report is not None else LoadReport()
    report.files_seen = len(paths)
    present = (present_files if present_files is not None else [p.name for p in paths]) if prune else None
    for done in load_batches(
        paths,
        engine,
        listing_year,
        full_refresh,
        present,
        batch_bytes,
        clock,
        today=today,
        max_dump_bytes=max_dump_bytes,
        stop=stop,
        progress=report,
    ):
        report.add_batch(done)
        if on_batch is not None:
            on_batch(done, report)
    return report


def load_dumps(
    raw_dir: Path,
    engine: Engine,
    listing_year: int | None = None,
    full_refresh: bool = False,
    prune: bool = False,
    batch_bytes: int | None = None,
    **options: object,
) -> LoadReport:
    """Load every new or changed dump of `raw_dir`; `full_refresh` rebuilds, `prune` drops vanished dumps.

    `options` are passed on to `load_paths` (today, max_dump_bytes, stop, report).
    """
    return load_paths(
        discover_dumps(raw_dir), engine, listing_year, full_refresh, prune, batch_bytes, **options
    )
