"""Warehouse integrity checks: each a query counting the rows that break one rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import Connection, text

SCOPE = "check_scope"  # a relation (paper_id) naming the papers a load touched


def references(scoped: bool) -> dict[str, str]:
    """Every foreign-key-like reference, as (name, query counting dangling rows).

    Scoped, only rows of the papers in `check_scope` are checked: a load changes no other row
    (links and keywords it deletes are only those no paper refers to), so this is the same rule
    at a cost proportional to the load, not to the warehouse.
    """
    only = f" WHERE paper_id IN (SELECT paper_id FROM {SCOPE})" if scoped else ""
    return {
        "paper_appearances.paper_id -> papers": (
            f"SELECT count(*) FROM (SELECT paper_id FROM paper_appearances{only}) "
            f"ANTI JOIN (SELECT paper_id FROM papers{only}) USING (paper_id)"
        ),
        "paper_appearances.file_id -> source_files": (
            f"SELECT count(*) FROM (SELECT DISTINCT file_id FROM paper_appearances{only}) "
            "ANTI JOIN source_files USING (file_id)"
        ),
        # The referenced keys are read first, so only their stored rows are looked up.
        "paper_links.link_id -> links": (
            f"WITH r AS MATERIALIZED (SELECT link_id FROM paper_links{only}) SELECT count(*) FROM r "
            "WHERE link_id NOT IN (SELECT link_id FROM links WHERE link_id IN (SELECT link_id FROM r))"
        ),
        "paper_links.paper_id -> papers": (
            f"SELECT count(*) FROM (SELECT paper_id FROM paper_links{only}) "
            f"ANTI JOIN (SELECT paper_id FROM papers{only}) USING (paper_id)"
        ),
        "paper_keywords.keyword_id -> keywords": (
            f"WITH r AS MATERIALIZED (SELECT keyword_id FROM paper_keywords{only}) SELECT count(*) FROM r "
            "WHERE keyword_id NOT IN (SELECT keyword_id FROM keywords WHERE keyword_id IN (SELECT keyword_id FROM r))"
        ),
        "paper_keywords.paper_id -> papers": (
            f"SELECT count(*) FROM (SELECT paper_id FROM paper_keywords{only}) "
            f"ANTI JOIN (SELECT paper_id FROM papers{only}) USING (paper_id)"
        ),
        "*.organization_id -> organizations": (
            f"SELECT count(*) FROM (SELECT organization_id FROM papers{only} UNION ALL "
            f"SELECT organization_id FROM paper_appearances{only}) r "
            "WHERE organization_id IS NOT NULL AND organization_id NOT IN (SELECT organization_id FROM organizations)"
        ),
        "*_date_id -> dates": (
            f"SELECT count(*) FROM (SELECT listing_date_id AS d FROM paper_appearances{only} UNION ALL "
            f"SELECT card_date_id FROM paper_appearances{only} UNION ALL SELECT published_date_id FROM papers{only} "
            f"UNION ALL SELECT first_seen_date_id FROM papers{only} UNION ALL SELECT last_seen_date_id FROM papers{only} "
            "UNION ALL SELECT listing_date_id FROM source_files) r "
            "WHERE d IS NOT NULL AND d NOT IN (SELECT date_id FROM dates)"
        ),
    }


@dataclass(frozen=True)
class CheckOutcome:
    """The result of one integrity rule: passed, how many rows break it, and details."""

    passed: bool
    failures: int
    details: dict[str, int | float | str]


def duplicate_paper_ids(connection: Connection, scoped: bool = False) -> CheckOutcome:
    """paper_id is unique in papers."""
    only = f" WHERE paper_id IN (SELECT paper_id FROM {SCOPE})" if scoped else ""
    n = connection.execute(text(f"SELECT count(*) - count(DISTINCT paper_id) FROM papers{only}")).scalar_one()
    return CheckOutcome(n == 0, n, {"duplicate_paper_ids": n})


def duplicate_row_keys(connection: Connection, file_ids: list[int], scoped: bool = False) -> CheckOutcome:
    """Each sighting (file_id, position), paper link, paper keyword, link and keyword is stored once.

    These tables carry no index (see `models`). Scoped, only the given dumps' sightings, the
    touched papers' links and keywords, and the links and keywords they name are checked: a
    load writes no other rows.
    """
    only = f" WHERE paper_id IN (SELECT paper_id FROM {SCOPE})" if scoped else ""
    files = " WHERE file_id IN (SELECT unnest(CAST(:ids AS BIGINT[])))" if scoped else ""
    queries = {
        "paper_appearances": f"SELECT count(*) - count(DISTINCT (file_id, position)) FROM paper_appearances{files}",
        "paper_links": f"SELECT count(*) - count(DISTINCT (paper_id, link_id)) FROM paper_links{only}",
        "paper_keywords": f"SELECT count(*) - count(DISTINCT (paper_id, keyword_id)) FROM paper_keywords{only}",
        "links": "SELECT count(*) - count(DISTINCT link_id) FROM links"
        + (f" WHERE link_id IN (SELECT link_id FROM paper_links{only})" if scoped else ""),
        "keywords": "SELECT count(*) - count(DISTINCT keyword_id) FROM keywords"
        + (f" WHERE keyword_id IN (SELECT keyword_id FROM paper_keywords{only})" if scoped else ""),
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
    """No loaded dump has a listing date after `today` (a year rule went wrong)."""
    rows = connection.execute(
        text(
            "SELECT f.file_name, CAST(d.date AS VARCHAR) FROM source_files f JOIN dates d ON d.date_id = f.listing_date_id "
            "WHERE f.status = 'loaded' AND d.date > :today ORDER BY 1"
        ),
        {"today": today},
    ).all()
    return CheckOutcome(not rows, len(rows), dict(rows) or {"latest_allowed": today.isoformat()})


def reject_rate(rejected: int, seen: int, threshold: float) -> CheckOutcome:
    """The share of dumps of one run that were rejected stays at or under `threshold`."""
    rate = rejected / seen if seen else 0.0
    return CheckOutcome(
        rate <= threshold,
        rejected,
        {"rejected": rejected, "seen": seen, "rate": rate, "threshold": threshold},
    )


class IntegrityError(RuntimeError):
    """A load broke an integrity rule; its transaction is rolled back."""


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
        raise IntegrityError("; ".join(f"{name}: {outcome.details}" for name, outcome in broken.items()))
