"""The warehouse tables, per dump partition: one step loads them all, then reports each partition.

One step merges every table so that the frames never pass through an IO manager: a backfill of
thousands of dumps is one run, in batches of one warehouse transaction each. Each table is its
own asset, drawn from what it is computed from, with the load's figures as metadata.

A dump that is refused (now, or on an earlier read of the same bytes) is not loadable: its
tables are not materialized for it (its partition stays missing, not failed), the run's log
warns with the file, line and reason, every other partition of the run is materialized, and the
check `no_refused_dumps` (orchestration/assets/refused.py) warns. Fixing the file (a new sha256)
loads it. A run fails only when the load itself does (a broken rule, a lock held too long).
"""

import time
from collections.abc import Iterator

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from etl import checks
from etl.batch import CommittedBatch
from etl.extract import text_names
from etl.inventory import loaded_versions
from etl.preview import table_previews
from etl.progress import figures
from etl.report import LoadReport, quoted_names
from etl.runner import LoadRequest, LoadRun, Outcome, run_load
from etl.settings import unset_means
from models import DESCRIPTIONS, TABLES
from orchestration.assets.dumps import dump_files
from orchestration.assets.refused import refused_evaluation
from orchestration.engine import WAREHOUSE_ENGINE, qualified_name
from orchestration.metadata import column_schema, partition_metadata, table_metadata
from orchestration.partitions import dump_partitions
from orchestration.resources import DumpFolderResource, WarehouseResource, run_holder, run_settings

# One slot (dagster_home/dagster.yaml): one writing run at a time.
WAREHOUSE_POOL = WAREHOUSE_ENGINE.pool
REFUSED_TAG = "paperhouse/refused"
MISSING_TAG = "paperhouse/missing"  # the run's partitions with no file in the folder

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
        kinds={WAREHOUSE_ENGINE.kind, "table"},
        partitions_def=dump_partitions,
        skippable=True,  # each partition is reported on its own; a refused dump's is not materialized
        metadata={
            "dagster/column_schema": column_schema(TABLES[name]),
            "dagster/table_name": qualified_name(name),
        },
    )
    for name in LINEAGE
]

INTEGRITY_CHECKS = [
    dg.AssetCheckSpec(rule.name, asset=rule.table, blocking=True, description=rule.description)
    for rule in checks.RULES
]


class LoadConfig(dg.Config):
    """Run configuration of a load."""

    full_refresh: bool = Field(
        default=False,
        description="Empty every table first, then load every dump of the folder (whatever partitions "
        "the run selected): a rebuild from some dumps would drop the others' papers.",
    )
    prune: bool = Field(
        default=False,
        description="Remove dumps that are no longer in the folder (their sightings, orphan papers).",
    )
    force: bool = Field(
        default=False,
        description="With prune or full_refresh: remove every dump even when the folder holds none of the "
        "loaded ones (an unmounted share looks exactly like this, so it is refused without force).",
    )
    accept_shrink: bool = Field(
        default=False,
        description="Apply dump versions held back as suspect (fewer entries than the "
        "version loaded before: a cut download?), removing what they no longer list.",
    )
    rederive_keywords: bool = Field(
        default=False,
        description="Derive every paper's keywords again before loading, even when this extractor "
        "version derived them (a load does so by itself when another version did).",
    )
    batch_mb: float | None = Field(default=None, description=unset_means("batch_mb"))


def _read_back(engine: Engine, run: LoadRun) -> tuple[checks.CheckOutcome | None, dict, dict]:
    """Read the committed state: the folder's refused dumps, previews of the run's rows, the dumps' loaded versions.

    Nothing when the warehouse cannot be read (a load that failed before its schema existed).
    """
    try:
        with engine.connect() as connection:
            refused = checks.refused_dumps(connection, run.present)
            previews = table_previews(connection, run.report.loaded_file_ids)
            versions = loaded_versions(connection, text_names(run.present))
            connection.rollback()
    except Exception:  # noqa: BLE001 - the load's own error is the one to report
        return None, {}, {}
    return refused, previews, versions


