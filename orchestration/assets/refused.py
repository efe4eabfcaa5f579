"""`no_refused_dumps`: the dumps of the folder the warehouse holds as refused, a warning, not a failed table.

A refused dump is not loadable: the tables stay healthy without it, and this check says which
files to fix. It runs after every load (the load jobs select it) and on demand ("Execute" in
the UI, or `refused_dumps_job`, which the sensor requests when a file leaves the folder), so a
deleted dump's refusal is forgotten with no load.
"""

from pathlib import Path

import dagster as dg
from sqlalchemy import inspect

from etl import checks
from etl.extract import discover_dumps, text_names
from orchestration.assets.tables import WAREHOUSE_POOL
from orchestration.resources import DumpFolderResource, WarehouseResource, run_settings

WHAT_TO_DO = (
    "Fix each file in the dump folder (a new version: the sensor loads it), or remove it "
    "(the sensor forgets its refusal); the tables hold every other dump."
)


def refused_result(outcome: checks.CheckOutcome | None) -> dg.AssetCheckResult:
    """The check's result: passed, or a warning listing each refused file, line and reason, one per line."""
    if outcome is None:
        return dg.AssetCheckResult(
            passed=True, description="no warehouse yet: nothing loaded, nothing refused"
        )
    if outcome.passed:
        return dg.AssetCheckResult(
            passed=True,
            description=f"every dump read from the folder is loaded ({outcome.details['dumps_in_folder']} in the folder)",
            metadata={"failures": 0},
        )
    reasons = [str(reason) for reason in outcome.details.values()]
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.WARN,
        description="\n".join([f"refused dumps in the folder: {len(reasons)}", *reasons, WHAT_TO_DO]),
        metadata={
            "refused": dg.MetadataValue.md(
                "\n".join(f"- **{name}**: {why}" for name, why in outcome.details.items())
            ),
            "failures": outcome.failures,
        },
    )


@dg.asset_check(
    asset="source_files",
    name="no_refused_dumps",
    description=checks.REFUSED_DUMPS.description.removesuffix(".")
    + " (over the whole folder; a warning: the tables hold every other dump).",
    blocking=False,
    pool=WAREHOUSE_POOL,
)
def no_refused_dumps(dumps: DumpFolderResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Name every dump of the folder that the warehouse holds as refused."""
    settings = run_settings(dumps, warehouse)
    folder: Path = settings.raw_dir
    present = text_names(p.name for p in discover_dumps(folder)) if folder.is_dir() else []
    if isinstance(settings.warehouse, Path) and not settings.warehouse.exists():
        return refused_result(None)
    with warehouse.engine(settings) as engine, engine.connect() as connection:
        if not inspect(connection).has_table("source_files"):
            return refused_result(None)
        outcome = checks.refused_dumps(connection, present)
        connection.rollback()
    return refused_result(outcome)
