"""The integrity rules a load must keep, each a named SQL file run inside the load's transaction.

A rule reads only the rows of the papers the load touched (`check_scope`), which it copies
once (`sql/check_scope/`), so its cost follows the load, not the warehouse. `audit` runs the
same rules with every paper in scope, and row keys over whole tables: `paperhouse check`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, text

from etl.engines import engine_of
from etl.extract import text_names
from etl.keys import KEY_SEPARATOR
from etl.parse import CLOCK_SKEW
from etl.sql import sql_file, sql_names
from etl.staging import read_frame, stage_frame, unstage

if TYPE_CHECKING:
    from etl.batch import StagingFrames

SCOPE = "check_scope"  # a relation (paper_id) naming the papers whose rows the rules read
KEYS = "checked_keys"  # a relation (`KEYS_SCHEMA`): the keys a batch gives, with the text each names
# `what`: the table; `text`: the text hashed (null for papers); `title_id`: a paper's; `texts`: how
# many identities the batch's entries of a paper have (etl.dedupe), 1 for every other row.
KEYS_SCHEMA = {"what": pl.String, "key": pl.Int64, "text": pl.String, "title_id": pl.Int64, "texts": pl.Int32}


@dataclass(frozen=True)
class CheckOutcome:
    """The result of one integrity rule: passed, how many rows break it, and details."""

    passed: bool
    failures: int
    details: dict[str, int | float | str]


@dataclass(frozen=True)
class Rule:
    """One rule: `sql/checks/<name>.sql`, returning (what, detail, broken) rows, and the parameters it binds.

    `table` is the table the rule guards and `description` what it holds: Dagster's asset check
    is built from both. Without `when_clean`, the details are every row's (what -> detail). With
    it, they are the offending rows', or, when none offends, what `when_clean` makes of the rows
    and parameters.
    """

    name: str
    table: str
    description: str
    params: tuple[str, ...] = ()
    when_clean: Callable[[list, dict], dict] | None = None
    folder: str = "checks"  # `sql/<folder>/<name>.sql`

    def evaluate(self, connection: Connection, params: dict) -> CheckOutcome:
        """Run the rule's SQL and sum up its rows."""
        sql = sql_file(self.folder, self.name, engine_of(connection).name)
        rows = connection.execute(text(sql), {k: params[k] for k in self.params}).all()
        failures = int(sum(row.broken for row in rows))
        if self.when_clean is None:
            details = {row.what: _plain(row.detail) for row in rows}
        else:
            details = {row.what: _plain(row.detail) for row in rows if row.broken} or self.when_clean(
                rows, params
            )
        return CheckOutcome(failures == 0, failures, details)


