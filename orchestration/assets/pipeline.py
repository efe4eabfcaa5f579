"""The pipeline, per dump partition: extract → transform → warehouse tables, with blocking checks.

One step runs every stage so that the frames never pass through an IO manager: a backfill of
thousands of dumps runs as one run, in batches of one warehouse transaction each (memory is
bounded by the batch); each stage is still its own asset, with its own metadata, in the graph.
"""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from etl import quality
from etl.extract import discover_dumps
from etl.keywords import METHOD
from etl.pipeline import WAREHOUSE_TABLES, load_batches
from etl.serving import publish_if_stale
from models import DESCRIPTIONS, TABLES
from orchestration.metadata import column_schema, markdown_preview
from orchestration.partitions import dump_partitions
from orchestration.resources import DumpFolderResource, WarehouseResource, run_settings
from orchestration.run_tally import RunTally

WAREHOUSE_POOL = "duckdb_warehouse"

STEPS = {
    "dump_files": (
        "extract",
        [],
        "Dump files of the partitions' names in the raw folder, new or changed by sha256.",
    ),
    "parsed_entries": (
        "extract",
        ["dump_files"],
        "One row per listing entry of every dump that parsed; rejected dumps with file and line.",
    ),
    "identified_entries": (
        "transform",
        ["parsed_entries"],
        "Every entry with its stable paper_id (normalized title + abstract).",
    ),
    "deduplicated_papers": (
        "transform",
        ["identified_entries"],
        "One row per distinct paper, as printed in its most recent sighting.",
    ),
    "extracted_links": (
        "transform",
        ["deduplicated_papers"],
        "Cleaned, classified URLs of each new paper's abstract.",
    ),
    "extracted_keywords": (
        "transform",
        ["deduplicated_papers"],
        f"Top {METHOD} keyphrases and announced method names of each new paper.",
    ),
}
TABLE_INPUTS = [
    "dump_files",
    "parsed_entries",
    "identified_entries",
    "deduplicated_papers",
    "extracted_links",
    "extracted_keywords",
]

SPECS = [
    dg.AssetSpec(
        key=name,
        group_name=group,
        deps=deps,
        description=doc,
        kinds={"polars"},
        partitions_def=dump_partitions,
    )
    for name, (group, deps, doc) in STEPS.items()
] + [
    dg.AssetSpec(
        key=name,
        group_name="warehouse",
        deps=TABLE_INPUTS,
        description=DESCRIPTIONS[name],
        kinds={"duckdb", "table"},
        partitions_def=dump_partitions,
        metadata={"dagster/column_schema": column_schema(TABLES[name]), "dagster/table_name": name},
    )
    for name in WAREHOUSE_TABLES
]

CHECKS = [
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
    dg.AssetCheckSpec(
        "reject_rate_under_threshold",
        asset="source_files",
        blocking=True,
        description="The share of the run's dumps that were rejected is at most max_reject_rate.",
    ),
]


class LoadConfig(dg.Config):
    """Run configuration of a load."""

    full_refresh: bool = Field(
        default=False, description="Empty every table first, then load the run's dumps (rebuild)."
    )
    prune: bool = Field(
        default=False,
        description="Remove dumps that are no longer in the folder (their sightings, orphan papers).",
    )
    max_reject_rate: float = Field(
        default=0.0, description="Largest share of the run's dumps that may be rejected."
    )
    batch_mb: float | None = Field(
        default=None,
        description="Dump megabytes per warehouse transaction (memory is bounded by it). "
        "Unset: $PAPERHOUSE_BATCH_MB, else 32.",
    )


def _check_result(check: str, asset: str, outcome: quality.CheckOutcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=check,
        passed=outcome.passed,
        metadata={"failures": outcome.failures, **{str(k): v for k, v in outcome.details.items()}},
    )


