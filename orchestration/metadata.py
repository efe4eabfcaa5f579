"""Materialization metadata: row counts, previews and column schemas for the Dagster UI.

Building them opens no database and walks no migration: Dagster builds the definitions at
import. The views' DuckDB types come from `etl/view_types.json` (see `etl.dictionary`).
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg
import polars as pl
from sqlalchemy import Table

from etl.dictionary import pinned_view_types, view_descriptions
from etl.keywords import EXTRACTOR_VERSION, METHOD
from etl.report import LoadReport
from models import TABLES

PREVIEW_CELL_CHARS = 60


def markdown_preview(frame: pl.DataFrame) -> dg.MetadataValue:
    """The rows of a (small) frame as a markdown table, long cells cut."""

    def cell(value: object) -> str:
        text = "" if value is None else str(round(value, 6)) if isinstance(value, float) else str(value)
        text = text if len(text) <= PREVIEW_CELL_CHARS else text[: PREVIEW_CELL_CHARS - 1] + "…"
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.iter_rows()]
    return dg.MetadataValue.md("\n".join(lines))


def table_metadata(
    report: LoadReport, previews: dict[str, pl.DataFrame], files_missing: int
) -> dict[str, dict[str, object]]:
    """Per table, the run's figures each partition shows: the table's rows, rows staged, the load's figures, a preview.

    The table's rows are `table_rows`, not `dagster/row_count`: a partition (one dump) holds only
    part of a table, and most tables' rows (a paper seen in many dumps) belong to no one dump.
    """
    metadata: dict[str, dict[str, object]] = {
        name: {
            "table_rows": report.warehouse_rows.get(name, 0),
            "rows_staged": report.rows_staged.get(name, 0),
            **({"preview": markdown_preview(previews[name])} if name in previews else {}),
        }
        for name in TABLES
    }
    metadata["source_files"] |= {
        "dumps_read": report.rows_staged.get("source_files", 0),
        "files_loaded": report.files_loaded,
        "files_unchanged": report.files_unchanged,
        "files_refused": len(report.files_rejected),
        "files_superseded": report.files_superseded,
        "files_removed": report.files_removed,
        "files_missing": files_missing,
        "megabytes_read": round(report.bytes_read / 1e6, 2),
        "batches": report.batches_committed,
        **serving_metadata(report.serving),
    }
    metadata["paper_appearances"] |= {"entries_parsed": report.entries}
    metadata["papers"] |= {
        "papers_new": report.papers_new,
        "papers_already_known": report.papers_already_known,
        "papers_removed": report.papers_removed,
    }
    metadata["keywords"] |= {
        "method": METHOD,
        "extractor": EXTRACTOR_VERSION,
        "papers_rederived": report.keywords_rederived.get("papers", 0),
    }
    return metadata


def partition_metadata(table: str, version: tuple[str, int] | None) -> dict[str, object]:
    """What one partition's materialization says of its own dump: its sha256 and, where a dump owns rows, their count.

    `version` is the (sha256, entries) of the dump's loaded version; None when it was not read back.
    """
    if version is None:
        return {}
    sha256, entries = version
    if table == "source_files":
        return {"sha256": sha256, "dagster/partition_row_count": 1}
    if table == "paper_appearances":
        return {"dagster/partition_row_count": entries}
    return {}


def serving_metadata(serving: dict[str, object]) -> dict[str, object]:
    """The serving copy's absolute path (when known) and its publish seconds, to the millisecond.

    `serving` is what `publish_configured` returned ({} when nothing was published); a path of
    None means a PostgreSQL warehouse, which BI tools query itself.
    """
    if "path" in serving and serving["path"] is None:
        return {"serving_copy": "none: readers query the PostgreSQL warehouse itself"}
    path, seconds = serving.get("path"), serving.get("publish_seconds")
    return {
        **({"serving_copy": dg.MetadataValue.path(str(path))} if path is not None else {}),
        "serving_publish_seconds": round(seconds, 3) if seconds is not None else "unchanged",
        **(
            {"serving_changed_by_client": dg.MetadataValue.path(str(kept))}
            if (kept := serving.get("changed_by_client"))
            else {}
        ),
    }


def column_schema(table: Table) -> dg.TableSchema:
    """The column schema of a warehouse table, taken from its SQLAlchemy model."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=column.name,
                type=str(column.type),
                description=column.comment,
                constraints=dg.TableColumnConstraints(nullable=bool(column.nullable), unique=False),
            )
            for column in table.columns
        ]
    )


def view_column_schemas(views: Mapping[str, str]) -> dict[str, dg.TableSchema]:
    """The column schema of each view: its header's descriptions (`= t.c` resolved) and DuckDB's types."""
    types = pinned_view_types()
    return {
        name: dg.TableSchema(
            columns=[
                dg.TableColumn(name=column, type=types.get(name, {}).get(column, "unknown"), description=text)
                for column, text in columns.items()
            ]
        )
        for name, (_, columns) in view_descriptions(views).items()
    }
