"""Where adding one dump spends its time: per SQL statement and per non-SQL step, small vs large warehouse.

    python -m bench.incremental_profile [--small 5000] [--large 500000] [--repeat 5]
                                        [--workdir /tmp/paperhouse-bench] [--top 45] [--warehouses DIR]

Uses `bench.incremental`'s warehouses (built once there) and its new dump, and adds the dump to a
fresh, synced copy of each warehouse, in one process, small and large in alternating turns, after
one warm-up add. Each SQL statement is timed through SQLAlchemy's cursor events and labelled by
the `sql/` file it comes from (else by its first words); the steps that bypass SQLAlchemy
(DuckDB's raw connection: frames registered, frames read back, the checkpoint) and the non-SQL
steps of the load (folder scan, migration check, transform, report counts, commit) are timed by
wrapping their functions. For each label: median wall and CPU milliseconds per add (CPU is the
process's, all threads: DuckDB's and the transform's), small and large, the totals and groups
first, then the largest growth first. `--warehouses DIR` takes the warehouse files from DIR
instead (a variant of the built ones, e.g. migrated), with the workdir's dumps; `--sql DIR` runs
another copy of `sql/` and `--revision REV` keeps the schema at REV (to profile an older version).
"""

from __future__ import annotations

import argparse
import functools
import re
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event

import etl.engines.duckdb as duckdb_engine
import etl.pipeline as pipeline
import etl.sql
import etl.steps
from bench import incremental
from bench.incremental import DuckDBWarehouses, corpus, new_dump_in
from etl.warehouse import warehouse_engine

SQL_ROOT = Path(__file__).resolve().parent.parent / "sql"


def _normal(sql: str) -> str:
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return re.sub(r"\s+", " ", body).strip()


@functools.cache
def _sql_labels() -> dict[str, str]:
    """Normalised statement text -> `folder/name` of every DuckDB SQL file."""
    labels = {}
    for path in sorted(SQL_ROOT.rglob("*.sql"), key=lambda p: p.parent.name == "checks"):  # checks win
        if "postgresql" in path.parts:
            continue
        labels[_normal(path.read_text())[:120]] = f"{path.parent.name}/{path.stem}"
    return labels


def label_of(statement: str) -> str:
    """The `sql/` file a statement comes from, else its first words."""
    normal = _normal(statement)
    found = _sql_labels().get(normal[:120])
    if found:
        return found
    for key, name in _sql_labels().items():  # a statement formatted from a file (placeholders filled)
        if normal[:40] == key[:40]:
            return name
    return "sql: " + normal[:70]


class Profile:
    """Wall and CPU seconds per label, for the add under way."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self._local = threading.local()  # nested wrapped steps: only the outermost counts

    @property
    def depth(self) -> int:
        return getattr(self._local, "depth", 0)

    @depth.setter
    def depth(self, value: int) -> None:
        self._local.depth = value

    def add(self, label: str, wall: float, cpu: float) -> None:
        self.wall[label] += wall
        self.cpu[label] += cpu

    def timed(self, label: str, function: Callable) -> Callable:
        """`function`, its time added to `label` (when not inside another timed step)."""

        @functools.wraps(function)
        def wrapper(*args: object, **kwargs: object) -> object:
            if self.depth:
                return function(*args, **kwargs)
            self.depth += 1
            w, c = time.perf_counter(), time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                self.add(label, time.perf_counter() - w, time.process_time() - c)

        return wrapper


CURRENT = Profile()
GROUPS = {  # summary rows
    "= all SQL through SQLAlchemy": (
        "merge/",
        "check_scope/",
        "checks/",
        "audit/",
        "inventory/",
        "rederive/",
        "sql:",
    ),
    "= merge SQL": ("merge/",),
    "= check SQL": ("check_scope/", "checks/", "audit/"),
    "= steps outside SQLAlchemy": ("step:", "raw:", "txn:"),
}


def _install(engine_class: type) -> None:
    """Wrap the load's steps that are not SQLAlchemy statements."""
    global CURRENT

    def proxy(label: str, function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args: object, **kwargs: object) -> object:
            return CURRENT.timed(label, function)(*args, **kwargs)

        return wrapper

    for name, label in [
        ("list_dumps", "step: folder stat (list_dumps)"),
        ("migrate", "step: migrate (schema check)"),
        ("prepare_batch", "step: read+transform dump (worker)"),
        ("table_counts", "step: report table counts"),
        ("checkpoint", "step: checkpoint"),
    ]:
        setattr(pipeline, name, proxy(label, getattr(pipeline, name)))
    engine_class.stage = proxy("raw: register frames", engine_class.stage)
    engine_class.read_frame = proxy("raw: read frame", engine_class.read_frame)
    incremental.discover_dumps = proxy("step: folder listing (discover_dumps)", incremental.discover_dumps)

    def profiled_engine(target: object) -> object:
        engine = warehouse_engine(target)
        _cursor_events(engine)
        return engine

    incremental.warehouse_engine = profiled_engine


