"""Run by the Superset-like client environment (SQLAlchemy 1.4, duckdb-engine, duckdb 1.4), not the project's.

    python search.py URI QUERY...

Prints one JSON object: the DuckDB version and, for each query, the paper ids of search_papers'
first 10 rows, queried through SQLAlchemy as Superset's SQL Lab does.
"""

import json
import sys

import duckdb
from sqlalchemy import create_engine, text

engine = create_engine(sys.argv[1])
with engine.connect() as connection:
    results = {
        query: [
            str(row[0])
            for row in connection.execute(
                text("SELECT paper_id FROM search_papers(:query) LIMIT 10"), {"query": query}
            )
        ]
        for query in sys.argv[2:]
    }
print(json.dumps({"version": duckdb.__version__, "results": results}))
