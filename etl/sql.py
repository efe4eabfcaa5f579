"""The SQL the loader runs, kept as named files under `sql/<folder>/<name>.sql` and read on first use.

Where an engine cannot run the shared text, its own is `sql/<folder>/<dialect>/<name>.sql`
(PostgreSQL: `arg_max`, which it lacks); every other file is shared by both engines.
The files are the package data of the `sql` package, found with importlib.resources, so an
installed wheel reads its own copy and a checkout (editable install) reads the repository's.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

SQL_DIR: Traversable = files("sql")


@cache
def sql_file(folder: str, name: str, dialect: str | None = None) -> str:
    """The text of `sql/<folder>/<name>.sql`, or of its `dialect` version when there is one."""
    if dialect is not None:
        own = SQL_DIR / folder / dialect / f"{name}.sql"
        if own.is_file():
            return own.read_text(encoding="utf-8")
    return (SQL_DIR / folder / f"{name}.sql").read_text(encoding="utf-8")


def sql_names(folder: str) -> list[str]:
    """The names of the files of `sql/<folder>/`, in order (their numeric prefixes order them)."""
    return sorted(
        entry.name.removesuffix(".sql")
        for entry in (SQL_DIR / folder).iterdir()
        if entry.name.endswith(".sql") and entry.is_file()
    )


def sql_texts(folder: str) -> dict[str, str]:
    """The text of each file of `sql/<folder>/`, by name, in order."""
    return {name: sql_file(folder, name) for name in sql_names(folder)}
