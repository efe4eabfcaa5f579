"""Four ways to move a frame into a PostgreSQL temporary table, timed on the same frames.

    python -m bench.copy_paths --postgres-url postgresql+psycopg://USER@HOST/DB [--papers 50000]

* binary_pgpq: what the loader does (`etl.engines.postgresql.copy_frame`): pgpq encodes the Arrow
  batches in PostgreSQL's binary COPY format, psycopg streams them, inside the caller's transaction;
* csv_copy: the loader's path before it: Polars writes CSV, psycopg COPYs it, in the transaction;
* binary_rows: psycopg's binary COPY, fed row by row from Python (`write_row`);
* adbc_ingest: ADBC's `adbc_ingest` of the Arrow table (binary COPY in C) on ADBC's own
  connection, which the merge's session cannot see: it cannot stage inside the batch's
  transaction (a dev dependency: the loader does not use it).

A text-heavy frame (papers) and a narrow numeric one (paper_keywords); medians of 3, in turns. Each
way is timed from creating the table to analyzing it, on a connection already open.
"""

from __future__ import annotations

import argparse
import statistics
import time

import adbc_driver_postgresql.dbapi as adbc
import polars as pl
import psycopg
from sqlalchemy.engine import make_url

from etl.engines.postgresql import copy_frame, postgres_engine


def frames(papers: int) -> dict[str, pl.DataFrame]:
    """A papers-like frame and a paper_keywords-like frame (ten keywords per paper)."""
    ids = pl.int_range(papers, eager=True)
    sentence = "We propose a method that improves the state of the art by a wide margin. " * 12
    return {
        "papers": pl.DataFrame(
            {
                "paper_id": ids,
                "title": "A title about diffusion models number " + ids.cast(pl.String),
                "abstract": sentence + ids.cast(pl.String),
                "upvotes": ids % 97,
            }
        ),
        "paper_keywords": pl.DataFrame(
            {
                "paper_id": pl.int_range(papers * 10, eager=True) // 10,
                "keyword_id": pl.int_range(papers * 10, eager=True),
                "score": pl.repeat(1.5, papers * 10, eager=True),
            }
        ),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.copy_paths", description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", required=True)
    parser.add_argument("--papers", type=int, default=50_000)
    args = parser.parse_args(argv)
    url = make_url(args.postgres_url)
    engine = postgres_engine(url)
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)

    def binary_pgpq(frame: pl.DataFrame) -> float:
        with engine.connect() as c:
            started = time.perf_counter()
            copy_frame(c, "staged", frame)
            took = time.perf_counter() - started
            c.rollback()
        return took

    def csv_copy(frame: pl.DataFrame) -> float:
        types = ["int8" if t.is_integer() else "float8" if t.is_float() else "text" for t in frame.dtypes]
        columns = ", ".join(f"{name} {kind}" for name, kind in zip(frame.columns, types, strict=True))
        with psycopg.connect(libpq) as conn:
            started = time.perf_counter()
            conn.execute(f"CREATE TEMP TABLE staged ({columns})")
            payload = frame.write_csv(include_header=False, quote_style="non_numeric").encode()
            with conn.cursor().copy("COPY staged FROM STDIN (FORMAT csv)") as copy:
                copy.write(payload)
            conn.execute("ANALYZE staged")
            return time.perf_counter() - started

    def binary_rows(frame: pl.DataFrame) -> float:
        types = ["int8" if t.is_integer() else "float8" if t.is_float() else "text" for t in frame.dtypes]
        columns = ", ".join(f"{name} {kind}" for name, kind in zip(frame.columns, types, strict=True))
        with psycopg.connect(libpq) as conn:
            started = time.perf_counter()
            conn.execute(f"CREATE TEMP TABLE staged ({columns})")
            with conn.cursor().copy("COPY staged FROM STDIN (FORMAT binary)") as copy:
                copy.set_types(types)
                for row in frame.iter_rows():
                    copy.write_row(row)
            conn.execute("ANALYZE staged")
            return time.perf_counter() - started

    def adbc_ingest(frame: pl.DataFrame) -> float:
        with adbc.connect(libpq) as conn, conn.cursor() as cursor:
            started = time.perf_counter()
            cursor.adbc_ingest("staged", frame.to_arrow(), mode="create", temporary=True)
            cursor.execute("ANALYZE staged")
            return time.perf_counter() - started

    ways = [binary_pgpq, csv_copy, binary_rows, adbc_ingest]
    for name, frame in frames(args.papers).items():
        mb = frame.estimated_size() / 1e6
        seconds: dict[str, list[float]] = {way.__name__: [] for way in ways}
        for _ in range(3):
            for way in ways:
                seconds[way.__name__].append(way(frame))
        medians = {k: statistics.median(v) for k, v in seconds.items()}
        print(
            f"{name}: {frame.height} rows, {mb:.1f} MB: "
            + ", ".join(f"{k} {v:.3f} s ({mb / v:.0f} MB/s)" for k, v in medians.items())
        )
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
