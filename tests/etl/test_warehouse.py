"""Opening the warehouse (etl.warehouse): created on first use, migrated once, one writing process at a time."""

from __future__ import annotations

import time

import pytest
from alembic.script import ScriptDirectory

from etl.storage import storage_version_of
from etl.warehouse import (
    WarehouseLocked,
    alembic_config,
    current_revision,
    head_views,
    hold_writer_lock,
    migrate,
    warehouse_engine,
)
from tests.conftest import hold_warehouse


def test_a_new_warehouse_is_created_with_its_folder_in_the_portable_format_and_migrated_once(tmp_path):
    path = tmp_path / "deep" / "w.duckdb"
    engine = warehouse_engine(path)
    assert migrate(engine) is True
    assert migrate(engine) is False  # already at head: nothing to do
    assert current_revision(engine) == ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine.dispose()
    assert storage_version_of(path) == "v1.0.0"


def test_head_views_are_every_view_in_creation_order():
    assert list(head_views()) == [
        "v_papers", "v_paper_appearances", "v_papers_with_code", "v_keyword_counts", "v_duplicates",
        "v_title_collisions", "v_calendar", "v_keyword_weeks", "v_paper_keywords", "v_paper_links",
    ]  # fmt: skip


def test_a_second_writer_process_is_told_who_holds_the_file(tmp_path):
    path = tmp_path / "w.duckdb"
    setup = warehouse_engine(path)
    migrate(setup)
    setup.dispose()
    holder = hold_warehouse(path, 60)
    try:
        engine = warehouse_engine(path)
        started = time.monotonic()
        with pytest.raises(
            WarehouseLocked, match=rf"being written by process {holder.pid} .*after waiting 1 s"
        ) as raised:
            hold_writer_lock(engine, path, wait_seconds=1.0)
        assert time.monotonic() - started >= 1.0
        assert raised.value.pid == holder.pid
    finally:
        holder.kill()
        holder.wait()
    hold_writer_lock(engine, path).close()  # released with its holder
    engine.dispose()
