"""Where the serving copy's files go, and which serving paths a publish may write: paths only, no database.

The layout (`etl.serving` describes it and publishes into it): the serving path, a symlink into
`.<name>.versions/<sequence>/<name>`, and its stamp `<name>.published.json`. `serving_problem`
is the rule `etl.settings` applies to `--serving` before anything is opened; this module is a
leaf it imports without the publisher.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from etl.storage import storage_number


def default_serving_path(warehouse: Path) -> Path:
    """The serving copy's default place: serving/<name> beside the warehouse file."""
    return warehouse.parent / "serving" / warehouse.name


def is_own_file(path: Path, warehouse: Path, serving: Path | None) -> bool:
    """Whether `path`, links resolved, is the warehouse, its WAL, or a file of its serving copy."""
    real = Path(os.path.realpath(path))
    own = {Path(os.path.realpath(f)) for f in (warehouse, warehouse.with_name(warehouse.name + ".wal"))}
    if serving is not None:
        own.add(Path(os.path.realpath(stamp_path(serving))))
        versions = Path(os.path.realpath(versions_dir(serving)))
        if versions in real.parents:
            return True
    return real in own


def stamp_path(serving: Path) -> Path:
    return serving.with_name(serving.name + ".published.json")


def versions_dir(serving: Path) -> Path:
    return serving.with_name(f".{serving.name}.versions")


def read_stamp(serving: Path) -> dict | None:
    """The stamp's content; None when it is missing, unreadable, or not a JSON object."""
    try:
        stamp = json.loads(stamp_path(serving).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def link_target(serving: Path) -> str | None:
    """Where the stable path's symlink points (relative to its folder); None when it is no symlink."""
    try:
        return os.readlink(serving)
    except OSError:
        return None


def sequence_of(name: str) -> int | None:
    return int(name) if name.isdigit() else None


def current_sequence(serving: Path) -> int | None:
    """The sequence number of the version the stable path points to, if it is one of ours."""
    target = link_target(serving)
    if target is None:
        return None
    parts = Path(target).parts
    if len(parts) != 3 or parts[0] != versions_dir(serving).name or parts[2] != serving.name:
        return None
    return sequence_of(parts[1])


def _placed(path: Path) -> Path:
    """Where `path` itself lands: its folder resolved, its own name kept (a symlink there is replaced, not followed)."""
    return path.parent.resolve() / path.name


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _is_old_layout(serving: Path) -> bool:
    """Whether the regular file `serving` is a copy of the old single-file layout: a DuckDB file with a stamp."""
    if not stamp_path(serving).is_file() or storage_number(serving) is None:
        return False
    return "marker" in (read_stamp(serving) or {})


def _first_existing(path: Path) -> Path:
    return next(p for p in [path, *path.parents] if os.path.lexists(p))


def serving_problem(serving: Path, warehouse: Path, raw_dir: Path) -> str | None:
    """Why publishing to `serving` could replace or delete what is not a serving copy; None when it cannot.

    A publish replaces the serving path and its stamp and empties its versions folder. So each
    must be missing or what paperhouse made there (the serving path: a symlink into the versions
    folder, or a DuckDB file with a stamp, the old layout), and none may land on the warehouse
    (or its WAL) or inside the raw folder. Paths are compared resolved: `..`, a symlinked folder
    or a symlinked warehouse are seen for what they name. Reads only; creates nothing.
    """
    advice = "give --serving (PAPERHOUSE_SERVING) another path"
    if serving.name in ("", ".."):
        return f"the serving copy {serving} is a folder: give --serving (PAPERHOUSE_SERVING) a file path"
    try:
        placed = _placed(serving)
        stamp, versions = stamp_path(placed), versions_dir(placed)
        written = {placed, stamp, versions, placed.resolve(), stamp.resolve()}
        emptied = {versions, versions.resolve()}  # every publish deletes what else is in it
        itself = {_placed(warehouse), warehouse.resolve()}
        stored = itself | {p.with_name(p.name + ".wal") for p in itself}
        raw = raw_dir.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        return f"the serving copy {serving} cannot be resolved ({exc}): {advice}"
    if placed in itself or placed.resolve() in itself:
        return (
            f"the serving copy {serving} is the warehouse itself: {advice}, or leave it unset "
            "(serving/ beside the warehouse)"
        )
    if written & stored or any(_inside(w, v) for w in stored for v in emptied):
        return f"the serving copy {serving} would write over the warehouse {warehouse}'s files: {advice}"
    if any(_inside(p, raw) for p in written | emptied) or any(_inside(raw, v) for v in emptied):
        return f"the serving copy {serving} is inside the raw dump folder {raw_dir}: {advice}, outside it"
    ours = current_sequence(placed) is not None
    not_ours = (
        f"the serving copy {serving} exists and is not one paperhouse published (a symlink into "
        f"{versions.name}/): move it away, or {advice}"
    )
    if placed.is_symlink():
        if not ours:
            return not_ours
    elif placed.is_dir():
        return f"the serving copy {serving} is a folder: give --serving (PAPERHOUSE_SERVING) a file path"
    elif os.path.lexists(placed):
        if not (placed.is_file() and _is_old_layout(placed)):
            return not_ours
    elif not _first_existing(placed.parent).is_dir():
        return f"the serving copy {serving} cannot be created: {_first_existing(placed.parent)} is not a folder; {advice}"
    if os.path.lexists(stamp) and (
        stamp.is_symlink() or not stamp.is_file() or not ours and "marker" not in (read_stamp(placed) or {})
    ):
        return (
            f"the serving copy's stamp {stamp_path(serving)} exists and is not one paperhouse wrote: "
            f"move it away, or {advice}"
        )
    if os.path.lexists(versions) and (versions.is_symlink() or not versions.is_dir()):
        return (
            f"the serving copy's versions folder {versions_dir(serving)} exists and is not a folder "
            "paperhouse made: "
            f"move it away, or {advice}"
        )
    return None
