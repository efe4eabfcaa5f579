"""`duckdb+paperhouse://`: SQLAlchemy 2.x reflection of the warehouse, comments included, with no patching."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import create_engine, inspect

from etl.cli import EXIT_OK, main
from tests.conftest import ROOT

REFLECT = """
import json, sys
from sqlalchemy import create_engine, inspect
engine = create_engine(sys.argv[1])
inspector = inspect(engine)
print(json.dumps({
    "dialect": type(engine.dialect).__name__,
    "views": sorted(inspector.get_view_names()),
    "v_papers": [[c["name"], c["comment"]] for c in inspector.get_columns("v_papers")],
    "papers_comment": inspector.get_table_comment("papers")["text"],
}))
"""


def test_plain_sqlalchemy_reflects_views_and_comments_through_the_registered_dialect(tmp_path, sample_dir):
    warehouse = tmp_path / "warehouse" / "paperhouse.duckdb"
    assert main(["load", str(sample_dir), "--warehouse", str(warehouse)]) == EXIT_OK
    serving = warehouse.parent / "serving" / "paperhouse.duckdb"
    # A fresh interpreter that imports nothing of the project: the entry point alone finds the dialect.
    done = subprocess.run(
        [sys.executable, "-c", REFLECT, f"duckdb+paperhouse:///{serving}?access_mode=READ_ONLY"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["dialect"] == "ReflectingDuckDBDialect"
    assert seen["views"] == sorted(p.stem for p in (ROOT / "sql" / "views").glob("*.sql"))
    assert [name for name, _ in seen["v_papers"]][:3] == ["paper_id", "title", "abstract"]
    assert all(comment for _, comment in seen["v_papers"])
    assert seen["papers_comment"]


def test_the_plain_duckdb_dialect_still_fails_where_ours_works(tmp_path, sample_dir):
    """The bug this dialect exists for: SQLAlchemy 2.1 + duckdb-engine queries pg_catalog.pg_collation."""
    warehouse = tmp_path / "w.duckdb"
    assert main(["load", str(sample_dir), "--warehouse", str(warehouse)]) == EXIT_OK
    plain = create_engine(f"duckdb:///{warehouse}?access_mode=READ_ONLY")
    try:
        inspect(plain).get_columns("v_papers")
        failed = None
    except Exception as exc:  # noqa: BLE001 - the failure is the finding
        failed = str(exc)
    finally:
        plain.dispose()
    assert failed is not None and "pg_collation" in failed
