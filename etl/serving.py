"""The serving copy: a read-only snapshot of the warehouse for BI tools, swapped in atomically.

DuckDB allows one writing process or several readers, never both. Readers therefore never open
the warehouse itself: they open the serving copy, which a load publishes only after its
transaction committed and its integrity checks passed.

Layout (for the serving path `serving/paperhouse.duckdb`)::

    serving/paperhouse.duckdb                    a relative symlink to the current version
    serving/paperhouse.duckdb.published.json     the stamp: marker, published_at, version
    serving/.paperhouse.duckdb.versions/000007/paperhouse.duckdb   the current version
    serving/.paperhouse.duckdb.versions/000006/paperhouse.duckdb   the previous one

Each publish copies the warehouse into a new numbered folder, numbered past every folder present
(a number once published is never reused). The file keeps the serving file's own name: DuckDB
names the catalog after the file it resolves the symlink to, so clients see `paperhouse`
whichever version they opened. The copy is fsynced and checked to open and show the warehouse's
marker; then a temporary symlink to it is renamed over the stable path (atomic; it also replaces
the regular file of the old single-file layout), and the stamp is written the same way (a
temporary file, fsynced, renamed). The stamp's `version` is the symlink's target, relative to the
serving folder. One publish at a time per serving path (an flock on the versions folder, waited
for as long as `--wait` allows, and given up on a stop request).

A publish replaces the serving path and its stamp and empties its versions folder, so
`serving_problem` refuses, before anything is opened, a serving path that exists and is not a
copy paperhouse published, or that lands on the warehouse or inside the raw folder.

Why a symlink and not a file renamed over the stable path: Python's duckdb shares one database
instance per path while any connection to that path is open in the process, so with a file
renamed over the path, a pool (two threads, or connections recycled) kept showing the first
snapshot forever. DuckDB resolves a symlink before it looks up that instance, so a connection
opened after a publish opens the new version, even while older connections are still open.

Each version file is made read-only (mode 0444) before the symlink points at it, so a client
that opens the serving copy without read-only mode gets DuckDB's `IO Error: Cannot open file
"…": Permission denied` instead of writing into it (a read-only open writes nothing, no WAL
either). Root ignores file modes: a client running as root (or one that changed the mode) can
still write a version. The stamp records the version file's size and modification time, so such
a change is seen: the copy counts as stale (the next load publishes even when the warehouse did
not change), and the publish keeps the changed file, as a hard link `<name>.changed-<n>` beside
the serving path that no publish deletes, and reports it (`changed_by_client`), instead of
letting the client's writes vanish with the version's folder.

A reader keeps the complete snapshot it opened (an open connection is one version file, never
rewritten); its next connection sees the newest one. The current and the previous version are
kept: a reader that resolved the symlink just before a swap still finds its file. Older
version folders are deleted; a reader still holding one open keeps reading it (POSIX keeps an
unlinked file, and its disk space, until its last descriptor closes), so pools should recycle
connections.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from sqlalchemy import Connection, Engine, text

from etl.serving_layout import (
    current_sequence,
    link_target,
    read_stamp,
    sequence_of,
    stamp_path,
    versions_dir,
)
from etl.storage import copy_file, oldest_reader, storage_number, storage_version_of

if TYPE_CHECKING:
    from etl.settings import Settings

# A re-derivation of the keywords changes no dump's row: the extractor's version and when it
# derived them are part of the marker too (a copy made before 0013 has no such table: stale).
_MARKER_SQL = (
    "SELECT (SELECT max(version_num) FROM alembic_version), count(*), CAST(max(loaded_at) AS VARCHAR), "
    "string_agg(status || ':' || file_id, ',' ORDER BY file_id), "
    "(SELECT string_agg(extractor || ':' || version || ':' || CAST(derived_at AS VARCHAR), ',' ORDER BY extractor) "
    "FROM extractor_versions) FROM source_files"
)
_SEQUENCE_DIGITS = 6
SERVED_MODE = 0o444  # every version file: readable by all, writable by none (root aside)
_LOCK_POLL_SECONDS = 0.1  # how often a publish waiting for the versions folder's lock retries it


class PublishLocked(RuntimeError):
    """Another publish held the serving copy's versions folder for longer than the wait allowed."""

    def __init__(self, versions: Path, holder: str, waited: float) -> None:
        waited_text = f" after waiting {waited:g} s" if waited else ""
        super().__init__(
            f"the serving copy's versions folder {versions} is locked by {holder}{waited_text} "
            "(another publish of the same serving copy)"
        )
        self.versions, self.holder = versions, holder


