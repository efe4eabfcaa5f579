"""Read dumps: find the files of a folder, hash them, and decode the ones that are text."""

from __future__ import annotations

import errno
import hashlib
import os
import stat as stat_module
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from etl.keys import file_id_for

DUMP_SUFFIX = ".txt"  # in any case: `UPPER.TXT` is a dump too
_READERS = 4  # dumps read and hashed at once

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
    """List the dump files of a raw folder (`*.txt` in any case, not folders), sorted by name.

    An entry that cannot even be stat'ed (a symbolic link loop, a dangling link) is listed too:
    `inventory` reports it as unreadable, by name, instead of stopping the whole folder.
    """
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw dump folder not found: {raw_dir}")
    # One directory read, file types from it: a folder of years of dumps lists in milliseconds.
    with os.scandir(raw_dir) as entries:
        names = sorted(e.name for e in entries if e.name.lower().endswith(DUMP_SUFFIX) and not _is_dir(e))
    return [raw_dir / name for name in names]


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop: not a folder, and reported as unreadable later
        return False


@dataclass(frozen=True)
class DumpFile:
    """A dump file as listed: its path, size and modification time (one stat)."""

    path: Path
    size: int
    mtime_ns: int


def unreadable(path: Path, error: OSError) -> dict[str, str]:
    """The refusal of a file that cannot be read at all, by name (nothing of it is stored)."""
    reason = (error.strerror or str(error)).lower()
    if error.errno == errno.ELOOP:
        reason += " (a symbolic link loop)"
    return {"file": path.name, "reason": f"{path.name}: cannot be read: {reason}"}


_NOT_REGULAR = (
    (stat_module.S_ISFIFO, "a named pipe (FIFO)"),
    (stat_module.S_ISCHR, "a character device"),
    (stat_module.S_ISBLK, "a block device"),
    (stat_module.S_ISSOCK, "a socket"),
    (stat_module.S_ISDIR, "a folder"),
)


def not_regular(path: Path, mode: int) -> dict[str, str] | None:
    """The refusal of an entry that is not a regular file (reading a FIFO or /dev/zero never ends)."""
    if stat_module.S_ISREG(mode):
        return None
    kind = next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")
    return {"file": path.name, "reason": f"{path.name}: cannot be read: {kind}, not a regular file"}


def _not_text(data: bytes) -> str | None:
    """Why dump bytes are not a text dump before any decoding (empty, a known binary format, a NUL byte), or None."""
    if not data:
        return "empty file (0 bytes at byte offset 0)"
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            return f"not a text dump: the content is {kind} (byte offset 0)"
    nul = data.find(b"\x00")
    if nul >= 0:
        return f"not a text dump: NUL byte at byte offset {nul}"
    return None


def decode_dump(data: bytes) -> tuple[str | None, str | None]:
    """Decode dump bytes as UTF-8 text, or return why they are not a text dump."""
    refusal = _not_text(data)
    if refusal is not None:
        return None, refusal
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 at byte offset {exc.start} ({exc.reason})"
    return text, None


