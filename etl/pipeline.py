"""The whole load, dumps folder to warehouse, as plain functions shared by the CLI and Dagster."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from etl.batch import WarehouseBatch, assemble_batch
from etl.dedupe import identify_papers, latest_paper_texts
from etl.extract import discover_dumps, dump_fingerprints, read_dumps
from etl.keywords import extract_keywords
from etl.links import extract_links
from etl.load import MergeStats, clear_warehouse, merge_batch
from etl.parse import ParsedDumps, parse_dumps
from etl.quality import CheckOutcome, integrity_outcomes, raise_if_broken
from etl.timing import StageClock
from etl.warehouse import checkpoint, migrate, warehouse_engine

DEFAULT_RAW_DIR = "data/raw"
RAW_DIR_ENV = "PAPERHOUSE_RAW_DIR"
LISTING_YEAR_ENV = "PAPERHOUSE_LISTING_YEAR"
BATCH_MB_ENV = "PAPERHOUSE_BATCH_MB"
DEFAULT_BATCH_MB = 32
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


def default_raw_dir() -> Path:
    """The dump folder: $PAPERHOUSE_RAW_DIR, else the bundled sample in data/raw."""
    return Path(os.environ.get(RAW_DIR_ENV) or DEFAULT_RAW_DIR)


def default_batch_bytes() -> int:
    """Dump bytes per load transaction: $PAPERHOUSE_BATCH_MB megabytes, else 32."""
    return int(float(os.environ.get(BATCH_MB_ENV) or DEFAULT_BATCH_MB) * 1_000_000)


def default_listing_year() -> int | None:
    """The configured listing year: $PAPERHOUSE_LISTING_YEAR, else none."""
    value = os.environ.get(LISTING_YEAR_ENV)
    return int(value) if value else None


@dataclass
class LoadReport:
    """What one load saw and did; `to_dict` is the CLI's --json output."""

    files_seen: int
    files_loaded: int
    files_unchanged: int
    files_rejected: list[dict[str, str]] = field(default_factory=list)
    entries: int = 0
    papers_new: int = 0
    papers_already_known: int = 0
    papers_removed: int = 0
    files_removed: int = 0
    appearances: int = 0
    links: int = 0
    keywords: int = 0
    warehouse_rows: dict[str, int] = field(default_factory=dict)
    serving: dict[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The report as a JSON-ready dict."""
        return asdict(self)


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
                    text("SELECT file_name, sha256 FROM source_files WHERE status IN ('loaded', 'rejected')")
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


def known_files(connection: Connection) -> tuple[frozenset[int], dict[tuple[str, int, int], int]]:
    """Dump versions the warehouse holds (loaded or rejected): their ids, and (name, size, mtime_ns) -> id."""
    rows = connection.execute(
        text(
            "SELECT file_id, file_name, size_bytes, modified_ns FROM source_files "
            "WHERE status IN ('loaded', 'rejected')"
        )
    ).all()
    stats = {(name, size, mtime): file_id for file_id, name, size, mtime in rows if mtime is not None}
    return frozenset(file_id for file_id, *_ in rows), stats


def split_unchanged(
    paths: list[Path], known: frozenset[int], known_stats: dict[tuple[str, int, int], int]
) -> tuple[list[Path], list[int]]:
    """Split `paths` into files to read and the ids of versions already held, by (name, size, mtime) alone."""
    unchanged_ids, candidates = [], []
    for path in paths:
        stat = path.stat()
        held = known_stats.get((path.name, stat.st_size, stat.st_mtime_ns))
        if held is not None and held in known:
            unchanged_ids.append(held)
        else:
            candidates.append(path)
    return candidates, unchanged_ids


def new_dumps(
    paths: list[Path], known: frozenset[int], known_stats: dict[tuple[str, int, int], int] | None = None
) -> tuple[pl.DataFrame, list[int]]:
    """Read the dumps at `paths` that are not in the warehouse yet; also return the unchanged ones' ids.

    A file whose name, size and mtime match a version already held is not even read, so a load
    costs work in proportion to the new dumps, not to the folder; any other file is identified
    by its sha256.
    """
    candidates, unchanged_ids = split_unchanged(paths, known, known_stats or {})
    dumps = read_dumps(candidates, skip_file_ids=known)
    unchanged = pl.col("file_id").is_in(list(known))
    return dumps.filter(~unchanged), unchanged_ids + dumps.filter(unchanged)["file_id"].to_list()


def plan_batches(paths: list[Path], batch_bytes: int) -> list[list[Path]]:
    """Group dumps, in order, into batches of at most `batch_bytes` (a larger dump makes a batch alone)."""
    batches: list[list[Path]] = []
    current: list[Path] = []
    size = 0
    for path in paths:
        path_size = path.stat().st_size
        if current and size + path_size > batch_bytes:
            batches.append(current)
            current, size = [], 0
        current.append(path)
        size += path_size
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


def transform(dumps: pl.DataFrame, listing_year: int | None, clock: StageClock | None = None) -> Transformed:
    """Parse dumps, identify and deduplicate papers, extract links and keywords: one warehouse batch."""
    clock = clock or StageClock()
    with clock.stage("parse"):
        parsed = parse_dumps(dumps, listing_year)
    with clock.stage("dedupe"):
        identified = identify_papers(parsed.entries)
        papers = latest_paper_texts(identified)
    with clock.stage("links"):
        links = extract_links(papers)
    with clock.stage("keywords"):
        keywords = extract_keywords(papers)
    with clock.stage("dedupe"):
        batch = assemble_batch(dumps, parsed, identified, papers, links, keywords)
    return Transformed(parsed, identified, papers, links, keywords, batch)


def commit_batch(
    connection: Connection,
    batch: WarehouseBatch,
    full_refresh: bool = False,
    present_files: list[str] | None = None,
) -> MergeStats:
    """Merge a batch inside the caller's transaction; a full refresh first empties every table.

    `present_files` (the folder's dump names) prunes loaded dumps that are no longer there.
    """
    if full_refresh:
        clear_warehouse(connection)
    return merge_batch(connection, batch, loaded_at=datetime.now(UTC), present_files=present_files)


def _add_batch(report: LoadReport, batch: WarehouseBatch, stats: MergeStats) -> None:
    """Add what one merged batch read and changed to the load's report."""
    files = batch.source_files
    rejected = files.filter(pl.col("status") == "rejected")
    report.files_loaded += files.height - rejected.height
    report.files_rejected += [
        {"file": r["file_name"], "reason": r["error"]} for r in rejected.iter_rows(named=True)
    ]
    report.entries += batch.paper_appearances.height
    report.papers_new += stats.papers_new
    report.papers_already_known += stats.papers_known
    report.papers_removed += stats.papers_removed
    report.files_removed += stats.files_removed
    report.appearances += stats.appearances
    report.links += batch.links.height
    report.keywords += batch.paper_keywords.height


def _prepare(
    paths: list[Path], known: frozenset[int], listing_year: int | None, clock: StageClock
) -> tuple[Transformed, list[int]]:
    """Read and transform one batch of dumps; also return the ids of versions already held."""
    with clock.stage("read"):
        dumps, same_content = new_dumps(paths, known)
    return transform(dumps, listing_year, clock), same_content


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


def load_batches(
    paths: list[Path],
    engine: Engine,
    listing_year: int | None = None,
    full_refresh: bool = False,
    present_files: list[str] | None = None,
    batch_bytes: int | None = None,
    clock: StageClock | None = None,
    strict: bool = True,
) -> Iterator[BatchLoad]:
    """Load the new or changed dumps among `paths`, one transaction per batch; yield each after its commit.

    Dumps go in batches of about `batch_bytes` (default: $PAPERHOUSE_BATCH_MB), so memory is
    bounded by the batch, not by the folder: while one batch is merged, the next one is read
    and transformed on a worker thread, and no more. Schema migrations commit first; then each
    batch's merge and integrity checks share its transaction. `strict` raises `IntegrityError` on a
    broken rule, rolling the batch back, so a crash or a broken rule at any point leaves the
    warehouse as after the last committed batch, a state of complete dumps, and the next run
    loads the rest; otherwise the outcomes are only reported. With `present_files` (names now
    in the folder), loaded dumps missing from it are removed with their sightings (pruning).
    """
    clock = clock or StageClock()
    batch_bytes = batch_bytes or default_batch_bytes()
    changed = False
    # Polars and DuckDB release the GIL, so transforming the next batch overlaps this one's merge.
    with clock.stage("load"):
        migrate(engine)  # committed (and checkpointed) apart: a schema state is a complete state too
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperhouse-transform") as worker:
        with engine.connect() as connection:
            transaction = connection.begin()
            with clock.stage("load"):
                # Names are unique in `paths`, so no batch can hold a version another batch adds.
                held, stats_held = (frozenset(), {}) if full_refresh else known_files(connection)
            with clock.stage("read"):
                pending, unchanged = split_unchanged(paths, held, stats_held)
            plan = plan_batches(pending, batch_bytes) or [[]]
            held_so_far = list(unchanged)
            upcoming = worker.submit(_prepare, plan[0], held, listing_year, clock)
            for number in range(len(plan)):
                last = number == len(plan) - 1
                steps, same_content = upcoming.result()
                if not last:
                    upcoming = worker.submit(_prepare, plan[number + 1], held, listing_year, clock)
                if number:
                    transaction = connection.begin()
                with transaction, clock.stage("load"):
                    batch = steps.batch
                    present = present_files if last else None
                    stats = commit_batch(connection, batch, full_refresh and number == 0, present)
                    loaded = batch.source_files.filter(pl.col("status") == "loaded")["file_id"].to_list()
                    outcomes = integrity_outcomes(
                        connection, loaded, datetime.now(UTC).date(), stats.touched_papers
                    )
                    if strict:
                        raise_if_broken(outcomes)
                    rows = table_counts(connection) if last else None
                    held_unchanged = (unchanged if number == 0 else []) + same_content
                    held_so_far += same_content
                    rejected = still_rejected(connection, held_so_far) if last else []
                    transaction.commit()  # to the WAL; DuckDB compresses it into the file at checkpoints
                changed = (
                    changed or batch.source_files.height > 0 or stats.papers_removed or stats.files_removed
                )
                yield BatchLoad(number, len(plan), steps, stats, outcomes, held_unchanged, rows, rejected)
                del steps, batch
            if changed:
                with clock.stage("load"):
                    checkpoint(connection)


def load_paths(
    paths: list[Path],
    engine: Engine,
    listing_year: int | None = None,
    full_refresh: bool = False,
    prune: bool = False,
    batch_bytes: int | None = None,
    clock: StageClock | None = None,
) -> LoadReport:
    """Load the new or changed dumps among `paths` into the warehouse, one transaction per batch.

    See `load_batches`; a broken integrity rule raises and rolls its batch back. With `prune`,
    loaded dumps not among `paths` are removed with their sightings.
    """
    report = LoadReport(files_seen=len(paths), files_loaded=0, files_unchanged=0)
    present = [p.name for p in paths] if prune else None
    for done in load_batches(paths, engine, listing_year, full_refresh, present, batch_bytes, clock):
        _add_batch(report, done.steps.batch, done.stats)
        report.files_unchanged += len(done.unchanged)
        if done.warehouse_rows is not None:
            report.warehouse_rows = done.warehouse_rows
        report.files_rejected += done.rejected_before
    report.files_rejected.sort(key=lambda r: r["file"])
    return report


def load_dumps(
    raw_dir: Path,
    engine: Engine,
    listing_year: int | None = None,
    full_refresh: bool = False,
    prune: bool = False,
    batch_bytes: int | None = None,
) -> LoadReport:
    """Load every new or changed dump of `raw_dir`; `full_refresh` rebuilds, `prune` drops vanished dumps."""
    return load_paths(discover_dumps(raw_dir), engine, listing_year, full_refresh, prune, batch_bytes)
