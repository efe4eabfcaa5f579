"""The command line: exit codes, JSON output, and defaults."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from etl.cli import EXIT_OK, EXIT_REJECTED, main
from tests.conftest import ROOT, dump_text, write_dump


def test_json_report_on_the_sample(tmp_path, sample_dir, capsys):
    code = main(["load", str(sample_dir), "--warehouse", str(tmp_path / "w.duckdb"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert report["files_seen"] == 5 and report["files_loaded"] == 5 and report["files_rejected"] == []
    assert report["entries"] == 451
    assert (report["papers_new"], report["papers_already_known"]) == (411, 0)
    assert report["appearances"] == 451
    assert report["links"] > 100 and report["keywords"] > 411


def test_rejected_file_exits_3_and_the_good_ones_load(tmp_path, capsys):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-03-01_good.txt", dump_text("Mar 1", ["Good\n\nGood abstract."]))
    write_dump(raw, "2025-03-02_cut.txt", dump_text("Mar 2", ["Good too\n\nFine.", "Cut off title"]))
    code = main(["load", str(raw), "--warehouse", str(tmp_path / "w.duckdb"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == EXIT_REJECTED
    assert report["files_loaded"] == 1
    assert report["files_rejected"] == [
        {
            "file": "2025-03-02_cut.txt",
            "reason": "2025-03-02_cut.txt, line 15: title 'Cut off title' has no abstract (cut off?)",
        }
    ]
    assert report["papers_new"] == 1


def test_failure_exits_non_zero_and_says_why(tmp_path, capsys):
    code = main(["load", str(tmp_path / "missing"), "--warehouse", str(tmp_path / "w.duckdb")])
    assert code not in (EXIT_OK, EXIT_REJECTED)
    assert "raw dump folder not found" in capsys.readouterr().err


@pytest.mark.slow
def test_installed_entry_point_runs_with_no_arguments_from_the_project_root(tmp_path):
    """`paperhouse load` with no arguments loads the bundled sample (the README's first command)."""
    warehouse = tmp_path / "default.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "etl.cli", "load", "--json"],
        cwd=ROOT,
        env={"PAPERHOUSE_WAREHOUSE": str(warehouse), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads(done.stdout)["entries"] == 451
