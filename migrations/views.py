"""Views as replaceable objects (Alembic cookbook): each revision pins the SQL text it applies.

A revision that creates or changes views declares `VIEWS = {name: sql}` (in dependency
order) and calls `apply_views(VIEWS)`; its downgrade calls `restore_views(down_revision, VIEWS)`,
which puts back the text the nearest earlier revision applied, or drops a view that is new.
Editing `sql/views/<name>.sql` therefore never changes an old migration: a new one pins the new
body, written by `python -m migrations.new_view_migration "<what changed>"`.

Descriptions. Each view file starts with a header that describes the view and every one of its
columns; its format, and the functions that read it, are in `models/views.py`, shared with the
library (`etl.dictionary`), and imported here under the same names as before.

The header is documentation, not schema: `migrations/docs.py` applies it after every upgrade to
head, so a description fix needs no migration, and revisions from 0014 on pin bodies alone. The
revisions 0007 to 0013 pinned headers with their texts: `apply_views` turns a pinned header into
COMMENT ON VIEW and COMMENT ON COLUMN (`comment_view`), as it did, so an old warehouse upgrades,
and a downgrade restores, exactly what those revisions made. A text without a `-- Columns:` line
gets no comments here.

Engines. Both engines run the same text since revision 0014. Revisions 0002 and 0007 also
declare `ENGINE_VIEWS = {dialect: {name: sql}}`, PostgreSQL's texts of their time (it lacks
DuckDB's `arg_min` and `QUALIFY`), passed to `apply_views` and `restore_views`. PostgreSQL tracks
which views read which: there `apply_views` drops the revision's views and creates them again, so
a revision that changes a view also lists the views that read it, after it (the generator does).
"""

from __future__ import annotations

from alembic import context, op
from sqlalchemy import Connection, text

from models.views import (
    COLUMNS_LINE,
    ColumnNote,
    EngineViews,
    ViewHeader,
    engine_text,
    pinned_views,
    reads,
    view_body,
    view_descriptions,
    view_files,
    view_header,
)

# What revisions, `migrations.docs`, the generator and the tests import from here.
__all__ = [
    "COLUMNS_LINE",
    "ColumnNote",
    "EngineViews",
    "ViewHeader",
    "apply_views",
    "comment_view",
    "engine_text",
    "pinned_views",
    "reads",
    "restore_views",
    "sql_literal",
    "view_body",
    "view_descriptions",
    "view_files",
    "view_header",
    "view_text_at",
]


def sql_literal(value: str) -> str:
    """`value` as an SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


_COLUMN_COMMENT = {
    "duckdb": "SELECT comment FROM duckdb_columns() WHERE database_name = current_database() "
    "AND schema_name = current_schema() AND table_name = :relation AND column_name = :column",
    "postgresql": "SELECT col_description(a.attrelid, a.attnum) FROM pg_attribute AS a "
    "WHERE a.attrelid = to_regclass(quote_ident(current_schema()) || '.' || quote_ident(:relation)) "
    "AND a.attname = :column AND NOT a.attisdropped",
}


def _comment_in_warehouse(connection: Connection, relation: str, column: str) -> str | None:
    rows = connection.execute(
        text(_COLUMN_COMMENT[connection.dialect.name]), {"relation": relation, "column": column}
    ).all()
    if not rows:
        raise LookupError(f"{relation}.{column}: no such column to take a description from")
    return rows[0][0]


def comment_view(name: str, sql: str) -> None:
    """Apply the descriptions of the header of `sql` to view `name` (nothing for a text without one)."""
    header = view_header(name, sql)
    if header is None:
        return
    connection = op.get_bind()
    # Driver-level statements: SQLAlchemy's text() would read `:word` inside a description as a parameter.
    connection.exec_driver_sql(f'COMMENT ON VIEW "{name}" IS {sql_literal(header.description)}')
    for column, note in header.columns.items():
        comment = note.text if note.same_as is None else _comment_in_warehouse(connection, *note.same_as)
        if comment:
            connection.exec_driver_sql(f'COMMENT ON COLUMN "{name}"."{column}" IS {sql_literal(comment)}')


def apply_views(views: dict[str, str], engine_views: EngineViews | None = None) -> None:
    """Create or replace each view with its pinned text (its engine's, if any), then its header's descriptions."""
    connection = op.get_bind()
    replace = "CREATE OR REPLACE VIEW"
    if connection.dialect.name == "postgresql":
        # PostgreSQL's CREATE OR REPLACE keeps the old comments and refuses to drop or rename a
        # column: drop the views (dependents first, as listed last) and create them afresh.
        for name in reversed(list(views)):
            connection.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")
        replace = "CREATE VIEW"
    for name in views:
        sql = engine_text(name, views, engine_views, connection.dialect.name)
        connection.exec_driver_sql(f"{replace} {name} AS\n{sql}")  # vetted identifier, pinned SQL
        comment_view(name, sql)


def view_text_at(revision: str | None, name: str, dialect: str = "duckdb") -> str | None:
    """The text of view `name` for `dialect` as of `revision`, walking down the revision history."""
    scripts = context.script
    while revision is not None:
        script = scripts.get_revision(revision)
        module = script.module
        pinned = engine_text(
            name, getattr(module, "VIEWS", {}), getattr(module, "ENGINE_VIEWS", None), dialect
        )
        if pinned is not None:
            return pinned
        revision = script.down_revision  # linear history
    return None


def restore_views(
    down_revision: str | None, views: dict[str, str], engine_views: EngineViews | None = None
) -> None:
    """Undo `apply_views(views, engine_views)`: restore each view's earlier text (and its comments), or drop it."""
    dialect = op.get_bind().dialect.name
    previous = {name: view_text_at(down_revision, name, dialect) for name in views}
    for name in reversed(list(views)):
        if previous[name] is None:
            op.execute(f"DROP VIEW IF EXISTS {name}")
    # The earlier texts are already the engine's own: apply them as shared texts.
    apply_views({name: sql for name, sql in previous.items() if sql is not None})
