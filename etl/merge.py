"""Merge one batch of staging frames into the warehouse in one transaction.

Frames move as Arrow into DuckDB (registered, never inserted row by row), or by COPY into
PostgreSQL's temporary tables (`etl.staging`); the steps read them by the same names. Papers are
matched by key in the database. Whenever a paper's sightings change (added, replaced, removed),
everything drawn from its most recent sighting is taken again from the sightings it has then:
card fields, shown text (from the batch, or from `paper_texts` when that sighting was loaded
before), and, when the text changed, links and keywords (extracted by the batch, or here when it
did not); so are organization names, and dates no row refers to go. The tables are a function of
the loaded dumps alone, whatever the order or the batches they were loaded in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import polars as pl
from sqlalchemy import Connection, text

from etl.batch import WarehouseBatch
from etl.extract import text_names
from etl.keywords import extract_keywords
from etl.links import extract_links
from etl.sql import sql_file, sql_names
from etl.staging import read_frame, stage_frame, unstage
from models import HELD_STATUSES, TABLES

COUNT_STEP = "27_count_changes"  # a SELECT of (what, count) pairs: what this merge changes
# After this step the changed papers show their new texts: the links and keywords the batch did
# not extract for them are extracted then (`sql/retext/texts_to_extract.sql`).
RETEXT_AFTER = "21_update_changed_texts"
# Steps that only remove what released papers (orphaned, or showing another text) leave: skipped
# when the counts show none.
RELEASE_STEPS = frozenset(
    {
        "28_create_released_papers",
        "29_create_released_links",
        "30_create_released_keywords",
        "31_delete_released_paper_links",
        "32_delete_released_paper_keywords",
        "33_delete_orphan_papers",
        "40_delete_released_links",
        "41_delete_released_keywords",
    }
)
# Steps that only remove what replaced or removed versions leave: skipped when there is none.
UNLOAD_STEPS = frozenset({"42_delete_released_dates"})
# The parameters each step binds (every other step binds none).
STEP_PARAMS = {
    "03_create_replaced_files": ("held",),
    "04_create_removed_files": ("prune", "held"),
    "12_upsert_source_files": ("loaded_at",),
}
_TEXT_SCHEMA = {"paper_id": pl.Int64, "title": pl.String, "abstract": pl.String}


@dataclass(frozen=True)
class Step:
    """One statement of the merge: named for what it does, as its file `sql/merge/<name>.sql`."""

    name: str
    sql: str
    params: tuple[str, ...]
    only_with_released: bool


@cache
def merge_steps(dialect: str = "duckdb") -> tuple[Step, ...]:
    """The merge's steps for `dialect`, in the order of their file names."""
    return tuple(
        Step(name, sql_file("merge", name, dialect), STEP_PARAMS.get(name, ()), name in RELEASE_STEPS)
        for name in sql_names("merge")
    )


_TEMP_TABLES = (
    "incoming_files",
    "incoming_appearances",
    "replaced_files",
    "removed_files",
    "touched_papers",
    "new_papers",
    "touched_organizations",
    "released_dates",
    "paper_stats",
    "changed_texts",
    "orphan_papers",
    "released_papers",
    "released_links",
    "released_keywords",
    "changed_paper_links",
    "changed_paper_keywords",
)


@dataclass(frozen=True)
class MergeStats:
    """What one merge changed."""

    papers_new: int
    papers_known: int
    papers_removed: int
    appearances: int
    files_superseded: int
    files_removed: int
    touched_papers: pl.DataFrame  # paper_id of every paper this merge added, changed or removed


def merge_batch(
    connection: Connection,
    batch: WarehouseBatch,
    loaded_at: datetime,
    present_files: list[str] | None = None,
    check: Callable[[], None] | None = None,
) -> MergeStats:
    """Merge `batch` into the warehouse on `connection`, inside the caller's transaction.

    With `present_files` (the names now in the dump folder), loaded dumps missing from it are
    removed with their sightings (pruning); without it, nothing is removed. `check` runs before
    each statement (a stop request raises there, and the caller's transaction rolls back).
    """
    # A name that is not UTF-8 was never stored (`etl.extract.bad_name`): it can keep nothing present.
    present = text_names(present_files or [])
    frames = batch.frames() | {
        "present_files": pl.DataFrame({"file_name": present}, schema={"file_name": pl.String})
    }
    staged = [f"stg_{name}" for name in frames]
    for name, frame in frames.items():
        stage_frame(connection, f"stg_{name}", frame)
    try:
        params = {
            "loaded_at": loaded_at.replace(tzinfo=None).isoformat(sep=" "),
            "prune": present_files is not None,
            "held": list(HELD_STATUSES),
        }
        counts: dict[str, int] = {}
        for step in merge_steps(connection.dialect.name):
            if check is not None:
                check()
            if step.only_with_released and counts["released"] == 0:
                continue  # nothing to remove: spare the scans of the large link tables
            if step.name in UNLOAD_STEPS and counts["replaced"] + counts["removed"] == 0:
                continue  # no sighting went: no date can have lost its last reference
            result = connection.execute(text(step.sql), {k: params[k] for k in step.params})
            if step.name == COUNT_STEP:
                counts = dict(result.all())
            elif step.name == RETEXT_AFTER:
                staged += stage_retexted(connection)
        if connection.dialect.name == "postgresql":
            connection.execute(text(sql_file("postgresql", "flush_search_index")))
        touched = read_frame(connection, "SELECT paper_id FROM touched_papers", {"paper_id": pl.Int64})
        for name in _TEMP_TABLES:
            connection.execute(text(f"DROP TABLE IF EXISTS {name}"))  # vetted identifiers
        return MergeStats(
            papers_new=counts["new"],
            papers_known=counts["batch"] - counts["new"],
            papers_removed=counts["orphans"],
            appearances=counts["appearances"],
            files_superseded=counts["replaced"],
            files_removed=counts["removed"],
            touched_papers=touched,
        )
    finally:
        unstage(connection, staged)


def stage_retexted(connection: Connection) -> list[str]:
    """Extract the links and keywords of the papers whose new shown text the batch did not extract,
    and stage them as `stg_retext_<table>` (empty when there is none); returns the staged names."""
    texts = read_frame(connection, sql_file("retext", "texts_to_extract"), _TEXT_SCHEMA)
    links, paper_links = extract_links(texts)
    keywords, paper_keywords = extract_keywords(texts)
    frames = {
        "links": links,
        "paper_links": paper_links,
        "keywords": keywords,
        "paper_keywords": paper_keywords,
    }
    for name, frame in frames.items():
        stage_frame(connection, f"stg_retext_{name}", frame)
    return [f"stg_retext_{name}" for name in frames]


def clear_warehouse(connection: Connection) -> None:
    """Delete every row of every warehouse table, inside the caller's transaction (full rebuilds)."""
    for table in TABLES.values():
        connection.execute(table.delete())
