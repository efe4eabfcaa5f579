"""The warehouse's storage format: old enough for DuckDB 1.x clients, rewritten once when it is not."""

from __future__ import annotations

import json

import duckdb
import pytest

from etl.cli import EXIT_OK, main
from etl.settings import Settings, SettingsError
from etl.storage import STORAGE_FORMATS, storage_number, storage_version_of
from etl.warehouse import WarehouseLocked, ensure_storage_format, migrate, warehouse_engine
from tests.conftest import hold_warehouse, snapshot

CATALOG = (
    "SELECT 'table', table_name, comment FROM duckdb_tables() UNION ALL "
    "SELECT 'view', view_name, comment FROM duckdb_views() WHERE NOT internal UNION ALL "
    "SELECT 'column', table_name || '.' || column_name, comment FROM duckdb_columns() UNION ALL "
    "SELECT constraint_type, table_name, constraint_text FROM duckdb_constraints() ORDER BY ALL"
)


def catalog(path) -> list[tuple]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute(CATALOG).fetchall()
    finally:
        connection.close()


@pytest.mark.parametrize("version", list(STORAGE_FORMATS))
def test_a_new_warehouse_is_created_in_the_configured_format(tmp_path, version):
    path = tmp_path / "w.duckdb"
    engine = warehouse_engine(path, storage_version=version)
    migrate(engine)
    engine.dispose()
    assert (storage_version_of(path), storage_number(path)) == (version, STORAGE_FORMATS[version][0])


def test_the_default_format_opens_in_duckdb_1_0_and_later(tmp_path, sample_dir, capsys):
    warehouse = tmp_path / "w.duckdb"
    assert main(["load", str(sample_dir), "--warehouse", str(warehouse), "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    serving = tmp_path / "serving" / "w.duckdb"
    assert storage_version_of(warehouse) == storage_version_of(serving) == "v1.0.0"
    assert report["storage"] == {"version": "v1.0.0", "rewritten_seconds": None}
    stamp = json.loads((tmp_path / "serving" / "w.duckdb.published.json").read_text())
    assert (stamp["storage_version"], stamp["readable_from_duckdb"]) == ("v1.0.0", "1.0")


def test_a_warehouse_in_another_format_is_rewritten_once_and_keeps_everything(
    tmp_path, sample_dir, capsys, monkeypatch
):
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("PAPERHOUSE_STORAGE_VERSION", "v2.0.0")
    assert main(["load", str(sample_dir), "--warehouse", str(warehouse)]) == EXIT_OK
    assert storage_version_of(warehouse) == storage_version_of(tmp_path / "serving" / "w.duckdb") == "v2.0.0"
    engine = warehouse_engine(warehouse, storage_version="v2.0.0")
    rows_before = snapshot(engine)
    engine.dispose()
    catalog_before = catalog(warehouse)
    monkeypatch.delenv("PAPERHOUSE_STORAGE_VERSION")
    capsys.readouterr()
    assert main(["load", str(sample_dir), "--warehouse", str(warehouse), "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["storage"]["version"] == "v1.0.0" and report["storage"]["rewritten_seconds"] > 0
    assert report["files_unchanged"] == 5
    assert isinstance(report["serving"]["publish_seconds"], float)  # a copy in the old format is stale
    assert storage_version_of(warehouse) == storage_version_of(tmp_path / "serving" / "w.duckdb") == "v1.0.0"
    engine = warehouse_engine(warehouse)
    assert snapshot(engine) == rows_before
    engine.dispose()
    assert [row for row in catalog(warehouse) if row[0] != "view"] == [
        r for r in catalog_before if r[0] != "view"
    ]
    assert [row[1:] for row in catalog(warehouse) if row[0] == "view"] == [
        r[1:] for r in catalog_before if r[0] == "view"
    ]
    assert ensure_storage_format(warehouse, "v1.0.0") is None  # once
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "raw",
        "serving",
        "w.duckdb",
    ]  # no staging file left


def test_a_rewrite_waits_for_another_writer_and_says_who_it_is(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    engine = warehouse_engine(warehouse, storage_version="v2.0.0")
    migrate(engine)
    engine.dispose()
    holder = hold_warehouse(warehouse, 60)
    try:
        with pytest.raises(
            WarehouseLocked, match=rf"is being written by process {holder.pid} .* after waiting 0.2 s"
        ):
            ensure_storage_format(warehouse, "v1.0.0", wait_seconds=0.2)
    finally:
        holder.kill()
        holder.wait()
    assert storage_version_of(warehouse) == "v2.0.0"  # untouched
    assert [p.name for p in tmp_path.iterdir()] == ["w.duckdb"]
    assert ensure_storage_format(warehouse, "v1.0.0") > 0 and storage_version_of(warehouse) == "v1.0.0"


def test_a_bad_storage_version_is_a_setting_error():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"PAPERHOUSE_STORAGE_VERSION": "v0.9"})
    assert str(caught.value) == (
        "PAPERHOUSE_STORAGE_VERSION='v0.9': expected one of v1.0.0, v1.2.0, v1.3.0, v1.4.0, v1.5.0, v2.0.0"
    )
    assert Settings.from_env({"PAPERHOUSE_STORAGE_VERSION": "1.4.0"}).storage_version == "v1.4.0"
