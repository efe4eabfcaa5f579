"""What the analyst views hold, read back: each view's rows against what its tables imply, and its columns.

A view's row-count invariant is one query over the tables, `sql/view_rows/<view>.sql`, headed
by the invariant it states; Dagster checks each view against it after every refresh. A view
whose count no simple query over its tables gives has none, and says why in `NO_INVARIANT`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, text

from etl.sql import sql_file, sql_names

FOLDER = "view_rows"

NO_INVARIANT = {
    # Its rows are a keyword's weeks with papers plus the week after each, cut at the last date
    # the warehouse knows: counting them from the tables is the view's own query again.
    "v_keyword_weeks": "a keyword's weeks with papers, and the week after each up to the last known date",
}


def invariant_views() -> list[str]:
    """The views that have a row-count invariant (a file of `sql/view_rows/`), sorted."""
    return sql_names(FOLDER)


def invariant(view: str) -> str:
    """The invariant `view`'s row count holds, in words: the first line of its file's header."""
    first = sql_file(FOLDER, view).splitlines()[0]
    return first.removeprefix(f"-- {view}: ").removesuffix(".")


def expected_rows(connection: Connection, views: Iterable[str]) -> dict[str, int]:
    """The row count each of `views` must have, computed from the tables it reads."""
    return {view: int(connection.execute(text(sql_file(FOLDER, view))).scalar_one()) for view in views}


def view_columns(connection: Connection, views: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """Each view's columns as the warehouse has them: (name, type) in the view's order."""
    names = list(views)
    rows = connection.execute(
        text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name IN :names "
            "ORDER BY table_name, ordinal_position"
        ).bindparams(bindparam("names", expanding=True)),
        {"names": names},
    ).all()
    columns: dict[str, list[tuple[str, str]]] = {name: [] for name in names}
    for view, column, data_type in rows:
        columns[view].append((column, data_type))
    return columns
