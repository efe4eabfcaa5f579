"""Extract: the dump files of the raw folder, and their parsed entries."""

import dagster as dg
import polars as pl

from etl.parse import ParsedDumps, parse_dumps
from etl.pipeline import known_file_ids, new_dumps
from orchestration.metadata import markdown_preview
from orchestration.resources import DumpFolderResource, WarehouseResource

GROUP = "extract"


@dg.asset(group_name=GROUP, kinds={"polars"})
def dump_files(
    context: dg.AssetExecutionContext, dumps: DumpFolderResource, warehouse: WarehouseResource
) -> pl.DataFrame:
    """Dump files of the raw folder that are new or changed since the last load (by sha256)."""
    warehouse.migrate()
    with warehouse.begin() as connection:
        known = known_file_ids(connection)
    fresh, unchanged = new_dumps(dumps.resolved_path(), known)
    context.add_output_metadata(
        {
            "raw_dir": str(dumps.resolved_path()),
            "files_new_or_changed": fresh.height,
            "files_unchanged": unchanged,
            "bytes": int(fresh["size_bytes"].sum()),
            "preview": markdown_preview(fresh.drop("text")),
        }
    )
    return fresh


@dg.asset(group_name=GROUP, kinds={"polars"})
def parsed_entries(
    context: dg.AssetExecutionContext, dump_files: pl.DataFrame, dumps: DumpFolderResource
) -> ParsedDumps:
    """One row per listing entry of every dump that parsed; one status row per dump."""
    parsed = parse_dumps(dump_files, dumps.resolved_listing_year())
    rejected = parsed.files.filter(pl.col("error").is_not_null())
    for reason in rejected["error"]:
        context.log.warning(f"rejected dump: {reason}")
    context.add_output_metadata(
        {
            "dagster/row_count": parsed.entries.height,
            "files_parsed": parsed.files.height - rejected.height,
            "files_rejected": rejected.height,
            "rejections": dg.MetadataValue.md("\n".join(f"- {r}" for r in rejected["error"]) or "none"),
            "entries_with_card": int(parsed.entries["has_card"].sum()),
            "preview": markdown_preview(parsed.entries),
        }
    )
    return parsed
