"""The warehouse tables, per dump partition: one step loads them all, then reports each partition.

One step merges every table so that the frames never pass through an IO manager: a backfill of
thousands of dumps is one run, in batches of one warehouse transaction each. Each table is its
own asset, drawn from what it is computed from, with the load's figures as metadata.

A dump that is refused (now, or on an earlier read of the same bytes) is a failed partition:
its tables are not materialized for it and the run fails with the file, line and reason, while
every other partition of the run is materialized. Fixing the file (a new sha256) loads it.
"""

import time
from collections.abc import Iterator

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from etl import checks
from etl.checks import IntegrityError, merge_outcomes
from etl.extract import discover_dumps
from etl.pipeline import BatchLoad, LoadOptions, load_with
from etl.preview import table_previews
from etl.progress import figures
from etl.report import LoadReport, cause, quoted_names
from etl.serving import publish_configured
from models import DESCRIPTIONS, TABLES
from orchestration.assets.dumps import dump_files
from orchestration.metadata import column_schema, table_metadata
from orchestration.partitions import dump_partitions
from orchestration.resources import DumpFolderResource, WarehouseResource, run_settings

WAREHOUSE_POOL = "duckdb_warehouse"  # one slot (dagster_home/dagster.yaml): one writing run at a time
REFUSED_TAG = "paperhouse/refused"

# What each table is computed from: the dumps, or the tables whose keys it holds.
LINEAGE = {
    "source_files": [dump_files.key.to_user_string()],
    "dates": [dump_files.key.to_user_string()],
    "organizations": [dump_files.key.to_user_string()],
    "papers": [dump_files.key.to_user_string(), "organizations", "dates"],
    "paper_appearances": ["source_files", "papers", "organizations", "dates"],
    "paper_texts": ["paper_appearances"],
    "links": ["papers"],
    "paper_links": ["papers", "links"],
    "keywords": ["papers"],
    "paper_keywords": ["papers", "keywords"],
}

TABLE_SPECS = [
    dg.AssetSpec(
        key=name,
        group_name="warehouse",
        deps=LINEAGE[name],
        description=DESCRIPTIONS[name],
        kinds={"duckdb", "table"},
        partitions_def=dump_partitions,
        skippable=True,  # each partition is reported on its own; a refused dump's is not materialized
        metadata={"dagster/column_schema": column_schema(TABLES[name]), "dagster/table_name": name},
    )
    for name in LINEAGE
]

INTEGRITY_CHECKS = [
    dg.AssetCheckSpec(
        "paper_id_unique", asset="papers", blocking=True, description="paper_id is unique in papers."
    ),
    dg.AssetCheckSpec(
        "row_keys_unique",
        asset="paper_appearances",
        blocking=True,
        description="Each sighting, paper link and paper keyword is stored once (these tables have no index).",
    ),
    dg.AssetCheckSpec(
        "every_entry_loaded",
        asset="paper_appearances",
        blocking=True,
        description="Every parsed entry of each loaded dump of the run is in paper_appearances.",
    ),
    dg.AssetCheckSpec(
        "no_dangling_references",
        asset="paper_appearances",
        blocking=True,
        description="Appearances, paper links, paper keywords, organizations and date keys all resolve.",
    ),
    dg.AssetCheckSpec(
        "no_future_listing_dates",
        asset="source_files",
        blocking=True,
        description="No loaded dump has a listing date after today (a listing-year rule went wrong).",
    ),
]
REFUSED_CHECK = dg.AssetCheckSpec(
    "no_refused_dumps",
    asset="source_files",
    description="No dump in the folder is held as refused; a failure names each file, line and reason "
    "(over the whole folder, whichever run came last).",
)


class LoadConfig(dg.Config):
    """Run configuration of a load."""

    full_refresh: bool = Field(
        default=False, description="Empty every table first, then load the run's dumps (rebuild)."
    )
    prune: bool = Field(
        default=False,
        description="Remove dumps that are no longer in the folder (their sightings, orphan papers).",
    )
    batch_mb: float | None = Field(
        default=None,
        description="Dump megabytes per warehouse transaction (memory is bounded by it). "
        "Unset: $PAPERHOUSE_BATCH_MB, else 32.",
    )


