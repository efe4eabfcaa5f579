"""The data dictionary: every table, view and column of the warehouse, with its type and description.

It is generated from the sources the warehouse's comments come from, so the two cannot differ:
the models (a model's docstring describes its table, each column's `comment=` the column) and
the headers of `sql/views/*.sql` (format in `models/views.py`), a view column's `= t.c`
taking the description of that column. Types are DuckDB's, read from an in-memory database
built from the models and the view files (opened only when asked: importing this module opens
no database). Regenerate the checked-in copy with

    python -m etl.dictionary > docs/data_dictionary.md

Dagster shows the views' column types when its definitions are built, at import, where no
database is opened: it reads them from `etl/view_types.json`, the views' header columns and their
types in creation order, generated from the same build and checked against it by the tests. Regenerate it with

    python -m etl.dictionary --view-types > etl/view_types.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from sqlalchemy.schema import CreateTable

import models
from etl.sql import sql_file, sql_names, sql_texts
from models.views import reads, view_descriptions, view_header

REGENERATE = "python -m etl.dictionary > docs/data_dictionary.md"
VIEW_TYPES = files("etl") / "view_types.json"
REGENERATE_VIEW_TYPES = "python -m etl.dictionary --view-types > etl/view_types.json"


@dataclass(frozen=True)
class Column:
    """One column of a table or view."""

    name: str
    type: str  # DuckDB's name of the type: BIGINT, VARCHAR, DATE...
    description: str


@dataclass(frozen=True)
class Relation:
    """A table or a view with its description and its columns, in their order."""

    name: str
    kind: str  # "table" or "view"
    description: str
    columns: tuple[Column, ...]


def view_texts() -> dict[str, str]:
    """The SQL text of each view file (`sql/views/*.sql`), by view name, sorted."""
    return sql_texts("views")


def column_types(views: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """DuckDB's type of every column of every table and view, from an in-memory build of them."""
    import duckdb
    import duckdb_engine  # its import opens an in-memory DuckDB: not at this module's import

    connection = duckdb.connect(":memory:")
    try:
        dialect = duckdb_engine.Dialect()
        for table in models.metadata.tables.values():
            connection.execute(str(CreateTable(table).compile(dialect=dialect)))
        pending = dict(views)
        while pending:  # a view after the views it reads
            ready = [n for n, sql in pending.items() if not reads(sql, [v for v in pending if v != n])]
            if not ready:
                raise ValueError(f"views that read each other: {sorted(pending)}")
            for name in ready:
                connection.execute(f"CREATE VIEW {name} AS\n{pending.pop(name)}")  # file names as identifiers
        rows = connection.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE NOT internal ORDER BY table_name, column_index"
        ).fetchall()
    finally:
        connection.close()
    types: dict[str, dict[str, str]] = {}
    for relation, column, data_type in rows:
        types.setdefault(relation, {})[column] = data_type
    return types


def relations(views: Mapping[str, str] | None = None) -> list[Relation]:
    """Every table (in the models' order) and view (by name), with described and typed columns.

    A view's columns are those of its header, in its order (the tests check them against the view).
    """
    views = view_texts() if views is None else views
    types = column_types(views)
    found = [
        Relation(
            name=table.name,
            kind="table",
            description=table.comment,
            columns=tuple(Column(c.name, types[table.name][c.name], c.comment) for c in table.columns),
        )
        for table in models.metadata.tables.values()
    ]
    for name, (description, columns) in sorted(view_descriptions(views).items()):
        found.append(
            Relation(
                name=name,
                kind="view",
                description=description,
                columns=tuple(Column(c, types[name].get(c, "unknown"), text) for c, text in columns.items()),
            )
        )
    return found


def computed_view_types() -> dict[str, dict[str, str]]:
    """DuckDB's type of each header column of each view, the views in creation order (builds the pinned texts)."""
    from etl.warehouse import head_views

    views = head_views()
    types = column_types(views)
    texts = view_texts()
    return {
        name: {
            column: types[name].get(column, "unknown") for column in view_header(name, texts[name]).columns
        }
        for name in views
    }


@cache
def pinned_view_types() -> dict[str, dict[str, str]]:
    """The checked-in `etl/view_types.json`: what `computed_view_types` returned when generated."""
    return json.loads(VIEW_TYPES.read_text(encoding="utf-8"))


def views_in_creation_order() -> dict[str, str]:
    """Each view's SQL text (its `sql/views` file, whose body the newest migration pins), in creation order.

    The order is `etl/view_types.json`'s (that of `head_views`, without walking the migrations); a
    view file missing from it, or the reverse, is an error asking to regenerate it.
    """
    pinned = pinned_view_types()
    if set(pinned) != set(sql_names("views")):
        raise ValueError(
            f"etl/view_types.json lists {sorted(pinned)}, sql/views holds {sql_names('views')}: "
            f"regenerate it with `{REGENERATE_VIEW_TYPES}`"
        )
    return {name: sql_file("views", name) for name in pinned}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(found: list[Relation] | None = None) -> str:
    """The data dictionary as markdown: an index, then one section per table and per view."""
    found = relations() if found is None else found
    lines = [
        "# Data dictionary",
        "",
        f"<!-- Generated by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "Every table, view and column of the warehouse, with its DuckDB type and description. The",
        "descriptions are written once, in the SQLAlchemy models (`models/__init__.py`: a model's",
        "docstring describes its table, a column's `comment=` the column) and in the header of each view",
        "file (`sql/views/*.sql`, format in `models/views.py`). Every upgrade applies the same text",
        "as table, view and column comments (`migrations/docs.py`), so DBeaver, Superset, the duckdb CLI",
        "(`duckdb_tables()`, `duckdb_views()`, `duckdb_columns()`) and Dagster's column schemas show it too.",
        "",
        "Ids: every key (`paper_id`, `file_id`, `text_id`, `link_id`, `keyword_id`, ...) is a BIGINT below",
        "2^53, the first 53 bits of the SHA-256 of the text that names it (`etl/keys.py`), so every client",
        "reads it exactly, also as a JSON number or a JavaScript `Number` (`@duckdb/node-api`, Evidence):",
        "no id needs a cast to text. The same text gives the same key on every machine and in any load",
        "order. Date keys (`*_date_id`) are the date as the integer YYYYMMDD.",
        "",
    ]
    for kind, title in (("table", "Tables"), ("view", "Views")):
        names = [r.name for r in found if r.kind == kind]
        lines.append(f"{title}: " + ", ".join(f"[`{n}`](#{n})" for n in names) + ".")
        lines.append("")
    for kind, title in (("table", "Tables"), ("view", "Views")):
        lines += [f"## {title}", ""]
        for relation in (r for r in found if r.kind == kind):
            lines += [f"### `{relation.name}`", "", relation.description, ""]
            lines += ["| column | type | description |", "| --- | --- | --- |"]
            lines += [f"| `{c.name}` | {c.type} | {_cell(c.description)} |" for c in relation.columns]
            lines.append("")
    return "\n".join(lines)


def main() -> None:
    """Print the data dictionary (`python -m etl.dictionary > docs/data_dictionary.md`), or with
    `--view-types` the views' column types (`> etl/view_types.json`)."""
    if sys.argv[1:] == ["--view-types"]:
        print(json.dumps(computed_view_types(), indent=2))
    else:
        print(markdown(), end="")


if __name__ == "__main__":
    main()
