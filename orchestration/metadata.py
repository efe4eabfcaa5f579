"""Materialization metadata: row counts, previews and column schemas for the Dagster UI."""

from __future__ import annotations

import dagster as dg
import polars as pl
from sqlalchemy import Table

from etl.dictionary import relations

PREVIEW_ROWS = 5
PREVIEW_CELL_CHARS = 60


def markdown_preview(frame: pl.DataFrame, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    """The first rows of a frame as a markdown table."""
    head = frame.head(rows)

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        text = text if len(text) <= PREVIEW_CELL_CHARS else text[: PREVIEW_CELL_CHARS - 1] + "…"
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in head.iter_rows()]
    return dg.MetadataValue.md("\n".join(lines))


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


def view_column_schemas(views: dict[str, str]) -> dict[str, dg.TableSchema]:
    """The column schema of each view: its header's descriptions (`= t.c` resolved) and DuckDB's types."""
    return {
        relation.name: dg.TableSchema(
            columns=[
                dg.TableColumn(name=c.name, type=c.type, description=c.description) for c in relation.columns
            ]
        )
        for relation in relations(views)
        if relation.kind == "view"
    }
