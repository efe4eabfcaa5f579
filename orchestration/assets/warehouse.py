"""Warehouse: every table, merged from one batch in one transaction."""

from datetime import UTC, datetime

import dagster as dg
import polars as pl

from etl.batch import assemble_batch
from etl.load import merge_batch
from etl.parse import ParsedDumps
from etl.pipeline import WAREHOUSE_TABLES, table_counts
from models import DESCRIPTIONS, TABLES
from orchestration.metadata import column_schema, markdown_preview
from orchestration.resources import WarehouseResource

GROUP = "warehouse"
UPSTREAM = (
    "dump_files",
    "parsed_entries",
    "identified_entries",
    "deduplicated_papers",
    "extracted_links",
    "extracted_keywords",
)

TABLE_SPECS = [
    dg.AssetSpec(
        key=name,
        group_name=GROUP,
        kinds={"duckdb", "table"},
        description=DESCRIPTIONS[name],
        deps=list(UPSTREAM),
        metadata={"dagster/column_schema": column_schema(TABLES[name]), "dagster/table_name": name},
    )
    for name in WAREHOUSE_TABLES
]


@dg.multi_asset(
    specs=TABLE_SPECS,
    ins={name: dg.AssetIn() for name in UPSTREAM},
    pool="duckdb_warehouse",
)
def warehouse_tables(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    dump_files: pl.DataFrame,
    parsed_entries: ParsedDumps,
    identified_entries: pl.DataFrame,
    deduplicated_papers: pl.DataFrame,
    extracted_links: tuple[pl.DataFrame, pl.DataFrame],
    extracted_keywords: tuple[pl.DataFrame, pl.DataFrame],
):
    """Merge the batch into every warehouse table in one transaction (insert new, update changed)."""
    batch = assemble_batch(
        dump_files,
        parsed_entries,
        identified_entries,
        deduplicated_papers,
        extracted_links,
        extracted_keywords,
    )
    warehouse.migrate()
    with warehouse.begin() as connection:
        stats = merge_batch(connection, batch, loaded_at=datetime.now(UTC))
        counts = table_counts(connection)
    staged = batch.frames()
    rejected = batch.source_files.filter(pl.col("status") == "rejected")
    for name in WAREHOUSE_TABLES:
        metadata = {
            "dagster/row_count": counts[name],
            "rows_in_batch": staged[name].height,
            "preview": markdown_preview(staged[name]),
        }
        if name == "papers":
            metadata |= {
                "papers_new": stats.papers_new,
                "papers_already_known": stats.papers_known,
                "papers_removed": stats.papers_removed,
            }
        if name == "source_files":
            metadata |= {"files_rejected": rejected.height, "files_superseded": stats.files_superseded}
        yield dg.MaterializeResult(asset_key=name, metadata=metadata)
