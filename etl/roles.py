"""Least privilege on PostgreSQL: a read-only analyst role for the warehouse's schema (`sql/roles/`).

The loader role owns the schema (it runs the migrations). `grant_reader` lets another role
SELECT from every table and view there, now and after later migrations, and nothing more:
no writes, no other schema (PostgreSQL grants no table of another schema by default).
"""

from __future__ import annotations

from sqlalchemy import Connection

from etl.engines import engine_of


def grant_reader(connection: Connection, role: str) -> None:
    """Grant `role` read access to the warehouse schema of `connection` (run as the loader that owns it).

    Raises `ValueError` on an engine without roles (DuckDB), and `PermissionError` naming the
    role that may grant when the connected one may not (`etl.engines.postgresql.grant_reader`).
    """
    engine_of(connection).grant_reader(connection, role)
