"""source_files.status may be 'removed' (dumps pruned from the folder)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:50:00

DuckDB cannot alter a CHECK constraint, so the table is rebuilt with the new one inside the
migration's transaction. Views read it by name and are unaffected.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "file_id, file_name, sha256, size_bytes, listing_date_id, listing_year_rule, status, error, entries, loaded_at"


def _rebuild(statuses: tuple[str, ...]) -> None:
    """Recreate source_files with the CHECK on `statuses` (DuckDB cannot alter a constraint)."""
    if op.get_bind().dialect.name == "postgresql":  # it can: same table, new constraint
        op.drop_constraint(op.f("ck_source_files_status"), "source_files", type_="check")
        op.create_check_constraint(op.f("ck_source_files_status"), "source_files", f"status IN {statuses}")
        return
    op.create_table(
        "source_files_rebuilt",
        sa.Column("file_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("listing_date_id", sa.Integer(), nullable=True, comment="-> dates"),
        sa.Column("listing_year_rule", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=True),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(f"status IN {statuses}", name=op.f("ck_source_files_status")),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_source_files")),
    )
    op.execute(f"INSERT INTO source_files_rebuilt ({COLUMNS}) SELECT {COLUMNS} FROM source_files")
    op.drop_table("source_files")
    op.rename_table("source_files_rebuilt", "source_files")


def upgrade() -> None:
    """Allow status 'removed'."""
    _rebuild(("loaded", "rejected", "superseded", "removed"))


def downgrade() -> None:
    """Disallow status 'removed' again: removed dumps count as superseded."""
    op.execute("UPDATE source_files SET status = 'superseded' WHERE status = 'removed'")
    _rebuild(("loaded", "rejected", "superseded"))
