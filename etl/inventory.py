"""What is new in a dump folder: one listing (one stat per file) read by the loader, the sensor and the sweep.

A dump version is held when the warehouse stores it as loaded, or as rejected for a reason
that still holds. The loader reads only the files whose (name, size, mtime) matches no held
version; the ones it reads are then identified by sha256, so a file touched but not changed
is still recognised. The sensor compares the folder with a bounded mark of its last look
(`FolderMark`: the newest mtime and a digest; it never opens the warehouse, which a running
load holds); the daily sweep compares it with the warehouse, read-only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import URL, Connection, inspect, text
from sqlalchemy.exc import OperationalError

from etl.extract import DumpFile, sha256_of, stat_dump
from etl.keys import file_id_for
from etl.settle import settle_files
from etl.sql import sql_file
from etl.warehouse import warehouse_engine
from models import HELD_STATUSES, SETTING_DEPENDENT_YEAR_RULES


@dataclass(frozen=True)
class FolderListing:
    """The dump files of a folder, each stat'ed once, the entries that cannot be read at all, and those deferred."""

    files: list[DumpFile]
    unreadable: list[dict[str, str]]
    deferred: list[dict[str, str]] = field(default_factory=list)  # still being written: the next run's

    def settled(self, seconds: float, check: Callable[[], None] | None = None) -> FolderListing:
        """This listing with the files still being written moved to `deferred` (`etl.settle`)."""
        files, deferred = settle_files(self.files, seconds, check)
        return FolderListing(files, self.unreadable, self.deferred + deferred)


def list_dumps(paths: list[Path]) -> FolderListing:
    """Stat each dump once: the regular files, and the refusals of entries that cannot be read."""
    listed = [stat_dump(path) for path in paths]
    files = [item for item in listed if isinstance(item, DumpFile)]
    refused = [item for item in listed if not isinstance(item, DumpFile)]
    return FolderListing(files, refused)


@dataclass(frozen=True)
class HeldVersions:
    """The dump versions the warehouse holds: their ids, and (name, size, mtime_ns) -> id."""

    file_ids: frozenset[int] = frozenset()
    by_stat: dict[tuple[str, int, int], int] = field(default_factory=dict)

    def split(self, files: list[DumpFile]) -> tuple[list[DumpFile], list[int]]:
        """`files` into those to read and the ids of versions already held, by (name, size, mtime) alone."""
        to_read, unchanged = [], []
        for file in files:
            held = self.by_stat.get((file.path.name, file.size, file.mtime_ns))
            if held is not None and held in self.file_ids:
                unchanged.append(held)
            else:
                to_read.append(file)
        return to_read, unchanged


def held_versions(
    connection: Connection, listing_year: int | None, today: date, accept_shrink: bool = False
) -> HeldVersions:
    """The versions a load need not read again (`sql/inventory/held_versions.sql` says which and why)."""
    rows = connection.execute(
        text(sql_file("inventory", "held_versions")),
        {
            "held": list(HELD_STATUSES),
            "rules": list(SETTING_DEPENDENT_YEAR_RULES),
            "setting": listing_year,
            "today": today,
            "accept_shrink": accept_shrink,
        },
    ).all()
    stats = {(name, size, mtime): file_id for file_id, name, size, mtime in rows if mtime is not None}
    return HeldVersions(frozenset(file_id for file_id, *_ in rows), stats)


def loaded_names(connection: Connection) -> list[str]:
    """The names of the dumps the warehouse holds as loaded."""
    return list(connection.execute(text(sql_file("inventory", "loaded_names"))).scalars())


def loaded_entries(connection: Connection) -> dict[str, int]:
    """Name -> entries of each dump whose current version is loaded (what `etl.shrink` compares with)."""
    return dict(connection.execute(text(sql_file("inventory", "loaded_entries"))).all())


def loaded_versions(connection: Connection, names: list[str]) -> dict[str, tuple[str, int]]:
    """Name -> (sha256, entries) of the loaded version of each of `names` the warehouse holds."""
    rows = connection.execute(text(sql_file("inventory", "loaded_versions")), {"names": names}).all()
    return {name: (sha, entries) for name, sha, entries in rows}


def still_refused(
    connection: Connection, file_ids: list[int]
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Of the given held versions, those the warehouse holds as rejected, and as suspect, with the reasons."""
    rows = connection.execute(text(sql_file("inventory", "still_refused")), {"ids": file_ids}).all()
    rejected = [{"file": name, "reason": error} for name, error, status in rows if status == "rejected"]
    suspect = [{"file": name, "reason": error} for name, error, status in rows if status == "suspect"]
    return rejected, suspect


def unreadable_note(listing: FolderListing) -> str:
    """The files a listing leaves out, for a sensor's message: '' or '; skipped: <reasons>'."""
    if not listing.unreadable:
        return ""
    return "; skipped: " + "; ".join(r["reason"] for r in listing.unreadable)


@dataclass(frozen=True)
class FolderMark:
    """The sensor's bounded memory of a folder: the newest modification time listed, and a digest of the listing.

    Its size does not grow with the folder. What a load holds is the warehouse's record
    (`source_files`); the mark only says which files may have changed since the last look.
    """

    newest_mtime_ns: int = 0
    digest: str = ""

    @classmethod
    def of(cls, listing: FolderListing, before: FolderMark | None = None) -> FolderMark:
        """The mark after `listing`: the newest mtime ever listed (a deleted file's too), and a sha256 over every entry."""
        entries = sorted((f.path.name, f.size, f.mtime_ns) for f in listing.files)
        entries += sorted((r["file"], -1, -1) for r in listing.unreadable)
        digest = hashlib.sha256(repr(entries).encode("utf-8", "surrogateescape")).hexdigest()
        newest = max((f.mtime_ns for f in listing.files), default=0)
        return cls(max(newest, before.newest_mtime_ns if before else 0), digest)

    def since(self, listing: FolderListing, known: set[str]) -> list[DumpFile]:
        """The files a load may not hold: names not in `known` (new, renamed, moved back), and files modified after the mark.

        A file at the mark is not read again: it was listed, so its load is requested or done.
        One rewritten within the same clock tick as the newest file listed (file times are
        coarse), or rewritten with an older mtime, changes the digest but not this list: the
        daily sweep, which asks the warehouse, loads it.
        """
        return [f for f in listing.files if f.path.name not in known or f.mtime_ns > self.newest_mtime_ns]


def unloaded_dumps(
    listing: FolderListing, warehouse: Path | URL, listing_year: int | None, today: date
) -> dict[str, str] | None:
    """Name -> sha256 of the dumps a load of `warehouse` would read now: the sweep's question.

    Opens the warehouse read-only; returns None while another process holds a DuckDB file's
    write lock (a PostgreSQL reader never waits for a load).
    """
    if isinstance(warehouse, Path) and not warehouse.exists():
        return hashed(listing.files)
    engine = warehouse_engine(warehouse, read_only=True)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("source_files"):
                return hashed(listing.files)
            held = held_versions(connection, listing_year, today)
    except OperationalError:
        if isinstance(warehouse, Path):  # DuckDB: another process holds the write lock
            return None
        raise
    finally:
        engine.dispose()
    to_read, _ = held.split(listing.files)
    return {name: sha for name, sha in hashed(to_read).items() if file_id_for(name, sha) not in held.file_ids}


def hashed(files: list[DumpFile]) -> dict[str, str]:
    """Name -> sha256 of each file that can still be read."""
    found = {}
    for file in files:
        try:
            found[file.path.name] = sha256_of(file.path)
        except OSError:
            continue
    return found
