"""The analyst views: refreshed after every load by their automation condition, refused dumps or not."""

from __future__ import annotations

import dagster as dg

from orchestration import defs
from orchestration.assets.views import analyst_views
from tests.conftest import CUT_DUMP
from tests.orchestration.conftest import VIEW_NAMES, materialize_partitions

VIEWS = dg.AssetSelection.groups("views")


def tick(instance, cursor=None):
    return dg.evaluate_automation_conditions(
        defs=defs, instance=instance, asset_selection=VIEWS, cursor=cursor
    )


def requested(result) -> list[str]:
    return sorted(r.key.to_user_string() for r in result.results if r.true_subset.size)


def refresh(instance, resources) -> dict[str, int]:
    result = dg.materialize([analyst_views], instance=instance, resources=resources)
    return {
        e.asset_key.to_user_string(): e.materialization.metadata["dagster/row_count"].value
        for e in result.get_asset_materialization_events()
    }


def test_views_are_requested_after_each_load_and_only_then(instance, resources, sample_dir):
    names = sorted(p.name for p in sample_dir.glob("*.txt"))
    first = tick(instance)  # nothing loaded yet: nothing to refresh
    assert first.total_requested == 0
    assert refresh(instance, resources) == {
        "v_duplicates": 0,
        "v_keyword_counts": 0,
        "v_paper_appearances": 0,
        "v_papers": 0,
        "v_papers_with_code": 0,
        "v_title_collisions": 0,
        "v_calendar": 0,
        "v_keyword_weeks": 0,
        "v_paper_keywords": 0,
        "v_paper_links": 0,
    }
    idle = tick(instance, first.cursor)
    assert idle.total_requested == 0
    assert materialize_partitions(instance, resources, names).success
    after_load = tick(instance, idle.cursor)
    assert requested(after_load) == sorted(VIEW_NAMES)
    counts = refresh(instance, resources)
    assert counts["v_duplicates"] == 34 and counts["v_papers"] == 411 and counts["v_paper_appearances"] == 451
    assert counts["v_paper_keywords"] == 3953 and counts["v_paper_links"] == 109
    # Their spans hang on the clone's file times (tests/etl/test_analyst_views.py fixes them and pins these).
    assert counts["v_calendar"] > 3000 and counts["v_keyword_weeks"] > 3953
    assert tick(instance, after_load.cursor).total_requested == 0


def test_a_refused_dump_does_not_hold_the_views_back(instance, resources, sample_dir):
    (sample_dir / "cut.txt").write_bytes((CUT_DUMP).read_bytes())
    names = sorted(p.name for p in sample_dir.glob("*.txt"))
    first = tick(instance)
    refresh(instance, resources)
    idle = tick(instance, first.cursor)
    assert materialize_partitions(instance, resources, names).success  # cut.txt: refused, left out
    assert tick(instance, idle.cursor).total_requested == 10  # the other five loaded
