"""`weekly_report`: requested with the views after every load, written from the serving copy, summarized in Markdown."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration import defs
from orchestration.assets.report import weekly_report
from orchestration.assets.views import analyst_views
from tests.orchestration.conftest import VIEW_NAMES, materialize_partitions

AFTER_LOADS = dg.AssetSelection.groups("views", "report")  # what views_after_loads targets


def test_the_report_follows_every_load_with_its_week_in_the_metadata(
    instance, resources, sample_dir, warehouse_target, tmp_path, monkeypatch
):
    if not isinstance(warehouse_target, Path):  # PostgreSQL's default is the current folder: not the checkout
        monkeypatch.setenv("PAPERHOUSE_REPORT", str(tmp_path / "weekly.html"))
    names = sorted(p.name for p in sample_dir.glob("*.txt"))
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance, asset_selection=AFTER_LOADS)
    assert materialize_partitions(instance, resources, names).success
    after_load = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AFTER_LOADS, cursor=first.cursor
    )
    requested = {r.key.to_user_string() for r in after_load.results if r.true_subset.size}
    assert requested == VIEW_NAMES | {"weekly_report"}

    result = dg.materialize([analyst_views, weekly_report], instance=instance, resources=resources)
    assert result.success
    (event,) = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "weekly_report"
    ]
    metadata = event.materialization.metadata
    path = Path(metadata["path"].value)
    beside = (
        warehouse_target.parent.absolute() / "report.html" if isinstance(warehouse_target, Path) else None
    )
    assert path == (beside or tmp_path / "weekly.html")
    assert path.read_text(encoding="utf-8").count('<svg class="chart') >= 10
    summary = metadata["summary"].value
    assert "**Rising this week**" in summary and "| topic | papers | week before | change |" in summary
    assert "| large language model | 13 | 0 | +13 |" in summary  # the cookbook's rising-topics, first row
    assert metadata["size_bytes"].value == path.stat().st_size
    done = dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=AFTER_LOADS, cursor=after_load.cursor
    )
    assert done.total_requested == 0
