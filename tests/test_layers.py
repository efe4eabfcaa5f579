"""The layers: `etl` and `migrations` never import each other (they share `models`), and the settings stay light."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Which top-level packages each layer may not import, and why (ARCHITECTURE.md, Layers).
FORBIDDEN = {
    "etl": "migrations",  # the library finds the Alembic scripts (find_spec) and runs them
    "migrations": "etl",  # a migration freezes what it needs; env.py opens the warehouse itself
    "models": ("etl", "migrations", "orchestration"),  # the schema both sides share
}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports (absolute names; `importlib.import_module("x")` with a literal too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("import_module", "find_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def crossings(package: str, forbidden: str | tuple[str, ...]) -> list[str]:
    banned = (forbidden,) if isinstance(forbidden, str) else forbidden
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for module in sorted(imported_modules(path))
        if module.split(".")[0] in banned
    ]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_across_its_layer(package):
    assert crossings(package, FORBIDDEN[package]) == []


def test_the_walk_sees_an_import_across_layers(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "import migrations.views\nfrom etl.keys import stable_id\n"
        "def f():\n    from etl import staging\n    importlib.import_module('etl.sql')\n"
    )
    assert imported_modules(module) >= {"migrations.views", "etl.keys", "etl", "etl.sql"}


HEAVY = ("etl.parse", "etl.engines", "etl.serving", "migrations", "polars", "duckdb", "psycopg")


def test_importing_the_settings_pulls_in_no_parser_engine_publisher_or_database_driver():
    loaded = subprocess.run(
        [sys.executable, "-c", "import json, sys, etl.settings; print(json.dumps(sorted(sys.modules)))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    modules = json.loads(loaded)
    assert [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)] == []
