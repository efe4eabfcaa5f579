"""keywords as topics: each paper's own form of them, and the extractor version that derived them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 12:00:00

Keywords become topics keyed by concept (`etl.keywords` replaced RAKE): the descriptions of
`keywords`, `paper_keywords` and `v_keyword_counts` say so. `paper_keywords.form` is the keyword
as the paper writes it, beside the one form all papers share (`keywords.keyword`); the rows
stored before it are filled with that shared form, which is what RAKE gave. `extractor_versions`
records which version of the keyword extractor derived the keywords: the first load after this
revision finds no row, derives every paper's keywords again and records its version
(`etl.rederive`).

"""

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.views import apply_views, restore_views, view_body

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANALYST_VIEWS = importlib.import_module("migrations.versions.0002_create_analyst_views")

TABLE_COMMENTS = {
    "keywords": "Every distinct keyword of the papers: a topic that titles and abstracts name, one row per "
    "concept however papers write it (kind `keyphrase`: `large language model` also for `LLMs`), or a "
    "method name that a title announces before its colon (kind `method`: `RAFT: Reward rAnked "
    "FineTuning` names `RAFT`). One row per kind and keyword.",
    "paper_keywords": "The keywords of each paper: its (at most) 10 best topic keyphrases, ranked 1 to 10 "
    "with their scores, and the method name its title announces, with rank 0 and no score. "
    "Computed from the title and abstract of its most recent sighting (`papers`), again "
    "whenever that text changes, and for every paper when the keyword extractor changes "
    "(`extractor_versions`).",
    "extractor_versions": "Which version of each extractor derived the rows the warehouse draws from the "
    "papers' texts: one row per extractor. `keywords` is the keyword extractor, which fills "
    "`keywords` and `paper_keywords`. A load run by another version of it first derives "
    "every paper's keywords again, then records its own version here.",
}

COLUMN_COMMENTS = {
    "keywords": {
        "keyword": "The keyword. A keyphrase in its canonical form, the same for every way of writing the "
        "concept: one to four lowercase words, singular, in American spelling, a listed compound written "
        "one way (`fine-tuning` for `fine tuning` and `finetuning`) and an acronym as its expansion "
        "(`large language model` for `LLMs`); a method name as the title prints it.",
        "kind": "`keyphrase` (a topic of the title and abstract) or `method` (the name a title announces "
        "before its colon).",
    },
    "paper_keywords": {
        "score": "How much the keyphrase matters to this paper: its occurrences in the title and abstract "
        "(one inside a longer phrase counts: `online reinforcement learning` is an occurrence of "
        "`reinforcement learning`), plus 2 when the title holds it. Null for a method name.",
        "form": "The keyword as this paper first writes it (its own case, spelling, number, hyphens or "
        "acronym: `LLMs` for `large language model`); a method name as the title prints it.",
    },
    "extractor_versions": {
        "extractor": "Key: what the extractor derives; `keywords` (the rows of `keywords` and `paper_keywords`).",
        "version": "The version of the extractor that derived every paper's rows, as it names itself "
        "(`etl.keywords.EXTRACTOR_VERSION`: `topics-`, its algorithm's number and a digest of its word "
        "tables).",
        "derived_at": "When a load last derived every paper's rows with this version (or recorded it for a "
        "warehouse without papers, or rebuilt every table), in UTC (stored without a time zone).",
    },
}

EARLIER_TABLE_COMMENTS = {
    "keywords": "Every distinct keyword of the papers: a keyphrase that RAKE extracts from titles and "
    "abstracts (kind `keyphrase`), or a method name that a title announces before its colon (kind "
    "`method`: `RAFT: Reward rAnked FineTuning` names `RAFT`). One row per kind and keyword.",
    "paper_keywords": "The keywords of each paper: its (at most) 10 best RAKE keyphrases, ranked 1 to 10 with "
    "their scores, and the method name its title announces, with rank 0 and no score. "
    "Computed from the title and abstract of its most recent sighting (`papers`), again "
    "whenever that text changes.",
}

EARLIER_COLUMN_COMMENTS = {
    "keywords": {
        "keyword": "The keyword: a keyphrase of one to three words in lowercase, or a method name as the "
        "title prints it.",
        "kind": "`keyphrase` (RAKE, from the title and abstract) or `method` (the name a title announces "
        "before its colon).",
    },
    "paper_keywords": {
        "score": "RAKE score of the keyphrase in this paper: the sum, over its words, of each word's degree "
        "divided by its frequency among the paper's candidate phrases, rounded to 6 decimals; higher "
        "means more characteristic of the paper. Null for a method name.",
    },
}

# The view reads the keywords' descriptions: applied again, it takes the new ones. A new header on
# revision 0002's body.
VIEWS = {
    "v_keyword_counts": """-- How many papers carry each keyword, with its mean score (method names have none).
--
-- Columns:
-- keyword_id = keywords.keyword_id
-- keyword = keywords.keyword
-- kind = keywords.kind
-- papers: Number of papers that carry the keyword (rows of `paper_keywords`).
-- mean_score = paper_keywords.score
"""
    + view_body(ANALYST_VIEWS.VIEWS["v_keyword_counts"]),
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
    for table, earlier in EARLIER_TABLE_COMMENTS.items():
        op.create_table_comment(table, TABLE_COMMENTS[table], existing_comment=earlier)
    for table, pinned in EARLIER_COLUMN_COMMENTS.items():
        for column, earlier in pinned.items():
            op.alter_column(table, column, comment=COLUMN_COMMENTS[table][column], existing_comment=earlier)
    apply_views(VIEWS)


def downgrade() -> None:
    """Drop `extractor_versions` and `paper_keywords.form`; restore the earlier descriptions."""
    for table, pinned in EARLIER_COLUMN_COMMENTS.items():
        for column, earlier in pinned.items():
            op.alter_column(table, column, comment=earlier, existing_comment=COLUMN_COMMENTS[table][column])
    for table, earlier in EARLIER_TABLE_COMMENTS.items():
        op.create_table_comment(table, earlier, existing_comment=TABLE_COMMENTS[table])
    restore_views(down_revision, VIEWS)
    op.drop_table("extractor_versions")
    op.drop_column("paper_keywords", "form")
