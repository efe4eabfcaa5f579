"""`no_refused_dumps`: the dumps of the folder the warehouse holds as refused, a warning, not a failed table.

A refused dump is not loadable: the tables stay healthy without it, and this check says which
files to fix. The load step records its evaluation after every load (`refused_evaluation`: the
check's own step would be skipped, as a multi-asset that reports partitions one by one yields
no output), and it runs on its own on demand ("Execute" in the UI, or `refused_dumps_job`, which
the sensor requests when a file leaves the folder), so a deleted dump's refusal is forgotten
with no load.
"""

import re
from pathlib import Path

import dagster as dg
from sqlalchemy import inspect

from etl import checks
from etl.extract import discover_dumps, text_names
from orchestration.engine import WAREHOUSE_ENGINE
from orchestration.resources import DumpFolderResource, WarehouseResource, run_holder, run_settings

ASSET, NAME = checks.REFUSED_DUMPS.table, "no_refused_dumps"
WHAT_TO_DO = (
    "Fix each file in the dump folder (a new version: the sensor loads it), or remove it "
    "(the sensor forgets its refusal); the tables hold every other dump."
)


def refused_fields(outcome: checks.CheckOutcome | None) -> dict:
    """The check's verdict: passed, or a warning listing each refused file, line and reason, one per line."""
    if outcome is None:
        return {"passed": True, "description": "no warehouse yet: nothing loaded, nothing refused"}
    if outcome.passed:
        in_folder = outcome.details["dumps_in_folder"]
        return {
            "passed": True,
            "description": f"every dump read from the folder is loaded ({in_folder} in the folder)",
            "metadata": {"failures": 0},
        }
    reasons = [_markdown_text(str(reason)) for reason in outcome.details.values()]
    listed = "\n".join(
        f"- **{_markdown_text(str(name))}**: {why}"
        for name, why in zip(outcome.details, reasons, strict=True)
    )
    return {  # the UI renders the description as Markdown: a list, one refusal a line
        "passed": False,
        "severity": dg.AssetCheckSeverity.WARN,
        "description": "\n\n".join(
            [f"refused dumps in the folder: {len(reasons)}", "\n".join(f"- {r}" for r in reasons), WHAT_TO_DO]
        ),
        "metadata": {"refused": dg.MetadataValue.md(listed), "failures": outcome.failures},
    }


def _markdown_text(text: str) -> str:
    """`text` with the characters Markdown would read as markup escaped (a title may hold `*` or `_`)."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


def refused_evaluation(outcome: checks.CheckOutcome) -> dg.AssetCheckEvaluation:
    """The check's evaluation, as the load step records it after every load (the check's own step needs no run)."""
    return dg.AssetCheckEvaluation(asset_key=dg.AssetKey(ASSET), check_name=NAME, **refused_fields(outcome))


@dg.asset_check(
    asset=ASSET,
    name=NAME,
    description=checks.REFUSED_DUMPS.description.removesuffix(".")
    + " (over the whole folder; a warning: the tables hold every other dump).",
    blocking=False,
    pool=WAREHOUSE_ENGINE.pool,
)
def no_refused_dumps(
    context: dg.AssetCheckExecutionContext, dumps: DumpFolderResource, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    """Name every dump of the folder that the warehouse holds as refused."""
    settings = run_settings(dumps, warehouse)
    folder: Path = settings.raw_dir
    present = text_names(p.name for p in discover_dumps(folder)) if folder.is_dir() else []
    if isinstance(settings.warehouse, Path) and not settings.warehouse.exists():
        return dg.AssetCheckResult(**refused_fields(None))
    with warehouse.engine(settings, run_holder(context)) as engine, engine.connect() as connection:
        if not inspect(connection).has_table("source_files"):
            return dg.AssetCheckResult(**refused_fields(None))
        outcome = checks.refused_dumps(connection, present)
        connection.rollback()
    return dg.AssetCheckResult(**refused_fields(outcome))
