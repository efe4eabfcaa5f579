"""Dagster: the one Definitions loads, and materializing every asset fills a temporary warehouse."""

from __future__ import annotations

import dagster as dg
from sqlalchemy import text

from etl.pipeline import WAREHOUSE_TABLES
from etl.warehouse import warehouse_engine
from orchestration import defs
from orchestration.resources import DumpFolderResource, WarehouseResource
from tests.conftest import snapshot


def test_definitions_load_and_resolve():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"dump_files", "parsed_entries", "identified_entries", "deduplicated_papers"} <= keys
    assert set(WAREHOUSE_TABLES) <= keys
    assert {
        "v_papers",
        "v_duplicates",
        "v_papers_with_code",
        "v_keyword_counts",
        "v_paper_appearances",
    } <= keys
    defs.resolve_implicit_global_asset_job_def()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, f"{key} has no description"
        assert node.group_name in {"extract", "transform", "warehouse", "views"}


def test_warehouse_tables_carry_their_model_schema():
    papers = defs.resolve_asset_graph().get(dg.AssetKey("papers"))
    schema = papers.metadata["dagster/column_schema"]
    assert [c.name for c in schema.columns][:3] == ["paper_id", "title_id", "title"]


def test_resources_resolve_configuration_at_run_time(monkeypatch, tmp_path):
    resource = WarehouseResource()
    monkeypatch.setenv("PAPERHOUSE_WAREHOUSE", str(tmp_path / "from_env.duckdb"))
    assert resource.resolved_path() == tmp_path / "from_env.duckdb"
    assert WarehouseResource(path="x.duckdb").resolved_path().name == "x.duckdb"
    monkeypatch.setenv("PAPERHOUSE_LISTING_YEAR", "2024")
    assert DumpFolderResource().resolved_listing_year() == 2024


def test_materialize_everything_into_a_temporary_warehouse(tmp_path, sample_dir):
    path = tmp_path / "dagster.duckdb"
    resources = {
        "warehouse": WarehouseResource(path=str(path)),
        "dumps": DumpFolderResource(path=str(sample_dir)),
    }
    assets = list(defs.assets)
    result = dg.materialize(assets, resources=resources)
    assert result.success
    papers_event = next(
        e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey("papers")
    )
    metadata = papers_event.materialization.metadata
    assert metadata["dagster/row_count"].value == 411
    assert metadata["papers_new"].value == 411
    engine = warehouse_engine(path)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM v_duplicates")).scalar_one() == 34
    first = snapshot(engine)
    engine.dispose()

    again = dg.materialize(assets, resources=resources)
    assert again.success
    engine = warehouse_engine(path)
    assert snapshot(engine) == first
    engine.dispose()


def test_cli_and_dagster_build_the_same_warehouse(tmp_path, sample_dir):
    from etl.pipeline import load_dumps

    via_dagster = tmp_path / "dagster.duckdb"
    resources = {
        "warehouse": WarehouseResource(path=str(via_dagster)),
        "dumps": DumpFolderResource(path=str(sample_dir)),
    }
    assert dg.materialize(list(defs.assets), resources=resources).success
    via_cli = warehouse_engine(tmp_path / "cli.duckdb")
    load_dumps(sample_dir, via_cli)
    dagster_engine = warehouse_engine(via_dagster)
    assert snapshot(dagster_engine) == snapshot(via_cli)
    dagster_engine.dispose()
    via_cli.dispose()