@dg.multi_asset(
    specs=TABLE_SPECS,
    check_specs=[*INTEGRITY_CHECKS, REFUSED_CHECK],
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.single_run(),
    name="load_dumps",
)
def load_dumps(
    context: dg.AssetExecutionContext,
    config: LoadConfig,
    dumps: DumpFolderResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.AssetMaterialization | dg.AssetCheckResult]:
    """Read, parse, deduplicate, enrich and merge the run's dumps into the warehouse, one transaction per batch."""
    settings = run_settings(dumps, warehouse, batch_mb=config.batch_mb)
    folder = settings.raw_dir.absolute()
    present = sorted(p.name for p in discover_dumps(folder))
    names = sorted(context.partition_keys)
    for name in sorted(set(names) - set(present)):
        context.log.warning(f"dump {name} is not in {folder} any more; nothing to load for it")
    report, error, started = LoadReport(), None, time.monotonic()
    with warehouse.engine(settings) as engine:
        try:
            load_with(
                [folder / n for n in names if n in present],
                engine,
                LoadOptions.from_settings(settings, config.full_refresh, present if config.prune else None),
                report,
                on_batch=lambda done, so_far: context.log.info(
                    f"{_batch_line(done, so_far)}; {figures(so_far, started).line()}"
                ),
            )
        except IntegrityError as exc:
            report.checks = {n: merge_outcomes(report.checks.get(n), o) for n, o in exc.outcomes.items()}
            error = (
                f"an integrity rule broke, so its batch was rolled back ({exc}); {report.committed_summary()}"
            )
        except Exception as exc:  # noqa: BLE001 - the run fails below, saying what was committed
            error = f"{cause(exc)}; {report.committed_summary()}"
        refused_check, previews = _read_back(engine, report, present)
        if error is None:  # analysts read the serving copy: it shows only loads whose rules held
            report.serving = publish_configured(engine, settings)
    refused = {n: r for n, r in report.refused().items() if n in names}
    loaded = _loaded_partitions(names, present, report, failed=error is not None)
    metadata = table_metadata(report, previews, files_missing=len(set(names) - set(present)))
    for name in loaded:
        for table in LINEAGE:
            yield dg.AssetMaterialization(asset_key=table, partition=name, metadata=metadata[table])
    yield from _check_results(report, refused_check)
    if refused or error:
        if refused:
            context.instance.add_run_tags(context.run.run_id, {REFUSED_TAG: _tag_value(refused)})
        raise dg.Failure(
            description=_failure_message(refused, error, loaded),
            metadata={"refused": dg.MetadataValue.md(_refusal_list(refused) or "none")},
            allow_retries=False,
        )


def _batch_line(done: BatchLoad, report: LoadReport) -> str:
    """The log line of one committed batch: loaded, refused, new papers."""
    files = done.batch.source_files
    refused = files.filter(files["status"] == "rejected")["file_name"].to_list()
    line = (
        f"batch {done.number + 1}/{done.batches} committed: {files.height - len(refused)} dumps loaded, "
        f"{done.stats.papers_new} new papers"
    )
    return line + (f"; REFUSED {len(refused)}: {quoted_names(refused)}" if refused else "")


def _read_back(
    engine: Engine, report: LoadReport, present: list[str]
) -> tuple[checks.CheckOutcome | None, dict]:
    """Read the committed state: the folder's refused dumps, and previews of the run's rows.

    Nothing when the warehouse cannot be read (a load that failed before its schema existed).
    """
    try:
        with engine.connect() as connection:
            refused = checks.refused_dumps(connection, present)
            previews = table_previews(connection, report.loaded_file_ids)
            connection.rollback()
    except Exception:  # noqa: BLE001 - the load's own error is the one to report
        return None, {}
    return refused, previews


def _loaded_partitions(names: list[str], present: list[str], report: LoadReport, failed: bool) -> list[str]:
    """The run's partitions whose current dump the warehouse holds as loaded.

    After a failure, only the dumps of committed batches can be vouched for.
    """
    refused, in_folder = report.refused(), set(present)
    vouched = set(report.committed_files) if failed else set(names)
    return [n for n in names if n in in_folder and n in vouched and n not in refused]


def _check_results(report: LoadReport, refused: checks.CheckOutcome | None) -> Iterator[dg.AssetCheckResult]:
    """A result per integrity rule the load evaluated, and the folder's refused dumps."""
    for spec in INTEGRITY_CHECKS:
        outcome = report.checks.get(spec.name)
        if outcome is not None:  # none when the load failed before any batch was checked
            yield dg.AssetCheckResult(
                asset_key=spec.asset_key,
                check_name=spec.name,
                passed=outcome.passed,
                metadata={"failures": outcome.failures, **{str(k): v for k, v in outcome.details.items()}},
            )
    if refused is None:
        return
    reasons = {} if refused.passed else refused.details
    yield dg.AssetCheckResult(
        asset_key=REFUSED_CHECK.asset_key,
        check_name=REFUSED_CHECK.name,
        passed=refused.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"refused dumps in the folder: {len(reasons)}. " + " ".join(map(str, reasons.values()))
            if reasons
            else f"every dump read from the folder is loaded ({refused.details['dumps_in_folder']} in the folder)"
        ),
        metadata={
            "refused": dg.MetadataValue.md(_refusal_list(reasons) or "none"),
            "failures": refused.failures,
        },
    )


def _refusal_list(refused: dict) -> str:
    return "\n".join(f"- **{name}**: {reason}" for name, reason in refused.items())


def _tag_value(refused: dict[str, str]) -> str:
    return quoted_names(list(refused), shown=3, quote=False)  # a tag is short: the Runs list shows it


def _failure_message(refused: dict[str, str], error: str | None, loaded: list[str]) -> str:
    """The run's failure, first thing the operator reads: each refused file, line and reason, then the rest."""
    lines = [f"Refused: {reason}" for reason in refused.values()]
    if error:
        lines.append(f"The load failed: {error}")
    elif loaded:
        lines.append(f"Loaded and committed: {len(loaded)} other dumps of this run ({quoted_names(loaded)}).")
    else:
        lines.append("No other dump in this run.")
    if refused:
        lines.append(
            "A refused dump stays a failed partition until its file changes: fix it, and the sensor loads the new version."
        )
    return "\n".join(lines)