@dg.multi_asset(
    specs=SPECS,
    check_specs=CHECKS,
    pool=WAREHOUSE_POOL,
    backfill_policy=dg.BackfillPolicy.single_run(),
    name="load_dumps",
)
def load_dumps(
    context: dg.AssetExecutionContext,
    config: LoadConfig,
    dumps: DumpFolderResource,
    warehouse: WarehouseResource,
):
    """Read, parse, deduplicate, enrich and merge the run's dumps into the warehouse, one transaction per batch."""
    folder = dumps.resolved_path()
    names = sorted(context.partition_keys)
    missing = [n for n in names if not (folder / n).is_file()]
    for name in missing:
        context.log.warning(f"dump {name} is not in {folder} any more; nothing to load for it")
    present = [p.name for p in discover_dumps(folder)] if config.prune else None
    tally = RunTally()
    settings = run_settings(raw_dir=str(folder), listing_year=dumps.listing_year, batch_mb=config.batch_mb)
    with warehouse.engine() as engine:
        batches = load_batches(
            [folder / n for n in names if n not in missing],
            engine,
            listing_year=settings.listing_year,
            full_refresh=config.full_refresh,
            present_files=present,
            batch_bytes=settings.batch_bytes,
            strict=False,  # a broken rule fails its blocking check below, and the views wait
            max_dump_bytes=settings.max_dump_bytes,
        )
        for done in batches:
            tally.add(done)
            context.log.info(
                f"batch {done.number + 1}/{done.batches} committed: {done.stats.papers_new} new papers"
            )
        files = tally.files()
        for reason in tally.rejections:
            context.log.error(f"rejected dump: {reason}")
        outcomes = dict(tally.outcomes)
        outcomes["reject_rate_under_threshold"] = quality.reject_rate(
            len(tally.rejections), files.height, config.max_reject_rate
        )
        # Analysts read the serving copy: it is replaced only when every blocking check passed.
        serving = warehouse.serving_path()
        publish_seconds = None
        if all(o.passed for o in outcomes.values()):
            publish_seconds = publish_if_stale(engine, warehouse.resolved_path(), serving)
        else:
            context.log.error(f"serving copy {serving} not replaced: a blocking check failed")
    checks = [_check_result(spec.name, spec.asset_key.path[-1], outcomes[spec.name]) for spec in CHECKS]
    yield from _materializations(tally, files, len(missing), config, serving, publish_seconds)
    yield from checks


def _materializations(
    tally: RunTally,
    files: pl.DataFrame,
    missing: int,
    config: LoadConfig,
    serving: Path,
    publish_seconds: float | None,
) -> Iterator[dg.MaterializeResult]:
    """One materialization per stage and per table: run totals, first-batch previews."""
    first, rows = tally.first, tally.rows
    step_metadata = {
        "dump_files": {
            "dagster/row_count": files.height,
            "files_unchanged": tally.unchanged,
            "files_missing": missing,
            "bytes": int(files["size_bytes"].sum()) if files.height else 0,
            "batches": tally.batches,
            "preview": markdown_preview(files.drop("size_bytes") if files.height else files),
        },
        "parsed_entries": {
            "dagster/row_count": rows.get("parsed_entries", 0),
            "files_rejected": len(tally.rejections),
            "rejections": dg.MetadataValue.md("\n".join(f"- {r}" for r in tally.rejections) or "none"),
            "preview": markdown_preview(first.parsed.entries),
        },
        "identified_entries": {
            "dagster/row_count": rows.get("identified_entries", 0),
            "distinct_papers": tally.distinct_papers(),
        },
        "deduplicated_papers": {
            "dagster/row_count": rows.get("staged_papers", 0),
            "preview": markdown_preview(first.papers.select("paper_id", "title")),
        },
        "extracted_links": {
            "dagster/row_count": rows.get("extracted_links", 0),
            "paper_links": rows.get("paper_links", 0),
            "preview": markdown_preview(first.links[0]),
        },
        "extracted_keywords": {
            "dagster/row_count": rows.get("extracted_keywords", 0),
            "paper_keywords": rows.get("paper_keywords_staged", 0),
            "method": METHOD,
            "preview": markdown_preview(first.keywords[0]),
        },
    }
    for name, metadata in step_metadata.items():
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)
    staged = first.batch.frames()
    for name in WAREHOUSE_TABLES:
        metadata = {
            "dagster/row_count": tally.warehouse_rows[name],
            "rows_in_run": rows.get(f"staged_{name}", 0),
            "preview": markdown_preview(staged[name]),
        }
        if name == "papers":
            metadata |= {
                "papers_new": tally.papers_new,
                "papers_already_known": tally.papers_known,
                "papers_removed": tally.papers_removed,
            }
        if name == "source_files":
            metadata |= {
                "serving_copy": str(serving),
                "serving_publish_seconds": publish_seconds if publish_seconds is not None else "unchanged",
                "files_rejected": len(tally.rejections),
                "files_superseded": tally.files_superseded,
                "files_removed": tally.files_removed,
                "full_refresh": config.full_refresh,
            }
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)