def _temp_path(serving: Path, purpose: str) -> Path:
    """A temporary file beside the serving path; every one matches `.<name>.*.tmp`."""
    return serving.with_name(f".{serving.name}.{purpose}.{os.getpid()}.tmp")


def _marker_of(connection: Connection) -> str:
    return json.dumps(list(connection.execute(text(_MARKER_SQL)).one()))


def warehouse_marker(engine: Engine) -> str:
    """A fingerprint of the schema revision, load history and keyword derivation: it changes with every
    migration or data change."""
    with engine.connect() as connection:
        return _marker_of(connection)


def _served_marker(path: Path) -> str | None:
    """The marker of the DuckDB file at `path`, or None when it does not open or answer.

    The file is attached read-only to a private in-memory database, so this neither joins nor
    disturbs a database instance other code of this process holds open on the same file.
    """
    connection = duckdb.connect(":memory:")
    try:
        quoted = str(path).replace("'", "''")
        connection.execute(f"ATTACH '{quoted}' AS served (READ_ONLY)")
        connection.execute("USE served")
        return json.dumps(list(connection.execute(_MARKER_SQL).fetchone()))
    except Exception:  # any failure to open or query it: the copy cannot be trusted
        return None
    finally:
        connection.close()


def _sequences(versions: Path) -> list[int]:
    """The sequence numbers of the version folders present, ascending."""
    return sorted(s for entry in versions.iterdir() if (s := sequence_of(entry.name)) is not None)


def _folder_name(sequence: int) -> str:
    return f"{sequence:0{_SEQUENCE_DIGITS}d}"


def is_current(engine: Engine, serving: Path, warehouse: Path | None = None) -> bool:
    """Whether the serving copy shows the warehouse as it is now.

    True only when the stamp is readable, names the version the stable path points to, carries
    the warehouse's marker, and the copy itself opens and shows that same marker. Anything else
    (no copy, a garbage or empty stamp, a garbage copy, the old single-file layout, a copy a
    client wrote to, a stamp without the file record of a read-only version) is stale.
    With `warehouse`, a copy in another storage format than the warehouse file is stale too.
    """
    stamp, target = read_stamp(serving), link_target(serving)
    if stamp is None or target is None or stamp.get("version") != target:
        return False
    if warehouse is not None and storage_number(serving) != storage_number(warehouse):
        return False
    if "file" not in stamp or changed_by_client(serving):  # written by a client, or not yet read-only
        return False
    marker = warehouse_marker(engine)
    return stamp.get("marker") == marker and _served_marker(serving) == marker


def _file_record(path: Path) -> dict[str, int]:
    """What the stamp records of a version file, to see later whether a client wrote to it."""
    info = path.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


def changed_by_client(serving: Path) -> bool:
    """Whether the current version file was written after it was published (or made writable again).

    Only root (or a client that changed the mode) can: each version is published read-only. A
    stamp without a file record (a publish of an older paperhouse) is stale, not changed.
    """
    stamp, target = read_stamp(serving), link_target(serving)
    if stamp is None or target is None or stamp.get("version") != target or "file" not in stamp:
        return False
    version = serving.parent / target
    try:
        changed = _file_record(version) != stamp["file"]
        return changed or bool(version.stat().st_mode & 0o222)
    except OSError:  # missing: stale, nothing to keep
        return False


def _keep_changed(serving: Path) -> Path | None:
    """Keep the current version when a client changed it: a hard link beside the serving path; its path."""
    sequence = current_sequence(serving)
    if sequence is None or not changed_by_client(serving):
        return None
    kept = serving.with_name(f"{serving.name}.changed-{_folder_name(sequence)}")
    with contextlib.suppress(FileExistsError):  # kept by an earlier publish that failed later
        os.link(serving.parent / os.readlink(serving), kept)
    return kept


