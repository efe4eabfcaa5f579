"""each paper's own form of its keywords, and the extractor version that derived them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 12:00:00

`paper_keywords.form` is the keyword as the paper writes it, beside the one form all papers
share (`keywords.keyword`); the rows stored before it are filled with that shared form, which
is what RAKE gives. `extractor_versions` records which version of the keyword extractor derived
the keywords: the first load after this revision finds no row, derives every paper's keywords
again (an earlier RAKE may have derived them) and records its version (`etl.rederive`).

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE_COMMENTS = {
    "paper_keywords": "The keywords of each paper: its (at most) 10 best RAKE keyphrases, ranked 1 to 10 with "
    "their scores, and the method name its title announces, with rank 0 and no score. "
    "Computed from the title and abstract of its most recent sighting (`papers`), again "
    "whenever that text changes, and for every paper when the keyword extractor changes "
    "(`extractor_versions`).",
    "extractor_versions": "Which version of each extractor derived the rows the warehouse draws from the "
    "papers' texts: one row per extractor. `keywords` is the keyword extractor, which fills "
    "`keywords` and `paper_keywords`. A load run by another version of it first derives "
    "every paper's keywords again, then records its own version here.",
}

COLUMN_COMMENTS = {
    "paper_keywords": {
        "form": "The keyword as this paper writes it (its own case and spelling), where `keywords.keyword` "
        "is the one form all papers share; the same text when the extractor keeps no paper's own form "
        "(RAKE: keyphrases in lowercase, method names as the title prints them).",
    },
    "extractor_versions": {
        "extractor": "Key: what the extractor derives; `keywords` (the rows of `keywords` and `paper_keywords`).",
        "version": "The version of the extractor that derived every paper's rows, as it names itself "
        "(`etl.keywords.EXTRACTOR_VERSION`, e.g. `rake-1`).",
        "derived_at": "When a load last derived every paper's rows with this version (or recorded it for a "
        "warehouse without papers, or rebuilt every table), in UTC (stored without a time zone).",
    },
}

EARLIER_TABLE_COMMENTS = {
    "paper_keywords": "The keywords of each paper: its (at most) 10 best RAKE keyphrases, ranked 1 to 10 with "
    "their scores, and the method name its title announces, with rank 0 and no score. "
    "Computed from the title and abstract of its most recent sighting (`papers`), again "
    "whenever that text changes.",
}


def upgrade() -> None:
    """Add `paper_keywords.form` (filled from `keywords.keyword`) and `extractor_versions`; describe them."""
    # DuckDB refuses SET NOT NULL on a table updated in the same transaction (as 0012 found): the
    # column is added with a default and made NOT NULL first, then filled, then loses the default.
    op.add_column(
        "paper_keywords",
        sa.Column("form", sa.String(), server_default="", comment=COLUMN_COMMENTS["paper_keywords"]["form"]),
    )
    op.alter_column("paper_keywords", "form", nullable=False, existing_type=sa.String())
    op.execute(
        "UPDATE paper_keywords SET form = k.keyword FROM keywords AS k "
        "WHERE paper_keywords.keyword_id = k.keyword_id"
    )
    op.alter_column(
        "paper_keywords", "form", server_default=None, existing_type=sa.String(), existing_nullable=False
    )
    columns = COLUMN_COMMENTS["extractor_versions"]
    op.create_table(
        "extractor_versions",
        sa.Column("extractor", sa.String(), nullable=False, comment=columns["extractor"]),
        sa.Column("version", sa.String(), nullable=False, comment=columns["version"]),
        sa.Column("derived_at", sa.DateTime(), nullable=False, comment=columns["derived_at"]),
        sa.PrimaryKeyConstraint("extractor", name=op.f("pk_extractor_versions")),
        comment=TABLE_COMMENTS["extractor_versions"],
    )
    op.create_table_comment(
        "paper_keywords",
        TABLE_COMMENTS["paper_keywords"],
        existing_comment=EARLIER_TABLE_COMMENTS["paper_keywords"],
    )


def downgrade() -> None:
    """Drop `extractor_versions` and `paper_keywords.form`; restore the earlier description."""
    op.create_table_comment(
        "paper_keywords",
        EARLIER_TABLE_COMMENTS["paper_keywords"],
        existing_comment=TABLE_COMMENTS["paper_keywords"],
    )
    op.drop_table("extractor_versions")
    op.drop_column("paper_keywords", "form")
