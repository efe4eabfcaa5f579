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

from etl.batch import StagingFrames
from etl.engines import engine_of
from etl.extract import text_names
from etl.keywords import extract_keywords
from etl.links import extract_links
from etl.search import search_index
from etl.sql import sql_file
from etl.staging import read_frame, stage_frame, unstage
from etl.steps import Step, load_steps, temp_tables
from models import HELD_STATUSES, SEARCH_INDEX_TABLES, TABLES

# The parameters a step may bind (`-- binds:`): `merge_batch` supplies each of them.
BINDS = frozenset({"held", "loaded_at", "prune"})
# The conditions of `-- skipped unless:`: a step so marked is skipped when these counts of the
# counts step (`-- yields: counts`) are all zero.
SKIP_UNLESS = {
    # No paper orphaned or showing another text: nothing to remove, spare the scans of the link tables.
    "released": ("released",),
    # No sighting went (no version replaced or removed): no date can have lost its last reference.
    "unloaded": ("replaced", "removed"),
}
_TEXT_SCHEMA = {"paper_id": pl.Int64, "title": pl.String, "abstract": pl.String}


@cache
def merge_steps(dialect: str = "duckdb") -> tuple[Step, ...]:
    """The merge's steps for `dialect`, in order, as their headers describe them (`etl.steps`)."""
    return load_steps("merge", dialect, binds=BINDS, conditions=SKIP_UNLESS)


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
    batch: StagingFrames,
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
        params = merge_params(loaded_at, present_files)
        engine = engine_of(connection)
        steps = merge_steps(engine.name)
        counts: dict[str, int] = {}
        for step in steps:
            if check is not None:
                check()
            if (
                step.skipped_unless is not None
                and sum(counts[c] for c in SKIP_UNLESS[step.skipped_unless]) == 0
            ):
                continue  # nothing for it to remove: spare its scans
            result = connection.execute(text(step.sql), {k: params[k] for k in step.binds})
            if step.yields == "counts":
                counts = dict(result.all())
            elif step.then == "retext":  # the changed papers now show their new texts
                staged += stage_retexted(connection)
        engine.after_merge(connection)
        touched = read_frame(connection, "SELECT paper_id FROM touched_papers", {"paper_id": pl.Int64})
        for name in temp_tables(steps):
            connection.execute(text(f"DROP TABLE IF EXISTS {name}"))  # plain names (etl.steps)
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


def merge_params(loaded_at: datetime, present_files: list[str] | None) -> dict[str, object]:
    """The value of each of `BINDS`, for a merge stamped `loaded_at`, pruning with `present_files`."""
    return {
        "loaded_at": loaded_at.replace(tzinfo=None).isoformat(sep=" "),
        "prune": present_files is not None,
        "held": list(HELD_STATUSES),
    }


def stage_retexted(connection: Connection) -> list[str]:
    """Extract the links, keywords and search index of the papers whose new shown text the batch did
    not extract, and stage them as `stg_retext_<table>` (empty when there is none); returns the staged names."""
    texts = read_frame(connection, sql_file("retext", "texts_to_extract"), _TEXT_SCHEMA)
    links, paper_links = extract_links(texts)
    keywords, paper_keywords = extract_keywords(texts)
    search_postings, search_documents = search_index(texts)
    frames = {
        "links": links,
        "paper_links": paper_links,
        "keywords": keywords,
        "paper_keywords": paper_keywords,
        "search_postings": search_postings,
        "search_documents": search_documents,
    }
    for name, frame in frames.items():
        stage_frame(connection, f"stg_retext_{name}", frame)
    return [f"stg_retext_{name}" for name in frames]


def clear_warehouse(connection: Connection) -> None:
    """Delete every row of every warehouse table and of the search index, inside the caller's transaction (full rebuilds)."""
    for table in (*TABLES.values(), *SEARCH_INDEX_TABLES.values()):
        connection.execute(table.delete())
