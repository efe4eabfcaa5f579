"""Merge one batch of staging frames into the warehouse in one transaction.

Frames move as Arrow into DuckDB (registered, never inserted row by row). Papers are
matched by key in the database; their card fields are recomputed in SQL from all their
sightings, so the result does not depend on the order in which dumps were loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, text

from etl.batch import WarehouseBatch

_STATEMENTS: tuple[str, ...] = (
    # Dump versions already loaded are skipped, so merging the same batch twice changes nothing;
    # a version held as rejected and read again (a listing-year setting changed) replaces its row.
    """CREATE OR REPLACE TEMP TABLE incoming_files AS
       SELECT * FROM stg_source_files
       WHERE file_id NOT IN (SELECT file_id FROM source_files WHERE status = 'loaded')""",
    """CREATE OR REPLACE TEMP TABLE incoming_appearances AS
       SELECT * FROM stg_paper_appearances
       WHERE file_id IN (SELECT file_id FROM incoming_files WHERE status = 'loaded')""",
    # Versions of a file that a newly loaded version replaces: their sightings go.
    """CREATE OR REPLACE TEMP TABLE replaced_files AS
       SELECT f.file_id FROM source_files f JOIN incoming_files s USING (file_name)
       WHERE s.status = 'loaded' AND f.file_id <> s.file_id AND f.status IN ('loaded', 'rejected')""",
    # With pruning, dumps no longer in the folder go too.
    """CREATE OR REPLACE TEMP TABLE removed_files AS
       SELECT file_id FROM source_files
       WHERE CAST(:prune AS BOOLEAN) AND status IN ('loaded', 'rejected')
         AND file_name NOT IN (SELECT file_name FROM stg_present_files)""",
    """CREATE OR REPLACE TEMP TABLE touched_papers AS
       SELECT DISTINCT paper_id FROM paper_appearances
       WHERE file_id IN (SELECT file_id FROM replaced_files UNION ALL SELECT file_id FROM removed_files)
       UNION SELECT paper_id FROM incoming_appearances""",
    """CREATE OR REPLACE TEMP TABLE new_papers AS
       SELECT DISTINCT paper_id FROM incoming_appearances ANTI JOIN papers USING (paper_id)""",
    """DELETE FROM paper_appearances
       WHERE file_id IN (SELECT file_id FROM replaced_files UNION ALL SELECT file_id FROM removed_files)""",
    "UPDATE source_files SET status = 'superseded' WHERE file_id IN (SELECT file_id FROM replaced_files)",
    "UPDATE source_files SET status = 'removed' WHERE file_id IN (SELECT file_id FROM removed_files)",
    """INSERT INTO source_files (file_id, file_name, sha256, size_bytes, listing_date_id, listing_year_rule,
                                status, error, entries, loaded_at, modified_ns, listing_year_setting, recheck_on)
       SELECT file_id, file_name, sha256, size_bytes, listing_date_id, listing_year_rule,
              status, error, entries, CAST(:loaded_at AS TIMESTAMP), modified_ns, listing_year_setting, recheck_on
       FROM incoming_files
       ON CONFLICT (file_id) DO UPDATE SET
           listing_date_id = excluded.listing_date_id, listing_year_rule = excluded.listing_year_rule,
           status = excluded.status, error = excluded.error, entries = excluded.entries,
           loaded_at = excluded.loaded_at, modified_ns = excluded.modified_ns,
           listing_year_setting = excluded.listing_year_setting, recheck_on = excluded.recheck_on""",
    "INSERT INTO dates SELECT * FROM stg_dates ON CONFLICT DO NOTHING",
    """INSERT INTO organizations SELECT organization_id, handle, name FROM stg_organizations
       ON CONFLICT (organization_id) DO UPDATE SET name = excluded.name""",
    """INSERT INTO paper_appearances
       SELECT file_id, position, paper_id, title_line, listing_date_id, upvotes, author_count,
              organization_id, card_date_text, card_date_id
       FROM incoming_appearances""",
    # Each field from the most recent sighting that has it; recency = (listing date, file name, position).
    """CREATE OR REPLACE TEMP TABLE paper_stats AS
       SELECT sighted.*, d.date AS published_date FROM (
           SELECT a.paper_id,
                  arg_max(a.author_count, (a.listing_date_id, f.file_name, a.position))
                      FILTER (WHERE a.author_count IS NOT NULL) AS author_count,
                  arg_max(a.organization_id, (a.listing_date_id, f.file_name, a.position))
                      FILTER (WHERE a.organization_id IS NOT NULL) AS organization_id,
                  arg_max(a.card_date_id, (a.listing_date_id, f.file_name, a.position))
                      FILTER (WHERE a.card_date_id IS NOT NULL) AS published_date_id,
                  arg_max(a.upvotes, (a.listing_date_id, f.file_name, a.position))
                      FILTER (WHERE a.upvotes IS NOT NULL) AS upvotes,
                  min(a.listing_date_id) AS first_seen_date_id,
                  max(a.listing_date_id) AS last_seen_date_id,
                  count(*) AS sightings
           FROM paper_appearances a JOIN source_files f USING (file_id)
           WHERE a.paper_id IN (SELECT paper_id FROM touched_papers)
           GROUP BY a.paper_id
       ) AS sighted LEFT JOIN dates AS d ON d.date_id = sighted.published_date_id""",
    # New papers are written once, complete; known ones get their card fields updated.
    """INSERT INTO papers (paper_id, title_id, title, abstract, author_count, organization_id,
                          published_date_id, published_date, upvotes, first_seen_date_id,
                          last_seen_date_id, sightings)
       SELECT s.paper_id, s.title_id, s.title, s.abstract, p.author_count, p.organization_id,
              p.published_date_id, p.published_date, p.upvotes, p.first_seen_date_id,
              p.last_seen_date_id, p.sightings
       FROM stg_papers s JOIN paper_stats p USING (paper_id)
       WHERE s.paper_id IN (SELECT paper_id FROM new_papers)""",
    """UPDATE papers SET
           author_count = agg.author_count, organization_id = agg.organization_id,
           published_date_id = agg.published_date_id,
           published_date = agg.published_date,
           upvotes = agg.upvotes, first_seen_date_id = agg.first_seen_date_id,
           last_seen_date_id = agg.last_seen_date_id, sightings = agg.sightings
       FROM (SELECT * FROM paper_stats ANTI JOIN new_papers USING (paper_id)) AS agg
       WHERE papers.paper_id = agg.paper_id""",
    # Title and abstract of a known paper as printed in its most recent sighting, when that
    # sighting is in this batch (new papers were written with their batch's latest text). Not
    # compared with the stored text first: that would read every stored abstract.
    """UPDATE papers SET title = s.title, abstract = s.abstract
       FROM stg_papers s, (
           SELECT a.paper_id, arg_max((a.file_id, a.position), (a.listing_date_id, f.file_name, a.position)) AS latest
           FROM paper_appearances a JOIN source_files f USING (file_id)
           WHERE a.paper_id IN (SELECT paper_id FROM incoming_appearances ANTI JOIN new_papers USING (paper_id))
           GROUP BY a.paper_id
       ) AS l
       WHERE papers.paper_id = s.paper_id AND l.paper_id = s.paper_id
         AND l.latest = (s.latest_file_id, s.latest_position)""",
    # Papers left with no sighting go, with their links and keywords.
    """CREATE OR REPLACE TEMP TABLE orphan_papers AS
       SELECT paper_id FROM touched_papers ANTI JOIN paper_appearances USING (paper_id)""",
    """CREATE OR REPLACE TEMP TABLE orphan_links AS
       SELECT DISTINCT link_id FROM paper_links WHERE paper_id IN (SELECT paper_id FROM orphan_papers)""",
    """CREATE OR REPLACE TEMP TABLE orphan_keywords AS
       SELECT DISTINCT keyword_id FROM paper_keywords WHERE paper_id IN (SELECT paper_id FROM orphan_papers)""",
    "DELETE FROM paper_links WHERE paper_id IN (SELECT paper_id FROM orphan_papers)",
    "DELETE FROM paper_keywords WHERE paper_id IN (SELECT paper_id FROM orphan_papers)",
    "DELETE FROM papers WHERE paper_id IN (SELECT paper_id FROM orphan_papers)",
    # A paper's links and keywords depend only on its text: computed once, when it is new.
    # keywords and links carry no index (see models): stored keys are filtered out first,
    # reading only the stored keys the batch names.
    """INSERT INTO links SELECT link_id, url, host, kind FROM stg_links
       WHERE link_id IN (SELECT link_id FROM stg_paper_links WHERE paper_id IN (SELECT paper_id FROM new_papers))
         AND link_id NOT IN (SELECT link_id FROM links WHERE link_id IN (SELECT link_id FROM stg_links))""",
    """INSERT INTO paper_links SELECT paper_id, link_id, ordinal FROM stg_paper_links
       WHERE paper_id IN (SELECT paper_id FROM new_papers)""",
    """INSERT INTO keywords SELECT keyword_id, keyword, kind FROM stg_keywords
       WHERE keyword_id IN (SELECT keyword_id FROM stg_paper_keywords WHERE paper_id IN (SELECT paper_id FROM new_papers))
         AND keyword_id NOT IN (SELECT keyword_id FROM keywords WHERE keyword_id IN (SELECT keyword_id FROM stg_keywords))""",
    """INSERT INTO paper_keywords SELECT paper_id, keyword_id, score, rank FROM stg_paper_keywords
       WHERE paper_id IN (SELECT paper_id FROM new_papers)""",
    """DELETE FROM links WHERE link_id IN (SELECT link_id FROM orphan_links ANTI JOIN paper_links USING (link_id))""",
    """DELETE FROM keywords
       WHERE keyword_id IN (SELECT keyword_id FROM orphan_keywords ANTI JOIN paper_keywords USING (keyword_id))""",
)

_REMOVES_ORPHANS = re.compile(r"\borphan_(?:links|keywords)\b|FROM orphan_papers\)")

_TEMP_TABLES = (
    "incoming_files",
    "incoming_appearances",
    "replaced_files",
    "removed_files",
    "touched_papers",
    "new_papers",
    "paper_stats",
    "orphan_papers",
    "orphan_links",
    "orphan_keywords",
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


def _register(connection: Connection, name: str, frame: pl.DataFrame) -> None:
    connection.connection.driver_connection.register(name, frame.to_arrow())


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
    frames = batch.frames() | {
        "present_files": pl.DataFrame({"file_name": present_files or []}, schema={"file_name": pl.String})
    }
    staged = [f"stg_{name}" for name in frames]
    for name, frame in frames.items():
        _register(connection, f"stg_{name}", frame)
    try:
        params = {
            "loaded_at": loaded_at.replace(tzinfo=None).isoformat(sep=" "),
            "prune": present_files is not None,
        }
        counts: dict[str, int] = {}
        for statement in _STATEMENTS:
            if check is not None:
                check()
            if _REMOVES_ORPHANS.search(statement) and counts.get("orphans") == 0:
                continue  # nothing to remove: spare the scans of the large link tables
            used = {k: v for k, v in params.items() if f":{k}" in statement}
            connection.execute(text(statement), used)
            if statement.startswith("CREATE OR REPLACE TEMP TABLE orphan_papers"):
                counts = dict(
                    connection.execute(
                        text(
                            "SELECT 'new', count(*) FROM new_papers UNION ALL "
                            "SELECT 'batch', count(DISTINCT paper_id) FROM incoming_appearances UNION ALL "
                            "SELECT 'orphans', count(*) FROM orphan_papers UNION ALL "
                            "SELECT 'replaced', count(*) FROM replaced_files UNION ALL "
                            "SELECT 'removed', count(*) FROM removed_files UNION ALL "
                            "SELECT 'appearances', count(*) FROM incoming_appearances"
                        )
                    ).all()
                )
        touched = connection.connection.driver_connection.sql("SELECT paper_id FROM touched_papers").pl()
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
        raw = connection.connection.driver_connection
        for name in staged:
            with suppress(Exception):  # after a failed statement the caller's rollback comes first
                raw.unregister(name)


def clear_warehouse(connection: Connection) -> None:
    """Delete every row of every warehouse table, inside the caller's transaction (full rebuilds)."""
    for table in (
        "paper_keywords",
        "keywords",
        "paper_links",
        "links",
        "paper_appearances",
        "papers",
        "organizations",
        "dates",
        "source_files",
    ):
        connection.execute(text(f"DELETE FROM {table}"))  # vetted identifiers
