"""Shared fixtures: the bundled sample, throwaway warehouses, and dump-writing helpers."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

import etl.clock
from etl.extract import discover_dumps, read_dumps
from etl.parse import ParsedDumps, parse_dumps
from etl.warehouse import migrate, warehouse_engine
from models import SEARCH_INDEX_TABLES, TABLES

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "raw"
DATA_DIR = Path(__file__).resolve().parent / "data"
CUT_DUMP = DATA_DIR / "refused" / "2025-11-04_cut_title.txt"  # a title with no abstract, line 15
# Its reason when saved as cut.txt:
CUT_REASON = "cut.txt, line 15: title 'Second title with no abstract' has no abstract (cut off?)"

HEADER = "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nbyAK and the research community\n\n"


def dump_text(listing: str, blocks: list[str]) -> str:
    """A dump in the real format: the page header, the listing date, then entry blocks."""
    return HEADER + listing + "\n\n" + "\n\n".join(blocks) + ("\n" if blocks else "")


def write_dump(folder: Path, name: str, content: str | bytes, mtime_year: int | None = None) -> Path:
    """Write a dump file, optionally with a modification time in `mtime_year`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))
    if mtime_year is not None:
        stamp = pl.datetime(mtime_year, 7, 1, time_zone="UTC")
        seconds = pl.select(stamp.dt.epoch("s")).item()
        os.utime(path, (seconds, seconds))
    return path


def parse_folder(folder: Path, listing_year: int | None = None) -> ParsedDumps:
    """Read and parse every dump of a folder."""
    return parse_dumps(read_dumps(discover_dumps(folder)), listing_year)


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every warehouse table's rows, sorted; load timestamps left out."""
    tables: dict[str, list[tuple]] = {}
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        # A downgraded warehouse lacks the newer ones.
        for table in (t for t in (*TABLES, *SEARCH_INDEX_TABLES) if t in present):
            columns = [
                c
                for c in connection.execute(text(f"SELECT * FROM {table} LIMIT 0")).keys()
                if c != "loaded_at"
            ]
            rows = connection.execute(text(f"SELECT {', '.join(columns)} FROM {table}")).all()
            tables[table] = sorted(tuple(r) for r in rows)
    return tables


def warehouse_state(engine: Engine) -> dict[str, list[tuple]]:
    """What a fresh load of the same dumps must give: every table (`snapshot`), and of `source_files`
    only the loaded versions without `modified_ns`. Superseded, removed and earlier rejected versions
    are history no fresh load has, and `modified_ns` is the file's stat when a load last read it."""
    state = snapshot(engine)
    with engine.connect() as connection:
        columns = [c for c in connection.execute(text("SELECT * FROM source_files LIMIT 0")).keys()]
        kept = [c for c in columns if c not in ("loaded_at", "modified_ns")]
        rows = connection.execute(
            text(f"SELECT {', '.join(kept)} FROM source_files WHERE status = 'loaded'")  # vetted names
        ).all()
    state["source_files"] = sorted(tuple(r) for r in rows)
    return state


@contextmanager
def fresh_warehouse(dialect: str, folder: Path) -> Iterator[Engine]:
    """A new warehouse of `dialect` (a file in `folder`, or a database on the test server), migrated to head."""
    if dialect == "duckdb":
        engine = warehouse_engine(folder / f"fresh_{uuid.uuid4().hex[:8]}.duckdb")
        try:
            migrate(engine)
            yield engine
        finally:
            engine.dispose()
        return
    with postgres_database("fresh") as url:
        engine = warehouse_engine(url)
        try:
            migrate(engine)
            yield engine
        finally:
            engine.dispose()


def fresh_state(engine: Engine, raw: Path, scratch: Path) -> dict[str, list[tuple]]:
    """`warehouse_state` of a fresh load of `raw` into a new warehouse of `engine`'s kind."""
    from etl.pipeline import load_folder

    scratch.mkdir(parents=True, exist_ok=True)
    with fresh_warehouse(engine.dialect.name, scratch) as fresh:
        load_folder(raw, fresh)
        return warehouse_state(fresh)


