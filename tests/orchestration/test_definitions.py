"""Dagster: the one Definitions, partitioned loads into a temporary warehouse, asset checks."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import text

from etl.dictionary import relations
from etl.pipeline import WAREHOUSE_TABLES, load_dumps
from etl.warehouse import head_views, warehouse_engine
from models import TABLES
from orchestration import defs
from orchestration.assets.pipeline import load_dumps as load_dumps_asset
from orchestration.backfill import materialize_all
from orchestration.metadata import view_column_schemas
from orchestration.partitions import dump_partitions
from orchestration.resources import DumpFolderResource, WarehouseResource
from tests.conftest import DATA_DIR, hold_warehouse, snapshot

STEP_KEYS = {
    "dump_files",
    "parsed_entries",
    "identified_entries",
    "deduplicated_papers",
    "extracted_links",
    "extracted_keywords",
}
VIEW_KEYS = {
    "v_papers",
    "v_duplicates",
    "v_papers_with_code",
    "v_keyword_counts",
    "v_paper_appearances",
    "v_title_collisions",
}


def test_definitions_load_and_every_job_resolves():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == STEP_KEYS | set(WAREHOUSE_TABLES) | VIEW_KEYS
    for job in ("load_dumps_job", "rebuild_warehouse_job", "refresh_views_job"):
        defs.resolve_job_def(job)
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, f"{key} has no description"
        assert node.group_name in {"extract", "transform", "warehouse", "views"}


def test_warehouse_tables_carry_their_model_schema():
    graph = defs.resolve_asset_graph()
    papers = graph.get(dg.AssetKey("papers"))
    schema = papers.metadata["dagster/column_schema"]
    assert [c.name for c in schema.columns][:3] == ["paper_id", "title_id", "title"]
    for name, table in TABLES.items():  # the descriptions are the models' (the warehouse's comments)
        node = graph.get(dg.AssetKey(name))
        assert node.description == table.comment
        described = {c.name: c.description for c in node.metadata["dagster/column_schema"].columns}
        assert described == {c.name: c.comment for c in table.columns}
    views = view_column_schemas(head_views())
    assert set(views) == VIEW_KEYS
    expected = {r.name: r for r in relations() if r.kind == "view"}
    for name, schema in views.items():
        assert [(c.name, c.type, c.description) for c in schema.columns] == [
            (c.name, c.type, c.description) for c in expected[name].columns
        ]
        assert all(c.description and c.type != "unknown" for c in schema.columns)


def test_resources_resolve_configuration_at_run_time(monkeypatch, tmp_path):
    resource = WarehouseResource()
    monkeypatch.setenv("PAPERHOUSE_WAREHOUSE", str(tmp_path / "from_env.duckdb"))
    assert resource.resolved_path() == tmp_path / "from_env.duckdb"
    assert WarehouseResource(path="x.duckdb").resolved_path().name == "x.duckdb"
    monkeypatch.setenv("PAPERHOUSE_LISTING_YEAR", "2024")
    assert DumpFolderResource().resolved_listing_year() == 2024


def materialize_partitions(instance, resources, names, run_config=None):
    instance.add_dynamic_partitions(
        dump_partitions.name,
        [n for n in names if n not in instance.get_dynamic_partitions(dump_partitions.name)],
    )
    tags = {"dagster/asset_partition_range_start": names[0], "dagster/asset_partition_range_end": names[-1]}
    return dg.materialize(
        [load_dumps_asset],
        instance=instance,
        resources=resources,
        tags=tags,
        run_config=run_config,
        raise_on_error=False,
    )


def checks_of(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_one_partition_per_dump_loads_alone(instance, resources, sample_dir):
    names = sorted(p.name for p in sample_dir.glob("*.txt"))
    result = materialize_partitions(instance, resources, [names[1]])
    assert result.success
    assert all(checks_of(result).values()) and len(checks_of(result)) == 6
    papers = next(
        e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey("papers")
    )
    assert papers.materialization.partition == names[1]
    engine = warehouse_engine(Path(resources["warehouse"].path))
    with engine.connect() as c:
        assert c.execute(text("SELECT file_name FROM source_files")).scalars().all() == [names[1]]
    engine.dispose()


def test_all_partitions_in_one_run_equal_the_cli_load(instance, resources, sample_dir, tmp_path):
    names = sorted(p.name for p in sample_dir.glob("*.txt"))
    result = materialize_partitions(instance, resources, names)
    assert result.success
    assert len({e.materialization.partition for e in result.get_asset_materialization_events()}) == 5
    via_dagster = warehouse_engine(Path(resources["warehouse"].path))
    via_cli = warehouse_engine(tmp_path / "cli.duckdb")
    load_dumps(sample_dir, via_cli)
    assert snapshot(via_dagster) == snapshot(via_cli)
    via_dagster.dispose()
    via_cli.dispose()


def test_a_run_of_many_partitions_loads_in_batches_bounded_by_batch_mb(
    instance, resources, sample_dir, tmp_path
):
    """A backfill of many dumps is one run, but one transaction per batch: memory stays bounded."""
    names = sorted(p.name for p in sample_dir.glob("*.txt"))
    run_config = {"ops": {"load_dumps": {"config": {"batch_mb": 0.2}}}}
    result = materialize_partitions(instance, resources, names, run_config)
    assert result.success and all(checks_of(result).values())
    metadata = {
        e.asset_key.path[-1]: e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.materialization.partition == names[0]
    }
    assert metadata["dump_files"]["batches"].value >= 3
    assert metadata["dump_files"]["dagster/row_count"].value == 5
    assert metadata["parsed_entries"]["dagster/row_count"].value == 451
    assert metadata["identified_entries"]["distinct_papers"].value == 411
    assert metadata["papers"]["dagster/row_count"].value == 411
    assert metadata["papers"]["papers_new"].value == 411
    via_dagster = warehouse_engine(Path(resources["warehouse"].path))
    via_cli = warehouse_engine(tmp_path / "cli.duckdb")
    load_dumps(sample_dir, via_cli)
    assert snapshot(via_dagster) == snapshot(via_cli)
    via_dagster.dispose()
    via_cli.dispose()


def test_rejected_dump_fails_the_blocking_reject_rate_check(instance, resources, sample_dir):
    (sample_dir / "cut.txt").write_bytes((DATA_DIR / "refused" / "2025-11-04_cut_title.txt").read_bytes())
    result = materialize_partitions(instance, resources, ["cut.txt"])
    assert checks_of(result)["reject_rate_under_threshold"] is False
    engine = warehouse_engine(Path(resources["warehouse"].path))
    with engine.connect() as c:
        row = c.execute(text("SELECT status, error FROM source_files")).one()
    engine.dispose()
    assert row[0] == "rejected" and "cut.txt, line 15" in row[1]
    tolerant = materialize_partitions(
        instance, resources, ["cut.txt"], {"ops": {"load_dumps": {"config": {"max_reject_rate": 1.0}}}}
    )
    assert checks_of(tolerant)["reject_rate_under_threshold"] is True


def test_full_refresh_rebuilds_from_scratch(instance, resources, sample_dir):
    names = sorted(p.name for p in sample_dir.glob("*.txt"))
    assert materialize_partitions(instance, resources, names).success
    engine = warehouse_engine(Path(resources["warehouse"].path))
    before = snapshot(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE papers SET upvotes = -1"))
    engine.dispose()
    full = {"ops": {"load_dumps": {"config": {"full_refresh": True}}}}
    assert materialize_partitions(instance, resources, names, full).success
    engine = warehouse_engine(Path(resources["warehouse"].path))
    assert snapshot(engine) == before
    engine.dispose()


def test_headless_materialize_all(instance, sample_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERHOUSE_RAW_DIR", str(sample_dir))
    monkeypatch.setenv("PAPERHOUSE_WAREHOUSE", str(tmp_path / "headless.duckdb"))
    assert materialize_all(instance)
    assert sorted(instance.get_dynamic_partitions(dump_partitions.name)) == sorted(
        p.name for p in sample_dir.glob("*.txt")
    )
    engine = warehouse_engine(tmp_path / "headless.duckdb")
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM v_duplicates")).scalar_one() == 34
    engine.dispose()


def test_instance_settings_queue_warehouse_writers_one_at_a_time():
    import yaml

    from tests.conftest import ROOT

    settings = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
    limits = settings["concurrency"]["runs"]["tag_concurrency_limits"]
    assert {"key": "paperhouse/warehouse", "value": "writer", "limit": 1} in limits
    for job in ("load_dumps_job", "rebuild_warehouse_job", "refresh_views_job"):
        assert defs.resolve_job_def(job).tags["paperhouse/warehouse"] == "writer"
    with dg.instance_for_test(overrides={"concurrency": settings["concurrency"]}) as instance:
        assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"


@pytest.mark.parametrize("job", ["load_dumps_job", "rebuild_warehouse_job"])
def test_writer_jobs_are_partitioned_by_dump(job):
    assert defs.resolve_job_def(job).partitions_def == dump_partitions


def test_a_run_that_meets_another_writer_fails_with_a_message_naming_it(instance, tmp_path, sample_dir):
    warehouse = tmp_path / "held.duckdb"
    holder = hold_warehouse(warehouse, 60)
    try:
        resources = {
            "warehouse": WarehouseResource(path=str(warehouse), lock_wait_seconds=0.5),
            "dumps": DumpFolderResource(path=str(sample_dir)),
        }
        result = materialize_partitions(instance, resources, sorted(p.name for p in sample_dir.glob("*.txt")))
    finally:
        holder.kill()
        holder.wait()
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    description = failure.event_specific_data.error.message
    assert f"the warehouse {warehouse} is being written by process {holder.pid} (" in description
    assert (
        "after waiting 0.5 s: another load (a `paperhouse load` or a Dagster run) is running" in description
    )
