"""The whole load, dumps folder to warehouse, as plain functions shared by the CLI and Dagster."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine, text

from etl.batch import WarehouseBatch, build_batch
from etl.extract import discover_dumps, read_dumps
from etl.load import MergeStats, merge_batch
from etl.parse import ParsedDumps, parse_dumps
from etl.warehouse import migrate

DEFAULT_RAW_DIR = "data/raw"
RAW_DIR_ENV = "PAPERHOUSE_RAW_DIR"
LISTING_YEAR_ENV = "PAPERHOUSE_LISTING_YEAR"
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
    appearances: int = 0
    links: int = 0
    keywords: int = 0
    warehouse_rows: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The report as a JSON-ready dict."""
        return asdict(self)


def known_file_ids(connection: Connection) -> frozenset[int]:
    """Dump versions the warehouse holds already (loaded or rejected): no need to parse them again."""
    rows = connection.execute(text("SELECT file_id FROM source_files WHERE status IN ('loaded', 'rejected')"))
    return frozenset(rows.scalars())


def table_counts(connection: Connection) -> dict[str, int]:
    """Row count of every warehouse table."""
    return {
        table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # vetted identifier
        for table in WAREHOUSE_TABLES
    }


def new_dumps(raw_dir: Path, known: frozenset[int]) -> tuple[pl.DataFrame, int]:
    """Read the dumps of `raw_dir` that are not in the warehouse yet; also count the unchanged ones."""
    dumps = read_dumps(discover_dumps(raw_dir), skip_file_ids=known)
    fresh = dumps.filter(~pl.col("file_id").is_in(list(known)))
    return fresh, dumps.height - fresh.height


def transform(dumps: pl.DataFrame, listing_year: int | None) -> tuple[ParsedDumps, WarehouseBatch]:
    """Parse dumps and build the staging frames of one warehouse batch."""
    parsed = parse_dumps(dumps, listing_year)
    return parsed, build_batch(dumps, parsed)


def report_for(
    batch: WarehouseBatch, stats: MergeStats, files_unchanged: int, warehouse_rows: dict[str, int]
) -> LoadReport:
    """Summarize one merged batch."""
    files = batch.source_files
    rejected = files.filter(pl.col("status") == "rejected").sort("file_name")
    return LoadReport(
        files_seen=files.height + files_unchanged,
        files_loaded=files.height - rejected.height,
        files_unchanged=files_unchanged,
        files_rejected=[
            {"file": r["file_name"], "reason": r["error"]} for r in rejected.iter_rows(named=True)
        ],
        entries=batch.paper_appearances.height,
        papers_new=stats.papers_new,
        papers_already_known=stats.papers_known,
        papers_removed=stats.papers_removed,
        appearances=stats.appearances,
        links=batch.links.height,
        keywords=batch.paper_keywords.height,
        warehouse_rows=warehouse_rows,
    )


def load_dumps(raw_dir: Path, engine: Engine, listing_year: int | None = None) -> LoadReport:
    """Load every new or changed dump of `raw_dir` into the warehouse in one transaction."""
    migrate(engine)
    with engine.connect() as connection:
        known = known_file_ids(connection)
    dumps, unchanged = new_dumps(raw_dir, known)
    _, batch = transform(dumps, listing_year)
    with engine.begin() as connection:
        stats = merge_batch(connection, batch, loaded_at=datetime.now(UTC))
        rows = table_counts(connection)
    return report_for(batch, stats, unchanged, rows)
