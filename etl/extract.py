"""Find dump files, fingerprint them, and decode the ones that are text."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path

import polars as pl

from etl.normalize import KEY_SEPARATOR, stable_id

DUMP_GLOB = "*.txt"

_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive",
    b"\x1f\x8b": "a gzip archive",
    b"\xff\xfe": "UTF-16 text (little-endian byte-order mark); save the dump as UTF-8",
    b"\xfe\xff": "UTF-16 text (big-endian byte-order mark); save the dump as UTF-8",
}

DUMP_SCHEMA = {
    "file_id": pl.Int64,
    "file_name": pl.String,
    "sha256": pl.String,
    "size_bytes": pl.Int64,
    "modified_year": pl.Int32,
    "modified_date": pl.Date,  # UTC date of the file's modification time
    "modified_ns": pl.Int64,
    "text": pl.String,
    "error": pl.String,
}


def discover_dumps(raw_dir: Path) -> list[Path]:
    """List the dump files of a raw folder, sorted by name."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw dump folder not found: {raw_dir}")
    # One directory read, file types from it: a folder of years of dumps lists in milliseconds.
    with os.scandir(raw_dir) as entries:
        names = sorted(e.name for e in entries if fnmatchcase(e.name, DUMP_GLOB) and e.is_file())
    return [raw_dir / name for name in names]


def file_id_for(file_name: str, sha256: str) -> int:
    """Return the key of one version of a dump: its name and content hash."""
    return stable_id(f"{file_name}{KEY_SEPARATOR}{sha256}")


def decode_dump(data: bytes) -> tuple[str | None, str | None]:
    """Decode dump bytes as UTF-8 text, or return why they are not a text dump."""
    if not data:
        return None, "empty file (0 bytes at byte offset 0)"
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return None, f"not a text dump: the content is {kind} (byte offset 0)"
    nul = data.find(b"\x00")
    if nul >= 0:
        return None, f"not a text dump: NUL byte at byte offset {nul}"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 at byte offset {exc.start} ({exc.reason})"
    return text, None


def read_dumps(paths: Iterable[Path], skip_file_ids: frozenset[int] = frozenset()) -> pl.DataFrame:
    """Read dump files into one row each (text, or the reason it cannot be read).

    Files whose (name, sha256) is in `skip_file_ids` are fingerprinted but keep no text:
    they are already in the warehouse and need no parsing.
    """
    rows: dict[str, list] = {name: [] for name in DUMP_SCHEMA}
    for path in paths:
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        file_id = file_id_for(path.name, sha)
        text, error = (None, None) if file_id in skip_file_ids else decode_dump(data)
        stat = os.stat(path)
        mtime = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
        values = (file_id, path.name, sha, len(data), mtime.year, mtime.date(), stat.st_mtime_ns, text, error)
        for name, value in zip(DUMP_SCHEMA, values, strict=True):
            rows[name].append(value)
    return pl.DataFrame(rows, schema=DUMP_SCHEMA)


def dump_fingerprints(paths: Iterable[Path], previous: dict[str, dict]) -> dict[str, dict]:
    """sha256, size and mtime of each dump; a file whose size and mtime match `previous` is not re-read."""
    current: dict[str, dict] = {}
    for path in paths:
        stat = path.stat()
        before = previous.get(path.name, {})
        if before.get("size") == stat.st_size and before.get("mtime_ns") == stat.st_mtime_ns:
            current[path.name] = before
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        current[path.name] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest}
    return current
