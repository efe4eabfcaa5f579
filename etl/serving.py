"""The serving copy: a read-only snapshot of the warehouse for BI tools, replaced atomically.

DuckDB allows one writing process or several readers, never both. Readers therefore never open
the warehouse itself: they open the serving copy, which a load replaces (write a new file beside
it, then rename over it) only after its transaction committed and its integrity checks passed.
A reader keeps the complete snapshot it opened; the next connection sees the next one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from sqlalchemy import Engine, text

SERVING_ENV = "PAPERHOUSE_SERVING"
_MARKER_SQL = (
    "SELECT (SELECT max(version_num) FROM alembic_version), count(*), CAST(max(loaded_at) AS VARCHAR), "
    "string_agg(status || ':' || file_id, ',' ORDER BY file_id) FROM source_files"
)


def default_serving_path(warehouse: Path) -> Path:
    """$PAPERHOUSE_SERVING, else serving/<name> beside the warehouse file."""
    configured = os.environ.get(SERVING_ENV)
    return Path(configured) if configured else warehouse.parent / "serving" / warehouse.name


def _stamp_path(serving: Path) -> Path:
    return serving.with_name(serving.name + ".published.json")


def warehouse_marker(engine: Engine) -> str:
    """A fingerprint of the schema revision and load history: it changes with every migration or data change."""
    with engine.connect() as connection:
        return json.dumps(list(connection.execute(text(_MARKER_SQL)).one()))


def is_current(engine: Engine, serving: Path) -> bool:
    """Whether the serving copy shows the warehouse as it is now."""
    stamp = _stamp_path(serving)
    if not serving.exists() or not stamp.exists():
        return False
    return json.loads(stamp.read_text())["marker"] == warehouse_marker(engine)


def publish(engine: Engine, warehouse: Path, serving: Path) -> float:
    """Replace the serving copy with a snapshot of the committed warehouse; return the seconds it took."""
    started = time.perf_counter()
    marker = warehouse_marker(engine)
    engine.dispose()  # close the file: DuckDB checkpoints its WAL into it on close
    serving.parent.mkdir(parents=True, exist_ok=True)
    staging = serving.with_name(f".{serving.name}.{os.getpid()}.tmp")
    shutil.copyfile(warehouse, staging)
    with open(staging, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(staging, serving)  # atomic: a reader opens the old file or the new one, never half
    _stamp_path(serving).write_text(json.dumps({"marker": marker, "published_at": time.time()}))
    directory = os.open(serving.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return time.perf_counter() - started


def publish_if_stale(engine: Engine, warehouse: Path, serving: Path) -> float | None:
    """Publish when the serving copy lags the warehouse (also after a crash between commit and publish)."""
    if is_current(engine, serving):
        return None
    return publish(engine, warehouse, serving)
