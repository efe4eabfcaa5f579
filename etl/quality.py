"""Warehouse integrity checks: each a query counting the rows that break one rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import Connection, text

from etl.parse import CLOCK_SKEW

SCOPE = "check_scope"  # a relation (paper_id) naming the papers a load touched
# The columns the rules read (never the text columns: copying those would cost a scan of the text).
PER_PAPER_TABLES = {
    "papers": "paper_id, organization_id, published_date_id, first_seen_date_id, last_seen_date_id",
    "paper_appearances": "paper_id, file_id, organization_id, listing_date_id, card_date_id",
    "paper_links": "paper_id, link_id",
    "paper_keywords": "paper_id, keyword_id",
}


# Key tables the per-paper tables refer to: table -> (key, referring per-paper table).
KEY_TABLES = {"links": ("link_id", "paper_links"), "keywords": ("keyword_id", "paper_keywords")}


def checked_rows(scoped: bool) -> dict[str, str]:
    """The relation each per-paper rule reads: the whole table, or (scoped) the touched papers' rows.

    Scoped, `scope_checked_rows` has copied the touched papers' rows of each table into a
    temporary table once, so the rules read those few rows instead of scanning the table again.
    """
    return {table: f"checked_{table}" if scoped else table for table in PER_PAPER_TABLES}


def checked_key_counts() -> dict[str, str]:
    """Scoped: per key table, a temporary table of each key the checked rows name and its stored row count."""
    return {table: f"checked_{table}_counts" for table in KEY_TABLES}


def scope_checked_rows(connection: Connection) -> None:
    """Copy the rows of the papers in `check_scope` of each per-paper table (one scan each).

    Then count, for each link and keyword those rows name, its stored rows (one scan of each
    key table), which both the duplicate and the dangling rules read.
    """
    for table, checked in checked_rows(scoped=True).items():
        connection.execute(  # vetted identifiers
            text(
                f"CREATE OR REPLACE TEMP TABLE {checked} AS SELECT {PER_PAPER_TABLES[table]} "
                f"FROM {table} WHERE paper_id IN (SELECT paper_id FROM {SCOPE})"
            )
        )
    for table, counts in checked_key_counts().items():
        key, referrer = KEY_TABLES[table]
        connection.execute(  # vetted identifiers
            text(
                f"CREATE OR REPLACE TEMP TABLE {counts} AS SELECT r.{key}, count(t.{key}) AS stored "
                f"FROM (SELECT DISTINCT {key} FROM checked_{referrer}) r LEFT JOIN {table} t USING ({key}) "
                f"GROUP BY r.{key}"
            )
        )


def references(scoped: bool) -> dict[str, str]:
    """Every foreign-key-like reference, as (name, query counting dangling rows).

    Scoped, only rows of the papers in `check_scope` are checked: a load changes no other row
    (links and keywords it deletes are only those no paper refers to), so this is the same rule
    at a cost proportional to the load, not to the warehouse.
    """
    t = checked_rows(scoped)
    papers, appearances, paper_links, paper_keywords = (t[name] for name in PER_PAPER_TABLES)
    return {
        **{
            f"{referrer}.{key} -> {table}": _dangling_keys(table, scoped)
            for table, (key, referrer) in KEY_TABLES.items()
        },
        "paper_appearances.paper_id -> papers": (
            f"SELECT count(*) FROM (SELECT paper_id FROM {appearances}) ANTI JOIN {papers} USING (paper_id)"
        ),
        "paper_appearances.file_id -> source_files": (
            f"SELECT count(*) FROM (SELECT DISTINCT file_id FROM {appearances}) ANTI JOIN source_files USING (file_id)"
        ),
        "paper_links.paper_id -> papers": (
            f"SELECT count(*) FROM (SELECT paper_id FROM {paper_links}) ANTI JOIN {papers} USING (paper_id)"
        ),
        "paper_keywords.paper_id -> papers": (
            f"SELECT count(*) FROM (SELECT paper_id FROM {paper_keywords}) ANTI JOIN {papers} USING (paper_id)"
        ),
        "*.organization_id -> organizations": (
            f"SELECT count(*) FROM (SELECT organization_id FROM {papers} UNION ALL "
            f"SELECT organization_id FROM {appearances}) r "
            "WHERE organization_id IS NOT NULL AND organization_id NOT IN (SELECT organization_id FROM organizations)"
        ),
        "*_date_id -> dates": (
            f"SELECT count(*) FROM (SELECT listing_date_id AS d FROM {appearances} UNION ALL "
            f"SELECT card_date_id FROM {appearances} UNION ALL SELECT published_date_id FROM {papers} "
            f"UNION ALL SELECT first_seen_date_id FROM {papers} UNION ALL SELECT last_seen_date_id FROM {papers} "
            "UNION ALL SELECT listing_date_id FROM source_files) r "
            "WHERE d IS NOT NULL AND d NOT IN (SELECT date_id FROM dates)"
        ),
    }


def _dangling_keys(table: str, scoped: bool) -> str:
    """Query counting the rows of a per-paper table whose key names no row of `table`."""
    key, referrer = KEY_TABLES[table]
    if scoped:
        counts = checked_key_counts()[table]
        return (
            f"SELECT count(*) FROM checked_{referrer} "
            f"WHERE {key} IN (SELECT {key} FROM {counts} WHERE stored = 0)"
        )
    return f"SELECT count(*) FROM (SELECT {key} FROM {referrer}) ANTI JOIN {table} USING ({key})"


def _duplicate_keys(table: str, scoped: bool) -> str:
    """Query counting the surplus rows of `table` beyond one per key (scoped: keys the checked rows name)."""
    key, _ = KEY_TABLES[table]
    if scoped:
        return f"SELECT coalesce(sum(stored - 1), 0) FROM {checked_key_counts()[table]} WHERE stored > 1"
    return f"SELECT count(*) - count(DISTINCT {key}) FROM {table}"


@dataclass(frozen=True)
class CheckOutcome:
    """The result of one integrity rule: passed, how many rows break it, and details."""

    passed: bool
    failures: int
    details: dict[str, int | float | str]


def duplicate_paper_ids(connection: Connection, scoped: bool = False) -> CheckOutcome:
    """paper_id is unique in papers."""
    papers = checked_rows(scoped)["papers"]
    n = connection.execute(text(f"SELECT count(*) - count(DISTINCT paper_id) FROM {papers}")).scalar_one()
    return CheckOutcome(n == 0, n, {"duplicate_paper_ids": n})


def duplicate_row_keys(connection: Connection, file_ids: list[int], scoped: bool = False) -> CheckOutcome:
    """Each sighting (file_id, position), paper link, paper keyword, link and keyword is stored once.

    These tables carry no index (see `models`). Scoped, only the given dumps' sightings, the
    touched papers' links and keywords, and the links and keywords they name are checked: a
    load writes no other rows.
    """
    t = checked_rows(scoped)
    files = " WHERE file_id IN (SELECT unnest(CAST(:ids AS BIGINT[])))" if scoped else ""
    queries = {
        "paper_appearances": f"SELECT count(*) - count(DISTINCT (file_id, position)) FROM paper_appearances{files}",
        "paper_links": f"SELECT count(*) - count(DISTINCT (paper_id, link_id)) FROM {t['paper_links']}",
        "paper_keywords": f"SELECT count(*) - count(DISTINCT (paper_id, keyword_id)) FROM {t['paper_keywords']}",
        **{table: _duplicate_keys(table, scoped) for table in KEY_TABLES},
    }
    counts = {
        table: connection.execute(text(sql), {"ids": file_ids} if ":ids" in sql else {}).scalar_one()
        for table, sql in queries.items()
    }
    total = sum(counts.values())
    return CheckOutcome(total == 0, total, counts)


def dangling_references(connection: Connection, scoped: bool = False) -> CheckOutcome:
    """No reference points at a missing row (scoped: among the rows of the papers in `check_scope`)."""
    counts = {name: connection.execute(text(sql)).scalar_one() for name, sql in references(scoped).items()}
    total = sum(counts.values())
    return CheckOutcome(total == 0, total, counts)


def missing_appearances(connection: Connection, file_ids: list[int]) -> CheckOutcome:
    """Every parsed entry of the given loaded dumps is in paper_appearances."""
    rows = connection.execute(
        text(
            "SELECT f.file_name, f.entries, count(a.position) AS stored FROM source_files f "
            "LEFT JOIN paper_appearances a USING (file_id) "
            "WHERE f.file_id IN (SELECT unnest(CAST(:ids AS BIGINT[]))) AND f.status = 'loaded' "
            "GROUP BY f.file_name, f.entries"
        ),
        {"ids": file_ids},
    ).all()
    short = {name: entries - stored for name, entries, stored in rows if entries != stored}
    return CheckOutcome(not short, sum(short.values()), short or {"dumps_checked": len(rows)})


def future_listing_dates(connection: Connection, today: date) -> CheckOutcome:
    """No loaded dump has a listing date after `today` plus the clock skew the parser allows.

    The parser refuses such a dump alone, so this guard fires only if a year rule went wrong.
    """
    latest = today + CLOCK_SKEW
    rows = connection.execute(
        text(
            "SELECT f.file_name, CAST(d.date AS VARCHAR) FROM source_files f JOIN dates d ON d.date_id = f.listing_date_id "
            "WHERE f.status = 'loaded' AND d.date > :latest ORDER BY 1"
        ),
        {"latest": latest},
    ).all()
    return CheckOutcome(not rows, len(rows), dict(rows) or {"latest_allowed": latest.isoformat()})


def refused_dumps(connection: Connection, present_files: list[str]) -> CheckOutcome:
    """No dump in the folder is held as refused: its newest version read is loaded, or not read yet.

    A refused version stays `rejected` until a new version of its name loads (and supersedes
    it), so this holds for the whole folder, whichever run came last.
    """
    rows = connection.execute(
        text(
            "SELECT file_name, error FROM source_files WHERE status = 'rejected' "
            "AND file_name IN (SELECT unnest(CAST(:names AS VARCHAR[]))) ORDER BY file_name"
        ),
        {"names": present_files},
    ).all()
    return CheckOutcome(not rows, len(rows), dict(rows) or {"dumps_in_folder": len(present_files)})


def merge_outcomes(before: CheckOutcome | None, outcome: CheckOutcome) -> CheckOutcome:
    """One rule over two batches: passed by both; failures added; the failing batch's details first."""
    if before is None:
        return outcome
    details = before.details if not before.passed else outcome.details
    return CheckOutcome(before.passed and outcome.passed, before.failures + outcome.failures, details)


