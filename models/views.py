"""The view files of `sql/views`, as both the migrations and the library read them.

`migrations.views` applies and restores the texts revisions pin; `etl.dictionary` documents the
views; both parse the files' headers with the functions here, so neither imports the other.

Each view file starts with a header that describes the view and every one of its columns, in
this format (the files of `sql/views/` are the examples):

    -- One row per paper: published date, organization, sightings and its code URL.
    --
    -- Columns:
    -- paper_id = papers.paper_id
    -- first_seen: Earliest listing date among the paper's sightings, as a date; a long
    --     description goes on in lines indented by two spaces or more.
    -- link_count: Number of distinct URLs in the abstract.

- The header is the block of `--` lines the text starts with; the first other line ends it,
  and the rest is the view's body (`view_body`).
- Its first line is the view's description, one line (Dagster shows it as the asset's).
- `-- Columns:` starts the columns: one entry per column of the view, in the view's order,
  each either `-- name: description` or `-- name = relation.column`, which takes the
  description of a column of a table or of another view: a text is written once. A line of
  `--` followed by two or more spaces continues the entry above it (joined by one space); bare
  `--` lines are ignored.

A text without a `-- Columns:` line has no header here (`view_header` returns None). A malformed
header raises `ValueError` naming its line; the tests check every header against the view's real
columns.

Revisions pin texts: `VIEWS = {name: sql}` and, in 0002 and 0007, `ENGINE_VIEWS = {dialect:
{name: sql}}` (`engine_text` picks a dialect's); `pinned_views` reads the newest pin of each view
from a script directory (the library gets one from `etl.warehouse.alembic_config`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING

import models

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

COLUMNS_LINE = "-- Columns:"
_NAME = r"[a-z_][a-z0-9_]*"
_DESCRIBED = re.compile(rf"-- ({_NAME}): (\S.*)")
_SAME_AS = re.compile(rf"-- ({_NAME}) = ({_NAME})\.({_NAME})")
_CONTINUED = re.compile(r"--  +(\S.*)")


EngineViews = dict[str, dict[str, str]]  # dialect name -> {view: the text that engine runs instead}


@dataclass(frozen=True)
class ColumnNote:
    """A view column's entry in its header: a description, or the column whose description it takes."""

    text: str | None = None
    same_as: tuple[str, str] | None = None  # (table or view, column)


@dataclass(frozen=True)
class ViewHeader:
    """The description of a view and of each of its columns, in the view's column order."""

    description: str
    columns: dict[str, ColumnNote]


def view_header(name: str, sql: str) -> ViewHeader | None:
    """Parse the header of view `name` (format above); None for a text without `-- Columns:`."""
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.rstrip())
    if COLUMNS_LINE not in lines:
        return None
    marker = lines.index(COLUMNS_LINE)
    description = lines[0].removeprefix("--").strip()
    if marker == 0 or not description or any(line != "--" for line in lines[1:marker]):
        raise ValueError(
            f"{name}: the header's first line describes the view, alone, before {COLUMNS_LINE!r}"
        )
    entries: dict[str, list[str] | tuple[str, str]] = {}  # description lines, or (relation, column)
    last: str | None = None
    for number, line in enumerate(lines[marker + 1 :], start=marker + 2):
        if line == "--":
            last = None
            continue
        continued = _CONTINUED.fullmatch(line)
        if continued:
            if last is None or not isinstance(entries[last], list):
                raise ValueError(
                    f"{name}, line {number}: a continuation line must follow a column's description"
                )
            entries[last].append(continued[1])
            continue
        entry = _DESCRIBED.fullmatch(line) or _SAME_AS.fullmatch(line)
        if entry is None:
            raise ValueError(
                f"{name}, line {number}: expected '-- column: description', '-- column = relation.column' "
                f"or an indented continuation, found {line!r}"
            )
        if entry[1] in entries:
            raise ValueError(f"{name}, line {number}: column {entry[1]} is described twice")
        entries[entry[1]] = [entry[2]] if entry.re is _DESCRIBED else (entry[2], entry[3])
        last = entry[1]
    columns = {
        column: ColumnNote(text=" ".join(entry)) if isinstance(entry, list) else ColumnNote(same_as=entry)
        for column, entry in entries.items()
    }
    return ViewHeader(description=description, columns=columns)


def view_body(sql: str) -> str:
    """The text of a view without its header: what the engine runs."""
    lines = sql.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if not line.startswith("--")), len(lines))
    return "".join(lines[start:])


def view_files() -> dict[str, str]:
    """The head text of each view, `sql/views/<name>.sql` with its header, by name, sorted."""
    folder = files("sql") / "views"
    found = {
        e.name.removesuffix(".sql"): e for e in folder.iterdir() if e.name.endswith(".sql") and e.is_file()
    }
    return {name: found[name].read_text(encoding="utf-8") for name in sorted(found)}


def reads(sql: str, names: list[str]) -> list[str]:
    """The names among `names` that `sql` reads (after FROM or JOIN)."""
    return [name for name in names if re.search(rf"\b(?:from|join)\s+{name}\b", sql, re.IGNORECASE)]


def view_descriptions(views: Mapping[str, str]) -> dict[str, tuple[str, dict[str, str]]]:
    """Each view's description and its columns', from the headers, `= relation.column` entries resolved.

    A taken description is the models' (a table column) or another header's (a view column); a
    view without a header is an error.
    """
    headers = {}
    for name, sql in views.items():
        header = view_header(name, sql)
        if header is None:
            raise ValueError(f"{name}: its SQL has no header describing the view and its columns")
        headers[name] = header
    tables = {t.name: {c.name: c.comment for c in t.columns} for t in models.metadata.tables.values()}

    def column_text(relation: str, column: str, seen: tuple[str, ...]) -> str:
        if relation in tables and column in tables[relation]:
            return tables[relation][column]
        if relation in headers and column in headers[relation].columns and relation not in seen:
            note = headers[relation].columns[column]
            return note.text if note.same_as is None else column_text(*note.same_as, (*seen, relation))
        raise ValueError(f"{seen[-1]}: no description to take from {relation}.{column}")

    return {
        name: (header.description, {column: column_text(name, column, ()) for column in header.columns})
        for name, header in headers.items()
    }


def engine_text(
    name: str, views: dict[str, str], engine_views: EngineViews | None, dialect: str
) -> str | None:
    """The text of view `name` that `dialect` runs: its engine's override, else the shared text."""
    return (engine_views or {}).get(dialect, {}).get(name, views.get(name))


def pinned_views(scripts: ScriptDirectory, dialect: str = "duckdb") -> dict[str, str]:
    """Each view's text for `dialect` as the newest revision of `scripts` that applies it pins it, in creation order."""
    views: dict[str, str] = {}
    for script in reversed(list(scripts.walk_revisions())):  # base first
        module = script.module
        shared, engine_views = getattr(module, "VIEWS", {}), getattr(module, "ENGINE_VIEWS", None)
        views.update({name: engine_text(name, shared, engine_views, dialect) for name in shared})
    return views
