"""A SQLAlchemy dialect for DuckDB whose reflection works on SQLAlchemy 2.x: `duckdb+paperhouse://`.

SQLAlchemy 2.1's PostgreSQL column reflection, which duckdb-engine 0.17 inherits, queries
`pg_catalog.pg_collation`, which DuckDB lacks, so `inspect(engine).get_columns(...)` (pandas
`read_sql_table`, autoload, BI tools on SQLAlchemy 2.x) fails. This dialect is duckdb-engine's,
with tables, columns (comments included), keys, indexes and table comments reflected from
DuckDB's own catalog functions instead (`duckdb_columns()`, `duckdb_constraints()`, ...).

It patches nothing. Installing paperhouse registers it (an entry point in pyproject.toml), so
any SQLAlchemy 2.x tool in that environment connects with::

    create_engine("duckdb+paperhouse:////abs/path/warehouse/serving/paperhouse.duckdb?access_mode=READ_ONLY")

SQLAlchemy 1.4 (Superset's DuckDB extra) reflects DuckDB without it, with `duckdb://`.
"""

from __future__ import annotations

from typing import Any

import duckdb_engine
from sqlalchemy import text
from sqlalchemy import types as sqltypes

_TYPES: dict[str, type[sqltypes.TypeEngine]] = {
    "BIGINT": sqltypes.BigInteger,
    "INTEGER": sqltypes.Integer,
    "SMALLINT": sqltypes.SmallInteger,
    "VARCHAR": sqltypes.String,
    "DATE": sqltypes.Date,
    "TIMESTAMP": sqltypes.DateTime,
    "BOOLEAN": sqltypes.Boolean,
    "DOUBLE": sqltypes.Double,
    "FLOAT": sqltypes.Float,
}


def _reflect_type(name: str) -> sqltypes.TypeEngine:
    base = name.split("(")[0].strip().upper()
    return _TYPES.get(base, sqltypes.NullType)()


def get_multi_columns(
    self: Any,
    connection: Any,
    schema: str | None = None,
    filter_names: Any = None,
    scope: Any = None,
    kind: Any = None,
    **kw: Any,
) -> list:
    """Reflect the columns of the tables and views of a schema from `duckdb_columns()`."""
    rows = connection.execute(
        text(
            "SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default, c.comment "
            "FROM duckdb_columns() c "
            "WHERE c.schema_name = :schema AND c.database_name = current_database() AND NOT c.internal "
            "ORDER BY c.table_name, c.column_index"
        ),
        {"schema": schema or "main"},
    ).all()
    tables: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
    for table_name, column, data_type, nullable, default, comment in rows:
        if filter_names and table_name not in filter_names:
            continue
        tables.setdefault((schema, table_name), []).append(
            {
                "name": column,
                "type": _reflect_type(data_type),
                "nullable": bool(nullable),
                "default": default,
                "autoincrement": False,
                "comment": comment or None,
            }
        )
    return list(tables.items())


def _tables(connection: Any, schema: str | None, filter_names: Any) -> list[str]:
    names = connection.execute(
        text(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE schema_name = :schema AND database_name = current_database() AND NOT internal"
        ),
        {"schema": schema or "main"},
    ).scalars()
    return sorted(n for n in names if not filter_names or n in filter_names)


def _constraints(connection: Any, schema: str | None, constraint_type: str) -> dict[str, list]:
    rows = connection.execute(
        text(
            "SELECT table_name, constraint_name, constraint_column_names, expression "
            "FROM duckdb_constraints() "
            "WHERE schema_name = :schema AND database_name = current_database() "
            "AND constraint_type = :type ORDER BY table_name, constraint_index"
        ),
        {"schema": schema or "main", "type": constraint_type},
    ).all()
    found: dict[str, list] = {}
    for table_name, name, columns, expression in rows:
        found.setdefault(table_name, []).append((name, list(columns), expression))
    return found


