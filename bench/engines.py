"""DuckDB beside PostgreSQL: the same corpus loaded by `paperhouse load` into each, then one dump added.

    python -m bench.engines CORPUS --postgres-url postgresql+psycopg://USER@HOST/ADMIN_DB [--rounds 2]

Each load is a fresh `paperhouse load` process, timed from outside (wall clock, as cron sees
it), into a new warehouse: a DuckDB file in a scratch folder, or a new database on the server
(created from the admin URL, dropped after). The engines alternate within each round, so the
ratio of their medians holds on a noisy machine. Then one new dump is added to each and the
incremental load timed the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url

from bench.generate import ENTRIES_PER_DUMP, generate

MB = 1e6


def timed_load(folder: Path, warehouse: str, tree: str | None = None) -> tuple[float, dict[str, int]]:
    """Seconds of one `paperhouse load` of `folder` into `warehouse` (with the code of checkout `tree`), and the rows after it."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "etl.cli", "load", str(folder), "--warehouse", warehouse, "--json"],
        capture_output=True,
        text=True,
        cwd=tree,
        env=None if tree is None else dict(os.environ, PYTHONPATH=tree),
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        code = "" if tree is None else f" with {tree}"
        raise RuntimeError(f"load into {warehouse}{code} failed: {done.stderr.strip()[-3000:]}")
    return seconds, json.loads(done.stdout)["warehouse_rows"]


class _Server:
    """Fresh databases on a PostgreSQL server, dropped when done."""

    def __init__(self, admin_url: URL) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def new(self) -> tuple[str, str]:
        name = f"paperhouse_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE {name}")  # a generated identifier
        return name, self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop(self, name: str) -> None:
        with self.admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def compare(corpus: Path, admin_url: URL, rounds: int) -> dict:
    """Full and incremental load seconds per engine, per round, with their medians and ratios."""
    server = _Server(admin_url)
    size_mb = sum(p.stat().st_size for p in corpus.glob("*.txt")) / MB
    runs: dict[str, dict[str, list[float]]] = {
        e: {"full": [], "one_more_dump": []} for e in ("duckdb", "postgresql")
    }
    with tempfile.TemporaryDirectory(prefix="paperhouse-engines-") as scratch:
        work = Path(scratch)
        folder = work / "raw"
        shutil.copytree(corpus, folder)
        generated = generate(
            work / "extra", 1, ENTRIES_PER_DUMP, repeat_rate=0.0, seed=4242, first_serial=10**9
        )
        # Its own name: the generator numbers every folder's dumps from 00000, as the corpus's first.
        extra = generated[0].rename(
            generated[0].with_name(generated[0].name.replace("_synthetic_", "_one_more_"))
        )
        for i in range(rounds):
            (folder / extra.name).unlink(missing_ok=True)
            name, url = server.new()
            order = [("duckdb", str(work / f"w{i}.duckdb")), ("postgresql", url)]
            for step in ("full", "one_more_dump"):
                if step == "one_more_dump":
                    shutil.copy2(extra, folder / extra.name)
                rows = {}
                for engine, target in order if i % 2 == 0 else order[::-1]:
                    seconds, rows[engine] = timed_load(folder, target)
                    runs[engine][step].append(seconds)
                if rows["duckdb"] != rows["postgresql"]:
                    raise RuntimeError(f"the engines disagree after the {step} load: {rows}")
                warehouse_rows = rows["duckdb"]
            server.drop(name)
            (work / f"w{i}.duckdb").unlink()
            shutil.rmtree(work / "serving", ignore_errors=True)
    medians = {e: {k: statistics.median(v) for k, v in r.items()} for e, r in runs.items()}
    return {
        "corpus_mb": round(size_mb, 1),
        "warehouse_rows": warehouse_rows,
        "rounds": runs,
        "median_seconds": medians,
        "postgresql_over_duckdb": {
            k: round(medians["postgresql"][k] / medians["duckdb"][k], 2) for k in ("full", "one_more_dump")
        },
        "mb_per_second_full": {e: round(size_mb / m["full"], 1) for e, m in medians.items()},
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.engines", description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--postgres-url", required=True, help="a URL of the server's admin database")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    print(json.dumps(compare(args.corpus, make_url(args.postgres_url), args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
