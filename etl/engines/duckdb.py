"""The DuckDB engine: one file, one writing process (its file lock), frames in as Arrow, a serving copy.

DuckDB lets one process write a file and holds it by a POSIX record lock for as long as the
process keeps it open: the write lock is a connection held open, and a second writer is refused
with a message naming the holder's program and pid, which is read back for ours. Readers (BI
tools) open the serving copy that each load publishes (`etl.serving`), never the warehouse.
"""

from __future__ import annotations

import errno
import json
import os
import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb
import polars as pl
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from etl.engines import HELD, WarehouseEngine, WarehouseLocked, wait_for_lock, waited_text
from etl.serving import publish_configured
from etl.storage import NO_EXTENSION_DOWNLOADS, STORAGE_FORMATS, foreign_kind, pinned, storage_number

if TYPE_CHECKING:
    from etl.settings import Settings

DIALECT = "duckdb+paperhouse"
T = TypeVar("T")
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")
_HOLDER_FILE = "paperhouse_holder_file"  # the lock connection's `info` key of the file naming its load


class WarehousePathError(RuntimeError):
    """The warehouse path is not, and cannot become, a DuckDB file; the one-line message says why."""

    says_it_all = True  # `etl.report.cause` quotes the message alone

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot open the warehouse {path}: {reason}")
        self.path = path


def _os_reason(path: Path, exc: OSError) -> str:
    """Why an OSError met on the way to `path` stops it being the warehouse, in words."""
    if exc.errno == errno.ENAMETOOLONG:
        return "a name in the path is longer than the file system allows"
    blocking = next((p for p in path.parents if p.exists()), None)
    if exc.errno in (errno.ENOTDIR, errno.EEXIST) and blocking is not None and not blocking.is_dir():
        return f"{blocking} is a file, not a folder"
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def prepare_warehouse_path(path: Path, read_only: bool = False) -> None:
    """Refuse a path that is no DuckDB warehouse before DuckDB opens it; unless `read_only`, create its folder.

    Raises `WarehousePathError`: a folder, another kind of file (a SQLite database, say), a path
    under a file or with a name too long, a folder that cannot be created. Nothing is changed then.
    """
    try:
        if path.is_dir():
            raise WarehousePathError(path, "it is a folder, not a DuckDB file")
        kind = foreign_kind(path)
        if kind is not None:
            raise WarehousePathError(path, f"it is not a DuckDB warehouse ({kind})")
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehousePathError(path, _os_reason(path, exc)) from None


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def rewrite_in_format(path: Path, version: str, memory_limit: str) -> float | None:
    """Rewrite the DuckDB file at `path` in storage format `version` if it is in another; return the seconds.

    The rewrite holds the file's write lock throughout and renames the new file over the old
    one before releasing it, so no other writer can write to the old file in between. Raises
    DuckDB's lock error when another process holds the file (the caller waits or reports it).
    """
    if not path.exists() or storage_number(path) in (None, STORAGE_FORMATS[version][0]):
        return None
    started = time.perf_counter()
    staging = path.with_name(f".{path.name}.{version}.tmp")
    staging.unlink(missing_ok=True)
    connection = duckdb.connect(str(path), config={"memory_limit": memory_limit, **NO_EXTENSION_DOWNLOADS})
    try:
        connection.execute("CHECKPOINT")
        catalog = connection.execute("SELECT current_database()").fetchone()[0].replace('"', '""')
        connection.execute(f"ATTACH '{_quoted(staging)}' AS rewritten (STORAGE_VERSION '{version}')")
        connection.execute(f'COPY FROM DATABASE "{catalog}" TO rewritten')
        connection.execute("DETACH rewritten")
        with staging.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, path)  # still holding the old file's lock: nobody wrote to it meanwhile
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    finally:
        connection.close()
    return time.perf_counter() - started


def lock_holder(error: BaseException) -> tuple[str, int] | None:
    """(program, pid) of the process holding the lock, when `error` is DuckDB's lock conflict."""
    match = _LOCK_HOLDER.search(str(error))
    if match is None and "Could not set lock on file" not in str(error):
        return None
    return (match[1], int(match[2])) if match else ("", 0)


def holder_file(path: Path) -> Path:
    """Where the process holding the warehouse's lock names its load: beside the file, hidden."""
    return path.with_name(f".{path.name}.holder")


