"""A BI-tool stand-in: query the serving copy in a loop through SQLAlchemy, record every answer.

    python tests/etl/bi_reader.py SERVING_FILE|POSTGRESQL_URL ANSWERS_JSONL [--pool]

Default: one thread, NullPool (every query opens the file anew, as a fresh BI connection would).
--pool: what a BI server does: a QueuePool of 2 connections recycled after 1 s, two threads
querying through it. Each record names its thread and the pooled connection that answered,
numbered in the order the pool opened them (one open at a time).

Each answer is the state (files, papers, appearances) and whether it is self-consistent
(the papers' sighting counts add up to the appearances). Errors are recorded, not raised.
SIGTERM stops the reader.
"""

from __future__ import annotations

import itertools
import json
import signal
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool, QueuePool

QUERY = text(
    "SELECT (SELECT count(*) FROM source_files), (SELECT count(*) FROM papers), "
    "(SELECT count(*) FROM paper_appearances), (SELECT coalesce(sum(sightings), 0) FROM papers), "
    "(SELECT count(*) FROM v_papers)"
)
POOL_THREADS = 2
POOL_RECYCLE_SECONDS = 1


def reader_engine(target: str, pooled: bool) -> Engine:
    """A read-only engine on the serving copy (or a PostgreSQL warehouse): NullPool, or a recycled QueuePool of 2."""
    if "://" in target:  # PostgreSQL: the warehouse itself, in read-only transactions
        url, read_only = make_url(target), {"options": "-c default_transaction_read_only=on"}
    else:
        url, read_only = URL.create("duckdb", database=target), {"read_only": True}
    if not pooled:
        return create_engine(url, connect_args=read_only, poolclass=NullPool)
    engine = create_engine(
        url,
        connect_args=read_only,
        poolclass=QueuePool,
        pool_size=POOL_THREADS,
        max_overflow=0,
        pool_recycle=POOL_RECYCLE_SECONDS,
    )
    opened, opening = itertools.count(), threading.Lock()

    @event.listens_for(engine, "do_connect")
    def open_in_turn(dialect, record, cargs, cparams):  # noqa: ANN001
        # One open at a time, so the numbers follow the order in which opens resolved the path.
        with opening:
            record.info["number"] = next(opened)
            return dialect.connect(*cargs, **cparams)

    return engine


def query_loop(engine: Engine, thread: int, running: threading.Event, write) -> None:  # noqa: ANN001
    """Query until `running` is cleared; hand every answer (or error) to `write`."""
    while running.is_set():
        record: dict = {"thread": thread}
        try:
            with engine.connect() as connection:
                record["connection"] = connection.connection.info.get("number")
                files, papers, appearances, sightings, view_rows = connection.execute(QUERY).one()
            record["state"] = [files, papers, appearances]
            record["consistent"] = sightings == appearances and view_rows == papers
        except Exception as exc:  # noqa: BLE001 - every failure is the finding
            record["error"] = f"{type(exc).__name__}: {exc}"
        write(record)
        time.sleep(0.02)


def main() -> None:
    serving, answers = sys.argv[1], Path(sys.argv[2])
    pooled = "--pool" in sys.argv[3:]
    running = threading.Event()
    running.set()
    signal.signal(signal.SIGTERM, lambda *_: running.clear())
    engine = reader_engine(serving, pooled)
    lock = threading.Lock()
    with answers.open("w") as out:

        def write(record: dict) -> None:
            with lock:
                out.write(json.dumps(record) + "\n")
                out.flush()

        if not pooled:
            query_loop(engine, 0, running, write)
        else:
            threads = [
                threading.Thread(target=query_loop, args=(engine, i, running, write))
                for i in range(POOL_THREADS)
            ]
            for thread in threads:
                thread.start()
            while running.is_set():  # signals reach the main thread only
                time.sleep(0.05)
            for thread in threads:
                thread.join()
    engine.dispose()


if __name__ == "__main__":
    main()
