"""source_files.status may be 'suspect' (a version held back as a likely cut download)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:00:00

A new version of a dump with fewer entries than the loaded version of its name is
recorded as `suspect` and not applied until confirmed (`paperhouse load --accept-shrink`). DuckDB
cannot alter a CHECK constraint, so it rebuilds the table (as 0003 did) and puts back every
comment it had; PostgreSQL replaces the constraint. The descriptions of the table and of
`status`, `error` and `entries` say what `suspect` means. The downgrade counts suspect versions
as rejected (neither ever had its entries stored).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = ("loaded", "rejected", "superseded", "removed")
NEW_STATUSES = ("loaded", "rejected", "superseded", "removed", "suspect")

OLD_COMMENTS = {
    "table": (
        "Every version of every dump file the loads have seen, one row per version. A dump is a "
        "saved Daily Papers listing page (a text file in the raw folder); a version is its file "
        "name plus the sha256 of its content, so a file saved again with new content is a new "
        "version. The status says whether its entries are in the warehouse (loaded), it was refused "
        "whole (rejected), a newer version under the same name replaced it (superseded), or it left "
        "the folder and a pruning load deleted its sightings (removed). A version's row stays when "
        "it is superseded or removed; only a full refresh empties the table."
    ),
    "status": (
        "`loaded`: its entries are in `paper_appearances`; `rejected`: refused whole (see `error`), "
        "none of its entries is stored; `superseded`: a newer version under the same file name was "
        "loaded and replaced its sightings; `removed`: the file left the raw folder and a pruning "
        "load (`--prune`) deleted its sightings."
    ),
    "error": (
        "Why the version was refused, naming the file and the line or byte offset, e.g. `x.txt, "
        "line 15: title 'Second title' has no abstract (cut off?)`. Null when it was not refused."
    ),
    "entries": (
        "Number of entries (paper sightings) in the version, 0 for a page without any; null when rejected."
    ),
}


_NEW = {
    "table": (
        "Every version of every dump file the loads have seen, one row per version. A dump is a "
        "saved Daily Papers listing page (a text file in the raw folder); a version is its file "
        "name plus the sha256 of its content, so a file saved again with new content is a new "
        "version. The status says whether its entries are in the warehouse (loaded), it was refused "
        "whole (rejected), it lost entries of the loaded version of its name and is "
        "held back as a likely cut download until confirmed (suspect), a newer version under the "
        "same name replaced it (superseded), or it left the folder and a pruning load deleted its "
        "sightings (removed). A version's row stays when it is superseded or removed; only a full "
        "refresh empties the table."
    ),
    "status": (
        "`loaded`: its entries are in `paper_appearances`; `rejected`: refused whole (see `error`), "
        "none of its entries is stored; `suspect`: it has fewer entries than the loaded "
        "version of its name (a cut download?), so it is held back (see `error`): none of its "
        "entries is stored and the loaded version stays, until `paperhouse load --accept-shrink` "
        "applies it; `superseded`: a newer version under the same file name was loaded and replaced "
        "its sightings; `removed`: the file left the raw folder and a pruning load (`--prune`) "
        "deleted its sightings."
    ),
    "error": (
        "Why the version was refused or held back, naming the file and the line or byte offset, "
        "e.g. `x.txt, line 15: title 'Second title' has no abstract (cut off?)`. Null when it was "
        "not refused."
    ),
    "entries": (
        "Number of entries (paper sightings) in the version, 0 for a page without any; null when "
        "rejected. A suspect version's entries were counted but not stored."
    ),
}

# Pinned as the models say them now (tests/test_migrations.py reads these two names).
TABLE_COMMENTS = {"source_files": _NEW["table"]}
COLUMN_COMMENTS = {"source_files": {c: _NEW[c] for c in ("status", "error", "entries")}}
NEW_COMMENTS = _NEW


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rebuild_duckdb(statuses: tuple[str, ...]) -> None:
    """Recreate source_files with the CHECK on `statuses`, keeping its columns, rows and comments."""
    bind = op.get_bind()
    columns = bind.exec_driver_sql(
        "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
        "WHERE table_name = 'source_files' ORDER BY column_index"
    ).all()
    table_comment = bind.exec_driver_sql(
        "SELECT comment FROM duckdb_tables() WHERE table_name = 'source_files'"
    ).scalar_one()
    names = ", ".join(name for name, *_ in columns)
    definitions = ", ".join(
        f"{name} {kind}{'' if nullable else ' NOT NULL'}" for name, kind, nullable, _ in columns
    )
    check = ", ".join(_quoted(s) for s in statuses)
    op.execute(
        f"CREATE TABLE source_files_rebuilt ({definitions}, "
        f"CONSTRAINT ck_source_files_status CHECK (status IN ({check})), "
        "CONSTRAINT pk_source_files PRIMARY KEY (file_id))"
    )
    op.execute(f"INSERT INTO source_files_rebuilt ({names}) SELECT {names} FROM source_files")
    op.drop_table("source_files")
    op.rename_table("source_files_rebuilt", "source_files")
    if table_comment is not None:
        op.execute(f"COMMENT ON TABLE source_files IS {_quoted(table_comment)}")
    for name, _, _, comment in columns:
        if comment is not None:
            op.execute(f"COMMENT ON COLUMN source_files.{name} IS {_quoted(comment)}")


def _migrate(statuses: tuple[str, ...], comments: dict[str, str]) -> None:
    if op.get_bind().dialect.name == "postgresql":  # it can: same table, new constraint
        op.drop_constraint(op.f("ck_source_files_status"), "source_files", type_="check")
        op.create_check_constraint(op.f("ck_source_files_status"), "source_files", f"status IN {statuses}")
    else:
        _rebuild_duckdb(statuses)
    op.create_table_comment("source_files", comments["table"])
    for column in ("status", "error", "entries"):
        op.alter_column("source_files", column, comment=comments[column])


def upgrade() -> None:
    """Allow status 'suspect', and describe it."""
    _migrate(NEW_STATUSES, NEW_COMMENTS)


def downgrade() -> None:
    """Disallow status 'suspect' again: suspect versions count as rejected."""
    op.execute("UPDATE source_files SET status = 'rejected' WHERE status = 'suspect'")
    _migrate(OLD_STATUSES, OLD_COMMENTS)
