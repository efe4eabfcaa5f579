"""`dg check defs`: the project loads under Dagster's `dg` command line as it does under `dagster dev`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # a subprocess loads the definitions

DG = Path(sys.executable).parent / "dg"


def check_defs(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    environment = os.environ | {"DAGSTER_HOME": str(tmp_path), "VIRTUAL_ENV": sys.prefix} | env
    return subprocess.run(
        [str(DG), "check", "defs"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )


def test_dg_check_defs_passes(tmp_path):
    done = check_defs(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All definitions loaded successfully." in done.stdout + done.stderr


def test_dg_check_defs_fails_on_a_bad_setting_read_when_the_definitions_load(tmp_path):
    done = check_defs(tmp_path, PAPERHOUSE_FRESHNESS_HOURS="0")
    assert done.returncode == 1
    assert (
        "bad setting: PAPERHOUSE_FRESHNESS_HOURS='0': expected a number of hours from 1 to 8760"
        in done.stdout + done.stderr
    )
