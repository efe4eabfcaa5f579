"""The merge (etl.merge): named steps, each binding what its SQL names; a failed step changes nothing."""

from __future__ import annotations

import re

import pytest

import etl.merge
from etl.pipeline import load_dumps
from tests.conftest import ROOT, snapshot


def test_a_failed_merge_changes_nothing(engine, sample_dir, monkeypatch):
    before = snapshot(engine)
    steps = etl.merge.merge_steps(engine.dialect.name)
    # The last step a first load always runs (40-42 only remove what replaced or pruned dumps leave).
    failing = etl.merge.Step("39_insert_paper_keywords", "SELECT * FROM no_such_table", (), False)
    broken = tuple(failing if s.name == failing.name else s for s in steps)
    monkeypatch.setattr(etl.merge, "merge_steps", lambda dialect="duckdb": broken)
    with pytest.raises(Exception, match="no_such_table"):
        load_dumps(sample_dir, engine)
    assert snapshot(engine) == before


def test_the_merge_is_named_steps_each_binding_what_its_sql_names():
    steps = etl.merge.merge_steps()
    assert [s.name for s in steps] == sorted(p.stem for p in (ROOT / "sql" / "merge").glob("*.sql"))
    assert len(steps) == 42 and steps[0].name == "01_create_incoming_files"
    assert steps[-1].name == "42_delete_released_dates"
    for step in steps:
        assert step.sql.startswith("-- "), f"{step.name} has no header saying what it does"
        assert set(re.findall(r"(?<!:):([a-z_]+)", step.sql)) == set(step.params), step.name
    assert {s.name for s in steps if s.only_with_released} == etl.merge.RELEASE_STEPS
    assert {etl.merge.COUNT_STEP, etl.merge.RETEXT_AFTER} <= {s.name for s in steps}