def _write_holder(path: Path, holder: str) -> Path:
    """Name the load holding `path`'s lock (`holder`) with this process's pid, for a writer that meets it."""
    named = holder_file(path)
    staging = named.with_name(f"{named.name}.{os.getpid()}.tmp")
    staging.write_text(json.dumps({"pid": os.getpid(), "holder": holder}), encoding="utf-8")
    os.replace(staging, named)
    return named


def _named_holder(path: Path, pid: int | None) -> str | None:
    """The load the process `pid` holding `path`'s lock named, if it named one (a stale file names another pid)."""
    if not pid:
        return None
    try:
        named = json.loads(holder_file(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return named.get("holder") if isinstance(named, dict) and named.get("pid") == pid else None


def _named_holder_pid(named: Path) -> int | None:
    """The pid a holder file names, if it can be read."""
    try:
        return json.loads(named.read_text(encoding="utf-8")).get("pid")
    except (OSError, ValueError, AttributeError):
        return None


def _writer(path: Path | URL, program: str | None, pid: int | None) -> str:
    """How messages name the process holding a DuckDB file's lock: the load it named, else its program."""
    named = _named_holder(path, pid) if isinstance(path, Path) else None
    if named:
        return f"{named} (pid {pid})"
    return f"process {pid} ({program})" if pid else "another process"


def locked(path: Path | URL, holder: tuple[str, int], waited: float) -> WarehouseLocked:
    """The refusal when `holder` (program, pid; empty when unknown) still holds the file after `waited` s."""
    program, pid = holder[0] or None, holder[1] or None
    return WarehouseLocked(
        f"the warehouse {path} is being written by {_writer(path, program, pid)}{waited_text(waited)}: another load "
        "(a `paperhouse load` or a Dagster run) is running; nothing was done. "
        "Run again later, or pass --wait SECONDS to queue behind it",
        path,
        program,
        pid,
    )


def _while_locked(
    attempt: Callable[[], T],
    path: Path,
    wait_seconds: float,
    check: Callable[[], None] | None,
    on_wait: Callable[[str], None] | None,
) -> T:
    """Run `attempt`, retrying while another process holds the file's lock, up to `wait_seconds`."""
    holder = ("", 0)

    def take() -> T | object:
        nonlocal holder
        try:
            return attempt()
        except (OperationalError, duckdb.Error) as exc:
            found = lock_holder(exc)
            if found is None:
                raise
            holder = found
            return HELD

    return wait_for_lock(
        take,
        wait_seconds,
        check,
        on_wait,
        waiting=lambda: (
            f"the warehouse {path} is being written by {_writer(path, *holder)}: "
            f"waiting up to {wait_seconds:g} s for its lock"
        ),
        timed_out=lambda: locked(path, holder, wait_seconds),
    )


class DuckDBEngine(WarehouseEngine):
    """A DuckDB file (duckdb-engine through `duckdb+paperhouse`), published to BI tools as a serving copy."""

    name = "duckdb"
    kind = "duckdb"
    pool = "duckdb_warehouse"

    def open(
        self,
        warehouse: Path | URL,
        *,
        read_only: bool,
        memory_limit: str,
        checkpoint_threshold: str,
        storage_version: str,
        connect_timeout: int,
    ) -> Engine:
        """A SQLAlchemy engine on the DuckDB file at `warehouse` (created with its folder if missing)."""
        prepare_warehouse_path(warehouse, read_only)
        # Capped, so the buffer pool does not grow with the warehouse; DuckDB spills beyond it.
        # A cap a backfill reaches within its first gigabyte makes the peak the same at any
        # corpus size (1 GB: reached only near the end of a 1 GB backfill, 300 MiB higher at 5 GB).
        # A checkpoint compresses and rewrites what the WAL holds; at DuckDB's default threshold
        # every batch of a backfill pays one, about three times the cost of one per 256 MB; the
        # threshold stays at half the cap, as data not yet checkpointed is held in memory.
        connect_args: dict = {
            "config": {
                "memory_limit": memory_limit,
                "checkpoint_threshold": checkpoint_threshold,
                "storage_compatibility_version": storage_version,
                **NO_EXTENSION_DOWNLOADS,
            }
        }
        if read_only:
            connect_args["read_only"] = True
        # duckdb+paperhouse: duckdb-engine with reflection that works on SQLAlchemy 2.x (models.duckdb_dialect).
        return create_engine(URL.create(DIALECT, database=str(warehouse)), connect_args=connect_args)

    def pinned(self, warehouse: Path | URL) -> AbstractContextManager[None]:
        """Read the file only through one descriptor while in the block (`etl.storage.pinned`: why)."""
        return pinned(warehouse)

    def ensure_storage_format(
        self,
        warehouse: Path | URL,
        version: str,
        memory_limit: str,
        wait_seconds: float,
        check: Callable[[], None] | None,
        on_wait: Callable[[str], None] | None,
    ) -> float | None:
        """Rewrite the file in storage format `version` if it is in another (`rewrite_in_format`)."""
        prepare_warehouse_path(warehouse)
        rewrite = lambda: rewrite_in_format(warehouse, version, memory_limit)  # noqa: E731
        return _while_locked(rewrite, warehouse, wait_seconds, check, on_wait)

    def hold_lock(
        self,
        engine: Engine,
        warehouse: Path | URL,
        wait_seconds: float,
        check: Callable[[], None] | None,
        on_wait: Callable[[str], None] | None,
        holder: str | None = None,
    ) -> Connection:
        """A connection to the file: an open connection holds DuckDB's file lock for the process."""
        lock = _while_locked(engine.connect, warehouse, wait_seconds, check, on_wait)
        if holder is not None:
            try:
                lock.info[_HOLDER_FILE] = _write_holder(warehouse, holder)
            except OSError:  # naming the holder is a courtesy: the lock is held all the same
                pass
        return lock

    def release_lock(self, lock: Connection) -> None:
        """Close the connection (the engine's disposal releases the file), and the holder's name with it."""
        named = lock.info.pop(_HOLDER_FILE, None)
        if named is not None and _named_holder_pid(named) == os.getpid():
            named.unlink(missing_ok=True)
        lock.close()

    def lock_conflict(self, error: BaseException, warehouse: Path | URL) -> WarehouseLocked | None:
        """DuckDB's refusal to open a file another process writes, as a `WarehouseLocked` naming it."""
        holder = lock_holder(error)
        return None if holder is None else locked(warehouse, holder, 0)

    def stage(self, connection: Connection, name: str, frame: pl.DataFrame) -> None:
        """Register the frame's Arrow table under `name` (zero-copy)."""
        connection.connection.driver_connection.register(name, frame.to_arrow())

    def unstage(self, connection: Connection, names: list[str]) -> None:
        """Unregister the frames `names`."""
        raw = connection.connection.driver_connection
        for name in names:
            with suppress(Exception):
                raw.unregister(name)

    def read_frame(self, connection: Connection, sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
        """The query's rows through Arrow."""
        return connection.connection.driver_connection.sql(sql).pl().cast(schema)

    def checkpoint(self, connection: Connection) -> None:
        """Write what DuckDB's WAL holds into the database file, compressed."""
        connection.connection.driver_connection.execute("CHECKPOINT")

    def interrupter(self, connection: Connection) -> Callable[[], None]:
        """DuckDB's own interrupt of the connection's running statement."""
        return connection.connection.driver_connection.interrupt

    def after_merge(self, connection: Connection) -> None:
        """Nothing: DuckDB keeps no index the merge must maintain."""

    def defer_indexes(self, connection: Connection) -> None:
        """Nothing: DuckDB keeps no index to defer."""

    def restore_indexes(self, connection: Connection) -> None:
        """Nothing: DuckDB keeps no index to defer."""

    def publish(
        self,
        engine: Engine,
        settings: Settings,
        stop_check: Callable[[], None] | None = None,
        on_wait: Callable[[str], None] | None = None,
        wait_seconds: float | None = None,
    ) -> dict[str, object]:
        """Publish the serving copy if it lags the warehouse (`etl.serving.publish_configured`)."""
        return publish_configured(engine, settings, stop_check, on_wait, wait_seconds)

    def grant_reader(self, connection: Connection, role: str) -> None:
        """Refused: a DuckDB file has no roles."""
        raise ValueError("roles exist on PostgreSQL only: a DuckDB file is read by whoever can read the file")


ENGINE = DuckDBEngine()
