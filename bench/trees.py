"""One change's effect on both engines: backfills by `paperhouse load` with two or more code trees, paired.

    python -m bench.trees CORPUS --postgres-url ADMIN_URL --tree before=/path/to/main --tree after=. \
        [--rounds 2] [--no-duckdb] [--extra DUMP]

Each round loads CORPUS into DuckDB (with the last tree's code) and into a fresh PostgreSQL database
per tree, each a fresh `paperhouse load` process run with that tree on its PYTHONPATH, timed from
outside (wall clock) as `bench.engines` does; the order rotates from round to round, so that the
ratios hold on a noisy machine. With `--extra`, that dump is then copied into the folder (under its
own name: it replaces a dump of the corpus with the same name) and each warehouse loads it. Every
warehouse must hold the same row counts after each step, and each PostgreSQL one the same answer to
`search_papers('diffusion -video')` and its search index. Prints medians and the ratios to DuckDB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.engines import timed_load


def searched(url: str) -> tuple[str, bool]:
    """A digest of `search_papers('diffusion -video')`'s rows in order, and whether the search index exists."""
    engine = create_engine(url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT paper_id, rank FROM search_papers('diffusion -video')")).all()
        index = c.execute(text("SELECT to_regclass('ix_papers_search') IS NOT NULL")).scalar_one()
    engine.dispose()
    return f"{len(rows)} papers, {hashlib.sha256(repr(rows).encode()).hexdigest()[:12]}", index


def compare(
    corpus: Path, admin_url: str, trees: dict[str, str], rounds: int, duckdb: bool, extra: Path | None
) -> dict:
    """Seconds per warehouse and step, per round, with medians and the ratios to DuckDB."""
    admin_url = make_url(admin_url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    runs: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="paperhouse-trees-") as scratch:
        work = Path(scratch)
        folder = work / "raw"
        shutil.copytree(corpus, folder)
        for i in range(rounds):
            if extra is not None:  # the corpus as it was
                (folder / extra.name).unlink(missing_ok=True)
                if (corpus / extra.name).exists():
                    shutil.copy2(corpus / extra.name, folder / extra.name)
            jobs = [("duckdb", list(trees.values())[-1], str(work / f"w{i}.duckdb"))] if duckdb else []
            for name, tree in trees.items():
                database = f"paperhouse_trees_{uuid.uuid4().hex[:10]}"
                with admin.connect() as c:
                    c.exec_driver_sql(f"CREATE DATABASE {database}")  # a generated identifier
                jobs.append(
                    (f"postgresql {name}", tree, admin_url.set(database=database).render_as_string(False))
                )
            jobs = jobs[i % len(jobs) :] + jobs[: i % len(jobs)]
            for step in ("full", "one_more_dump") if extra is not None else ("full",):
                if step == "one_more_dump":
                    shutil.copy2(extra, folder / extra.name)
                rows = {}
                for name, tree, target in jobs:
                    seconds, rows[name] = timed_load(folder, target, tree)
                    runs.setdefault(name, {}).setdefault(step, []).append(round(seconds, 2))
                    print(f"round {i}, {step}, {name}: {seconds:.2f} s", file=sys.stderr, flush=True)
                if len({json.dumps(r, sort_keys=True) for r in rows.values()}) != 1:
                    raise RuntimeError(f"the warehouses disagree after the {step} load: {rows}")
            answers = {}
            for name, _, target in jobs:
                if name == "duckdb":
                    Path(target).unlink()
                    continue
                answers[name], index = searched(target)
                if not index:
                    raise RuntimeError(f"{name} lost its search index")
                with admin.connect() as c:
                    c.exec_driver_sql(f"DROP DATABASE IF EXISTS {make_url(target).database} WITH (FORCE)")
            if len(set(answers.values())) > 1:
                raise RuntimeError(f"the trees' searches disagree: {answers}")
    admin.dispose()
    medians = {n: {k: round(statistics.median(v), 2) for k, v in r.items()} for n, r in runs.items()}
    result: dict = {"rounds": runs, "median_seconds": medians}
    if duckdb:
        result["over_duckdb"] = {
            n: {k: round(v / medians["duckdb"][k], 2) for k, v in m.items()} for n, m in medians.items()
        }
    return result


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.trees", description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--postgres-url", required=True, help="a URL of the server's admin database")
    parser.add_argument("--tree", action="append", required=True, help="NAME=PATH of a checkout (repeat)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-duckdb", action="store_true", help="PostgreSQL only")
    parser.add_argument("--extra", type=Path, help="a dump to add after each backfill")
    args = parser.parse_args(argv)
    trees = dict(t.split("=", 1) for t in args.tree)
    trees = {name: str(Path(path).resolve()) for name, path in trees.items()}
    print(
        json.dumps(
            compare(args.corpus, args.postgres_url, trees, args.rounds, not args.no_duckdb, args.extra)
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
