"""The warehouse's record of loads: the dump versions loaded since a position, read-only.

`source_files` is the record of truth of what was loaded and when (`loaded_at`, stamped per
batch). Dagster's history sensor reads it to show loads it did not run (the CLI, cron).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import URL, inspect, text
from sqlalchemy.exc import OperationalError

from etl.sql import sql_file
from etl.warehouse import warehouse_engine

BEGINNING = (datetime(1970, 1, 1), -(2**63))  # before every version: (loaded_at, file_id)


@dataclass(frozen=True)
class LoadedVersion:
    """One dump version the warehouse holds as loaded, and when its load merged it (UTC, naive)."""

    file_id: int
    file_name: str
    sha256: str
    size_bytes: int
    entries: int
    loaded_at: datetime

    @property
    def position(self) -> tuple[datetime, int]:
        """Where it sorts in the record: (loaded_at, file_id)."""
        return self.loaded_at, self.file_id


def loaded_since(
    warehouse: Path | URL, after: tuple[datetime, int] = BEGINNING, limit: int = 500
) -> list[LoadedVersion] | None:
    """The versions loaded after position `after`, oldest first, at most `limit`; read-only.

    An empty list when the warehouse does not exist yet; None while another process holds a
    DuckDB file's write lock (a load is running: ask again later).
    """
    if isinstance(warehouse, Path) and not warehouse.exists():
        return []
    engine = warehouse_engine(warehouse, read_only=True)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("source_files"):
                return []
            rows = connection.execute(
                text(sql_file("inventory", "loaded_since")),
                {"after_at": after[0].isoformat(sep=" "), "after_id": after[1], "limit": limit},
            ).all()
    except OperationalError:
        if isinstance(warehouse, Path):  # DuckDB: another process holds the write lock
            return None
        raise
    finally:
        engine.dispose()
    return [LoadedVersion(*row) for row in rows]