TEMPORARY_TABLES = {
    "duckdb": "SELECT table_name FROM duckdb_tables() WHERE temporary ORDER BY 1",
    "postgresql": "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() ORDER BY 1",
}


def temporary_tables(connection: Connection) -> list[str]:
    """The temporary tables this session holds (staging and scope copies a step left behind)."""
    return list(connection.execute(text(TEMPORARY_TABLES[connection.dialect.name])).scalars())


@pytest.fixture
def clock(monkeypatch) -> Callable[[dt.date], None]:
    """Set the load's clock (`etl.clock.today`) to a given date: date rules never read the machine's."""

    def set_today(day: dt.date) -> None:
        monkeypatch.setattr(etl.clock, "today", lambda: day)

    set_today(dt.date(2026, 12, 1))
    return set_today


@dataclass
class WallClock:
    """The load's wall clock in tests: real time plus what `sleep` added, so a pause never waits.

    `during_pause` callbacks run at each pause (a download still writing, say).
    """

    offset_ns: int = 0
    during_pause: list[Callable[[], None]] = field(default_factory=list)
    paused: list[float] = field(default_factory=list)

    def now_ns(self) -> int:
        return time.time_ns() + self.offset_ns

    def sleep(self, seconds: float) -> None:
        self.paused.append(seconds)
        for callback in self.during_pause:
            callback()
        self.offset_ns += int(seconds * 1e9)


@pytest.fixture(autouse=True)
def wall_clock(monkeypatch) -> WallClock:
    """Every test's wall clock (`etl.clock.now_ns`, `sleep`): a file settling costs no real time.

    Loads in subprocesses get PAPERHOUSE_SETTLE_SECONDS=0 unless a test sets it: they cannot share
    this clock, and the files a test has just written would make each wait for real.
    """
    clock = WallClock()
    monkeypatch.setattr(etl.clock, "now_ns", clock.now_ns)
    monkeypatch.setattr(etl.clock, "sleep", clock.sleep)
    monkeypatch.setenv("PAPERHOUSE_SETTLE_SECONDS", "0")
    return clock


def set_mtime(path: Path, when: dt.datetime) -> None:
    """Give a file a modification time (UTC when naive)."""
    stamp = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp()
    os.utime(path, (stamp, stamp))


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled sample dumps."""
    target = tmp_path / "raw"
    shutil.copytree(SAMPLE_DIR, target)
    return target


# `make test` runs the suite on pytest-xdist workers, each taking whole files in collection order
# (pyproject.toml: --dist loadfile --no-loadscope-reorder). The slowest files go first, slowest
# first, so that no worker starts one of them when the other is nearly done. Seconds: one
# two-worker run of 2026-12-07 (25 min in all, 50 min of tests), its JUnit times summed per file.
SLOW_FILES = (
    "tests/orchestration/test_dagster_dev.py",  # 736 s: two `dagster dev` servers and Chromium
    "tests/etl/test_incremental.py",  # 382 s
    "tests/etl/engines/test_postgresql.py",  # 271 s
    "tests/test_cli.py",  # 184 s
    "tests/orchestration/test_tables.py",  # 152 s
    "tests/etl/test_pipeline.py",  # 152 s
    "tests/etl/test_checks.py",  # 109 s
    "tests/test_migrations.py",  # 98 s
    "tests/bench/test_bench.py",  # 87 s
    "tests/orchestration/test_views.py",  # 87 s
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, the files of SLOW_FILES first; the others keep their order (the sort is
    stable, and runs after pytest's own reordering for module-scoped parameters, which keeps files apart)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        rank = {name: n for n, name in enumerate(SLOW_FILES)}
        items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(SLOW_FILES)))


POSTGRES_URL = os.environ.get("PAPERHOUSE_TEST_POSTGRES_URL")  # set by .ci/with-postgres
# Every warehouse test runs on both engines; PostgreSQL's only where a server is given (always in CI).
ENGINES = ("duckdb", pytest.param("postgresql", marks=pytest.mark.postgresql))


def require_postgres() -> URL:
    """The test server's URL (its admin database); skips without one, fails if one is required."""
    if not POSTGRES_URL:
        if os.environ.get("PAPERHOUSE_REQUIRE_POSTGRES"):
            pytest.fail("PAPERHOUSE_TEST_POSTGRES_URL is unset: run the suite through .ci/with-postgres")
        pytest.skip("no PostgreSQL server: run `make test-postgres` (or set PAPERHOUSE_TEST_POSTGRES_URL)")
    return make_url(POSTGRES_URL)


