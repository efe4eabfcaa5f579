"""Run by a Superset-like client environment (SQLAlchemy 1.4, duckdb-engine, duckdb 1.4), not the project's.

    python reflect.py URI

Prints one JSON object: the DuckDB version, table and view names, the columns of v_papers and
papers with their comments (SQLAlchemy reflection, as Superset's dataset editor does), and a
row count of every view.
"""

import json
import sys

import duckdb
import sqlalchemy
from sqlalchemy import create_engine, inspect, text

engine = create_engine(sys.argv[1])
inspector = inspect(engine)
views = inspector.get_view_names()
with engine.connect() as connection:
    counts = {view: connection.execute(text(f"SELECT count(*) FROM {view}")).scalar() for view in views}
print(
    json.dumps(
        {
            "duckdb": duckdb.__version__,
            "sqlalchemy": sqlalchemy.__version__,
            "tables": sorted(inspector.get_table_names()),
            "views": sorted(views),
            "columns": {
                name: [[c["name"], c.get("comment")] for c in inspector.get_columns(name)]
                for name in ("v_papers", "papers")
            },
            "counts": counts,
        }
    )
)