def _plain(value: object) -> object:
    """A count as an int: PostgreSQL's sum() of integers is numeric, which psycopg reads as a Decimal."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


# What a load must keep: each is a blocking Dagster asset check too (orchestration/assets/tables.py).
RULES = (
    Rule("paper_id_unique", "papers", "paper_id is unique in papers."),
    Rule(
        "row_keys_unique",
        "paper_appearances",
        "Each sighting, paper link and paper keyword is stored once (these tables have no index).",
        ("ids",),
    ),
    Rule(
        "every_entry_loaded",
        "paper_appearances",
        "Every parsed entry of each loaded dump of the run is in paper_appearances.",
        ("ids",),
        lambda rows, _: {"dumps_checked": len(rows)},
    ),
    Rule(
        "no_dangling_references",
        "paper_appearances",
        "Appearances, paper links, paper keywords, organizations and date keys all resolve.",
    ),
    Rule(
        "no_future_listing_dates",
        "source_files",
        "No loaded dump has a listing date after today (a listing-year rule went wrong).",
        ("latest",),
        lambda _, p: {"latest_allowed": p["latest"].isoformat()},
    ),
    Rule(
        "keys_name_one_text",
        "papers",
        "No key names two texts: no two papers, links, keywords or organizations of a batch, or of a "
        "batch and the warehouse, share a key (53-bit hashes can collide).",
    ),
)
# Rules the audit adds, over whole tables: the whole-table form of row_keys_unique (a load reads only
# the touched rows' keys), and what every load keeps by deriving again (too costly to recheck in each load).
AUDIT_RULES = (
    Rule(
        "row_keys_unique",
        "paper_appearances",
        "Each sighting, paper link, paper keyword, link and keyword is stored once, over whole tables.",
        folder="audit",
    ),
    Rule(
        "papers_match_newest_sighting",
        "papers",
        "Every paper shows its newest sighting's text and card fields, every organization its newest name.",
        folder="audit",
    ),
    Rule(
        "no_unreferenced_rows",
        "dates",
        "No date, organization or kept text stays that nothing loaded refers to.",
        folder="audit",
    ),
)
REFUSED_DUMPS = Rule(
    "refused_dumps",
    "source_files",
    "No dump in the folder is held as refused; a failure names each file, line and reason.",
    ("names",),
    lambda _, p: {"dumps_in_folder": len(p["names"])},
)
_CHECKED_TABLES = (
    "checked_papers",
    "checked_paper_appearances",
    "checked_paper_links",
    "checked_paper_keywords",
)
_COUNT_TABLES = ("checked_links_counts", "checked_keywords_counts")


def batch_keys(batch: StagingFrames) -> pl.DataFrame:
    """The keys `batch` gives (`KEYS_SCHEMA`): one row per paper, and per distinct link, keyword and handle
    with its text, so that a key with two rows of one table names two texts."""
    one, no_text, no_title = pl.lit(1, pl.Int32), pl.lit(None, pl.String), pl.lit(None, pl.Int64)
    return pl.concat(
        [
            batch.papers.select(
                what=pl.lit("papers"), key="paper_id", text=no_text, title_id="title_id", texts="identities"
            ),
            batch.links.select(what=pl.lit("links"), key="link_id", text="url", title_id=no_title, texts=one),
            batch.keywords.select(
                what=pl.lit("keywords"),
                key="keyword_id",
                text=pl.concat_str("kind", "keyword", separator=KEY_SEPARATOR),
                title_id=no_title,
                texts=one,
            ),
            batch.organizations.select(
                what=pl.lit("organizations"),
                key="organization_id",
                text="handle",
                title_id=no_title,
                texts=one,
            ),
        ]
    ).cast(KEYS_SCHEMA)


def integrity_outcomes(
    connection: Connection,
    loaded_file_ids: list[int],
    today: date,
    touched_papers: pl.DataFrame,
    keys: pl.DataFrame | None = None,
) -> dict[str, CheckOutcome]:
    """Every rule's outcome over the rows of `touched_papers` (paper_id), the dumps `loaded_file_ids` and the keys
    `keys` gives (`batch_keys`; none when omitted)."""
    stage_frame(connection, SCOPE, touched_papers.select("paper_id"))
    stage_frame(connection, KEYS, pl.DataFrame(schema=KEYS_SCHEMA) if keys is None else keys)
    try:
        for name in sql_names("check_scope"):
            connection.execute(text(sql_file("check_scope", name)))
        params = {"ids": loaded_file_ids, "latest": today + CLOCK_SKEW}
        return {rule.name: rule.evaluate(connection, params) for rule in RULES}
    finally:
        for table in (*_CHECKED_TABLES, *_COUNT_TABLES):
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))  # vetted identifiers
        unstage(connection, [SCOPE, KEYS])


def audit(connection: Connection, today: date) -> dict[str, CheckOutcome]:
    """Every rule over the whole warehouse: every paper any table names, every loaded dump, whole key tables.

    Row keys are checked over whole tables (`sql/audit/row_keys_unique.sql`), rows no paper
    names included; `keys_name_one_text` reads every stored key with its text
    (`sql/audit/stored_keys.sql`) as a load reads its batch's; the other rules read every row
    that names a paper or a loaded dump.
    """
    every_paper = read_frame(connection, sql_file("audit", "every_paper"), {"paper_id": pl.Int64})
    loaded = connection.execute(text(sql_file("audit", "loaded_files"))).scalars().all()
    stored_keys = read_frame(connection, sql_file("audit", "stored_keys"), KEYS_SCHEMA)
    outcomes = integrity_outcomes(connection, list(loaded), today, every_paper, stored_keys)
    return outcomes | {rule.name: rule.evaluate(connection, {}) for rule in AUDIT_RULES}


def refused_dumps(connection: Connection, present_files: list[str]) -> CheckOutcome:
    """No dump in the folder is held as refused: its newest version read is loaded, or not read yet."""
    return REFUSED_DUMPS.evaluate(connection, {"names": text_names(present_files)})


def merge_outcomes(before: CheckOutcome | None, outcome: CheckOutcome) -> CheckOutcome:
    """One rule over two batches: passed by both; failures added; the failing batch's details first."""
    if before is None:
        return outcome
    details = before.details if not before.passed else outcome.details
    return CheckOutcome(before.passed and outcome.passed, before.failures + outcome.failures, details)


class RuleBroken(RuntimeError):
    """A load broke an integrity rule; its transaction is rolled back. `outcomes` holds every rule's."""

    def __init__(self, message: str, outcomes: dict[str, CheckOutcome]) -> None:
        super().__init__(message)
        self.outcomes = outcomes


def raise_if_broken(outcomes: dict[str, CheckOutcome]) -> None:
    """Raise `RuleBroken` naming every rule that `outcomes` shows broken."""
    broken = {n: o for n, o in outcomes.items() if not o.passed}
    if broken:
        raise RuleBroken(
            "; ".join(f"{name}: {outcome.details}" for name, outcome in broken.items()), outcomes
        )
