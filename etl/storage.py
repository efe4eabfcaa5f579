"""The DuckDB storage format of the warehouse file: one that the DuckDB clients BI users run can read.

DuckDB 2.0 writes storage version 69 by default, which no 1.x client opens ("can only read
versions between 64 and 68"), and every DuckDB client that BI tools embed today is 1.x. A file
created in an older format stays in it when DuckDB 2.0 writes it later, so the warehouse is
created in the configured format (`storage_compatibility_version`) and the serving copy, a byte
copy of it, is in that format too. A warehouse found in another format is rewritten once
(`COPY FROM DATABASE`, which keeps tables, views, comments and constraints: the DuckDB engine's
`rewrite_in_format`). This module reads files only, with no database: `etl.settings` imports it.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

# The version number in a DuckDB file's header for each storage format DuckDB 2.0 can write,
# and the oldest DuckDB release that reads it.
STORAGE_FORMATS = {
    "v1.0.0": (64, "1.0"),
    "v1.2.0": (65, "1.2"),
    "v1.3.0": (66, "1.3"),
    "v1.4.0": (67, "1.4"),
    "v1.5.0": (68, "1.5"),
    "v2.0.0": (999, "2.0"),
}
# The warehouse needs no extension beyond those built in; nothing may be fetched from the network.
NO_EXTENSION_DOWNLOADS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
_HEADER = struct.Struct("<4sQ")  # after the 8-byte checksum: b"DUCK", then the version number
_HEADER_OFFSET = 8


# Descriptors of warehouse files this process holds open while DuckDB writes them (see `pinned`),
# by real path; None: pinned, not opened yet.
_PINNED: dict[str, int | None] = {}


@contextmanager
def pinned(path: Path | URL) -> Iterator[None]:
    """While in the block, read the DuckDB file at `path` only through one descriptor, closed on exit.

    DuckDB's write lock is a POSIX record lock, which the kernel drops as soon as the process
    closes ANY descriptor of the file: reading the warehouse's header or copying it through a
    descriptor of its own, then closing it, would let another process write the warehouse while
    this one still holds it open. Enter before opening the warehouse, leave after disposing of it.
    A PostgreSQL URL has no file: nothing to pin.
    """
    if isinstance(path, URL):
        yield
        return
    key = os.path.realpath(path)
    outer = key in _PINNED
    _PINNED.setdefault(key, None)
    try:
        yield
    finally:
        if not outer:
            descriptor = _PINNED.pop(key, None)
            if descriptor is not None:
                os.close(descriptor)


@contextmanager
def _reading(path: Path) -> Iterator[int]:
    """A descriptor to read `path` by offset: the pinned one (left open), or a new one closed after."""
    key = os.path.realpath(path)
    if key in _PINNED:
        if _PINNED[key] is None:
            _PINNED[key] = os.open(path, os.O_RDONLY)
        yield _PINNED[key]
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        yield descriptor
    finally:
        os.close(descriptor)


def storage_number(path: Path) -> int | None:
    """The storage version number in the header of the DuckDB file at `path`, or None if it is not one."""
    try:
        with _reading(path) as descriptor:
            header = os.pread(descriptor, _HEADER.size, _HEADER_OFFSET)
        magic, number = _HEADER.unpack(header)
    except (OSError, struct.error):
        return None
    return number if magic == b"DUCK" else None


def copy_file(source: Path, target: Path) -> None:
    """Copy `source` into a new file `target` byte for byte, never closing a descriptor of a pinned source."""
    with _reading(source) as descriptor, open(target, "xb") as out:
        offset, size = 0, os.fstat(descriptor).st_size
        while offset < size:
            sent = os.sendfile(out.fileno(), descriptor, offset, size - offset)
            if sent == 0:
                raise OSError(f"{source} ended at byte {offset} while being copied (expected {size})")
            offset += sent


def foreign_kind(path: Path) -> str | None:
    """What the file at `path` is when it exists and is not a DuckDB database ("a SQLite database"), else None.

    Read before DuckDB opens it: given another kind of file, DuckDB tries to load the extension
    that reads it (for SQLite, downloading `sqlite_scanner`). Raises OSError when it cannot read it.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEADER_OFFSET + _HEADER.size)
    except FileNotFoundError:
        return None
    if head[_HEADER_OFFSET : _HEADER_OFFSET + 4] == b"DUCK":
        return None
    if not head:
        return "it is an empty file"
    if head.startswith(b"SQLite format 3\x00"):
        return "it looks like a SQLite database"
    return "its first bytes are not DuckDB's file header"


def storage_version_of(path: Path) -> str | None:
    """The storage format (e.g. "v1.0.0") of the DuckDB file at `path`, or None when unknown."""
    number = storage_number(path)
    return next((version for version, (n, _) in STORAGE_FORMATS.items() if n == number), None)


def oldest_reader(version: str) -> str:
    """The oldest DuckDB release that opens files in storage format `version` ("1.0")."""
    return STORAGE_FORMATS[version][1]
