"""The shared run sequence: its guards hold for every entry point, and its lock covers the publish."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

import etl.serving
from etl.runner import LoadRequest, Outcome, run_load
from etl.settings import Settings
from etl.warehouse import warehouse_engine

WRITE = (
    "import duckdb, sys\n"
    "try:\n"
    "    duckdb.connect(sys.argv[1]).execute('CREATE TABLE intruder (a INTEGER)')\n"
    "    print('wrote')\n"
    "except duckdb.IOException as exc:\n"
    "    print('locked' if 'Could not set lock' in str(exc) else repr(exc))\n"
)


def _another_writer(path: Path) -> str:
    return subprocess.run(
        [sys.executable, "-c", WRITE, str(path)], capture_output=True, text=True
    ).stdout.strip()


def test_no_other_process_can_write_the_warehouse_until_the_publish_ends(monkeypatch, sample_dir, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    seen: dict[str, str] = {}
    copy, stamp = etl.serving.copy_file, etl.serving._write_stamp

    def copying(source, target):
        seen["copy"] = _another_writer(warehouse)
        return copy(source, target)

    def stamping(serving, content):
        seen["stamp"] = _another_writer(warehouse)
        return stamp(serving, content)

    monkeypatch.setattr(etl.serving, "copy_file", copying)
    monkeypatch.setattr(etl.serving, "_write_stamp", stamping)
    run = run_load(Settings.from_env(env={}, raw_dir=sample_dir, warehouse=warehouse))
    assert run.outcome is Outcome.LOADED and run.complete
    assert seen == {"copy": "locked", "stamp": "locked"}
    assert _another_writer(warehouse) == "wrote"  # released once the run returned
    engine = warehouse_engine(warehouse)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 411
    engine.dispose()


def test_an_emptying_prune_is_refused_before_anything_is_opened(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    warehouse = tmp_path / "w.duckdb"
    run = run_load(Settings.from_env(env={}, raw_dir=raw, warehouse=warehouse), LoadRequest(prune=True))
    assert run.outcome is Outcome.BAD_REQUEST
    assert run.message.startswith(f"refusing --prune: {raw} holds no dumps")
    assert not warehouse.exists()


@pytest.mark.parametrize("only", [["nothing.txt"], []])
def test_a_partition_selection_reads_only_its_dumps_but_a_full_refresh_reads_the_folder(
    only, sample_dir, tmp_path
):
    settings = Settings.from_env(env={}, raw_dir=sample_dir, warehouse=tmp_path / "w.duckdb")
    selected = run_load(settings, LoadRequest(only=only))
    assert selected.read == [] and selected.missing == sorted(set(only))
    assert selected.report.files_loaded == 0
    rebuilt = run_load(settings, LoadRequest(full_refresh=True, only=only))
    assert rebuilt.outcome is Outcome.LOADED and rebuilt.missing == []
    assert rebuilt.read == sorted(p.name for p in sample_dir.glob("*.txt"))
    assert rebuilt.report.files_loaded == 5 and rebuilt.report.warehouse_rows["papers"] == 411


def test_a_link_in_the_raw_folder_to_the_warehouse_is_refused_by_name_and_never_read(sample_dir, tmp_path):
    warehouse = tmp_path / "w.duckdb"
    settings = Settings.from_env(env={}, raw_dir=sample_dir, warehouse=warehouse)
    assert run_load(settings).outcome is Outcome.LOADED
    (sample_dir / "wh.txt").symlink_to(warehouse)
    (sample_dir / "served.txt").symlink_to(tmp_path / "serving" / "w.duckdb")
    run = run_load(settings)
    assert run.outcome is Outcome.REFUSED_DUMPS
    assert run.report.files_rejected == [
        {
            "file": "served.txt",
            "reason": "served.txt: a link to the warehouse or its serving copy, never read as a dump",
        },
        {
            "file": "wh.txt",
            "reason": "wh.txt: a link to the warehouse or its serving copy, never read as a dump",
        },
    ]
    assert run.report.files_loaded == 0 and run.report.bytes_read == 0
