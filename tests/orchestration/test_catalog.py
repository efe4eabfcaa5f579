"""The catalog: owners, tags and code references on every asset; the tables' freshness policy and its verdict."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.definitions.freshness import FreshnessState
from dagster._core.test_utils import freeze_time, in_process_test_workspace
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._daemon.freshness import FreshnessDaemon

import orchestration
from models import TABLES
from orchestration import defs
from orchestration.assets import dumps
from orchestration.assets.dumps import dump_files
from orchestration.assets.report import weekly_report
from orchestration.assets.tables import load_dumps
from orchestration.assets.views import analyst_views
from orchestration.catalog import catalogued
from orchestration.resources import DumpFolderResource, WarehouseResource
from tests.conftest import ROOT
from tests.orchestration.conftest import VIEW_NAMES

PACKAGE = Path(orchestration.__file__).parent
SOURCES = {"dump_files": Path(dumps.__file__)}
LAYERS = (
    {"dump_files": "raw", "weekly_report": "report"}
    | dict.fromkeys(TABLES, "warehouse")
    | dict.fromkeys(VIEW_NAMES, "views")
)
DEFINED_IN = {"dump_files": "assets/dumps.py"} | dict.fromkeys(TABLES, "assets/tables.py")
DEFINED_IN |= dict.fromkeys(VIEW_NAMES, "assets/views.py") | {"weekly_report": "assets/report.py"}


def nodes(definitions: dg.Definitions) -> dict[str, object]:
    graph = definitions.resolve_asset_graph()
    return {key.to_user_string(): graph.get(key) for key in graph.get_all_asset_keys()}


def references(node) -> list:  # noqa: ANN001
    return node.metadata["dagster/code_references"].code_references


def rebuilt() -> dg.Definitions:
    """The project's assets catalogued again under the current environment (definitions.py does it at import)."""
    return dg.Definitions(
        assets=catalogued([dump_files, load_dumps, analyst_views, weekly_report], SOURCES),
        resources={"warehouse": WarehouseResource(), "dumps": DumpFolderResource()},
    )


def test_every_asset_has_owners_tags_and_a_code_reference_to_its_module():
    found = nodes(defs)
    assert set(found) == set(LAYERS)
    for name, node in found.items():
        assert node.owners == ["team:paperhouse"], name
        assert {k: v for k, v in node.tags.items() if not k.startswith("dagster/")} == {
            "layer": LAYERS[name],
            "team": "paperhouse",
        }, name
        [reference] = references(node)
        assert isinstance(reference, dg.LocalFileCodeReference), name
        assert Path(reference.file_path) == PACKAGE / DEFINED_IN[name], name


def test_owners_come_from_the_setting(monkeypatch):
    monkeypatch.setenv("PAPERHOUSE_OWNERS", "ops@papers.test, team:data")
    found = nodes(rebuilt())
    assert {tuple(n.owners) for n in found.values()} == {("ops@papers.test", "team:data")}
    assert {n.tags["team"] for n in found.values()} == {"data"}
    monkeypatch.setenv("PAPERHOUSE_OWNERS", "nobody")
    with pytest.raises(
        dg.Failure, match="bad setting: PAPERHOUSE_OWNERS='nobody': expected e-mail addresses"
    ):
        rebuilt()


@pytest.mark.parametrize(
    ("url", "tree"),
    [
        ("https://github.com/acme/paperhouse", "https://github.com/acme/paperhouse/tree/release"),
        (
            "https://gitlab.example.org/acme/paperhouse/",
            "https://gitlab.example.org/acme/paperhouse/-/tree/release",
        ),
    ],
)
def test_code_references_link_to_the_configured_repository_and_branch(monkeypatch, url, tree):
    monkeypatch.setenv("PAPERHOUSE_GIT_URL", url)
    monkeypatch.setenv("PAPERHOUSE_GIT_BRANCH", "release")
    for name, node in nodes(rebuilt()).items():
        [reference] = references(node)
        assert isinstance(reference, dg.UrlCodeReference), name
        path, _, line = reference.url.partition("#L")
        assert path == f"{tree}/orchestration/{DEFINED_IN[name]}", name
        assert line.isdigit() or name == "dump_files", name  # a spec has no function, hence no line


def test_the_tables_and_only_they_carry_the_configured_freshness_window(monkeypatch):
    policies = {name: node.freshness_policy for name, node in nodes(defs).items()}
    day_and_two = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26))
    assert policies == dict.fromkeys(TABLES, day_and_two) | dict.fromkeys(
        {"dump_files", "weekly_report", *VIEW_NAMES}
    )
    monkeypatch.setenv("PAPERHOUSE_FRESHNESS_HOURS", "2.5")
    assert nodes(rebuilt())["papers"].freshness_policy == dg.FreshnessPolicy.time_window(
        fail_window=timedelta(hours=2.5)
    )


def test_the_shipped_instance_evaluates_freshness():
    settings = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
    assert settings["freshness"] == {"enabled": True}
    with dg.instance_for_test(overrides={"freshness": settings["freshness"]}) as instance:
        assert instance.freshness_enabled and "FRESHNESS_DAEMON" in instance.get_required_daemon_types()


def test_a_table_goes_stale_when_no_dump_was_loaded_for_the_window():
    """Dagster's own freshness evaluation, on the project's definitions, under a shifted clock."""
    origin = LoadableTargetOrigin(
        module_name="orchestration.definitions", attribute="defs", working_directory=str(ROOT)
    )
    with dg.instance_for_test() as instance:

        def state_at(when: datetime) -> FreshnessState:
            with in_process_test_workspace(instance, origin) as context, freeze_time(when):
                papers = context.asset_graph.get(dg.AssetKey("papers"))
                return asyncio.run(FreshnessDaemon()._compute_asset_freshness_state(context, papers))  # noqa: SLF001

        assert state_at(datetime.now(UTC)) == FreshnessState.UNKNOWN  # never loaded
        instance.add_dynamic_partitions("dump_files", ["a.txt"])
        instance.report_runless_asset_event(dg.AssetMaterialization("papers", partition="a.txt"))
        loaded = datetime.fromtimestamp(time.time(), UTC)
        assert state_at(loaded + timedelta(hours=25, minutes=59)) == FreshnessState.PASS
        assert state_at(loaded + timedelta(hours=26, seconds=1)) == FreshnessState.FAIL
