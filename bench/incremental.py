"""Cost of new data only: add the same new ~200 KB dump to a small and to a large warehouse.

    python -m bench.incremental [--small 5000] [--large 500000] [--repeat 9] [--workdir /tmp/paperhouse-bench]
                                [--engine postgresql]

Builds (once, cached) two warehouses from synthetic dumps of about `small` and `large` papers,
then times, in process, adding one new dump to a fresh copy of each, at rest (`repeat` times,
median). Prints the seconds, the ratio large/small, and the time of publishing the serving copy.

With `--engine postgresql` the same is done, in the same run and in alternating turns, on
PostgreSQL databases at $PAPERHOUSE_BENCH_POSTGRES_URL (a URL of the server's admin database):
the built warehouses are databases `paperhouse_bench_inc_<papers>` (kept, like the DuckDB files),
each fresh copy a `CREATE DATABASE … TEMPLATE` of one, dropped after. PostgreSQL has no
serving copy to publish.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url

from bench.generate import generate
from etl.extract import discover_dumps
from etl.pipeline import load_paths
from etl.serving import publish
from etl.warehouse import migrate, warehouse_engine

ENTRIES_PER_DUMP = 200
BUILD_BATCH = 250  # dumps per load while building (memory is bounded by the batch)


@dataclass(frozen=True)
class Added:
    """One timed add: the load's seconds, the publish's (None: no serving copy), papers after it."""

    load_seconds: float
    publish_seconds: float | None
    papers: int


def corpus(workdir: Path, papers: int) -> list[Path]:
    """The dumps of a warehouse of about `papers` papers (generated once)."""
    folder = workdir / f"raw_{papers}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        generate(
            folder,
            max(1, round(papers / (ENTRIES_PER_DUMP * 0.9))),
            ENTRIES_PER_DUMP,
            repeat_rate=0.1,
            seed=11,
        )
        done.touch()
    return discover_dumps(folder)


def new_dump_in(workdir: Path) -> Path:
    """The new 116-entry dump every add loads (the same one each run: same seed, same name)."""
    dump = generate(workdir / "new", 1, 116, repeat_rate=0.0, seed=999, first_serial=10**8)[0]
    return dump.rename(dump.with_name("2025-01-01_new.txt"))


def migrated(target: Path | URL) -> None:
    """Bring a cached warehouse built by an older schema to the head, once, before the timed adds."""
    engine = warehouse_engine(target)
    migrate(engine)
    engine.dispose()


def build_into(target: Path | URL, paths: list[Path]) -> None:
    """Load `paths` into the warehouse at `target`, `BUILD_BATCH` dumps per load."""
    engine = warehouse_engine(target)
    for start in range(0, len(paths), BUILD_BATCH):
        load_paths(paths[start : start + BUILD_BATCH], engine)
    engine.dispose()


def add_dump(target: Path | URL, folder: Path, new_dump: Path, serving: Path | None) -> Added:
    """Add `new_dump` to the warehouse at `target` (the folder's scan included) and publish when asked."""
    shutil.copy2(new_dump, folder / new_dump.name)
    try:
        engine = warehouse_engine(target)
        started = time.perf_counter()
        report = load_paths(discover_dumps(folder), engine)
        load_seconds = time.perf_counter() - started
        publish_seconds = publish(engine, target, serving) if serving is not None else None
        engine.dispose()
    finally:
        (folder / new_dump.name).unlink()
    return Added(load_seconds, publish_seconds, report.warehouse_rows["papers"])


class DuckDBWarehouses:
    """Warehouse files in the workdir; a fresh copy is a byte copy, synced to disk."""

    name = "duckdb"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def build(self, papers: int, paths: list[Path]) -> Path:
        """The built warehouse file of `papers` papers (built once)."""
        warehouse = self.workdir / f"warehouse_{papers}.duckdb"
        if not warehouse.exists():
            building = warehouse.with_suffix(".building")
            building.unlink(missing_ok=True)
            build_into(building, paths)
            building.rename(warehouse)
        else:
            migrated(warehouse)
        return warehouse

    def add_to_copy(self, built: Path, folder: Path, new_dump: Path, publish: bool = True) -> Added:
        """Add `new_dump` to a fresh copy of `built`, then publish its serving copy (unless not `publish`)."""
        scratch = self.workdir / "scratch_duckdb"
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        copy = scratch / "w.duckdb"
        shutil.copy(built, copy)
        # At rest on disk, like a real warehouse: otherwise the load's checkpoint (its fsync) would
        # also wait on the write-back of this copy and of the last run's serving copy.
        os.sync()
        try:
            return add_dump(copy, folder, new_dump, scratch / "serving.duckdb" if publish else None)
        finally:
            shutil.rmtree(scratch)

    def size_mb(self, built: Path) -> float:
        """The built warehouse's size on disk."""
        return built.stat().st_size / 1e6


class PostgresWarehouses:
    """Databases on a server; a fresh copy is `CREATE DATABASE … TEMPLATE` (file copy, checkpointed)."""

    name = "postgresql"

    def __init__(self, admin_url: URL) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def _sql(self, statement: str) -> object:
        with self.admin.connect() as connection:
            result = connection.exec_driver_sql(statement)
            return result.scalar() if result.returns_rows else None

    def build(self, papers: int, paths: list[Path]) -> str:
        """The built database of `papers` papers (built once; renamed into place when complete)."""
        name = f"paperhouse_bench_inc_{papers}"  # generated identifiers below
        if not self._sql(f"SELECT count(*) FROM pg_database WHERE datname = '{name}'"):
            self._sql(f"DROP DATABASE IF EXISTS {name}_building WITH (FORCE)")
            self._sql(f"CREATE DATABASE {name}_building")
            build_into(self.admin_url.set(database=f"{name}_building"), paths)
            self._sql(f"ALTER DATABASE {name}_building RENAME TO {name}")
        else:
            migrated(self.admin_url.set(database=name))
        return name

    def add_to_copy(self, built: str, folder: Path, new_dump: Path) -> Added:
        """Add `new_dump` to a fresh copy of database `built`; there is nothing to publish."""
        copy = f"{built}_scratch"
        self._sql(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
        # FILE_COPY checkpoints before and after: the copy starts at rest, as a real warehouse would.
        self._sql(f"CREATE DATABASE {copy} TEMPLATE {built} STRATEGY FILE_COPY")
        try:
            return add_dump(self.admin_url.set(database=copy), folder, new_dump, None)
        finally:
            self._sql(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")

    def size_mb(self, built: str) -> float:
        """The built database's size on disk."""
        return int(self._sql(f"SELECT pg_database_size('{built}')")) / 1e6


def run(workdir: Path, sizes: dict[str, int], repeat: int, admin_url: URL | None) -> dict:
    """Per engine and size: the median seconds of adding the new dump, and the ratios."""
    new_dump = new_dump_in(workdir)
    stores = [DuckDBWarehouses(workdir)] + ([PostgresWarehouses(admin_url)] if admin_url else [])
    results: dict = {store.name: {} for store in stores}
    built: dict[str, dict] = {label: {} for label in sizes}
    for label, papers in sizes.items():
        paths = corpus(workdir, papers)
        for store in stores:
            started = time.perf_counter()
            built[label][store.name] = store.build(papers, paths)
            build_seconds = time.perf_counter() - started  # about 0 when cached
            results[store.name][label] = {"papers": papers, "build_seconds": round(build_seconds, 1)}
    small = workdir / f"raw_{sizes['small']}"
    for store in stores:  # first imports (pyarrow, alembic, psycopg) are not the warehouse's cost
        store.add_to_copy(built["small"][store.name], small, new_dump)
    for label, papers in sizes.items():
        folder = workdir / f"raw_{papers}"
        runs: dict[str, list[Added]] = {store.name: [] for store in stores}
        for i in range(repeat):
            for store in stores if i % 2 == 0 else stores[::-1]:
                runs[store.name].append(store.add_to_copy(built[label][store.name], folder, new_dump))
        for store in stores:
            added = runs[store.name]
            publishes = [a.publish_seconds for a in added if a.publish_seconds is not None]
            results[store.name][label] |= {
                "papers_after": added[0].papers,
                "add_seconds": round(statistics.median(a.load_seconds for a in added), 3),
                "publish_seconds": round(statistics.median(publishes), 3) if publishes else None,
                "warehouse_mb": round(store.size_mb(built[label][store.name]), 1),
            }
        papers_after = {store.name: results[store.name][label]["papers_after"] for store in stores}
        if len(set(papers_after.values())) > 1:
            raise RuntimeError(
                f"the engines disagree after adding the dump to the {label} warehouse: {papers_after}"
            )
    for figures in results.values():
        figures["large_over_small"] = round(
            figures["large"]["add_seconds"] / figures["small"]["add_seconds"], 2
        )
    if admin_url:
        results["postgresql_over_duckdb"] = {
            label: round(
                results["postgresql"][label]["add_seconds"] / results["duckdb"][label]["add_seconds"], 2
            )
            for label in sizes
        }
    results["new_dump_kb"] = round(new_dump.stat().st_size / 1e3)
    results["repeat"] = repeat
    return results


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.incremental", description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=500_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/paperhouse-bench"))
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--engine", choices=("duckdb", "postgresql"), default="duckdb")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    args = parser.parse_args(argv)
    admin_url = None
    if args.engine == "postgresql":
        admin = os.environ.get("PAPERHOUSE_BENCH_POSTGRES_URL")
        if not admin:
            parser.error("--engine postgresql needs PAPERHOUSE_BENCH_POSTGRES_URL")
        admin_url = make_url(admin)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = run(args.workdir, {"small": args.small, "large": args.large}, args.repeat, admin_url)
    for engine in ("duckdb", "postgresql"):
        for label in ("small", "large") if engine in results else ():
            r = results[engine][label]
            publish_text = (
                f"publish serving copy: {r['publish_seconds']:.3f} s"
                if r["publish_seconds"]
                else "no serving copy"
            )
            print(
                f"{engine:>10} {label:>5}: {r['papers_after']:>8,} papers after the add | build {r['build_seconds']:7.1f} s | "
                f"add one {results['new_dump_kb']} KB dump: {r['add_seconds']:.3f} s (median of {args.repeat}) | "
                f"{publish_text} | {r['warehouse_mb']:.0f} MB"
            )
        if engine in results:
            print(f"{engine:>10} ratio large/small: {results[engine]['large_over_small']:.2f}")
    if "postgresql_over_duckdb" in results:
        print(f"postgresql/duckdb: {json.dumps(results['postgresql_over_duckdb'])}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
