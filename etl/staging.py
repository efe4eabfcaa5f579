"""Frames into the warehouse session and back: Arrow views in DuckDB, COPY into temporary tables in PostgreSQL."""

from __future__ import annotations

from contextlib import suppress

import polars as pl
from sqlalchemy import Connection, text

from etl.postgres import copy_frame


def stage_frame(connection: Connection, name: str, frame: pl.DataFrame) -> None:
    """Make `frame` readable as table `name` on `connection` (inside its transaction on PostgreSQL)."""
    if connection.dialect.name == "duckdb":
        connection.connection.driver_connection.register(name, frame.to_arrow())  # zero-copy
    else:
        copy_frame(connection, name, frame)


def unstage(connection: Connection, names: list[str]) -> None:
    """Remove the staged frames `names`; after a failed statement the caller's rollback does it instead."""
    raw = connection.connection.driver_connection
    for name in names:
        with suppress(Exception):
            if connection.dialect.name == "duckdb":
                raw.unregister(name)
            else:
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")  # vetted identifiers


def read_frame(connection: Connection, sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The rows of query `sql` (no parameters, columns `schema`) as a Polars frame, through Arrow on DuckDB."""
    if connection.dialect.name == "duckdb":
        return connection.connection.driver_connection.sql(sql).pl().cast(schema)
    return pl.DataFrame(connection.execute(text(sql)).all(), schema=schema, orient="row")
