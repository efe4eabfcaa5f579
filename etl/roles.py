"""Least privilege on PostgreSQL: a read-only analyst role for the warehouse's schema (`sql/roles/`).

The loader role owns the schema (it runs the migrations). `grant_reader` lets another role
SELECT from every table and view there, now and after later migrations, and nothing more:
no writes, no other schema (PostgreSQL grants no table of another schema by default).
"""

from __future__ import annotations

from psycopg import errors, sql
from sqlalchemy import Connection

from etl.sql import sql_file


def grant_reader(connection: Connection, role: str) -> None:
    """Grant `role` read access to the warehouse schema of `connection` (run as the loader that owns it).

    The default privileges are set for the role that runs the migrations, so they hold for the
    views later migrations re-create; only that role (or a superuser) may set them. Raises
    `PermissionError` naming it when the connected role may not (PostgreSQL's own GRANT would
    only warn and grant nothing).
    """
    if connection.dialect.name != "postgresql":
        raise ValueError("roles exist on PostgreSQL only: a DuckDB file is read by whoever can read the file")
    schema, loader, connected = connection.exec_driver_sql(sql_file("roles", "migrating_role")).one()
    statement = sql.SQL(sql_file("roles", "grant_reader")).format(
        role=sql.Identifier(role), schema=sql.Identifier(schema), loader=sql.Identifier(loader)
    )
    hint = f"run grant-reader as {loader}, the role that owns the warehouse"
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(statement)  # identifiers quoted by psycopg, never pasted
    except errors.InsufficientPrivilege as exc:
        raise PermissionError(f"{connected} may not grant on the warehouse ({exc}); {hint}") from None
