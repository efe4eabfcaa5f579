"""Dagster: the one Definitions, its lineage graph, schemas, pools and jobs."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.definitions.run_request import InstigatorType
from dagster._core.scheduler.instigation import TickStatus

from etl.dictionary import relations, views_in_creation_order
from etl.settings import unset_means
from models import TABLES
from orchestration import defs
from orchestration.assets.tables import WAREHOUSE_POOL, LoadConfig
from orchestration.engine import qualified_name
from orchestration.metadata import view_column_schemas
from orchestration.partitions import dump_partitions
from orchestration.resources import RUN_LOCK_WAIT_SECONDS, DumpFolderResource, WarehouseResource, run_settings
from tests.conftest import ROOT
from tests.orchestration.conftest import VIEW_NAMES


def parents() -> dict[str, set[str]]:
    graph = defs.resolve_asset_graph()
    return {
        key.to_user_string(): {p.to_user_string() for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }


def test_definitions_load_and_every_job_resolves():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {"dump_files"} | set(TABLES) | VIEW_NAMES | {"weekly_report"}
    for job in ("load_dumps_job", "rebuild_warehouse_job", "refresh_views_job", "refused_dumps_job"):
        defs.resolve_job_def(job)
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {"dump_files": "raw"} | dict.fromkeys(TABLES, "warehouse") | dict.fromkeys(
        VIEW_NAMES, "views"
    ) | {"weekly_report": "report"}
    assert all(graph.get(key).description for key in graph.get_all_asset_keys())


def test_the_graph_is_the_lineage_each_asset_from_what_it_is_computed_from():
    assert parents() == {
        "dump_files": set(),
        "source_files": {"dump_files"},
        "dates": {"dump_files"},
        "organizations": {"dump_files"},
        "papers": {"dump_files", "organizations", "dates"},
        "paper_appearances": {"source_files", "papers", "organizations", "dates"},
        "paper_texts": {"paper_appearances"},
        "links": {"papers"},
        "paper_links": {"papers", "links"},
        "keywords": {"papers"},
        "paper_keywords": {"papers", "keywords"},
        "v_papers": {"papers", "organizations", "dates", "paper_links", "links", "paper_appearances"},
        "v_papers_with_code": {"v_papers"},
        "v_duplicates": {"papers", "source_files", "dates", "paper_appearances"},
        "v_paper_appearances": {"paper_appearances", "papers", "source_files", "organizations", "dates"},
        "v_keyword_counts": {"keywords", "paper_keywords"},
        "v_title_collisions": {"papers"},
        "v_calendar": {"dates", "source_files"},
        "v_keyword_weeks": {"paper_keywords", "papers", "dates", "keywords"},
        "v_paper_keywords": {"paper_keywords", "papers", "keywords"},
        "v_paper_links": {"paper_links", "links", "papers"},
        "weekly_report": {
            "source_files",
            "v_calendar",
            "v_paper_appearances",
            "v_paper_keywords",
            "v_paper_links",
            "v_papers",
        },  # fmt: skip
    }


def test_the_dumps_are_an_external_partitioned_asset():
    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey("dump_files"))
    assert not node.is_materializable and node.partitions_def == dump_partitions


def test_warehouse_tables_carry_their_model_schema():
    graph = defs.resolve_asset_graph()
    for name, table in TABLES.items():  # the descriptions are the models' (the warehouse's comments)
        node = graph.get(dg.AssetKey(name))
        assert node.description == table.comment
        described = {c.name: c.description for c in node.metadata["dagster/column_schema"].columns}
        assert described == {c.name: c.comment for c in table.columns}
        assert all(described.values())
        assert node.metadata["dagster/table_name"] == qualified_name(name)


def test_views_carry_their_header_schema_and_description():
    graph = defs.resolve_asset_graph()
    views = view_column_schemas(views_in_creation_order())  # the files Dagster reads
    expected = {r.name: r for r in relations() if r.kind == "view"}
    assert set(views) == VIEW_NAMES
    for name, schema in views.items():
        node = graph.get(dg.AssetKey(name))
        assert node.description == expected[name].description
        assert node.metadata["dagster/column_schema"] == schema
        assert [(c.name, c.type, c.description) for c in schema.columns] == [
            (c.name, c.type, c.description) for c in expected[name].columns
        ]
        assert all(c.description and c.type != "unknown" for c in schema.columns)


def test_resources_resolve_configuration_at_run_time(monkeypatch, tmp_path):
    """The resources' fields over the environment, in one `Settings`, validated when a run asks."""
    resource = WarehouseResource()
    monkeypatch.setenv("PAPERHOUSE_WAREHOUSE", str(tmp_path / "from_env.duckdb"))
    assert run_settings(warehouse=resource).warehouse == tmp_path / "from_env.duckdb"
    assert run_settings(warehouse=resource).serving_path == tmp_path / "serving" / "from_env.duckdb"
    assert run_settings(warehouse=WarehouseResource(path="x.duckdb")).warehouse == Path("x.duckdb")
    monkeypatch.setenv("PAPERHOUSE_LISTING_YEAR", "2024")
    settings = run_settings(DumpFolderResource(path=str(tmp_path / "raw")), resource, batch_mb=8)
    assert (settings.raw_dir, settings.listing_year, settings.batch_bytes) == (
        tmp_path / "raw",
        2024,
        8_000_000,
    )
    monkeypatch.setenv("PAPERHOUSE_BATCH_MB", "lots")
    with pytest.raises(
        dg.Failure,
        match=r"bad setting: PAPERHOUSE_BATCH_MB='lots': expected a number of megabytes more than 0 and at most 4096",
    ):
        run_settings(DumpFolderResource())
    monkeypatch.delenv("PAPERHOUSE_BATCH_MB")
    assert run_settings(warehouse=resource).lock_wait_seconds == RUN_LOCK_WAIT_SECONDS
    assert run_settings(warehouse=WarehouseResource(lock_wait_seconds=0.5)).lock_wait_seconds == 0.5
    monkeypatch.setenv("PAPERHOUSE_LOCK_WAIT", "5")
    assert run_settings(warehouse=resource).lock_wait_seconds == 5
    refusal = (
        f"bad setting: the warehouse {tmp_path / 'from_env.duckdb'} is inside the raw dump folder {tmp_path}"
    )
    with pytest.raises(dg.Failure, match=re.escape(refusal)):
        run_settings(DumpFolderResource(path=str(tmp_path)), resource)


