"""The engine interface (etl.engines): each engine found by name, by warehouse and by connection, and doing its part."""

from __future__ import annotations

import inspect
import re
import threading
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from etl import engines
from etl.engines import WarehouseEngine, WarehouseLocked, engine_at, engine_named, engine_of
from etl.settings import Settings
from tests.conftest import hold_warehouse

FRAME = pl.DataFrame({"paper_id": [3, 1, 2], "title": ["c", None, "b"]})
SCHEMA = {"paper_id": pl.Int64, "title": pl.String}


def test_every_engine_is_found_by_its_dialect_name_and_implements_the_whole_interface():
    found = [engine_named(name) for name in engines.NAMES]
    assert [e.name for e in found] == ["duckdb", "postgresql"]
    assert [(e.kind, e.pool) for e in found] == [
        ("duckdb", "duckdb_warehouse"),
        ("postgres", "postgres_warehouse"),
    ]
    for engine in found:
        assert isinstance(engine, WarehouseEngine)
        assert inspect.getmodule(engine).__name__ == f"etl.engines.{engine.name}"
    with pytest.raises(ValueError, match="no warehouse engine 'sqlite': one of duckdb, postgresql"):
        engine_named("sqlite")


def test_a_path_is_duckdb_and_a_url_its_backend():
    assert engine_at(Path("w.duckdb")).name == "duckdb"
    assert engine_at(make_url("postgresql+psycopg://loader@db/papers")).name == "postgresql"


def test_a_connection_names_the_engine_of_its_warehouse(engine, warehouse_target):
    with engine.connect() as connection:
        assert engine_of(connection) is engine_of(engine) is engine_at(warehouse_target)


def test_a_staged_frame_reads_back_and_goes_when_unstaged(engine):
    with engine.connect() as connection, connection.begin() as transaction:
        own = engine_of(connection)
        own.stage(connection, "stg_frame", FRAME)
        back = own.read_frame(connection, "SELECT paper_id, title FROM stg_frame ORDER BY paper_id", SCHEMA)
        assert back.to_dicts() == FRAME.sort("paper_id").to_dicts()
        own.after_merge(connection)  # inside the batch's transaction, with the merged tables there
        own.unstage(connection, ["stg_frame", "stg_never_staged"])
        assert not connection.execute(
            text("SELECT count(*) FROM information_schema.tables WHERE table_name = 'stg_frame'")
        ).scalar_one()
        transaction.rollback()
    with engine.connect() as connection:
        engine_of(connection).checkpoint(connection)  # outside any transaction


def test_deferred_indexes_are_built_again_once(engine):
    with engine.connect() as connection, connection.begin() as transaction:
        own = engine_of(connection)
        own.defer_indexes(connection)  # a first backfill's first transaction
        own.restore_indexes(connection)  # its last
        own.restore_indexes(connection)  # the next load's: nothing is missing
        transaction.rollback()


def test_the_interrupter_stops_a_running_statement(engine):
    with engine.connect() as connection:
        interrupt = engine_of(connection).interrupter(connection)
        timer = threading.Timer(0.5, interrupt)
        timer.start()
        try:
            with pytest.raises(Exception):  # noqa: B017, PT011 - each engine has its own error
                connection.execute(
                    text("SELECT count(*) FROM range(100000) a, range(100000) b WHERE a.range + b.range = -1")
                    if connection.dialect.name == "duckdb"
                    else text("SELECT pg_sleep(30)")
                ).scalar_one()
        finally:
            timer.cancel()
        connection.invalidate()


@pytest.fixture
def held(warehouse_target, engine):
    """The warehouse's write lock, held by another load (a process for DuckDB, a session for PostgreSQL)."""
    if isinstance(warehouse_target, Path):
        engine.dispose()  # this process holds the file no longer
        holder = hold_warehouse(warehouse_target, 60)
        yield f"process {holder.pid} ("
        holder.kill()
        holder.wait()
        return
    own = engine_of(engine)
    lock = own.hold_lock(engine, warehouse_target, 0, None, None)
    yield "pid "
    own.release_lock(lock)


