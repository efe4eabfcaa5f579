"""The SQL the loader runs, kept as named files under `sql/<folder>/<name>.sql` and read on first use.

Where an engine cannot run the shared text, its own is `sql/<folder>/<dialect>/<name>.sql`
(PostgreSQL: `arg_max`, which it lacks); every other file is shared by both engines.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


@cache
def sql_file(folder: str, name: str, dialect: str | None = None) -> str:
    """The text of `sql/<folder>/<name>.sql`, or of its `dialect` version when there is one."""
    if dialect is not None:
        own = SQL_DIR / folder / dialect / f"{name}.sql"
        if own.is_file():
            return own.read_text()
    return (SQL_DIR / folder / f"{name}.sql").read_text()


def sql_names(folder: str) -> list[str]:
    """The names of the files of `sql/<folder>/`, in order (their numeric prefixes order them)."""
    return sorted(path.stem for path in (SQL_DIR / folder).glob("*.sql"))
