"""create warehouse tables

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:50:10.690027
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every warehouse table of `models`."""
    op.create_table(
        "dates",
        sa.Column("date_id", sa.Integer(), autoincrement=False, nullable=False, comment="YYYYMMDD"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("quarter", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.SmallInteger(), nullable=False),
        sa.Column("month_name", sa.String(), nullable=False),
        sa.Column("day", sa.SmallInteger(), nullable=False),
        sa.Column("day_of_week", sa.SmallInteger(), nullable=False, comment="ISO: 1 = Monday"),
        sa.Column("day_name", sa.String(), nullable=False),
        sa.Column("iso_year", sa.SmallInteger(), nullable=False),
        sa.Column("iso_week", sa.SmallInteger(), nullable=False),
        sa.Column("year_month", sa.String(), nullable=False, comment="YYYY-MM"),
        sa.Column("is_weekend", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("date_id", name=op.f("pk_dates")),
    )
    op.create_table(
        "keywords",
        sa.Column("keyword_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("keyword", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("keyword_id", name=op.f("pk_keywords")),
    )
    op.create_table(
        "links",
        sa.Column("link_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("host", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_links")),
    )
    op.create_table(
        "organizations",
        sa.Column("organization_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("handle", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_organizations")),
    )
    op.create_table(
        "paper_appearances",
        sa.Column("file_id", sa.BigInteger(), autoincrement=False, nullable=False, comment="-> source_files"),
        sa.Column(
            "position", sa.Integer(), autoincrement=False, nullable=False, comment="1-based in the listing"
        ),
        sa.Column("paper_id", sa.BigInteger(), nullable=False, comment="-> papers"),
        sa.Column("title_line", sa.Integer(), nullable=False),
        sa.Column("listing_date_id", sa.Integer(), nullable=False, comment="-> dates"),
        sa.Column("upvotes", sa.Integer(), nullable=True, comment="null: no card; 0: card without count"),
        sa.Column("author_count", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.BigInteger(), nullable=True, comment="-> organizations"),
        sa.Column("card_date_text", sa.String(), nullable=True),
        sa.Column("card_date_id", sa.Integer(), nullable=True, comment="-> dates"),
        sa.PrimaryKeyConstraint("file_id", "position", name=op.f("pk_paper_appearances")),
    )
    op.create_table(
        "paper_keywords",
        sa.Column("paper_id", sa.BigInteger(), autoincrement=False, nullable=False, comment="-> papers"),
        sa.Column("keyword_id", sa.BigInteger(), autoincrement=False, nullable=False, comment="-> keywords"),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("paper_id", "keyword_id", name=op.f("pk_paper_keywords")),
    )
    op.create_table(
        "paper_links",
        sa.Column("paper_id", sa.BigInteger(), autoincrement=False, nullable=False, comment="-> papers"),
        sa.Column("link_id", sa.BigInteger(), autoincrement=False, nullable=False, comment="-> links"),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("paper_id", "link_id", name=op.f("pk_paper_links")),
    )
    op.create_table(
        "papers",
        sa.Column("paper_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "title_id",
            sa.BigInteger(),
            nullable=False,
            comment="hash of the normalized title: same title, other abstract",
        ),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("abstract", sa.String(), nullable=False),
        sa.Column("author_count", sa.Integer(), nullable=True),
        sa.Column("organization_id", sa.BigInteger(), nullable=True, comment="-> organizations"),
        sa.Column("published_date", sa.Date(), nullable=True),
        sa.Column("published_date_id", sa.Integer(), nullable=True, comment="-> dates"),
        sa.Column("upvotes", sa.Integer(), nullable=True),
        sa.Column("first_seen_date_id", sa.Integer(), nullable=False, comment="-> dates"),
        sa.Column("last_seen_date_id", sa.Integer(), nullable=False, comment="-> dates"),
        sa.Column("sightings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("paper_id", name=op.f("pk_papers")),
    )
    op.create_table(
        "source_files",
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
        sa.CheckConstraint(
            "status IN ('loaded', 'rejected', 'superseded')", name=op.f("ck_source_files_status")
        ),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_source_files")),
    )


def downgrade() -> None:
    """Drop every warehouse table."""
    op.drop_table("source_files")
    op.drop_table("papers")
    op.drop_table("paper_links")
    op.drop_table("paper_keywords")
    op.drop_table("paper_appearances")
    op.drop_table("organizations")
    op.drop_table("links")
    op.drop_table("keywords")
    op.drop_table("dates")
