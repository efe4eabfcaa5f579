"""Dagster fixtures: an instance, resources on temporary paths, and a partitioned-load helper."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from etl.warehouse import warehouse_engine
from orchestration.assets.dumps import dump_files
from orchestration.assets.refused import no_refused_dumps
from orchestration.assets.tables import load_dumps
from orchestration.partitions import dump_partitions
from orchestration.resources import DumpFolderResource, WarehouseResource

VIEW_NAMES = {  # the analyst views, pinned: a new view must be added here on purpose
    "v_papers",
    "v_duplicates",
    "v_papers_with_code",
    "v_keyword_counts",
    "v_paper_appearances",
    "v_title_collisions",
    "v_calendar",
    "v_keyword_weeks",
    "v_paper_keywords",
    "v_paper_links",
}


@pytest.fixture
def instance() -> dg.DagsterInstance:
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture
def resources(warehouse_target: Path | URL, sample_dir: Path) -> dict:
    """The run's resources on a throwaway warehouse of each engine, and the sample's dumps."""
    target = (
        str(warehouse_target)
        if isinstance(warehouse_target, Path)
        else warehouse_target.render_as_string(False)
    )
    return {
        "warehouse": WarehouseResource(path=target),
        "dumps": DumpFolderResource(path=str(sample_dir)),
    }


def warehouse_of(resources: dict) -> Engine:
    """An engine on the warehouse of `resources` (a DuckDB file or a PostgreSQL URL)."""
    path = resources["warehouse"].path
    return warehouse_engine(make_url(path) if "://" in path else Path(path))


def materialize_partitions(instance, resources, names, run_config=None) -> dg.ExecuteInProcessResult:
    """Run the load for the partitions `names` (registered first) in one run, as a backfill does."""
    known = instance.get_dynamic_partitions(dump_partitions.name)
    instance.add_dynamic_partitions(dump_partitions.name, [n for n in names if n not in known])
    tags = {"dagster/asset_partition_range_start": names[0], "dagster/asset_partition_range_end": names[-1]}
    return dg.materialize(
        [dump_files, load_dumps, no_refused_dumps],
        selection=dg.AssetSelection.assets(load_dumps)
        | dg.AssetSelection.checks(no_refused_dumps),  # as the load job
        instance=instance,
        resources=resources,
        tags=tags,
        run_config=run_config,
        raise_on_error=False,
    )


def checks_of(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    """Check name -> passed, for the run's check evaluations."""
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def materialized(result: dg.ExecuteInProcessResult, asset: str = "papers") -> list[str]:
    """The partitions of `asset` that the run materialized, sorted."""
    return sorted(
        e.materialization.partition
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(asset)
    )


def partition_status(instance, names, asset: str = "papers") -> dict[str, str]:
    """The UI's status of each partition of `asset`: MATERIALIZED, FAILED, or none."""
    statuses = instance.get_status_by_partition(dg.AssetKey(asset), names, dump_partitions)
    return {name: status.value if status else None for name, status in statuses.items()}


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    """The description of the run's step failure: what the run page shows first."""
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    return failure.event_specific_data.error.message.removeprefix(
        "dagster._core.definitions.events.Failure: "
    )