def get_multi_pk_constraint(
    self: Any, connection: Any, schema: str | None = None, filter_names: Any = None, **kw: Any
) -> list:
    """Reflect primary keys from `duckdb_constraints()`."""
    pks = _constraints(connection, schema, "PRIMARY KEY")
    result = []
    for table in _tables(connection, schema, filter_names):
        name, columns, _ = (pks.get(table) or [(None, [], None)])[0]
        result.append(((schema, table), {"constrained_columns": columns, "name": name}))
    return result


def get_multi_unique_constraints(
    self: Any, connection: Any, schema: str | None = None, filter_names: Any = None, **kw: Any
) -> list:
    """Reflect unique constraints from `duckdb_constraints()`."""
    uniques = _constraints(connection, schema, "UNIQUE")
    return [
        ((schema, table), [{"name": n, "column_names": cols} for n, cols, _ in uniques.get(table, [])])
        for table in _tables(connection, schema, filter_names)
    ]


def get_multi_check_constraints(
    self: Any, connection: Any, schema: str | None = None, filter_names: Any = None, **kw: Any
) -> list:
    """Reflect check constraints from `duckdb_constraints()`."""
    checks = _constraints(connection, schema, "CHECK")
    return [
        ((schema, table), [{"name": n, "sqltext": expr} for n, _, expr in checks.get(table, [])])
        for table in _tables(connection, schema, filter_names)
    ]


def get_multi_foreign_keys(
    self: Any, connection: Any, schema: str | None = None, filter_names: Any = None, **kw: Any
) -> list:
    """The warehouse declares no foreign keys (see `models`)."""
    return [((schema, table), []) for table in _tables(connection, schema, filter_names)]


def get_multi_indexes(
    self: Any, connection: Any, schema: str | None = None, filter_names: Any = None, **kw: Any
) -> list:
    """Reflect indexes from `duckdb_indexes()`."""
    rows = connection.execute(
        text(
            "SELECT table_name, index_name, is_unique, expressions FROM duckdb_indexes() "
            "WHERE schema_name = :schema AND database_name = current_database()"
        ),
        {"schema": schema or "main"},
    ).all()
    indexes: dict[str, list] = {}
    for table, name, unique, expressions in rows:
        columns = [c.strip() for c in expressions.strip("[]").split(",")]
        indexes.setdefault(table, []).append(
            {"name": name, "unique": bool(unique), "column_names": columns, "dialect_options": {}}
        )
    return [((schema, t), indexes.get(t, [])) for t in _tables(connection, schema, filter_names)]


def get_multi_table_comment(
    self: Any, connection: Any, schema: str | None = None, filter_names: Any = None, **kw: Any
) -> list:
    """Reflect table comments from `duckdb_tables()`."""
    rows = dict(
        connection.execute(
            text(
                "SELECT table_name, comment FROM duckdb_tables() "
                "WHERE schema_name = :schema AND database_name = current_database()"
            ),
            {"schema": schema or "main"},
        ).all()
    )
    return [((schema, t), {"text": rows.get(t) or None}) for t in _tables(connection, schema, filter_names)]


def get_multi_table_options(
    self: Any, connection: Any, schema: str | None = None, filter_names: Any = None, **kw: Any
) -> list:
    """DuckDB tables have no PostgreSQL storage options."""
    return [((schema, t), {}) for t in _tables(connection, schema, filter_names)]


class ReflectingDuckDBDialect(duckdb_engine.Dialect):
    """duckdb-engine's dialect, reflecting from DuckDB's catalog functions (`duckdb+paperhouse://`)."""

    driver = "paperhouse"
    supports_statement_cache = True
    get_multi_table_options = get_multi_table_options
    get_multi_columns = get_multi_columns
    get_multi_pk_constraint = get_multi_pk_constraint
    get_multi_unique_constraints = get_multi_unique_constraints
    get_multi_check_constraints = get_multi_check_constraints
    get_multi_foreign_keys = get_multi_foreign_keys
    get_multi_indexes = get_multi_indexes
    get_multi_table_comment = get_multi_table_comment


dialect = ReflectingDuckDBDialect
