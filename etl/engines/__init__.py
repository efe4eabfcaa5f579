"""The warehouse engines behind one interface, one module each (as dlt has `impl/duckdb`, `impl/postgres`).

Every difference between DuckDB and PostgreSQL lives in `etl/engines/<name>.py`, whose
`ENGINE` implements `WarehouseEngine`: how the warehouse is opened and pinned, its write lock
(with its wait and the message naming the holder), how a frame is staged and read back, the
checkpoint, what interrupts a statement, the work after each batch's merge, the publish, and
what Dagster calls it (`kind`, `pool`). The rest of `etl` asks for the engine of a warehouse
(`engine_at`), of a connection (`engine_of`) or by name (`engine_named`), never for a dialect.
"""

from __future__ import annotations

import importlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypeVar

import polars as pl
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL

if TYPE_CHECKING:
    from etl.settings import Settings

T = TypeVar("T")
# The engines by SQLAlchemy dialect name, each the module `etl.engines.<name>` (imported on first use).
NAMES = ("duckdb", "postgresql")
_POLL_SECONDS = 0.5  # between two tries of a held lock
HELD = object()  # what a try of `wait_for_lock` returns while another holds the lock


class WarehouseLocked(RuntimeError):
    """Another load holds the warehouse; the engine's message names the holder and says what to do."""

    def __init__(
        self, message: str, path: Path | URL, holder: str | None = None, pid: int | None = None
    ) -> None:
        super().__init__(message)
        self.path, self.holder, self.pid = path, holder, pid


class WarehouseEngine(ABC):
    """What one engine does its own way; `etl/engines/<name>.py` implements it as `ENGINE`."""

    name: ClassVar[str]  # SQLAlchemy's dialect name; its own SQL texts are `sql/<folder>/<name>/`
    kind: ClassVar[str]  # the Dagster kind of the tables and views it holds
    pool: ClassVar[str]  # the Dagster pool of every step that writes it (dagster_home/dagster.yaml)

    @abstractmethod
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
        """A SQLAlchemy engine on `warehouse`, with the options this engine takes (the others are ignored)."""

    @abstractmethod
    def pinned(self, warehouse: Path | URL) -> AbstractContextManager[None]:
        """A block inside which the open warehouse stays this process's alone (entered before `open`)."""

    @abstractmethod
    def ensure_storage_format(
        self,
        warehouse: Path | URL,
        version: str,
        memory_limit: str,
        wait_seconds: float,
        check: Callable[[], None] | None,
        on_wait: Callable[[str], None] | None,
    ) -> float | None:
        """Bring the stored warehouse to storage format `version` before it is opened; the seconds it took."""

    @abstractmethod
    def hold_lock(
        self,
        engine: Engine,
        warehouse: Path | URL,
        wait_seconds: float,
        check: Callable[[], None] | None,
        on_wait: Callable[[str], None] | None,
        holder: str | None = None,
    ) -> Connection:
        """A connection holding the write lock, waited for up to `wait_seconds`; raises `WarehouseLocked`.

        `holder` names the load to a writer that meets the lock (`Dagster run <id>`), beside its pid.
        """

    @abstractmethod
    def release_lock(self, lock: Connection) -> None:
        """Give back the lock `hold_lock` took, at once, and close its connection."""

    @abstractmethod
    def lock_conflict(self, error: BaseException, warehouse: Path | URL) -> WarehouseLocked | None:
        """`error` as a `WarehouseLocked` when it is this engine's refusal to open a held warehouse, else None."""

    @abstractmethod
    def stage(self, connection: Connection, name: str, frame: pl.DataFrame) -> None:
        """Make `frame` readable as table `name` on `connection` (a rollback removes it)."""

    @abstractmethod
    def unstage(self, connection: Connection, names: list[str]) -> None:
        """Remove the staged frames `names` (a failed statement leaves it to the caller's rollback)."""

    @abstractmethod
    def read_frame(self, connection: Connection, sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
        """The rows of query `sql` (no parameters, columns `schema`) as a Polars frame."""

    @abstractmethod
    def checkpoint(self, connection: Connection) -> None:
        """Make what was committed durable in the stored warehouse now (outside any transaction)."""

    @abstractmethod
    def interrupter(self, connection: Connection) -> Callable[[], None]:
        """What stops the statement running on `connection`, callable from a signal handler."""

    @abstractmethod
    def after_merge(self, connection: Connection) -> None:
        """The engine's own work after each batch's merge steps, inside the batch's transaction."""

    @abstractmethod
    def defer_indexes(self, connection: Connection) -> None:
        """Drop the indexes a first backfill builds faster at its end, inside the caller's transaction."""

    @abstractmethod
    def restore_indexes(self, connection: Connection) -> None:
        """Build the deferred indexes that are missing, inside the caller's transaction (else nothing)."""

    @abstractmethod
    def publish(
        self,
        engine: Engine,
        settings: Settings,
        stop_check: Callable[[], None] | None = None,
        on_wait: Callable[[str], None] | None = None,
        wait_seconds: float | None = None,
    ) -> dict[str, object]:
        """Show readers the committed warehouse: the serving copy's `path` and `publish_seconds` (None: none made)."""

    @abstractmethod
    def grant_reader(self, connection: Connection, role: str) -> None:
        """Let `role` read every table and view of the warehouse, and write nothing; ValueError without roles."""


def wait_for_lock(
    take: Callable[[], T | object],
    wait_seconds: float,
    check: Callable[[], None] | None,
    on_wait: Callable[[str], None] | None,
    waiting: Callable[[], str],
    timed_out: Callable[[], WarehouseLocked],
) -> T:
    """`take()` until it returns something else than `HELD`, for up to `wait_seconds`; then raise `timed_out()`.

    `check` runs before each try (a stop request raises there, so a queued load stops at once);
    `on_wait` is told once, when the first try finds the lock held, the message `waiting()` makes.
    """
    started, told = time.monotonic(), on_wait is None
    while True:
        if check is not None:
            check()
        taken = take()
        if taken is not HELD:
            return taken
        waited = time.monotonic() - started
        if waited >= wait_seconds:
            raise timed_out()
        if not told:
            on_wait(waiting())
            told = True
        time.sleep(min(_POLL_SECONDS, wait_seconds - waited))


def waited_text(waited: float) -> str:
    """How a lock message says how long it waited (nothing when it did not)."""
    return f" after waiting {waited:g} s" if waited else ""


def engine_named(name: str) -> WarehouseEngine:
    """The engine whose SQLAlchemy dialect is `name` ("duckdb", "postgresql")."""
    if name not in NAMES:
        raise ValueError(f"no warehouse engine {name!r}: one of {', '.join(NAMES)}")
    return importlib.import_module(f"etl.engines.{name}").ENGINE


def engine_at(warehouse: Path | URL) -> WarehouseEngine:
    """The engine of the warehouse `warehouse` names: a URL's backend, or DuckDB for a file path."""
    return engine_named(warehouse.get_backend_name() if isinstance(warehouse, URL) else "duckdb")


def engine_of(bind: Connection | Engine) -> WarehouseEngine:
    """The engine a SQLAlchemy connection or engine is open on."""
    return engine_named(bind.dialect.name)
