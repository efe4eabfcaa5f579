"""The package as users install it: a wheel in a fresh environment, run from a folder that is not the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE_DIR

PACKAGES = ("etl", "models", "migrations", "orchestration", "sql")


def _checkout_copy(target: Path) -> Path:
    """The files git tracks or would track, copied: what a clean clone holds (no build/ left by an earlier build)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _run(command: list[str | Path], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    # pip's own settings (index, proxy, certificates) stay; nothing may point Python at the checkout.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith("PAPERHOUSE_")
    }
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}: {done.stderr[-2000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built by pip from a copy of the checkout."""
    work = tmp_path_factory.mktemp("wheel")
    source = _checkout_copy(work / "source")
    _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--quiet", "-w", work / "dist"], cwd=source)
    (built,) = (work / "dist").glob("paperhouse-*.whl")
    return built


@pytest.mark.slow  # the build alone takes about 10 s
def test_the_wheel_holds_the_packages_and_every_sql_file_and_the_lexicon_and_nothing_else(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    sql_in_repo = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "sql").rglob("*")
        if p.is_file() and p.suffix in (".sql", ".py")
    )
    assert sorted(n for n in names if n.startswith("sql/")) == sql_in_repo
    assert {n.split("/")[0] for n in names} == {*PACKAGES, wheel.name.split("-py3")[0] + ".dist-info"}
    assert "migrations/script.py.mako" in names and "migrations/env.py" in names
    lexicon = {
        f"etl/lexicon/{name}"
        for name in (
            "__init__.py",
            *("pos.tsv", "plural.tsv", "spelling.tsv", "frequency.tsv", "NOTICE"),
            *("acronyms.tsv", "compounds.tsv", "generic.tsv", "terms.tsv", "topics.tsv"),
        )
    }
    assert {n for n in names if n.startswith("etl/lexicon/")} == lexicon
    digest = {f"etl/digest/{name}" for name in ("report.html.j2", "report.css")}  # the report's page
    assert digest <= set(names)
    versions = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("*.py"))
    assert sorted(n.rsplit("/", 1)[1] for n in names if n.startswith("migrations/versions/")) == versions


def test_the_sdist_holds_the_packages_and_no_tests_or_sample_data(tmp_path):
    source = _checkout_copy(tmp_path / "source")
    code = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    name = _run([sys.executable, "-c", code, tmp_path / "dist"], cwd=source).stdout.split()[-1]
    with tarfile.open(tmp_path / "dist" / name) as sdist:
        top = {member.name.split("/")[1] for member in sdist.getmembers() if "/" in member.name}
    assert top == {
        *PACKAGES,
        "paperhouse.egg-info",
        "PKG-INFO",
        "README.md",
        "MANIFEST.in",
        "pyproject.toml",
        "setup.cfg",
    }


@pytest.mark.slow
def test_an_installed_wheel_loads_and_checks_the_sample_from_another_folder(wheel, tmp_path):
    env = tmp_path / "venv"
    venv.create(env)  # without pip: this environment's pip installs into it
    python = env / "bin" / "python"
    # Dependencies at the locked versions, from pip's cache when it holds them; no bytecode, for time.
    install = ["install", "--quiet", "--no-compile", "-c", ROOT / "requirements.lock", wheel]
    _run([sys.executable, "-m", "pip", "--python", python, *install], cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(SAMPLE_DIR, elsewhere / "raw")
    paperhouse = env / "bin" / "paperhouse"

    loaded = _run([paperhouse, "load", "raw", "--warehouse", "w.duckdb"], cwd=elsewhere)
    assert loaded.stderr == ""
    assert "files: 5 seen, 5 loaded, 0 unchanged, 0 rejected" in loaded.stdout
    assert "entries: 451; papers: 411 new, 0 already known, 0 removed" in loaded.stdout
    checked = _run([paperhouse, "check", "--warehouse", "w.duckdb"], cwd=elsewhere)
    assert checked.stderr == ""
    reported = _run([paperhouse, "report", "--warehouse", "w.duckdb", "--out", "r.html"], cwd=elsewhere)
    assert reported.stderr == "" and reported.stdout.startswith("r.html: ")
    assert (elsewhere / "r.html").read_text(encoding="utf-8").count('<svg class="chart') >= 10

    # The installed copy is what ran, and Dagster's definitions import from it too.
    code = (
        "import sql, orchestration; from etl.sql import sql_names; "
        "print(sql.__file__.startswith(sys.prefix), len(sql_names('merge')), "
        "len(orchestration.defs.resolve_all_asset_specs()))"
    )
    shown = _run([python, "-c", "import sys; " + code], cwd=elsewhere)
    assert shown.stdout.split() == [
        "True",
        "46",
        "22",
    ]  # 46 merge steps (4 keep the search index), 22 assets (dumps, 10 tables, 10 views, the weekly report)
