"""The DuckDB engine (etl.engines.duckdb): what is no DuckDB file is refused unopened; the lock's holder read back."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
from sqlalchemy import text

from etl.engines import engine_at
from etl.engines.duckdb import WarehousePathError, lock_holder, prepare_warehouse_path
from etl.warehouse import warehouse_engine


def test_lock_holder_reads_duckdbs_conflict_message_and_nothing_else():
    message = 'IO Error: Could not set lock on file "/w.duckdb": Conflicting lock is held in /usr/bin/python3.11 (PID 4242) by user root.'
    assert lock_holder(RuntimeError(message)) == ("/usr/bin/python3.11", 4242)
    assert lock_holder(RuntimeError('IO Error: Could not set lock on file "/w.duckdb"')) == ("", 0)
    assert lock_holder(RuntimeError("Catalog Error: Table with name x does not exist")) is None


def test_a_sqlite_file_is_refused_unopened_and_unchanged(tmp_path):
    path = tmp_path / "w.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (a)")
    before = path.read_bytes()
    with pytest.raises(WarehousePathError) as caught:
        warehouse_engine(path)
    assert str(caught.value) == (
        f"cannot open the warehouse {path}: it is not a DuckDB warehouse (it looks like a SQLite database)"
    )
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["w.db"]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.mkdir(), "it is a folder, not a DuckDB file"),
        (lambda p: p.touch(), "it is not a DuckDB warehouse (it is an empty file)"),
        (
            lambda p: p.write_bytes(b"PAR1" + bytes(40)),
            "it is not a DuckDB warehouse (its first bytes are not DuckDB's file header)",
        ),
    ],
)
def test_a_path_that_is_no_duckdb_file_is_refused_naming_what_it_is(tmp_path, make, reason):
    path = tmp_path / "w.duckdb"
    make(path)
    with pytest.raises(WarehousePathError) as caught:
        prepare_warehouse_path(path)
    assert str(caught.value) == f"cannot open the warehouse {path}: {reason}"


def test_a_path_under_a_file_or_with_a_name_too_long_is_refused_in_words(tmp_path):
    (tmp_path / "file").write_text("x")
    under_a_file = tmp_path / "file" / "sub" / "w.duckdb"
    with pytest.raises(WarehousePathError) as caught:
        prepare_warehouse_path(under_a_file)
    assert (
        str(caught.value)
        == f"cannot open the warehouse {under_a_file}: {tmp_path / 'file'} is a file, not a folder"
    )
    too_long = tmp_path / ("x" * 300) / "w.duckdb"
    with pytest.raises(WarehousePathError) as caught:
        prepare_warehouse_path(too_long)
    assert str(caught.value).endswith(": a name in the path is longer than the file system allows")


def test_the_warehouse_never_loads_or_downloads_an_extension_on_its_own(tmp_path):
    engine = warehouse_engine(tmp_path / "w.duckdb")
    with engine.connect() as connection:
        settings = connection.execute(
            text(
                "SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('autoinstall_known_extensions', 'autoload_known_extensions') ORDER BY name"
            )
        ).all()
    engine.dispose()
    assert settings == [("autoinstall_known_extensions", "false"), ("autoload_known_extensions", "false")]


def test_a_named_holder_is_read_back_by_its_pid_and_forgotten_on_release(tmp_path):
    path = tmp_path / "w.duckdb"
    engine = warehouse_engine(path)
    own = engine_at(path)
    lock = own.hold_lock(engine, path, 0, None, None, "Dagster run 0b7e")
    named = tmp_path / ".w.duckdb.holder"
    assert json.loads(named.read_text()) == {"pid": os.getpid(), "holder": "Dagster run 0b7e"}
    conflict = RuntimeError(
        f"IO Error: Conflicting lock is held in /usr/bin/python3 (PID {os.getpid()}) by user u."
    )
    assert str(own.lock_conflict(conflict, path)).startswith(
        f"the warehouse {path} is being written by Dagster run 0b7e (pid {os.getpid()}): another load "
    )
    stale = RuntimeError("IO Error: Conflicting lock is held in /usr/bin/python3 (PID 7) by user u.")
    assert "being written by process 7 (/usr/bin/python3): " in str(own.lock_conflict(stale, path))
    own.release_lock(lock)
    engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]
    unnamed = own.hold_lock(warehouse_engine(path), path, 0, None, None)  # the CLI's: no file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb"]
    own.release_lock(unnamed)