def _fsync(path: Path, directory: bool = False) -> None:
    descriptor = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _flock_holder(path: Path) -> str:
    """How messages name the process holding an flock on `path` (from /proc/locks, where there is one)."""
    try:
        info = path.stat()
        device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
        with open("/proc/locks", encoding="ascii") as locks:
            for line in locks:
                fields = line.split()
                if fields[1:2] == ["FLOCK"] and fields[5] == device:
                    pid = int(fields[4])
                    program = Path(f"/proc/{pid}/comm").read_text(encoding="utf-8", errors="replace").strip()
                    return f"process {pid} ({program})"
    except (OSError, ValueError, IndexError):  # no /proc (not Linux), or the holder just exited
        pass
    return "another process"


@contextlib.contextmanager
def _publish_lock(
    versions: Path,
    wait_seconds: float = 0.0,
    stop_check: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """One publish at a time per serving path: an exclusive flock on the versions folder.

    Waits up to `wait_seconds` for another publish to release it, retrying every tenth of a second:
    `stop_check` runs before each try (a stop request raises there), `on_wait` hears once whom it
    waits for. Raises `PublishLocked` when the wait runs out. Never blocks in the kernel, so a
    publisher that hangs (or is stopped) while holding the lock cannot hang this one.
    """
    descriptor = os.open(versions, os.O_RDONLY | os.O_DIRECTORY)
    try:
        started, told = time.monotonic(), on_wait is None
        while True:
            if stop_check is not None:
                stop_check()
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            waited = time.monotonic() - started
            if waited >= wait_seconds:
                raise PublishLocked(versions, _flock_holder(versions), wait_seconds)
            if not told:
                on_wait(
                    f"the serving copy's versions folder {versions} is locked by {_flock_holder(versions)}: "
                    f"waiting up to {wait_seconds:g} s for it"
                )
                told = True
            time.sleep(min(_LOCK_POLL_SECONDS, wait_seconds - waited))
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _remove(path: Path) -> None:
    """Delete a file, symlink or folder; best effort (a leftover is retried at the next publish)."""
    with contextlib.suppress(OSError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def _sweep(serving: Path, keep: set[str]) -> None:
    """Remove every version folder but `keep`, and every temporary file of this serving path."""
    versions = versions_dir(serving)
    for entry in versions.iterdir():
        if entry.name not in keep:
            _remove(entry)
    for entry in serving.parent.glob(f".{serving.name}.*.tmp"):
        _remove(entry)


def _retained(serving: Path) -> set[str]:
    """The current version's folder and the newest older one (the previous version)."""
    current = current_sequence(serving)
    if current is None:
        return set()
    older = [s for s in _sequences(versions_dir(serving)) if s < current]
    return {_folder_name(s) for s in [current, *older[-1:]]}


def _write_stamp(serving: Path, stamp: dict) -> None:
    """Write the stamp atomically: a temporary file, fsynced, renamed over the old stamp."""
    staging = _temp_path(serving, "stamp")
    try:
        with open(staging, "w", encoding="utf-8") as handle:
            json.dump(stamp, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staging, stamp_path(serving))
    finally:
        _remove(staging)
    _fsync(serving.parent, directory=True)


def _checkpointed_copy(engine: Engine, warehouse: Path, copy: Path) -> str:
    """Checkpoint the warehouse and copy its file byte for byte, holding a connection (the file lock) throughout.

    Returns the marker of the state copied.
    """
    with engine.connect() as connection:
        marker = _marker_of(connection)
        connection.rollback()  # end the read transaction before the checkpoint
        connection.connection.driver_connection.execute("CHECKPOINT")
        wal = warehouse.with_name(warehouse.name + ".wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise RuntimeError(f"{wal} is not empty after CHECKPOINT: the copy would miss commits")
        copy_file(warehouse, copy)  # through the pinned descriptor: closing another would drop the lock
    return marker


def publish(
    engine: Engine,
    warehouse: Path,
    serving: Path,
    wait_seconds: float = 0.0,
    stop_check: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    on_changed: Callable[[Path], None] | None = None,
) -> float:
    """Publish a snapshot of the committed warehouse as the serving copy; return the seconds it took.

    The caller's engine is NOT disposed. While one of its connections is held, the warehouse is
    checkpointed (DuckDB writes its WAL into the file and removes the WAL), then the file is
    copied byte for byte: the held connection keeps DuckDB's file lock, so no other process can
    write the warehouse during the copy. Do not write through `engine` from another thread while
    it publishes: the copy is checked to open and show the marker read before the checkpoint,
    and the publish fails (serving copy unchanged) when it does not.

    Leftovers of earlier crashed publishes (temporary files, version folders other than the
    current and the previous one) are removed first; on any failure this publish's own files are
    removed and the serving copy stays as it was. A connected reader never makes it fail.

    Another publish of the same serving path is waited for up to `wait_seconds` (`PublishLocked`
    after that); `stop_check` and `on_wait` are as `_publish_lock` takes them. Once the lock is
    held, the publish runs to its end: a copy and a rename, bounded by the file's size.

    The new version file is made read-only (`SERVED_MODE`) before it is swapped in, and the stamp
    records its size and modification time. When a client wrote to the version it replaces
    (`changed_by_client`), that file is kept beside the serving path (`_keep_changed`) and
    `on_changed` hears where, once the new version is swapped in.
    """
    started = time.perf_counter()
    versions = versions_dir(serving)
    versions.mkdir(parents=True, exist_ok=True)
    with _publish_lock(versions, wait_seconds, stop_check, on_wait):
        replaced = current_sequence(serving)  # becomes the previous version
        kept = _keep_changed(serving)  # before any sweep: a client's writes are never deleted
        # Numbered past every folder present, leftovers included: a number once published is never
        # reused (a reader process holding that deleted file open would share its stale instance).
        folder = versions / _folder_name(1 + max(_sequences(versions), default=0))
        _sweep(serving, _retained(serving))
        version = folder / serving.name
        target = os.path.join(versions.name, folder.name, serving.name)  # relative to serving.parent
        link = _temp_path(serving, "link")
        swapped = False
        try:
            folder.mkdir()
            marker = _checkpointed_copy(engine, warehouse, version)
            os.chmod(version, SERVED_MODE)  # a client opening it without read-only mode is refused
            _fsync(version)
            _fsync(folder, directory=True)
            _fsync(versions, directory=True)
            if _served_marker(version) != marker:
                raise RuntimeError(f"the copy {version} does not show the warehouse's state: not published")
            os.symlink(target, link)
            os.replace(link, serving)  # atomic: a reader opens the old version or the new one, never half
            swapped = True
            _fsync(serving.parent, directory=True)
            storage = storage_version_of(version)
            _write_stamp(
                serving,
                {
                    "marker": marker,
                    "published_at": time.time(),
                    "version": target,
                    "storage_version": storage,
                    "readable_from_duckdb": oldest_reader(storage) if storage else None,
                    "file": _file_record(version),
                },
            )
        finally:
            _remove(link)
            if not swapped:
                _remove(folder)
        _sweep(serving, {folder.name} | ({_folder_name(replaced)} if replaced is not None else set()))
    if kept is not None and on_changed is not None:
        on_changed(kept)
    return time.perf_counter() - started


def publish_if_stale(
    engine: Engine,
    warehouse: Path,
    serving: Path,
    wait_seconds: float = 0.0,
    stop_check: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    on_changed: Callable[[Path], None] | None = None,
) -> float | None:
    """Publish when the serving copy lags the warehouse (also after a crash between commit and publish,
    or after a client wrote to it)."""
    if is_current(engine, serving, warehouse):
        return None
    return publish(engine, warehouse, serving, wait_seconds, stop_check, on_wait, on_changed)


def publish_configured(
    engine: Engine,
    settings: Settings,
    stop_check: Callable[[], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    wait_seconds: float | None = None,
) -> dict[str, object]:
    """Publish the configured serving copy if it lags: its path and publish seconds (None: it was current).

    A PostgreSQL warehouse has no serving copy (readers query it directly): the path is None.
    Another publish is waited for up to `wait_seconds`, by default `settings.lock_wait_seconds`.
    When a client had written to the version this publish replaced, `changed_by_client` names
    the file it was kept as.
    """
    serving = settings.serving_path
    if serving is None:
        return {"path": None, "publish_seconds": None}
    path, kept = serving.absolute(), []
    seconds = publish_if_stale(
        engine,
        settings.warehouse.absolute(),
        path,
        settings.lock_wait_seconds if wait_seconds is None else wait_seconds,
        stop_check,
        on_wait,
        kept.append,
    )
    published: dict[str, object] = {"path": str(path), "publish_seconds": seconds}
    return published | ({"changed_by_client": str(kept[0])} if kept else {})