def test_a_second_load_waits_then_is_refused_naming_the_holder(warehouse_target, engine, held):
    heard: list[str] = []
    own = engine_at(warehouse_target)
    with pytest.raises(WarehouseLocked) as refused:
        own.hold_lock(engine, warehouse_target, 0.3, None, heard.append)
    message = str(refused.value)
    assert message.startswith(f"the warehouse {warehouse_target} is being ")
    assert (
        held in message
        and " after waiting 0.3 s: another load (a `paperhouse load` or a Dagster run) " in message
    )
    assert message.endswith("nothing was done. Run again later, or pass --wait SECONDS to queue behind it")
    lock = "lock" if isinstance(warehouse_target, Path) else "load lock"
    assert len(heard) == 1 and held in heard[0] and heard[0].endswith(f"waiting up to 0.3 s for its {lock}")
    assert refused.value.path == warehouse_target


def test_the_lock_is_released_at_once_for_the_next_load(warehouse_target, engine):
    own = engine_of(engine)
    own.release_lock(own.hold_lock(engine, warehouse_target, 0, None, None))
    own.release_lock(own.hold_lock(engine, warehouse_target, 0, None, None))


def test_duckdb_publishes_a_serving_copy_and_postgresql_none(warehouse_target, engine, tmp_path):
    settings = Settings.from_env({}, warehouse=warehouse_target, raw_dir=tmp_path / "raw")
    published = engine_of(engine).publish(engine, settings)
    if isinstance(warehouse_target, Path):
        assert published["path"] == str(settings.serving_path.absolute())
        assert published["publish_seconds"] > 0 and settings.serving_path.is_file()
    else:
        assert published == {"path": None, "publish_seconds": None}


def test_only_postgresql_grants_a_reader_role(duckdb_engine):
    with (
        duckdb_engine.connect() as connection,
        pytest.raises(ValueError, match="roles exist on PostgreSQL only"),
    ):
        engine_of(connection).grant_reader(connection, "analyst")


def test_only_duckdb_refuses_a_reader_while_a_load_writes(tmp_path):
    conflict = RuntimeError(
        'IO Error: Could not set lock on file "/w.duckdb": Conflicting lock is held in /bin/x (PID 7)'
    )
    locked = engine_named("duckdb").lock_conflict(conflict, tmp_path / "w.duckdb")
    assert (locked.holder, locked.pid) == ("/bin/x", 7) and "being written by process 7 (/bin/x):" in str(
        locked
    )
    assert engine_named("postgresql").lock_conflict(conflict, make_url("postgresql+psycopg://u@h/d")) is None
    assert engine_named("duckdb").lock_conflict(RuntimeError("Catalog Error"), tmp_path / "w.duckdb") is None


def test_postgresql_keeps_no_file_to_pin_or_rewrite():
    url = make_url("postgresql+psycopg://loader@db/papers")
    own = engine_at(url)
    with own.pinned(url):
        assert own.ensure_storage_format(url, "v1.0.0", "1GB", 0, None, None) is None


def test_how_to_add_an_engine_names_every_method_an_engine_implements():
    # ARCHITECTURE.md's "How to add an engine", step 1, is the checklist of a new engine module.
    text_ = (Path(__file__).resolve().parents[3] / "ARCHITECTURE.md").read_text(encoding="utf-8")
    step = text_.split("## How to add an engine", 1)[1].split("\n2. ", 1)[0]
    named = set(re.findall(r"`(\w+)`", step))
    abstract = set(WarehouseEngine.__abstractmethods__)
    assert abstract <= named, f"the how-to misses {sorted(abstract - named)}"
    assert {"name", "kind", "pool"} <= named
    assert named - abstract - {"name", "kind", "pool"} <= {
        "ENGINE",
        "wait_for_lock",
        "WarehouseLocked",
    }, "the how-to names a method the interface does not have"
