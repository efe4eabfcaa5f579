"""Alembic's implementation for DuckDB (Alembic has none of its own); `migrations/env.py` imports it.

Reflection (what `alembic check` compares, comments included) is the dialect's job:
`models.duckdb_dialect`, the `duckdb+paperhouse://` engines the warehouse opens. Alembic renders
`op.alter_column(..., comment=...)` with PostgreSQL's COMMENT ON COLUMN, registered only for the
`postgresql` dialect name; it is registered for `duckdb` here.
"""

from __future__ import annotations

from alembic.ddl.base import ColumnComment
from alembic.ddl.postgresql import PostgresqlImpl, visit_column_comment
from sqlalchemy.ext.compiler import compiles


class DuckDBImpl(PostgresqlImpl):
    """Alembic implementation for the `duckdb` dialect: DuckDB speaks PostgreSQL's DDL."""

    __dialect__ = "duckdb"
    transactional_ddl = True


compiles(ColumnComment, "duckdb")(visit_column_comment)  # COMMENT ON COLUMN t.c IS '...' (or NULL)
