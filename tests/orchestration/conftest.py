"""Dagster fixtures: an instance with the dump partitions, and resources on temporary paths."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from orchestration.resources import DumpFolderResource, WarehouseResource


@pytest.fixture
def instance() -> dg.DagsterInstance:
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture
def resources(tmp_path: Path, sample_dir: Path) -> dict:
    return {
        "warehouse": WarehouseResource(path=str(tmp_path / "dagster.duckdb")),
        "dumps": DumpFolderResource(path=str(sample_dir)),
    }
