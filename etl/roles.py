"""Least privilege on PostgreSQL: a read-only analyst role for the warehouse's schema (`sql/roles/`).

The loader role owns the schema (it runs the migrations). `grant_reader` lets another role
SELECT from every table and view there, now and after later migrations, and nothing more:
no writes, no other schema (PostgreSQL grants no table of another schema by default).
"""

from __future__ import annotations

from psycopg import sql
from sqlalchemy import Connection

from etl.sql import sql_file


def grant_reader(connection: Connection, role: str) -> None:
    """Grant `role` read access to the warehouse schema of `connection` (run as the loader that owns it)."""
    if connection.dialect.name != "postgresql":
        raise ValueError("roles exist on PostgreSQL only: a DuckDB file is read by whoever can read the file")
    schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
    statement = sql.SQL(sql_file("roles", "grant_reader")).format(
        role=sql.Identifier(role), schema=sql.Identifier(schema)
    )
    cursor = connection.connection.driver_connection.cursor()
    cursor.execute(statement)  # identifiers quoted by psycopg, never pasted