class IntegrityError(RuntimeError):
    """A load broke an integrity rule; its transaction is rolled back. `outcomes` holds every rule's."""

    def __init__(self, message: str, outcomes: dict[str, CheckOutcome]) -> None:
        super().__init__(message)
        self.outcomes = outcomes


def integrity_outcomes(
    connection: Connection,
    loaded_file_ids: list[int],
    today: date,
    touched_papers: pl.DataFrame | None = None,
) -> dict[str, CheckOutcome]:
    """Every data-integrity rule, evaluated on `connection` inside a load's transaction.

    With `touched_papers` (a frame of paper_id), the per-paper rules look only at those papers.
    """
    scoped = touched_papers is not None
    raw = connection.connection.driver_connection
    if scoped:
        raw.register(SCOPE, touched_papers.select("paper_id").to_arrow())
        scope_checked_rows(connection)
    try:
        return {
            "paper_id_unique": duplicate_paper_ids(connection, scoped),
            "row_keys_unique": duplicate_row_keys(connection, loaded_file_ids, scoped),
            "every_entry_loaded": missing_appearances(connection, loaded_file_ids),
            "no_dangling_references": dangling_references(connection, scoped),
            "no_future_listing_dates": future_listing_dates(connection, today),
        }
    finally:
        if scoped:
            for checked in [*checked_rows(scoped=True).values(), *checked_key_counts().values()]:
                connection.execute(text(f"DROP TABLE IF EXISTS {checked}"))  # vetted identifiers
            raw.unregister(SCOPE)


def assert_integrity(
    connection: Connection,
    loaded_file_ids: list[int],
    today: date,
    touched_papers: pl.DataFrame | None = None,
) -> None:
    """Raise `IntegrityError` naming every broken rule, so the caller's transaction rolls back."""
    raise_if_broken(integrity_outcomes(connection, loaded_file_ids, today, touched_papers))


def raise_if_broken(outcomes: dict[str, CheckOutcome]) -> None:
    """Raise `IntegrityError` naming every rule that `outcomes` shows broken."""
    broken = {n: o for n, o in outcomes.items() if not o.passed}
    if broken:
        raise IntegrityError(
            "; ".join(f"{name}: {outcome.details}" for name, outcome in broken.items()), outcomes
        )
