"""source files modified ns

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:48:59.743018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Record each dump's mtime so that unchanged files are skipped without reading them."""
    op.add_column(
        "source_files",
        sa.Column(
            "modified_ns",
            sa.BigInteger(),
            nullable=True,
            comment="file mtime (ns) when read: an unchanged (name, size, mtime) is not read again",
        ),
    )


def downgrade() -> None:
    """Drop source_files.modified_ns."""
    op.drop_column("source_files", "modified_ns")
