"""A BI-tool stand-in: query the serving copy in a loop through SQLAlchemy, record every answer.

    python tests/etl/bi_reader.py SERVING_FILE ANSWERS_JSONL

Each answer is the state (files, papers, appearances) and whether it is self-consistent
(the papers' sighting counts add up to the appearances). Errors are recorded, not raised.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

QUERY = text(
    "SELECT (SELECT count(*) FROM source_files), (SELECT count(*) FROM papers), "
    "(SELECT count(*) FROM paper_appearances), (SELECT coalesce(sum(sightings), 0) FROM papers), "
    "(SELECT count(*) FROM v_papers)"
)


def main() -> None:
    serving, answers = Path(sys.argv[1]), Path(sys.argv[2])
    running = True

    def stop(*_):
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    # NullPool: every query opens the file anew, as a BI tool's fresh connection would.
    engine = create_engine(
        URL.create("duckdb", database=str(serving)), connect_args={"read_only": True}, poolclass=NullPool
    )
    with answers.open("w") as out:
        while running:
            try:
                with engine.connect() as connection:
                    files, papers, appearances, sightings, view_rows = connection.execute(QUERY).one()
                record = {
                    "state": [files, papers, appearances],
                    "consistent": sightings == appearances and view_rows == papers,
                }
            except Exception as exc:  # noqa: BLE001 - every failure is the finding
                record = {"error": f"{type(exc).__name__}: {exc}"}
            out.write(json.dumps(record) + "\n")
            out.flush()
            time.sleep(0.02)


if __name__ == "__main__":
    main()
