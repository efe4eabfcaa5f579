"""The merge (etl.merge, etl.steps): steps described by their own files' headers, each binding what
its SQL names; a failed step changes nothing."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest

import etl.merge
from etl.pipeline import load_folder
from etl.steps import StepError, parse_step, parse_steps, temp_tables
from tests.conftest import ROOT, snapshot

MERGE_DIR = ROOT / "sql" / "merge"

# The merge as etl.merge's constants (STEP_PARAMS, RELEASE_STEPS, UNLOAD_STEPS, COUNT_STEP,
# RETEXT_AFTER, _TEMP_TABLES) ran it before the steps described themselves, for both engines:
# (file, binds, skipped unless, creates, yields or then). A change here is a change to the merge.
PINNED = [
    ("01_create_incoming_files", (), None, ("incoming_files",), None),
    ("02_create_incoming_appearances", (), None, ("incoming_appearances",), None),
    ("03_create_replaced_files", ("held",), None, ("replaced_files",), None),
    ("04_create_removed_files", ("prune", "held"), None, ("removed_files",), None),
    ("05_create_touched_papers", (), None, ("touched_papers",), None),
    ("06_create_new_papers", (), None, ("new_papers",), None),
    ("07_create_touched_organizations", (), None, ("touched_organizations",), None),
    ("08_create_released_dates", (), None, ("released_dates",), None),
    ("09_delete_replaced_appearances", (), None, (), None),
    ("10_mark_superseded_files", (), None, (), None),
    ("11_mark_removed_files", (), None, (), None),
    ("12_upsert_source_files", ("loaded_at",), None, (), None),
    ("13_insert_dates", (), None, (), None),
    ("14_insert_organizations", (), None, (), None),
    ("15_insert_appearances", (), None, (), None),
    ("16_create_paper_stats", (), None, ("paper_stats",), None),
    ("17_create_changed_texts", (), None, ("changed_texts",), None),
    ("18_keep_shown_texts", (), None, (), None),
    ("19_insert_new_papers", (), None, (), None),
    ("20_update_known_papers", (), None, (), None),
    ("21_update_changed_texts", (), None, (), "then: retext"),
    ("22_insert_sighted_texts", (), None, (), None),
    ("23_delete_unsighted_texts", (), None, (), None),
    ("24_update_organization_names", (), None, (), None),
    ("25_delete_unsighted_organizations", (), None, (), None),
    ("26_create_orphan_papers", (), None, ("orphan_papers",), None),
    ("27_count_changes", (), None, (), "yields: counts"),
    ("28_create_released_papers", (), "released", ("released_papers",), None),
    ("29_create_released_links", (), "released", ("released_links",), None),
    ("30_create_released_keywords", (), "released", ("released_keywords",), None),
    ("31_delete_released_paper_links", (), "released", (), None),
    ("32_delete_released_paper_keywords", (), "released", (), None),
    ("33_delete_orphan_papers", (), "released", (), None),
    ("33a_delete_released_search_postings", (), "released", (), None),
    ("33b_delete_released_search_documents", (), "released", (), None),
    ("34_create_changed_paper_links", (), None, ("changed_paper_links",), None),
    ("35_create_changed_paper_keywords", (), None, ("changed_paper_keywords",), None),
    ("36_insert_links", (), None, (), None),
    ("37_insert_paper_links", (), None, (), None),
    ("38_insert_keywords", (), None, (), None),
    ("39_insert_paper_keywords", (), None, (), None),
    ("39a_insert_search_postings", (), None, (), None),
    ("39b_insert_search_documents", (), None, (), None),
    ("40_delete_released_links", (), "released", (), None),
    ("41_delete_released_keywords", (), "released", (), None),
    ("42_delete_released_dates", (), "unloaded", (), None),
]


def _row(step) -> tuple:
    role = f"yields: {step.yields}" if step.yields else f"then: {step.then}" if step.then else None
    return (step.file, step.binds, step.skipped_unless, step.creates, role)


def test_a_failed_merge_changes_nothing(engine, sample_dir, monkeypatch):
    before = snapshot(engine)
    steps = etl.merge.merge_steps(engine.dialect.name)
    # The last step a first load always runs (the later ones only remove what replaced or pruned dumps leave).
    broken = tuple(
        replace(s, sql="SELECT * FROM no_such_table") if s.name == "insert_paper_keywords" else s
        for s in steps
    )
    assert broken != steps
    monkeypatch.setattr(etl.merge, "merge_steps", lambda dialect="duckdb": broken)
    with pytest.raises(Exception, match="no_such_table"):
        load_folder(sample_dir, engine)
    assert snapshot(engine) == before


@pytest.mark.parametrize("dialect", ["duckdb", "postgresql"])
def test_the_steps_headers_describe_the_merge_as_it_ran(dialect):
    steps = etl.merge.merge_steps(dialect)
    assert [_row(s) for s in steps] == PINNED
    for step in steps:  # each runs its file's text, the engine's own where it has one
        own = MERGE_DIR / dialect / f"{step.file}.sql"
        assert step.sql == (own if own.is_file() else MERGE_DIR / f"{step.file}.sql").read_text(
            encoding="utf-8"
        )
    assert temp_tables(steps) == (
        "incoming_files",
        "incoming_appearances",
        "replaced_files",
        "removed_files",
        "touched_papers",
        "new_papers",
        "touched_organizations",
        "released_dates",
        "paper_stats",
        "changed_texts",
        "orphan_papers",
        "released_papers",
        "released_links",
        "released_keywords",
        "changed_paper_links",
        "changed_paper_keywords",
    )


def test_the_merge_is_named_steps_each_binding_what_its_sql_names():
    steps = etl.merge.merge_steps()
    assert [s.file for s in steps] == sorted(p.stem for p in MERGE_DIR.glob("*.sql"))
    assert steps[0].name == "create_incoming_files" and steps[-1].name == "delete_released_dates"
    for step in steps:
        assert step.sql.startswith("-- "), f"{step.name} has no header saying what it does"
        body = "\n".join(line for line in step.sql.splitlines() if not line.startswith("--"))
        assert set(re.findall(r"(?<!:):([a-z_]+)", body)) == set(step.binds), step.name
    supplied = etl.merge.merge_params(datetime(2025, 11, 4), None)
    assert supplied.keys() == etl.merge.BINDS


def test_an_engines_own_text_declares_its_shared_twins_header():
    overrides = sorted((MERGE_DIR / "postgresql").glob("*.sql"))
    assert overrides
    for own in overrides:
        shared = parse_step(own.stem, (MERGE_DIR / own.name).read_text(encoding="utf-8"))
        assert replace(parse_step(own.stem, own.read_text(encoding="utf-8")), sql="") == replace(
            shared, sql=""
        )


# A small valid merge: a table, the counts step, the retext point, a step skipped unless released.
VALID = {
    "10_create_t": "-- Makes t.\n-- creates: t\nCREATE TEMP TABLE t AS SELECT 1 AS x",
    "20_count_changes": "-- Counts.\n-- reads: t\n-- yields: counts\n"
    "SELECT 'released', count(*) FROM t UNION ALL SELECT 'replaced', 0 UNION ALL SELECT 'removed', 0",
    "30_retext": "-- What the batch did not extract.\n-- binds: held\n-- then: retext\nSELECT :held",
    "40_drop_released": "-- Only with released papers.\n-- skipped unless: released\nDELETE FROM stg_retext_links",
}


def _parse(texts, overrides=None):
    return parse_steps(texts, binds=etl.merge.BINDS, conditions=etl.merge.SKIP_UNLESS, overrides=overrides)


def test_a_step_goes_between_two_others_without_renaming_them():
    steps = _parse(VALID | {"20a_between": "-- Inserted.\nSELECT 1", "100_last": "-- Last.\nSELECT 2"})
    assert [s.name for s in steps] == [
        "create_t",
        "count_changes",
        "between",
        "retext",
        "drop_released",
        "last",
    ]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            {"10_create_t": "-- Makes t.\n-- makes: t\nCREATE TEMP TABLE t AS SELECT 1"},
            "unknown header key 'makes'",
        ),
        (
            {"15_create_u": "-- Makes u.\n-- creates: u\nCREATE TEMP TABLE u AS SELECT 1"},
            "u, which no later step reads",
        ),
        ({"15_create_u": "-- Makes u.\nCREATE TEMP TABLE u AS SELECT 1"}, "the SQL creates \\['u'\\]"),
        ({"15_stamp": "-- Stamps.\n-- binds: now\nSELECT :now"}, "supplies no 'now'"),
        ({"15_stamp": "-- Stamps.\nSELECT :loaded_at"}, "the SQL binds \\['loaded_at'\\]"),
        ({"15_read_t": "-- Reads t.\nSELECT * FROM t"}, "the SQL reads \\['t'\\]"),
        ({"05_read_t": "-- Reads t.\nSELECT * FROM t"}, "names t before 10_create_t"),
        ({"15_early": "-- Early.\n-- skipped unless: released\nSELECT 1"}, "comes before the counts step"),
        ({"50_odd": "-- Odd.\n-- skipped unless: sunny\nSELECT 1"}, "'sunny' is not one of"),
        ({"50_again": "-- Counts again.\n-- yields: counts\nSELECT 1"}, "exactly one step yields: counts"),
        ({"25_retexted": "-- Too early.\nSELECT * FROM stg_retext_links"}, "staged only after 30_retext"),
        ({"50_create_t": "-- Again.\nSELECT 1"}, "share a name or an order"),
        ({"40_other": "-- Same order as 40_drop_released.\nSELECT 1"}, "share a name or an order"),
        ({"five_x": "-- Named badly.\nSELECT 1"}, "is named <number>"),
        ({"50_bare": "SELECT 1"}, "no header comment"),
        ({"50_twice": "-- Twice.\n-- then: retext\n-- then: retext\nSELECT 1"}, "given twice"),
    ],
)
def test_a_header_the_sql_or_the_runner_disagrees_with_fails_the_load(change, error):
    texts = VALID | change
    with pytest.raises(StepError, match=error):
        _parse(texts)


def test_an_engines_own_text_must_declare_the_same_header():
    own = "-- Makes t, its own way.\n-- creates: t\nCREATE TEMP TABLE t AS SELECT 2 AS x"
    assert _parse(VALID, {"10_create_t": own})[0].sql == own
    with pytest.raises(StepError, match="declares other fields"):
        _parse(VALID, {"20_count_changes": VALID["20_count_changes"].replace("-- yields: counts\n", "")})
    with pytest.raises(StepError, match="no shared twin"):
        _parse(VALID, {"99_extra": "-- Extra.\nSELECT 1"})
