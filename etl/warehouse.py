"""Open the warehouse (a DuckDB file or a PostgreSQL database) through SQLAlchemy and migrate it with Alembic."""

from __future__ import annotations

import errno
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

import migrations
from etl.duckdb_exit import release_at_exit
from etl.postgres import (
    DEFAULT_CONNECT_TIMEOUT,
    LoadLockTimeout,
    canceller,
    hold_load_lock,
    postgres_engine,
    release_load_lock,
)
from etl.storage import DEFAULT_STORAGE_VERSION, NO_EXTENSION_DOWNLOADS, foreign_kind, rewrite_in_format

if TYPE_CHECKING:
    from etl.settings import Settings

T = TypeVar("T")
DIALECT = "duckdb+paperhouse"

DEFAULT_MEMORY_LIMIT = "1GB"
DEFAULT_CHECKPOINT_THRESHOLD = "256MB"
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")

# Every process that can open a warehouse (the CLI, Dagster's) exits without nanobind's leak report.
release_at_exit()


def _writer(program: str | None, pid: int | None) -> str:
    """How messages name the process holding a DuckDB file's lock."""
    return f"process {pid} ({program})" if pid else "another process"


class WarehouseLocked(RuntimeError):
    """Another load holds the warehouse: DuckDB's file lock (one writing process) or PostgreSQL's load lock."""

    def __init__(
        self, path: Path | str, holder: str | None, pid: int | None, waited: float, message: str | None = None
    ) -> None:
        who = _writer(holder, pid)
        waited_text = f" after waiting {waited:g} s" if waited else ""
        super().__init__(
            message
            or f"the warehouse {path} is being written by {who}{waited_text}: another load "
            "(a `paperhouse load` or a Dagster run) is running; nothing was done. "
            "Run again later, or pass --wait SECONDS to queue behind it"
        )
        self.path, self.holder, self.pid = path, holder, pid


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


def warehouse_engine(
    path: Path | URL,
    read_only: bool = False,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    checkpoint_threshold: str = DEFAULT_CHECKPOINT_THRESHOLD,
    storage_version: str = DEFAULT_STORAGE_VERSION,
    connect_timeout: int = DEFAULT_CONNECT_TIMEOUT,
) -> Engine:
    """A SQLAlchemy engine on the DuckDB file at `path` (created with its folder if missing).

    A new file is created in storage format `storage_version` (see `etl.storage`); an existing
    one keeps its own format (`ensure_storage_format` rewrites it). A URL opens PostgreSQL
    (`etl.postgres`), where the DuckDB options do not apply.
    """
    if isinstance(path, URL):
        return postgres_engine(path, read_only=read_only, connect_timeout=connect_timeout)
    prepare_warehouse_path(path, read_only)
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
    return create_engine(URL.create(DIALECT, database=str(path)), connect_args=connect_args)


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


def lock_holder(error: BaseException) -> tuple[str, int] | None:
    """(program, pid) of the process holding the lock, when `error` is DuckDB's lock conflict."""
    match = _LOCK_HOLDER.search(str(error))
    if match is None and "Could not set lock on file" not in str(error):
        return None
    return (match[1], int(match[2])) if match else ("", 0)


def _while_locked(
    attempt: Callable[[], T],
    path: Path,
    wait_seconds: float,
    check: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> T:
    """Run `attempt`, retrying while another process holds the file's lock, up to `wait_seconds`.

    `check` runs before each try (a stop request raises there, so a queued load stops at once);
    `on_wait` is told once, when the first try finds the lock held, who holds it.
    """
    started, told = time.monotonic(), on_wait is None
    while True:
        if check is not None:
            check()
        try:
            return attempt()
        except (OperationalError, duckdb.Error) as exc:
            holder = lock_holder(exc)
            if holder is None:
                raise
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                raise WarehouseLocked(path, holder[0] or None, holder[1] or None, wait_seconds) from None
            if not told:
                who = _writer(*holder)
                on_wait(
                    f"the warehouse {path} is being written by {who}: waiting up to {wait_seconds:g} s for its lock"
                )
                told = True
            time.sleep(min(0.5, wait_seconds - waited))


def hold_writer_lock(
    engine: Engine,
    path: Path,
    wait_seconds: float = 0.0,
    check: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Connection:
    """Open a connection that holds the warehouse's write lock, waiting up to `wait_seconds` for it.

    The caller keeps it open for the whole load (connections of this process share the lock)
    and closes it after; `on_wait` hears once whom it waits for; raises `WarehouseLocked`
    naming the holder when the wait runs out.
    """
    if engine.dialect.name == "postgresql":
        try:
            return hold_load_lock(engine, str(path), wait_seconds, check, on_wait)
        except LoadLockTimeout as exc:
            raise WarehouseLocked(path, exc.holder, None, wait_seconds, str(exc)) from None
    return _while_locked(engine.connect, path, wait_seconds, check, on_wait)


def release_writer_lock(lock: Connection) -> None:
    """Give back the write lock `hold_writer_lock` took: at once, not when the server notices the session ended."""
    if lock.dialect.name == "postgresql":
        release_load_lock(lock)
    else:
        lock.close()


def ensure_storage_format(
    path: Path | URL,
    version: str,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    wait_seconds: float = 0.0,
    check: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> float | None:
    """Rewrite the warehouse in storage format `version` if it is in another; return the seconds it took.

    Call it before opening an engine on `path`, which it opens first, waiting like
    `hold_writer_lock`; a path that is no DuckDB warehouse raises `WarehousePathError` first. See `etl.storage.rewrite_in_format`. Nothing to do on PostgreSQL
    (a URL): the server owns its storage.
    """
    if isinstance(path, URL):
        return None
    prepare_warehouse_path(path)
    rewrite = lambda: rewrite_in_format(path, version, memory_limit)  # noqa: E731
    return _while_locked(rewrite, path, wait_seconds, check, on_wait)


def checkpoint(connection: Connection) -> None:
    """Write what DuckDB's WAL holds into the database file, compressed (outside any transaction).

    Nothing on PostgreSQL, whose server checkpoints on its own schedule.
    """
    if connection.dialect.name == "duckdb":
        connection.connection.driver_connection.execute("CHECKPOINT")


def interrupter(connection: Connection) -> Callable[[], None]:
    """What stops the statement running on `connection` (callable from a signal handler)."""
    raw = connection.connection.driver_connection
    return raw.interrupt if connection.dialect.name == "duckdb" else canceller(raw)


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
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
    from alembic.script import ScriptDirectory

    from migrations.views import engine_text

    scripts = ScriptDirectory.from_config(alembic_config())
    views: dict[str, str] = {}
    for script in reversed(list(scripts.walk_revisions())):  # base first
        pinned = getattr(script.module, "VIEWS", {})
        engine_views = getattr(script.module, "ENGINE_VIEWS", None)
        views.update({name: engine_text(name, pinned, engine_views, dialect) for name in pinned})
    return views
