"""The analyst views: refreshed after every load by their automation condition, refused dumps or not."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from sqlalchemy import text

import etl.runner
import orchestration.resources
from etl.view_rows import NO_INVARIANT, invariant, invariant_views
from orchestration import defs
from orchestration.assets.views import ROW_COUNT_CHECK, VIEW_SPECS, analyst_views
from orchestration.jobs import refresh_views_job
from tests.conftest import CUT_DUMP
from tests.orchestration.conftest import VIEW_NAMES, materialize_partitions, warehouse_of

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


def refresh_with_checks(instance, resources) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """Run `refresh_views_job`: each view's row check (passed, metadata) and column schema check (passed, description)."""
    job = defs.resolve_job_def(refresh_views_job.name)
    result = job.execute_in_process(instance=instance, resources=resources, raise_on_error=False)
    rows, schemas = {}, {}
    for e in result.get_asset_check_evaluations():
        view = e.asset_key.to_user_string()
        if e.check_name == ROW_COUNT_CHECK:
            rows[view] = (e.passed, e.metadata["rows"].value, e.metadata["expected_rows"].value)
        else:
            assert e.check_name == "column_schema_change" and e.severity == dg.AssetCheckSeverity.ERROR
            schemas[view] = (e.passed, e.description)
    return rows, schemas


def test_views_are_checked_against_their_tables_and_their_last_schema(instance, resources, sample_dir):
    names = sorted(p.name for p in sample_dir.glob("*.txt"))
    assert materialize_partitions(instance, resources, names).success
    rows, schemas = refresh_with_checks(instance, resources)
    assert rows == {  # every view but v_keyword_weeks (NO_INVARIANT): (passed, rows, expected)
        "v_calendar": (True, rows["v_calendar"][1], rows["v_calendar"][1]),  # spans the clone's file times
        "v_duplicates": (True, 34, 34),
        "v_keyword_counts": (True, 2389, 2389),
        "v_paper_appearances": (True, 451, 451),
        "v_paper_keywords": (True, 3953, 3953),
        "v_paper_links": (True, 109, 109),
        "v_papers": (True, 411, 411),
        "v_papers_with_code": (True, 72, 72),
        "v_title_collisions": (True, 0, 0),
    }
    assert schemas == {
        name: (True, "The asset has been materialized fewer than 2 times") for name in VIEW_NAMES
    }
    with warehouse_of(resources).begin() as connection:  # an edit by hand: fewer rows, fewer columns
        for view, body in {
            "v_paper_links": "SELECT * FROM paper_links WHERE ordinal = 0",
            "v_papers_with_code": "SELECT paper_id FROM v_papers WHERE code_url IS NOT NULL",
        }.items():  # dropped first: PostgreSQL replaces no view with fewer columns
            connection.execute(text(f"DROP VIEW {view}"))
            connection.execute(text(f"CREATE VIEW {view} AS {body}"))
    rows, schemas = refresh_with_checks(instance, resources)
    assert rows["v_paper_links"] == (False, 0, 109)  # ordinals start at 1
    assert rows["v_papers"] == (True, 411, 411)
    assert rows["v_papers_with_code"] == (True, 72, 72)
    assert schemas["v_papers"] == (
        True,
        "No changes to column schema between previous and latest materialization",
    )
    assert schemas["v_papers_with_code"] == (
        False,
        "Column schema changed between previous and latest materialization.\n\nRemoved columns: "
        "title, code_url, published_date, organization_name, upvotes, sightings, last_seen",
    )
    assert schemas["v_paper_links"][0] is False
    assert {name for name, (passed, _) in schemas.items() if not passed} == {
        "v_paper_links",
        "v_papers_with_code",
    }


def test_every_view_has_a_row_invariant_or_says_why_not():
    assert sorted([*invariant_views(), *NO_INVARIANT]) == sorted(VIEW_NAMES)
    assert set(invariant_views()) & set(NO_INVARIANT) == set()
    assert (
        invariant("v_papers")
        == "one row per paper (every join is a left join on a key, every aggregate is per paper)"
    )
    assert (
        invariant("v_calendar")
        == "one row per day from the first to the last date of `dates`, none when it is empty"
    )


def test_each_writing_step_names_its_run_to_the_lock(instance, resources, sample_dir, monkeypatch):
    named: list[str | None] = []

    def recording(original):
        def hold(*args, holder=None, **kwargs):
            named.append(holder)
            return original(*args, holder=holder, **kwargs)

        return hold

    for module in (etl.runner, orchestration.resources):  # the load's, and the views' and the check's
        monkeypatch.setattr(module, "hold_writer_lock", recording(module.hold_writer_lock))
    load = materialize_partitions(instance, resources, sorted(p.name for p in sample_dir.glob("*.txt")))
    views = dg.materialize([analyst_views], instance=instance, resources=resources)
    check = defs.resolve_job_def("refused_dumps_job").execute_in_process(
        instance=instance, resources=resources
    )
    assert named == [f"Dagster run {run.run_id}" for run in (load, views, check)]


def test_a_refresh_records_each_views_columns_as_the_warehouse_has_them(
    instance, resources, warehouse_target
):
    result = dg.materialize([analyst_views], instance=instance, resources=resources)
    recorded = {
        e.asset_key.to_user_string(): e.materialization.metadata["dagster/column_schema"].schema
        for e in result.get_asset_materialization_events()
    }
    declared = {spec.key.to_user_string(): spec.metadata["dagster/column_schema"] for spec in VIEW_SPECS}
    assert sorted(recorded) == sorted(VIEW_NAMES)
    assert {v: [c.name for c in s.columns] for v, s in recorded.items()} == {
        v: [c.name for c in s.columns] for v, s in declared.items()
    }
    assert recorded["v_papers"].columns[0] == dg.TableColumn(
        name="paper_id",
        type="BIGINT" if isinstance(warehouse_target, Path) else "bigint",
        description=declared["v_papers"].columns[0].description,
    )
    if isinstance(warehouse_target, Path):  # DuckDB's own types: those etl/view_types.json pins
        assert recorded == declared


def test_every_view_has_its_checks_in_the_definitions():
    graph = defs.resolve_asset_graph()
    on_views = {
        name: sorted(
            (k.name, graph.get_check_spec(k).blocking)
            for k in graph.get_check_keys_for_assets({dg.AssetKey(name)})
        )
        for name in VIEW_NAMES
    }
    both = [("column_schema_change", False), ("rows_match_tables", False)]
    assert on_views == dict.fromkeys(VIEW_NAMES, both) | {
        "v_keyword_weeks": [("column_schema_change", False)]
    }
    assert defs.resolve_job_def(refresh_views_job.name).asset_layer.asset_graph.asset_check_keys == {
        dg.AssetCheckKey(dg.AssetKey(name), check) for name in VIEW_NAMES for check, _ in both
    } - {dg.AssetCheckKey(dg.AssetKey("v_keyword_weeks"), "rows_match_tables")}
