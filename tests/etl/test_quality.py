"""Integrity rules and the refused-dumps rule, on throwaway warehouses."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from etl.pipeline import load_paths
from etl.quality import CheckOutcome, IntegrityError, merge_outcomes, raise_if_broken, refused_dumps
from tests.conftest import CUT_DUMP, CUT_REASON


def test_refused_dumps_names_each_refused_file_in_the_folder_until_a_new_version_loads(engine, sample_dir):
    shutil.copy(CUT_DUMP, sample_dir / "cut.txt")
    load_paths(sorted(sample_dir.glob("*.txt")), engine)
    present = sorted(p.name for p in sample_dir.glob("*.txt"))
    with engine.connect() as c:
        assert refused_dumps(c, present) == CheckOutcome(False, 1, {"cut.txt": CUT_REASON})
        assert refused_dumps(c, [n for n in present if n != "cut.txt"]) == CheckOutcome(
            True, 0, {"dumps_in_folder": 5}
        )  # gone from the folder: no longer the folder's problem
    shutil.copy(sorted(sample_dir.glob("0*.txt"))[0], sample_dir / "cut.txt")  # fixed
    load_paths(sorted(sample_dir.glob("*.txt")), engine)
    with engine.connect() as c:
        assert refused_dumps(c, present) == CheckOutcome(True, 0, {"dumps_in_folder": 6})
        statuses = c.execute(
            text("SELECT status FROM source_files WHERE file_name = 'cut.txt' ORDER BY loaded_at")
        ).scalars()
        assert list(statuses) == ["superseded", "loaded"]


def test_merge_outcomes_keeps_the_failing_batch_details():
    good, bad = CheckOutcome(True, 0, {"n": 0}), CheckOutcome(False, 2, {"x.txt": 2})
    assert merge_outcomes(None, good) == good
    assert merge_outcomes(good, bad) == CheckOutcome(False, 2, {"x.txt": 2})
    assert merge_outcomes(bad, good) == CheckOutcome(False, 2, {"x.txt": 2})
    assert merge_outcomes(bad, bad) == CheckOutcome(False, 4, {"x.txt": 2})


def test_a_broken_rule_raises_with_every_outcome():
    outcomes = {"a": CheckOutcome(True, 0, {}), "b": CheckOutcome(False, 1, {"k": 1})}
    with pytest.raises(IntegrityError, match=r"^b: \{'k': 1\}$") as raised:
        raise_if_broken(outcomes)
    assert raised.value.outcomes == outcomes
    raise_if_broken({"a": CheckOutcome(True, 0, {})})  # nothing broken: nothing raised