def test_every_resource_and_config_field_is_a_setting_described_by_the_settings():
    fields = {
        (WarehouseResource, "path"): "warehouse",
        (WarehouseResource, "lock_wait_seconds"): "lock_wait_seconds",
        (DumpFolderResource, "path"): "raw_dir",
        (DumpFolderResource, "listing_year"): "listing_year",
        (LoadConfig, "batch_mb"): "batch_mb",
    }
    assert {(c, n) for c in (WarehouseResource, DumpFolderResource) for n in c.model_fields} == {
        (c, n) for c, n in fields if c is not LoadConfig
    }
    for (owner, name), setting in fields.items():
        field = owner.model_fields[name]
        assert field.default is None, name  # unset: what the settings say
        own = RUN_LOCK_WAIT_SECONDS if setting == "lock_wait_seconds" else None
        assert field.description == unset_means(setting, own), name


def test_every_step_that_writes_the_warehouse_holds_the_one_slot_pool():
    """The pool, not a job tag, keeps writers apart: it holds for runs launched any way, the UI's too."""
    settings = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
    assert settings["concurrency"]["pools"] == {"granularity": "run", "default_limit": 1}
    assert "tag_concurrency_limits" not in settings["concurrency"]["runs"]
    pools = {
        key.to_user_string(): assets_def.op.pool
        for assets_def in defs.resolve_asset_graph().assets_defs
        if assets_def.is_executable
        for key in assets_def.keys
    }
    # The report reads the serving copy (or PostgreSQL) and writes no warehouse: no pool, never queued behind a load.
    assert pools == dict.fromkeys(set(TABLES) | VIEW_NAMES, WAREHOUSE_POOL) | {"weekly_report": None}
    with dg.instance_for_test(overrides={"concurrency": settings["concurrency"]}) as instance:
        assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"


@pytest.mark.parametrize("job", ["load_dumps_job", "rebuild_warehouse_job"])
def test_writer_jobs_are_partitioned_by_dump(job):
    assert defs.resolve_job_def(job).partitions_def == dump_partitions


def test_sensors_are_on_by_default():
    assert defs.resolve_sensor_def("new_dump_sensor").default_status == dg.DefaultSensorStatus.RUNNING
    views = defs.resolve_sensor_def("views_after_loads")
    assert views.default_status == dg.DefaultSensorStatus.RUNNING
    selected = views.asset_selection.resolve(defs.resolve_asset_graph())
    assert selected == {dg.AssetKey(v) for v in VIEW_NAMES} | {dg.AssetKey("weekly_report")}


@pytest.mark.parametrize("home", ["dagster_home", "dagster_home/postgres"])
def test_the_shipped_instances_purge_old_ticks(home):
    settings = yaml.safe_load((ROOT / home / "dagster.yaml").read_text())
    kept = {"skipped": 1, "success": 30, "failure": 30}
    assert settings["retention"] == {
        "sensor": {"purge_after_days": kept},
        "auto_materialize": {"purge_after_days": kept},
        "schedule": {"purge_after_days": 90},
    }
    with dg.instance_for_test(overrides={"retention": settings["retention"]}) as instance:
        sensor = instance.get_tick_retention_settings(InstigatorType.SENSOR)
        assert (sensor[TickStatus.SKIPPED], sensor[TickStatus.SUCCESS]) == (1, 30)
