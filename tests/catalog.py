"""What a warehouse's catalog says, on either engine: views, their columns, comments, keys, indexes.

DuckDB answers from its `duckdb_*()` functions, PostgreSQL from `pg_catalog`, both limited to
the warehouse's own schema; every function returns the same shape on both.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from migrations.docs import COLUMNS, RELATIONS  # what persist_docs reads and writes

PRIMARY_KEYS = {
    "duckdb": "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
    "AND schema_name = current_schema()",
    "postgresql": "SELECT conrelid::regclass::text FROM pg_constraint "
    "WHERE contype = 'p' AND connamespace = current_schema()::regnamespace",
}
INDEXES = {  # secondary indexes: not those of primary keys
    "duckdb": "SELECT table_name, index_name FROM duckdb_indexes() WHERE schema_name = current_schema()",
    "postgresql": "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() "
    "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')",
}
SKIPPED = {"alembic_version"}


def _rows(connection: Connection, queries: dict[str, str]) -> list[tuple]:
    return [tuple(r) for r in connection.execute(text(queries[connection.dialect.name])).all()]


def view_names(connection: Connection) -> set[str]:
    """The warehouse's views."""
    return {name for name, _, is_view in _rows(connection, RELATIONS) if is_view}


def relation_comments(connection: Connection) -> dict[str, str | None]:
    """Table or view name -> its comment (alembic_version left out)."""
    return {name: comment for name, comment, _ in _rows(connection, RELATIONS) if name not in SKIPPED}


def column_comments(connection: Connection) -> dict[str, dict[str, str | None]]:
    """Table or view name -> its columns, in their order, with their comments."""
    found: dict[str, dict[str, str | None]] = {}
    for relation, column, comment in _rows(connection, COLUMNS):
        if relation not in SKIPPED:
            found.setdefault(relation, {})[column] = comment
    return found


def primary_key_tables(connection: Connection) -> set[str]:
    """The tables that have a primary key."""
    return {name for (name,) in _rows(connection, PRIMARY_KEYS)}


def index_names(connection: Connection) -> dict[str, set[str]]:
    """Table name -> the names of its secondary indexes (primary keys' own left out)."""
    found: dict[str, set[str]] = {}
    for table, name in _rows(connection, INDEXES):
        if table not in SKIPPED:
            found.setdefault(table, set()).add(name)
    return found
