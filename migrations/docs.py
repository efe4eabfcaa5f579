"""Descriptions applied after migrating, like dbt's `persist_docs`: a description fix needs no migration.

Every table, view and column carries a comment, written once: a table's is its model's docstring,
a column's its `comment=` (`models/`), a view's and its columns' the header of its file in
`sql/views/` (format in `models/views.py`). `migrations/env.py` calls `persist_docs` at the
end of every upgrade that leaves the warehouse at the head revision, even when there was nothing
to upgrade; it writes the comments that differ, so a warehouse already described is not written.

Revisions 0007 to 0013 pinned descriptions as well, and still apply them: below the head, a
warehouse holds the comments its revisions pinned (none for a view a later revision created
without a header). A header describes the body it heads: a view is described only while the head
revision pins that body, so a file edited ahead of its migration leaves the view's comments alone.
"""

from __future__ import annotations

from collections.abc import Mapping

from alembic import context
from sqlalchemy import Connection, text

import models
from migrations.views import pinned_views, sql_literal, view_body, view_descriptions, view_files

RELATIONS = {  # (name, comment, is a view) of each table and view of the current schema
    "duckdb": "SELECT table_name, comment, false FROM duckdb_tables() WHERE NOT internal "
    "AND schema_name = current_schema() "
    "UNION ALL SELECT view_name, comment, true FROM duckdb_views() WHERE NOT internal "
    "AND schema_name = current_schema()",
    "postgresql": "SELECT c.relname, obj_description(c.oid, 'pg_class'), c.relkind = 'v' FROM pg_class c "
    "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'v')",
}
COLUMNS = {  # (relation, column, comment), in the columns' order
    "duckdb": "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal "
    "AND schema_name = current_schema() ORDER BY table_name, column_index",
    "postgresql": "SELECT c.relname, a.attname, col_description(c.oid, a.attnum) FROM pg_class c "
    "JOIN pg_attribute a ON a.attrelid = c.oid "
    "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'v') "
    "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
}

Descriptions = dict[str, tuple[str, dict[str, str]]]  # relation -> (its description, {column: description})


def descriptions(pinned: Mapping[str, str]) -> Descriptions:
    """What every table and column should say, and every view whose file's body is its `pinned` text's."""
    tables = {
        t.name: (t.comment, {c.name: c.comment for c in t.columns}) for t in models.metadata.tables.values()
    }
    texts = view_files()
    views = {
        name: described
        for name, described in view_descriptions(texts).items()
        if view_body(pinned.get(name, "")) == view_body(texts[name])
    }
    return tables | views


def persist_docs(connection: Connection, pinned: Mapping[str, str]) -> int:
    """Give each described table, view and column its description (`pinned`: the head's view texts); count the writes."""
    dialect = connection.dialect.name
    wanted = descriptions(pinned)
    statements = []
    for name, comment, is_view in connection.execute(text(RELATIONS[dialect])).all():
        if name in wanted and wanted[name][0] != comment:
            kind = "VIEW" if is_view else "TABLE"
            statements.append(f'COMMENT ON {kind} "{name}" IS {sql_literal(wanted[name][0])}')
    for relation, column, comment in connection.execute(text(COLUMNS[dialect])).all():
        description = wanted.get(relation, (None, {}))[1].get(column)
        if description is not None and description != comment:
            statements.append(f'COMMENT ON COLUMN "{relation}"."{column}" IS {sql_literal(description)}')
    for statement in statements:
        # Driver-level: SQLAlchemy's text() would read `:word` inside a description as a parameter.
        connection.exec_driver_sql(statement)
    return len(statements)


def persist_docs_at_head() -> None:
    """In env.py, after an upgrade: describe the warehouse when it is at the head revision."""
    migration = context.get_context()
    if "destination_rev" not in migration.environment_context.context_opts:  # `alembic check` compares only
        return
    if migration.get_current_heads() == (context.script.get_current_head(),):
        persist_docs(context.get_bind(), pinned_views(context.script, migration.dialect.name))