def sha256_of(path: Path) -> str:
    """sha256 of a file, read in chunks (for files too large to hold)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def shown_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (held as surrogates by Python) escaped as `\\xe9`."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def bad_name(path: Path) -> dict[str, str] | None:
    """The refusal of a file whose name is not valid UTF-8, or None.

    Such a name cannot be stored, bound or shown as text (`source_files.file_name`, a Dagster
    partition key), so the file is refused by its escaped name, like an unreadable one, and
    stored nowhere.
    """
    name = path.name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        offset = len(name[: exc.start].encode("utf-8", "surrogateescape"))
        byte = name[exc.start].encode("utf-8", "surrogateescape")[0]
        shown = shown_name(name)
        return {
            "file": shown,
            "reason": f"{shown}: cannot be read: the file name is not valid UTF-8 (byte 0x{byte:02x} "
            f"at byte offset {offset}); rename the file",
        }
    return None


def text_names(names: Iterable[str]) -> list[str]:
    """The names that are valid UTF-8: the only ones a warehouse or Dagster can hold."""
    return [name for name in names if bad_name(Path(name)) is None]


def stat_dump(path: Path) -> DumpFile | dict[str, str]:
    """One stat of a dump: its `DumpFile`, or the refusal of an entry that cannot be read or named."""
    refused = bad_name(path)
    if refused is not None:
        return refused
    try:
        stat = path.stat()
    except OSError as exc:
        return unreadable(path, exc)
    return not_regular(path, stat.st_mode) or DumpFile(path, stat.st_size, stat.st_mtime_ns)


def read_dump_files(
    files: Iterable[DumpFile],
    skip_file_ids: frozenset[int] = frozenset(),
    max_bytes: int | None = None,
) -> tuple[pl.DataFrame, list[dict[str, str]], list[dict[str, str]]]:
    """Read listed dumps into one row each (text, or the reason it is refused); also the unreadable and deferred ones.

    Files whose (name, sha256) is in `skip_file_ids` are fingerprinted but keep no text: they
    are already in the warehouse and need no parsing. A file over `max_bytes` is hashed in
    chunks, never held, and refused: one dump is parsed whole, so its size bounds memory.
    A file is stat'ed again after it is read: one whose size or mtime differs from the
    listing's, or whose bytes read are not its listed size, is still being written and is
    deferred (third list), never stored half.
    """
    rows: dict[str, list] = {name: [] for name in DUMP_SCHEMA if name not in ("text", "error")}
    # The bytes of each dump to decode (None for one with no text or an error already): decoded in bulk below.
    payloads: list[bytes | None] = []
    errors: list[str | None] = []
    refused: list[dict[str, str]] = []
    deferred: list[dict[str, str]] = []
    files = list(files)
    # Reading and hashing release the GIL: a few files are read at once, and taken in order.
    with ThreadPoolExecutor(max_workers=_READERS) as pool:
        read = list(pool.map(lambda file: _read_dump(file, max_bytes), files))
    for file, (data, sha, failure, after) in zip(files, read, strict=True):
        path = file.path
        if failure is not None:
            refused.append(unreadable(path, failure))
            continue
        if _changed(file, after, data):
            deferred.append(deferral(file, after, data))
            continue
        file_id = file_id_for(path.name, sha)
        payload, error = None, None
        if file_id not in skip_file_ids:
            error = _too_large(file.size, max_bytes) if data is None else _not_text(data)
            payload = data if error is None else None
        modified = datetime.fromtimestamp(file.mtime_ns // 1_000_000_000, tz=UTC)
        mtime_ns = file.mtime_ns if file.mtime_ns < 2**63 else None  # after 2262: not an Int64
        values = (file_id, path.name, sha, file.size, modified.year, modified.date(), mtime_ns)
        for name, value in zip(rows, values, strict=True):
            rows[name].append(value)
        payloads.append(payload)
        errors.append(error)
    texts, error_column = _decode_all(payloads, errors)
    frame = pl.DataFrame(rows, schema={name: DUMP_SCHEMA[name] for name in rows})
    return frame.with_columns(text=texts, error=error_column), refused, deferred


def _read_dump(
    file: DumpFile, max_bytes: int | None
) -> tuple[bytes | None, str | None, OSError | None, DumpFile | dict[str, str] | None]:
    """A listed dump's bytes (None over `max_bytes`), sha256, read error and stat after the read.

    Either the error is None, or it is the only value that is not None.
    """
    path = file.path
    try:
        if max_bytes is not None and file.size > max_bytes:
            data, sha = None, sha256_of(path)
        else:
            data = path.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
    except OSError as exc:
        return None, None, exc, None
    return data, sha, None, stat_dump(path)


def _decode_all(payloads: list[bytes | None], errors: list[str | None]) -> tuple[pl.Series, pl.Series]:
    """The dumps' texts, decoded as UTF-8 by Polars in one pass, and each dump's error.

    No Python `str` is made of a valid dump. Only a payload that is not valid UTF-8 is decoded by
    Python, whose error names the byte offset and the reason.
    """
    raw = pl.Series("text", payloads, dtype=pl.Binary)
    errors = pl.Series("error", errors, dtype=pl.String)
    try:
        return raw.cast(pl.String), errors
    except pl.exceptions.ComputeError:  # some payload is not valid UTF-8
        pass
    bad = _not_utf8(raw)
    valid = pl.Series(range(raw.len())).is_in(bad).not_()
    texts = raw.zip_with(valid, pl.repeat(None, raw.len(), dtype=pl.Binary, eager=True)).cast(pl.String)
    decoded = [decode_dump(payloads[row]) for row in bad]
    texts = texts.scatter(bad, pl.Series([text for text, _ in decoded], dtype=pl.String))
    errors = errors.scatter(bad, pl.Series([error for _, error in decoded], dtype=pl.String))
    return texts, errors


def _not_utf8(raw: pl.Series, first: int = 0) -> list[int]:
    """Rows of `raw` (numbered from `first`) that are not valid UTF-8, found by halving.

    A cast to text checks a whole slice at once and fails if any of its rows is invalid: a batch
    with k invalid dumps among n costs about k * log2(n) casts of slices, no Python `str`.
    """
    try:
        raw.cast(pl.String)
    except pl.exceptions.ComputeError:
        if raw.len() == 1:
            return [first]
        half = raw.len() // 2
        return _not_utf8(raw.slice(0, half), first) + _not_utf8(raw.slice(half), first + half)
    return []


def _changed(listed: DumpFile, after: DumpFile | dict[str, str], data: bytes | None) -> bool:
    """Whether a file changed between its listing and the end of its read."""
    if not isinstance(after, DumpFile) or (after.size, after.mtime_ns) != (listed.size, listed.mtime_ns):
        return True
    return data is not None and len(data) != listed.size


def deferral(
    listed: DumpFile, after: DumpFile | dict[str, str], data: bytes | None = None, when: str = ""
) -> dict[str, str]:
    """Why a file is left for the next run: how it changed since it was listed (`when`: over what time)."""
    name = listed.path.name
    when = when or "while it was read"
    if not isinstance(after, DumpFile):
        change = "it could not be stat'ed again"
    elif after.size != listed.size:
        change = f"its size went from {listed.size:,} to {after.size:,} bytes {when}"
    elif data is not None and len(data) != listed.size:
        change = f"{len(data):,} bytes were read of the {listed.size:,} listed {when}"
    else:
        change = f"its modification time moved {when}"
    return {"file": name, "reason": f"{name}: still being written ({change}); the next run loads it"}


def _too_large(size: int, max_bytes: int) -> str:
    return (
        f"{size:,} bytes is more than the {max_bytes / 1e6:g} MB limit for one dump "
        "(PAPERHOUSE_MAX_DUMP_MB): a saved listing page is well under 1 MB, and a dump is parsed whole"
    )


def read_dumps(paths: Iterable[Path], skip_file_ids: frozenset[int] = frozenset()) -> pl.DataFrame:
    """Read dump files into one row each; raise `OSError` for a file that cannot be read at all."""
    listed = [stat_dump(path) for path in paths]
    refused = [item for item in listed if isinstance(item, dict)]
    frame, unread, deferred = read_dump_files(
        [item for item in listed if isinstance(item, DumpFile)], skip_file_ids
    )
    refused += unread + deferred
    if refused:
        raise OSError(refused[0]["reason"])
    return frame