@contextmanager
def postgres_database(name_hint: str = "t", template: URL | None = None) -> Iterator[URL]:
    """A new database on the test server (empty, or a copy of `template`'s), dropped after the block."""
    admin_url = require_postgres()
    name = f"paperhouse_{name_hint}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        copy = f" TEMPLATE {template.database}" if template is not None else ""  # vetted test names
        connection.exec_driver_sql(f"CREATE DATABASE {name}{copy}")
    try:
        yield admin_url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@contextmanager
def postgres_roles(*names: str) -> Iterator[tuple[str, ...]]:
    """New login roles on the test server (`names` with a unique suffix), dropped after the block.

    Enter it before `postgres_database`: the roles are dropped once their database is, when DROP DATABASE
    ... WITH (FORCE) has ended every session in it. A DROP OWNED beside a session still closing deadlocked.
    """
    admin = create_engine(require_postgres(), isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:12]
    roles = tuple(f"{name}_{suffix}" for name in names)
    try:
        with admin.connect() as connection:
            for role in roles:
                connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")  # generated names
        yield roles
    finally:
        with admin.connect() as connection:
            for role in roles:
                connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()


@pytest.fixture(params=ENGINES)
def warehouse_target(request, tmp_path: Path) -> Iterator[Path | URL]:
    """Where a throwaway warehouse lives: a DuckDB file in `tmp_path`, or a new PostgreSQL database."""
    if request.param == "duckdb":
        yield tmp_path / "warehouse" / "test.duckdb"
        return
    with postgres_database() as url:
        yield url


@pytest.fixture
def warehouse_arg(warehouse_target: Path | URL) -> str:
    """The throwaway warehouse of each engine as `--warehouse` takes it: a file path or a URL."""
    if isinstance(warehouse_target, Path):
        return str(warehouse_target)
    return warehouse_target.render_as_string(hide_password=False)  # the test server has none in its URL


@pytest.fixture
def engine(warehouse_target: Path | URL) -> Iterator[Engine]:
    """A throwaway warehouse migrated to head, on each engine."""
    engine = warehouse_engine(warehouse_target)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def duckdb_engine(tmp_path: Path) -> Iterator[Engine]:
    """A throwaway DuckDB warehouse file migrated to head (for what only DuckDB has: files, formats, locks)."""
    engine = warehouse_engine(tmp_path / "warehouse" / "test.duckdb")
    migrate(engine)
    yield engine
    engine.dispose()


HOLD_LOCK = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    "time.sleep(float(sys.argv[2]))"
)


def file_tree(root: Path) -> dict[str, object]:
    """Every entry under `root`: a file's bytes, a symlink's target, or a folder."""
    tree: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            tree[key] = ("link", os.readlink(path))
        elif path.is_dir():
            tree[key] = "folder"
        else:
            tree[key] = path.read_bytes()
    return tree


def hold_warehouse(path: Path, seconds: float) -> subprocess.Popen:
    """Another writer: a process that holds the warehouse's lock for `seconds`."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline() == "held\n"
    return holder


HOLD_NAMED = (
    "import sys, time; from pathlib import Path; from etl.warehouse import hold_writer_lock, warehouse_engine; "
    "p = Path(sys.argv[1]); lock = hold_writer_lock(warehouse_engine(p), p, holder=sys.argv[3]); "
    "print('held', flush=True); time.sleep(float(sys.argv[2]))"
)


def hold_warehouse_as(path: Path, seconds: float, holder: str) -> subprocess.Popen:
    """Another writer holding the warehouse's lock for `seconds` through the library, naming itself `holder`."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_NAMED, str(path), str(seconds), holder],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout.readline() == "held\n"
    return process