def _cursor_events(engine: object) -> None:
    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        conn.info["profile_start"] = (time.perf_counter(), time.process_time())

    def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        w, c = conn.info.pop("profile_start")
        if CURRENT.depth == 0:
            CURRENT.add(label_of(statement), time.perf_counter() - w, time.process_time() - c)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    dialect = engine.dialect
    for name in ("do_commit", "do_rollback", "do_begin"):
        function = getattr(dialect, name)
        setattr(dialect, name, lambda *a, _f=function, _n=name: CURRENT.timed(f"txn: {_n}", _f)(*a))


def add_profiled(store: DuckDBWarehouses, built: Path, folder: Path, new_dump: Path) -> tuple[Profile, float]:
    """Add `new_dump` to a fresh synced copy of `built` (`store.add_to_copy`, no publish); the profile and the load's wall seconds."""
    global CURRENT
    CURRENT = Profile()
    cpu_started = time.process_time()
    seconds = store.add_to_copy(built, folder, new_dump, publish=False).load_seconds
    CURRENT.cpu["TOTAL"] = time.process_time() - cpu_started
    accounted = sum(CURRENT.wall.values())
    CURRENT.wall["(unaccounted: python, commit, ...)"] = seconds - accounted
    CURRENT.wall["TOTAL"] = seconds
    return CURRENT, seconds


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.incremental_profile", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=500_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/paperhouse-bench"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument(
        "--warehouses", type=Path, help="take warehouse_<papers>.duckdb from here (a variant)"
    )
    parser.add_argument("--sql", type=Path, help="run the SQL files of this folder instead of sql/")
    parser.add_argument("--revision", help="migrate to this revision, not the head (an older schema)")
    args = parser.parse_args(argv)
    _install(duckdb_engine.DuckDBEngine)
    if args.sql:
        global SQL_ROOT
        etl.sql.SQL_DIR = etl.steps.SQL_DIR = SQL_ROOT = args.sql
        etl.sql.sql_file.cache_clear()
    if args.revision:
        migrate = pipeline.migrate
        pipeline.migrate = lambda engine: migrate(engine, args.revision)
    workdir = args.workdir
    new_dump = new_dump_in(workdir)
    store = DuckDBWarehouses(workdir)
    sizes = {"small": args.small, "large": args.large}
    if args.warehouses or args.revision:  # as they are: building would migrate them to the head
        found = args.warehouses or workdir
        built = {label: found / f"warehouse_{n}.duckdb" for label, n in sizes.items()}
    else:
        built = {label: store.build(n, corpus(workdir, n)) for label, n in sizes.items()}
    folders = {label: workdir / f"raw_{n}" for label, n in sizes.items()}
    add_profiled(store, built["small"], folders["small"], new_dump)  # warm-up: first imports
    runs: dict[str, list[Profile]] = {label: [] for label in sizes}
    for i in range(args.repeat):
        for label in sizes if i % 2 == 0 else list(sizes)[::-1]:
            runs[label].append(add_profiled(store, built[label], folders[label], new_dump)[0])
    labels = {k for profiles in runs.values() for p in profiles for k in p.wall}

    def med(label: str, size: str, kind: str) -> float:
        return 1000 * statistics.median(getattr(p, kind).get(label, 0.0) for p in runs[size])

    for size in sizes:  # groups, summed per add
        for p in runs[size]:
            for group, prefixes in GROUPS.items():
                for kind in ("wall", "cpu"):
                    values = getattr(p, kind)
                    values[group] = sum(
                        v for k, v in values.items() if k.startswith(prefixes) and k[0] != "="
                    )
    labels |= set(GROUPS)
    rows = sorted(labels, key=lambda k: -(med(k, "large", "wall") - med(k, "small", "wall")))
    rows = [r for r in rows if max(med(r, "small", "wall"), med(r, "large", "wall")) >= 1.0]
    rows = ["TOTAL", *sorted(GROUPS), *(r for r in rows if r != "TOTAL" and r not in GROUPS)]
    print(f"{'label':<58} {'small ms':>9} {'large ms':>9} {'+ms':>7} | {'cpu s':>7} {'cpu l':>7}")
    for label in rows[: args.top]:
        s, large = med(label, "small", "wall"), med(label, "large", "wall")
        print(
            f"{label[:58]:<58} {s:9.1f} {large:9.1f} {large - s:7.1f} | "
            f"{med(label, 'small', 'cpu'):7.1f} {med(label, 'large', 'cpu'):7.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