@dg.multi_asset(
    specs=TABLE_SPECS,
    check_specs=INTEGRITY_CHECKS,
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
    names = sorted(context.partition_keys)
    if config.full_refresh:
        context.log.info(
            "a full refresh reads every dump of the folder, whatever partitions the run selected"
        )
    started = time.monotonic()
    run = run_load(
        settings,
        LoadRequest(
            config.full_refresh,
            config.prune,
            config.force,
            only=names,
            accept_shrink=config.accept_shrink,
            rederive_keywords=config.rederive_keywords,
        ),
        on_wait=context.log.warning,  # whom a run waits for, once, in the run's log
        on_batch=lambda done, so_far: context.log.info(
            f"{_batch_line(done, so_far)}; {figures(so_far, started).line()}"
        ),
        inspect=_read_back,
        holder=run_holder(context),
    )
    if run.outcome is Outcome.BAD_REQUEST:
        raise dg.Failure(description=run.message, allow_retries=False)
    for name in run.missing:  # not loadable, like a refused dump: a warning, not a failed table
        context.log.warning(_no_file_message(name, settings.raw_dir.absolute()))
    if run.missing:
        context.instance.add_run_tags(
            context.run.run_id, {MISSING_TAG: _tag_value(dict.fromkeys(run.missing))}
        )
    report = run.report
    rederived = report.rederived_line()
    if rederived is not None:
        context.log.info(rederived)
    for name in report.deferred_names():
        context.log.warning(f"dump {name} is still being written; the next run loads it")
    error = run.message if run.load_failed else None
    if run.outcome is Outcome.NOT_PUBLISHED:
        context.log.warning(run.message)
    refused_check, previews, versions = run.inspected or (None, {}, {})
    partitions = run.read if config.full_refresh else names
    refused = {n: r for n, r in report.refused().items() if n in partitions}
    for reason in refused.values():
        context.log.warning(f"Refused: {reason}")
    if refused:
        context.instance.add_run_tags(context.run.run_id, {REFUSED_TAG: _tag_value(refused)})
    loaded = _loaded_partitions(partitions, run.present, report, failed=error is not None)
    metadata = table_metadata(report, previews, files_missing=len(run.missing))
    for name in loaded:
        for table in LINEAGE:
            own = partition_metadata(table, versions.get(name))
            yield dg.AssetMaterialization(asset_key=table, partition=name, metadata=metadata[table] | own)
    yield from _check_results(report)
    if refused_check is not None:
        context.log_event(refused_evaluation(refused_check))
    if error:
        raise dg.Failure(
            description=_failure_message(refused, error, loaded),
            metadata={"refused": dg.MetadataValue.md(_refusal_list(refused) or "none")},
            allow_retries=False,
        )


def _no_file_message(name: str, folder: object) -> str:
    """The warning of a partition whose file is not in the folder: which, where, and what becomes of it."""
    return (
        f"No file to load: dump {name} is not in {folder} (a file deleted since, or a partition added by "
        "hand); nothing was loaded for it, and the sensor removes its partition."
    )


def _batch_line(done: CommittedBatch, report: LoadReport) -> str:
    """The log line of one committed batch: loaded, refused, new papers; or that nothing needed reading."""
    if not done.files:
        return f"nothing to read ({report.files_unchanged} unchanged), no batch committed"
    files = done.batch.source_files
    refused = files.filter(files["status"] == "rejected")["file_name"].to_list()
    line = (
        f"batch {done.number + 1}/{done.batches} committed: {files.height - len(refused)} dumps loaded, "
        f"{done.stats.papers_new} new papers"
    )
    return line + (f"; REFUSED {len(refused)}: {quoted_names(refused)}" if refused else "")


def _loaded_partitions(names: list[str], present: list[str], report: LoadReport, failed: bool) -> list[str]:
    """The run's partitions whose current dump the warehouse holds as loaded.

    After a failure, only the dumps of committed batches can be vouched for.
    """
    refused, in_folder, deferred = report.refused(), set(present), set(report.deferred_names())
    vouched = set(report.committed_files) if failed else set(names)
    return [n for n in names if n in in_folder and n in vouched and n not in refused and n not in deferred]


def _check_results(report: LoadReport) -> Iterator[dg.AssetCheckResult]:
    """A result per integrity rule the load evaluated."""
    for spec in INTEGRITY_CHECKS:
        outcome = report.checks.get(spec.name)
        if outcome is not None:  # none when the load failed before any batch was checked
            yield dg.AssetCheckResult(
                asset_key=spec.asset_key,
                check_name=spec.name,
                passed=outcome.passed,
                metadata={"failures": outcome.failures, **{str(k): v for k, v in outcome.details.items()}},
            )


def _refusal_list(refused: dict) -> str:
    return "\n".join(f"- **{name}**: {reason}" for name, reason in refused.items())


def _tag_value(refused: dict[str, str]) -> str:
    return quoted_names(list(refused), shown=3, quote=False)  # a tag is short: the Runs list shows it


def _failure_message(refused: dict[str, str], error: str, loaded: list[str]) -> str:
    """The run's failure, first thing the operator reads: what failed, then what was committed, then the refusals."""
    lines = [f"The load failed: {error}"]
    if loaded:
        lines.append(
            f"Committed before the failure: {len(loaded)} dumps of this run ({quoted_names(loaded)})."
        )
    lines += [f"Refused: {reason}" for reason in refused.values()]
    return "\n".join(lines)
