"""Shared fixtures: the bundled sample, throwaway warehouses, and dump-writing helpers."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text

import etl.clock
from etl.extract import discover_dumps, read_dumps
from etl.parse import ParsedDumps, parse_dumps
from etl.warehouse import migrate, warehouse_engine
from models import TABLES

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
        for table in TABLES:
            columns = [
                c
                for c in connection.execute(text(f"SELECT * FROM {table} LIMIT 0")).keys()
                if c != "loaded_at"
            ]
            rows = connection.execute(text(f"SELECT {', '.join(columns)} FROM {table}")).all()
            tables[table] = sorted(tuple(r) for r in rows)
    return tables


@pytest.fixture
def clock(monkeypatch) -> Callable[[dt.date], None]:
    """Set the load's clock (`etl.clock.today`) to a given date: date rules never read the machine's."""

    def set_today(day: dt.date) -> None:
        monkeypatch.setattr(etl.clock, "today", lambda: day)

    set_today(dt.date(2026, 12, 1))
    return set_today


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


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A throwaway warehouse file migrated to head."""
    engine = warehouse_engine(tmp_path / "warehouse" / "test.duckdb")
    migrate(engine)
    yield engine
    engine.dispose()


HOLD_LOCK = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    "time.sleep(float(sys.argv[2]))"
)


def hold_warehouse(path: Path, seconds: float) -> subprocess.Popen:
    """Another writer: a process that holds the warehouse's lock for `seconds`."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline() == "held\n"
    return holder
