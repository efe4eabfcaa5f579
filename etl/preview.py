"""Previews of what a load committed: a few stored rows per table, read back from the warehouse.

They are the stored rows (every column of the table, as the schema says), not staging frames,
chosen by the load's loaded dump versions; each table's query is `sql/preview/<table>.sql`.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, text

from etl.sql import sql_file
from models import TABLES

PREVIEW_ROWS = 5


def preview_sql(table: str) -> str:
    """The query choosing the preview rows of `table` (bound: `:file_ids`, `:limit`)."""
    return sql_file("preview", table)


def table_previews(
    connection: Connection, file_ids: list[int], rows: int = PREVIEW_ROWS
) -> dict[str, pl.DataFrame]:
    """Table name -> up to `rows` stored rows that the dump versions `file_ids` brought or refer to."""
    previews = {}
    for table in TABLES:
        result = connection.execute(text(preview_sql(table)), {"file_ids": file_ids, "limit": rows})
        previews[table] = pl.DataFrame(
            [tuple(row) for row in result.all()],
            schema=list(result.keys()),
            orient="row",
            infer_schema_length=None,
        )
    return previews
