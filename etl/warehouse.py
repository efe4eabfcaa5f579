"""Open the warehouse (a DuckDB file or a PostgreSQL database) through SQLAlchemy and migrate it with Alembic."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from etl.duckdb_exit import release_at_exit
from etl.engines import WarehouseLocked, engine_at, engine_of
from etl.engines.duckdb import WarehousePathError
from etl.settings import DEFAULTS
from models.views import pinned_views

if TYPE_CHECKING:
    from etl.settings import Settings

# Raised by the functions below whatever the engine; imported from here by their callers.
__all__ = ["WarehouseLocked", "WarehousePathError"]

# Every process that can open a warehouse (the CLI, Dagster's) exits without nanobind's leak report.
release_at_exit()


def warehouse_engine(
    path: Path | URL,
    read_only: bool = False,
    memory_limit: str = DEFAULTS.duckdb_memory,
    checkpoint_threshold: str = DEFAULTS.duckdb_checkpoint,
    storage_version: str = DEFAULTS.storage_version,
    connect_timeout: int = DEFAULTS.connect_timeout,
) -> Engine:
    """A SQLAlchemy engine on the warehouse at `path`: a DuckDB file (created with its folder if missing) or a URL.

    A new DuckDB file is created in storage format `storage_version` (see `etl.storage`); an
    existing one keeps its own format (`ensure_storage_format` rewrites it). Each engine takes
    the options that apply to it (`etl.engines`).
    """
    return engine_at(path).open(
        path,
        read_only=read_only,
        memory_limit=memory_limit,
        checkpoint_threshold=checkpoint_threshold,
        storage_version=storage_version,
        connect_timeout=connect_timeout,
    )


@contextmanager
def reading(path: Path | URL) -> Iterator[Connection]:
    """A connection that reads the warehouse at `path` and never commits anything.

    A DuckDB file is opened read-only (a missing one is a FileNotFoundError, never created; one a
    load holds is `WarehouseLocked`). PostgreSQL refuses even temporary tables (the audit's scope
    copies) in a read-only transaction: there the work runs in one transaction that is rolled back.
    """
    if isinstance(path, Path) and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `paperhouse load` first")
    engine = warehouse_engine(path, read_only=isinstance(path, Path))
    try:
        with engine.connect() as connection:
            try:
                yield connection
            finally:
                connection.rollback()
    except OperationalError as exc:
        locked = engine_at(path).lock_conflict(exc, path)
        if locked is None:
            raise
        raise locked from None
    finally:
        engine.dispose()


def engine_for(settings: Settings, read_only: bool = False) -> Engine:
    """`warehouse_engine` on the configured warehouse, with the configured DuckDB options."""
    return warehouse_engine(
        settings.warehouse,
        read_only=read_only,
        memory_limit=settings.duckdb_memory,
        checkpoint_threshold=settings.duckdb_checkpoint,
        storage_version=settings.storage_version,
        connect_timeout=settings.connect_timeout,
    )


def pinned(path: Path | URL) -> AbstractContextManager[None]:
    """Enter before opening the warehouse at `path`, leave after disposing of it (a DuckDB file: `etl.storage.pinned`)."""
    return engine_at(path).pinned(path)


def hold_writer_lock(
    engine: Engine,
    path: Path | URL,
    wait_seconds: float = 0.0,
    check: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    holder: str | None = None,
) -> Connection:
    """Open a connection that holds the warehouse's write lock, waiting up to `wait_seconds` for it.

    The caller keeps it open for the whole load (connections of this process share the lock)
    and closes it after; `check` runs before each try (a stop request raises there); `on_wait`
    hears once whom it waits for; raises `WarehouseLocked` naming the holder when the wait runs out.
    `holder` is how another writer meeting the lock hears of this one (`Dagster run <id>`), beside its pid.
    """
    return engine_of(engine).hold_lock(engine, path, wait_seconds, check, on_wait, holder)


def release_writer_lock(lock: Connection) -> None:
    """Give back the write lock `hold_writer_lock` took: at once, not when the server notices the session ended."""
    engine_of(lock).release_lock(lock)


def ensure_storage_format(
    path: Path | URL,
    version: str,
    memory_limit: str = DEFAULTS.duckdb_memory,
    wait_seconds: float = 0.0,
    check: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> float | None:
    """Rewrite the warehouse in storage format `version` if it is in another; return the seconds it took.

    Call it before opening an engine on `path`, which it opens first, waiting like
    `hold_writer_lock`; a path that is no DuckDB warehouse raises `WarehousePathError` first. See
    `etl.engines.duckdb.rewrite_in_format`. Nothing to do on PostgreSQL (a URL): the server owns its storage.
    """
    return engine_at(path).ensure_storage_format(path, version, memory_limit, wait_seconds, check, on_wait)


def checkpoint(connection: Connection) -> None:
    """Make the committed warehouse durable in its files now (outside any transaction).

    DuckDB writes what its WAL holds into the database file, compressed; PostgreSQL's server
    checkpoints on its own schedule.
    """
    engine_of(connection).checkpoint(connection)


def interrupter(connection: Connection) -> Callable[[], None]:
    """What stops the statement running on `connection` (callable from a signal handler)."""
    return engine_of(connection).interrupter(connection)


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations.

    Found, not imported: `etl` imports nothing from `migrations` (Alembic runs its env.py).
    """
    spec = importlib.util.find_spec("migrations")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the migrations package is not installed beside etl")
    config = Config()
    config.set_main_option("script_location", spec.submodule_search_locations[0])
    return config


def migrate_in(connection: Connection, revision: str = "head") -> None:
    """Upgrade the schema to `revision` inside the caller's transaction (a no-op when already there)."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _revision_in(connection: Connection) -> str | None:
    exists = connection.execute(
        text(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = 'alembic_version' AND table_schema = current_schema()"
        )
    ).scalar_one()
    if not exists:
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def migrate(engine: Engine, revision: str = "head") -> bool:
    """Upgrade the warehouse schema (tables and views) to `revision`; return whether anything changed.

    A migration that changed something is checkpointed at once. DuckDB 2.0 can otherwise store
    rows twice: appends to a table that an uncheckpointed migration rebuilt and renamed (0005)
    came out duplicated by the next automatic checkpoint (5 GB benchmark, 1.4M keyword rows).
    """
    with engine.connect() as connection:
        with connection.begin():
            before = _revision_in(connection)
            migrate_in(connection, revision)
            changed = _revision_in(connection) != before
        if changed:
            checkpoint(connection)
    return changed


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the warehouse schema to `revision`."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The Alembic revision the warehouse is at, or None when it was never migrated."""
    with engine.connect() as connection:
        return _revision_in(connection)


def head_views(dialect: str = "duckdb") -> dict[str, str]:
    """Each view's SQL text for `dialect` as the newest migration that touches it pins it, in creation order."""
    return pinned_views(ScriptDirectory.from_config(alembic_config()), dialect)
