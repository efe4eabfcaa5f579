"""The PostgreSQL engine: its engines, the load's advisory lock, frames in by COPY, the analyst role.

DuckDB's file lock lets one process write; PostgreSQL lets many, so two loads (cron and a
Dagster run) serialize on a session advisory lock instead, held for the whole load. Readers
never wait: every statement reads a committed snapshot (MVCC), so there is no serving copy.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from pgpq import ArrowToPostgresBinaryEncoder
from psycopg import errors, sql
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from etl.engines import HELD, WarehouseEngine, WarehouseLocked, wait_for_lock, waited_text
from etl.settings import POSTGRES_DRIVER
from etl.sql import sql_file

if TYPE_CHECKING:
    from etl.settings import Settings

APPLICATION = "paperhouse load"  # application_name of the connection that holds the load lock
# The advisory lock key every paperhouse load takes: the first 63 bits of sha256("paperhouse.load").
LOAD_LOCK_KEY = 0x323A_7270_29F3_001C
COPY_CHUNK_ROWS = 65_536  # rows encoded per write: bounds the encoded copy held at once
# Dead peers (a host gone, a cable cut) are found by TCP keepalives within about a minute;
# a server that is up but silent is not, so a stop request closes what it leaves unanswered.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
# The memory of the search index's one build at the end of a first backfill (SET LOCAL: until
# its transaction ends, which runs nothing else heavy). A GIN build gathers its entries in it
# and writes them into the index each time it fills.
INDEX_BUILD_MEMORY = "512MB"
STOP_GRACE_SECONDS = 0.5  # after a stop request: for the cancel to be answered, then for the statement to end
_POLL_SECONDS = 0.05


class ServerSilent(RuntimeError):
    """The PostgreSQL server did not answer a connection within the connect timeout."""

    says_it_all = True  # `etl.report.cause` quotes the message alone

    def __init__(self, url: URL) -> None:
        where = f"{url.host or url.query.get('host', 'localhost')}:{url.port or url.query.get('port', 5432)}"
        super().__init__(
            f"the PostgreSQL server at {where} did not answer within {url.query['connect_timeout']} s "
            "(PAPERHOUSE_CONNECT_TIMEOUT)"
        )


def locked(warehouse: Path | URL | str, holder: str | None, waited: float) -> WarehouseLocked:
    """The refusal when `holder` (None: unknown) still holds the load lock after `waited` s."""
    return WarehouseLocked(
        f"the warehouse {warehouse} is being loaded by {holder or 'another session'}{waited_text(waited)}: "
        "another load (a `paperhouse load` or a Dagster run) holds its load lock; nothing was done. "
        "Run again later, or pass --wait SECONDS to queue behind it",
        warehouse,
        holder,
    )


LOCK_TIMEOUT = "120s"  # a DDL of a migration waiting behind an analyst's open transaction, say
STATEMENT_TIMEOUT = "1h"


def postgres_engine(
    url: URL,
    read_only: bool = False,
    application: str = "paperhouse",
    connect_timeout: int | None = None,
) -> Engine:
    """A SQLAlchemy engine on the PostgreSQL database at `url` (psycopg; the password from libpq's sources).

    A connection not answered within `connect_timeout` seconds (None: the setting's default)
    fails (a `connect_timeout` in the URL wins); TCP keepalives find a server that went away. A statement waits for another
    session's lock at most `LOCK_TIMEOUT`, and runs at most `STATEMENT_TIMEOUT` (generous: the
    longest statement of a 1 GB backfill takes seconds); a signal stops either sooner.
    """
    options = f"-c lock_timeout={LOCK_TIMEOUT} -c statement_timeout={STATEMENT_TIMEOUT}"
    options += " -c default_transaction_read_only=on" if read_only else ""
    connect_args = {"application_name": application, "options": options, **KEEPALIVES}
    if connect_timeout is None:
        from etl.settings import DEFAULTS  # here: etl.settings imports this module

        connect_timeout = DEFAULTS.connect_timeout
    url = url.set(drivername=POSTGRES_DRIVER)
    if "connect_timeout" not in url.query:
        url = url.update_query_dict({"connect_timeout": str(connect_timeout)})
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True)


def connect(engine: Engine, check: Callable[[], None] | None = None) -> Connection:
    """`engine.connect()`, waited for so that `check` (a stop request raises there) is called every 50 ms.

    The connection is made on a daemon thread: a stop ends the wait at once, however long the
    server takes (a late connection is then closed). A server silent for the connect timeout is
    a `ServerSilent`.
    """
    made: list[Connection] = []
    failed: list[BaseException] = []
    abandoned = threading.Event()

    def attempt() -> None:
        try:
            connection = engine.connect()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            failed.append(exc)
            return
        made.append(connection)
        if abandoned.is_set():
            connection.close()

    thread = threading.Thread(target=attempt, name="paperhouse-connect", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            if check is not None:
                check()
            thread.join(_POLL_SECONDS)
    except BaseException:
        abandoned.set()
        if made:
            made[0].close()
        raise
    if failed:
        error = failed[0]
        if isinstance(error, OperationalError) and "timeout expired" in str(error.orig):
            raise ServerSilent(engine.url) from None
        raise error
    return made[0]


def canceller(raw) -> Callable[[], None]:  # noqa: ANN001 - a psycopg connection
    """What stops the statement running on `raw`, callable from a signal handler: it never blocks.

    On a thread: a cancel request; if a statement is still waiting for the server's answer after
    the grace (a server that does not answer), the socket is shut down, which ends the wait with
    an error (the server rolls back what the session did not commit). A session the server has
    answered (idle, in a transaction, or failed by the cancel) is left to the load, which stops
    between statements and rolls back.
    """

    def cancel() -> None:
        try:
            raw.cancel_safe(timeout=STOP_GRACE_SECONDS)
        except Exception:  # noqa: BLE001, S110 - a server that does not answer the cancel: shut it below
            pass
        deadline = time.monotonic() + 2 * STOP_GRACE_SECONDS
        while time.monotonic() < deadline:
            if raw.closed or raw.pgconn.transaction_status != TransactionStatus.ACTIVE:
                return
            time.sleep(_POLL_SECONDS)
        try:
            with socket.socket(fileno=os.dup(raw.fileno())) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    return lambda: threading.Thread(target=cancel, name="paperhouse-cancel", daemon=True).start()


def lock_holder(connection: Connection) -> str | None:
    """Who holds the load lock: `pid N (application) from host`, or None when nobody does."""
    row = connection.execute(text(sql_file("postgresql", "load_lock_holder")), {"key": LOAD_LOCK_KEY}).first()
    if row is None:
        return None
    pid, application, client = row
    return f"pid {pid}" + (f" ({application})" if application else "") + (f" from {client}" if client else "")


def hold_load_lock(
    engine: Engine,
    warehouse: Path | URL | str,
    wait_seconds: float = 0.0,
    check: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    holder: str | None = None,
) -> Connection:
    """A connection holding the load's advisory lock, waiting up to `wait_seconds` for it.

    The caller keeps it open for the whole load and closes it after (which releases the lock,
    as does the end of the session if the process dies). When it has to wait, `on_wait` is told
    once who holds the lock. Raises `WarehouseLocked` naming the holder. `holder` names this load
    to the others (`Dagster run <id>`) in its session's application name.
    """
    connection = connect(engine, check)
    # Out of the pool: closing it ends the session, which releases the lock (a pooled session would keep it).
    connection.detach()

    def take() -> Connection | object:
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LOAD_LOCK_KEY}
        ).scalar_one()
        connection.commit()  # a session lock outlives the transaction; end it, not to hold a snapshot
        return connection if taken else HELD

    def waiting() -> str:
        who = lock_holder(connection) or "another session"
        connection.commit()
        return f"the warehouse {warehouse} is being loaded by {who}: waiting up to {wait_seconds:g} s for its load lock"

    try:
        # Another writer reads the holder from pg_stat_activity: the application names the load
        # (the holder alone: the server cuts a name at 63 bytes, and a run id is 36).
        named = APPLICATION if holder is None else holder
        connection.execute(text("SELECT set_config('application_name', :name, false)"), {"name": named})
        return wait_for_lock(
            take,
            wait_seconds,
            check,
            on_wait,
            waiting,
            timed_out=lambda: locked(warehouse, lock_holder(connection), wait_seconds),
        )
    except BaseException:
        connection.close()
        raise


def release_load_lock(connection: Connection) -> None:
    """Release the load's advisory lock, then close its connection.

    Closing alone ends the session, but the server lets go of its locks a moment after the
    client has gone: a load started right then would find the lock still held.
    """
    try:
        if not connection.closed and not connection.invalidated:
            connection.rollback()
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOAD_LOCK_KEY})
            connection.commit()
    except Exception:  # noqa: BLE001 - a lost connection: the session's end releases the lock
        pass
    finally:
        connection.close()


def copy_frame(connection: Connection, table: str, frame: pl.DataFrame) -> None:
    """Create temporary table `table` with `frame`'s columns and COPY the frame into it, in binary.

    Inside the caller's transaction: a rollback removes it. pgpq encodes the Arrow batches in
    PostgreSQL's binary COPY format (vectorized, no row in Python) and names each column's type,
    so the table and the stream cannot disagree; psycopg streams the bytes.
    """
    arrow = frame.with_columns(pl.col(pl.Null).cast(pl.String)).to_arrow()  # an all-null column: text
    encoder = ArrowToPostgresBinaryEncoder(arrow.schema)
    connection.exec_driver_sql(encoder.schema().ddl(table, temp_table=True))  # vetted name, typed columns
    if frame.height:
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} FROM STDIN (FORMAT binary)") as copy:
            copy.write(encoder.write_header())
            for batch in arrow.to_batches(max_chunksize=COPY_CHUNK_ROWS):
                copy.write(encoder.write_batch(batch))
            copy.write(encoder.finish())
    connection.exec_driver_sql(f"ANALYZE {table}")  # the planner sees its real size


def grant_reader(connection: Connection, role: str) -> None:
    """Grant `role` read access to the warehouse schema of `connection` (run as the loader that owns it).

    The default privileges are set for the role that runs the migrations, so they hold for the
    views later migrations re-create; only that role (or a superuser) may set them. Raises
    `PermissionError` naming it when the connected role may not (PostgreSQL's own GRANT would
    only warn and grant nothing).
    """
    schema, loader, connected = connection.exec_driver_sql(sql_file("roles", "migrating_role")).one()
    statement = sql.SQL(sql_file("roles", "grant_reader")).format(
        role=sql.Identifier(role), schema=sql.Identifier(schema), loader=sql.Identifier(loader)
    )
    hint = f"run grant-reader as {loader}, the role that owns the warehouse"
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(statement)  # identifiers quoted by psycopg, never pasted
    except errors.InsufficientPrivilege as exc:
        raise PermissionError(f"{connected} may not grant on the warehouse ({exc}); {hint}") from None


class PostgreSQLEngine(WarehouseEngine):
    """A PostgreSQL database (psycopg), which readers query directly."""

    name = "postgresql"
    kind = "postgres"
    pool = "postgres_warehouse"

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
        """`postgres_engine` on the URL; the DuckDB options do not apply."""
        return postgres_engine(warehouse, read_only=read_only, connect_timeout=connect_timeout)

    def pinned(self, warehouse: Path | URL) -> AbstractContextManager[None]:
        """Nothing to pin: the server holds the files."""
        return nullcontext()

    def ensure_storage_format(
        self,
        warehouse: Path | URL,
        version: str,
        memory_limit: str,
        wait_seconds: float,
        check: Callable[[], None] | None,
        on_wait: Callable[[str], None] | None,
    ) -> float | None:
        """Nothing to do: the server owns its storage."""
        return None

    def hold_lock(
        self,
        engine: Engine,
        warehouse: Path | URL,
        wait_seconds: float,
        check: Callable[[], None] | None,
        on_wait: Callable[[str], None] | None,
        holder: str | None = None,
    ) -> Connection:
        """The load's session advisory lock (`hold_load_lock`)."""
        return hold_load_lock(engine, warehouse, wait_seconds, check, on_wait, holder)

    def release_lock(self, lock: Connection) -> None:
        """Unlock at once, not when the server notices the session ended (`release_load_lock`)."""
        release_load_lock(lock)

    def lock_conflict(self, error: BaseException, warehouse: Path | URL) -> WarehouseLocked | None:
        """None: the load lock never keeps a reader out."""
        return None

    def stage(self, connection: Connection, name: str, frame: pl.DataFrame) -> None:
        """COPY the frame into a temporary table `name` (`copy_frame`)."""
        copy_frame(connection, name, frame)

    def unstage(self, connection: Connection, names: list[str]) -> None:
        """Drop the temporary tables `names`."""
        for name in names:
            with suppress(Exception):
                connection.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")  # vetted identifiers

    def read_frame(self, connection: Connection, sql: str, schema: dict[str, pl.DataType]) -> pl.DataFrame:
        """The query's rows, through psycopg."""
        return pl.DataFrame(connection.execute(text(sql)).all(), schema=schema, orient="row")

    def checkpoint(self, connection: Connection) -> None:
        """Nothing: the server checkpoints on its own schedule."""

    def interrupter(self, connection: Connection) -> Callable[[], None]:
        """A cancel request, then a shut socket if the server does not answer (`canceller`)."""
        return canceller(connection.connection.driver_connection)

    def after_merge(self, connection: Connection) -> None:
        """Flush the full-text index's pending list, so that it never grows across batches."""
        connection.execute(text(sql_file("postgresql", "flush_search_index")))

    def defer_indexes(self, connection: Connection) -> None:
        """Drop the full-text index: one build at the end costs less than keeping it up row by row."""
        connection.execute(text(sql_file("postgresql", "drop_search_index")))

    def restore_indexes(self, connection: Connection) -> None:
        """Build the full-text index if it is missing (a backfill's end, or the load after one that did not end)."""
        if connection.execute(text("SELECT to_regclass('ix_papers_search') IS NULL")).scalar_one():
            connection.execute(text(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'"))
            connection.execute(text(sql_file("postgresql", "create_search_index")))

    def publish(
        self,
        engine: Engine,
        settings: Settings,
        stop_check: Callable[[], None] | None = None,
        on_wait: Callable[[str], None] | None = None,
        wait_seconds: float | None = None,
    ) -> dict[str, object]:
        """No serving copy: readers query the database, which shows each commit at once."""
        return {"path": None, "publish_seconds": None}

    def grant_reader(self, connection: Connection, role: str) -> None:
        """`grant_reader`: the analyst role's grants (`sql/roles/`)."""
        grant_reader(connection, role)


ENGINE = PostgreSQLEngine()
