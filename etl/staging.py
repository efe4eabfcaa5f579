"""Frames into the warehouse session and back, the way the connection's engine does it (`etl.engines`).

DuckDB reads a registered Arrow table; PostgreSQL a temporary table filled by binary COPY.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection

from etl.engines import engine_of


def stage_frame(connection: Connection, name: str, frame: pl.DataFrame) -> None:
    """Make `frame` readable as table `name` on `connection` (inside its transaction on PostgreSQL)."""
    engine_of(connection).stage(connection, name, frame)


def unstage(connection: Connection, names: list[str]) -> None:
    """Remove the staged frames `names`; after a failed statement the caller's rollback does it instead."""
    engine_of(connection).unstage(connection, names)


def read_frame(connection: Connection, sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """The rows of query `sql` (no parameters, columns `schema`) as a Polars frame, through Arrow on DuckDB."""
    return engine_of(connection).read_frame(connection, sql, schema)
