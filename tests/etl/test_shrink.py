"""Shrunk versions (etl.shrink): a cut re-download is held back as suspect, never applied until confirmed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.cli import EXIT_OK, EXIT_REJECTED, main
from etl.pipeline import LoadOptions, load_with

CUT_NAME = "001_1080c8d201f1a929.txt"  # 156 entries; its first 4,000 bytes hold 3
REASON = (
    f"{CUT_NAME}: 3 entries where the loaded version has 156 (fewer: a cut download?); held "
    "back as suspect, the loaded version stays. Save the complete page again, or confirm this version "
    "with `paperhouse load --accept-shrink`"
)
HELD = [{"file": CUT_NAME, "reason": REASON}]


def load(engine, folder: Path, **options: object):
    return load_with(sorted(folder.iterdir()), engine, LoadOptions(**options))


def rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql)).all()]


def cut(folder: Path) -> bytes:
    """Replace the dump with its first 4,000 bytes, as a failed re-download leaves it; return the full bytes."""
    path = folder / CUT_NAME
    whole = path.read_bytes()
    path.write_bytes(whole[:4000])
    return whole


STATUSES = (
    "SELECT status, entries, error IS NULL FROM source_files WHERE file_name = '{}' ORDER BY status, entries"
)


def test_a_cut_re_download_keeps_every_paper_and_is_reported_held(engine, sample_dir):
    load(engine, sample_dir)
    cut(sample_dir)
    report = load(engine, sample_dir)
    assert (report.files_loaded, report.papers_removed, report.files_suspect) == (0, 0, HELD)
    assert report.warehouse_rows["papers"] == 411 and report.warehouse_rows["paper_appearances"] == 451
    assert rows(engine, STATUSES.format(CUT_NAME)) == [("loaded", 156, True), ("suspect", 3, False)]
    again = load(engine, sample_dir)  # unchanged: not read again, still reported, nothing written
    assert (again.files_unchanged, again.files_suspect, again.wrote) == (
        4,
        HELD,
        False,
    )  # suspect, not also unchanged


def test_accept_shrink_applies_the_held_version(engine, sample_dir):
    load(engine, sample_dir)
    cut(sample_dir)
    load(engine, sample_dir)
    report = load(engine, sample_dir, accept_shrink=True)
    assert (report.files_loaded, report.papers_removed, report.files_suspect) == (1, 137, [])
    assert report.warehouse_rows["papers"] == 274 + 1  # the 3 entries: 2 known papers and 1 new one
    assert rows(engine, STATUSES.format(CUT_NAME)) == [("loaded", 3, True), ("superseded", 156, True)]


def test_a_complete_download_after_a_cut_one_loads_and_supersedes_both(engine, sample_dir):
    load(engine, sample_dir)
    whole = cut(sample_dir)
    load(engine, sample_dir)
    (sample_dir / CUT_NAME).write_bytes(whole + b"\n")  # saved again, complete (a final newline: new bytes)
    report = load(engine, sample_dir)
    assert (report.files_loaded, report.papers_removed, report.files_suspect) == (1, 0, [])
    assert rows(engine, STATUSES.format(CUT_NAME)) == [
        ("loaded", 156, True),
        ("superseded", 3, False),
        ("superseded", 156, True),
    ]


def test_a_dump_removed_with_prune_is_not_a_shrink(engine, sample_dir):
    load(engine, sample_dir)
    (sample_dir / CUT_NAME).unlink()
    report = load(engine, sample_dir, present_files=sorted(p.name for p in sample_dir.iterdir()))
    assert (report.files_removed, report.files_suspect) == (1, [])
    assert rows(engine, STATUSES.format(CUT_NAME)) == [("removed", 156, True)]


def test_prune_removes_a_held_version_whose_file_left(engine, sample_dir):
    load(engine, sample_dir)
    cut(sample_dir)
    load(engine, sample_dir)
    (sample_dir / CUT_NAME).unlink()
    report = load(engine, sample_dir, present_files=sorted(p.name for p in sample_dir.iterdir()))
    assert (report.files_removed, report.files_suspect) == (2, [])
    assert rows(engine, STATUSES.format(CUT_NAME)) == [("removed", 3, False), ("removed", 156, True)]


def test_a_full_refresh_compares_with_the_warehouse_before_it(engine, sample_dir):
    """Rebuilding does not confirm a cut download: it is held back, and reported until confirmed."""
    load(engine, sample_dir)
    cut(sample_dir)
    report = load(engine, sample_dir, full_refresh=True)
    assert (report.files_loaded, report.files_suspect) == (4, HELD)
    assert rows(engine, STATUSES.format(CUT_NAME)) == [("suspect", 3, False)]
    assert load(engine, sample_dir).files_suspect == HELD
    assert load(engine, sample_dir, accept_shrink=True).files_loaded == 1


def test_the_cli_exits_3_naming_the_held_version_and_accept_shrink_applies_it(
    warehouse_arg, sample_dir, capsys
):
    assert main(["load", str(sample_dir), "--warehouse", warehouse_arg]) == EXIT_OK
    cut(sample_dir)
    capsys.readouterr()
    assert main(["load", str(sample_dir), "--warehouse", warehouse_arg]) == EXIT_REJECTED
    out = capsys.readouterr().out
    assert "files: 5 seen, 0 loaded, 4 unchanged, 0 rejected, 1 suspect\n" in out
    assert out.endswith(f"SUSPECT '{CUT_NAME}': {REASON}\n")
    assert main(["load", str(sample_dir), "--warehouse", warehouse_arg, "--json"]) == EXIT_REJECTED
    report = json.loads(capsys.readouterr().out)
    assert (report["files_suspect"], report["files_deferred"], report["files_rejected"]) == (HELD, [], [])
    assert (
        main(["load", str(sample_dir), "--warehouse", warehouse_arg, "--accept-shrink", "--json"]) == EXIT_OK
    )
    report = json.loads(capsys.readouterr().out)
    assert (report["files_loaded"], report["papers_removed"], report["files_suspect"]) == (1, 137, [])


@pytest.mark.parametrize("kept", [0.55, 0.9])
def test_a_cut_that_keeps_most_entries_is_held_too(engine, sample_dir, kept):
    load(engine, sample_dir)
    path = sample_dir / CUT_NAME
    whole = path.read_bytes()
    path.write_bytes(whole[: int(len(whole) * kept)])
    report = load(engine, sample_dir)
    assert (report.files_loaded, report.papers_removed, len(report.files_suspect)) == (0, 0, 1)
    assert (
        " entries where the loaded version has 156 (fewer: a cut download?)"
        in report.files_suspect[0]["reason"]
    )
    assert report.warehouse_rows["papers"] == 411 and report.warehouse_rows["paper_appearances"] == 451
