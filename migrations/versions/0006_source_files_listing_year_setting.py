"""source files listing year setting and recheck date

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMMENT = (
    "the configured listing year (--listing-year) the dump was parsed with; null: none. A rejected "
    "dump whose year came from a rule the setting outranks is retried when the setting changes"
)


RECHECK_COMMENT = (
    "a rejected dump with a date after today is read again from this day on, when that date "
    "is no longer in the future (a wrong clock, a time zone)"
)


def upgrade() -> None:
    """Record what a refusal depended on: the listing-year setting, and the clock."""
    op.add_column(
        "source_files", sa.Column("listing_year_setting", sa.Integer(), nullable=True, comment=COMMENT)
    )
    op.add_column("source_files", sa.Column("recheck_on", sa.Date(), nullable=True, comment=RECHECK_COMMENT))


def downgrade() -> None:
    """Drop source_files.listing_year_setting and recheck_on."""
    op.drop_column("source_files", "recheck_on")
    op.drop_column("source_files", "listing_year_setting")
