"""The SQL the loader runs, kept as named files under `sql/<folder>/<name>.sql` and read on first use."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


@cache
def sql_file(folder: str, name: str) -> str:
    """The text of `sql/<folder>/<name>.sql`."""
    return (SQL_DIR / folder / f"{name}.sql").read_text()


def sql_names(folder: str) -> list[str]:
    """The names of the files of `sql/<folder>/`, in order (their numeric prefixes order them)."""
    return sorted(path.stem for path in (SQL_DIR / folder).glob("*.sql"))
