"""every field of the newest sighting derived again: printed texts and names per sighting

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 12:00:00

A paper showed the text, and an organization the name, of the sighting loaded last, and kept
them when that sighting's dump was replaced or pruned: no stored row said what the sighting
before it printed. Each sighting now keeps the key of its printed text (`text_id`) and the
organization name its card prints; `papers.text_id` says which text a paper shows, and
`paper_texts` keeps the other printed texts of a paper's sightings (usually none), so that the
merge can take every field of the newest sighting again whenever a paper's sightings change.

Sightings loaded before this revision are taken to print the text their paper shows and the
name their organization has: what they printed was not stored. A full refresh
(`paperhouse load --full-refresh`) reads the dumps again and makes every row exact.

On PostgreSQL, sightings are indexed by organization (as 0010 indexes the keys): each load looks
up the sightings of the organizations it touched, to name them and to drop those left unnamed.

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The key of a printed text as the library made it when this revision was written (`etl.keys`: the
# first 63 bits of the SHA-256 of the title and the abstract as printed, joined by U+001F, as a
# signed BIGINT), frozen here in each engine's SQL: a migration must not follow the library's code
# as it changes later. The tests hold it to `etl.keys.stable_id` and to the rows a load gives.
TEXT_ID_SQL = {
    "duckdb": "(('0x' || sha256(title || chr(31) || abstract)[1:16])::UBIGINT >> 1)::BIGINT",
    "postgresql": "(('x' || left(encode(sha256(convert_to(title || chr(31) || abstract, 'UTF8')), 'hex'), 16))"
    "::bit(64) >> 1)::bigint",
}

KEY_INDEXES = {"ix_paper_appearances_organization_id": ("paper_appearances", ("organization_id",))}

TABLE_COMMENTS = {
    "dates": "Date dimension: one row per calendar date that a listing date or a card date in the warehouse "
    "refers to, with calendar attributes to group by (year, quarter, month, ISO week, weekday). Keyed "
    "by the date as the integer YYYYMMDD; every `*_date_id` column refers to it. A date goes when no "
    "paper, sighting or loaded dump version refers to it any more.",
    "paper_appearances": "Every sighting of a paper: one row per entry of a loaded dump version, keyed by the "
    "version and the entry's position, with the card as shown there. It holds no text, "
    "only the key of the text the entry prints (`text_id`): the text is in `papers` (the "
    "most recent sighting's) or `paper_texts` (any other). The sightings of a version go "
    "when a newer version of the same file is loaded or the file is pruned.",
    "paper_keywords": "The keywords of each paper: its (at most) 10 best RAKE keyphrases, ranked 1 to 10 with "
    "their scores, and the method name its title announces, with rank 0 and no score. "
    "Computed from the title and abstract of its most recent sighting (`papers`), again "
    "whenever that text changes.",
    "paper_links": "The URLs in each paper's abstract: one row per paper and distinct URL, with the URL's order "
    "in the abstract: the abstract of its most recent sighting (`papers.abstract`), found again "
    "whenever that text changes.",
    "papers": "One row per distinct paper. Two entries are the same paper when their titles, and their "
    "abstracts, are equal after Unicode NFKC normalization, case folding and whitespace collapsing, "
    "wherever and however often they are listed. The title and abstract are as printed in the paper's "
    "most recent sighting, and each card field (author count, organization, published date, upvotes) "
    "comes from the most recent sighting that shows it; recency orders sightings by listing date, "
    "then file name, then position. Whenever a paper's sightings change, these are taken again from "
    "the sightings it has then. A paper left without any sighting (its dumps changed or were pruned) "
    "is deleted with its links and keywords.",
    "paper_texts": "Printed texts of sightings that differ from the text their paper shows: a paper listed "
    "again with another case or spacing of its title or abstract. One row per text. Kept so that "
    "when the most recent sighting goes (its dump changed or was pruned), the paper takes the "
    "text of the sighting that is now the most recent without reading any dump again. A paper "
    "whose sightings all print the same text has no row here.",
}

COLUMN_COMMENTS = {
    "organizations": {
        "name": "Display name: the rest of the card line (`NVIDIA` in `nvidia NVIDIA`). When "
        "cards print other names for the same handle, the most recent sighting that shows "
        "the handle gives it."
    },
    "paper_appearances": {
        "text_id": "The title and abstract as this entry prints them: the first 63 bits of "
        "the SHA-256 of both, joined by the character U+001F; the text is "
        "`papers`' when it is `papers.text_id`, else in `paper_texts`.",
        "organization_name": "The organization's display name as this card prints it "
        "(`NVIDIA` in `nvidia NVIDIA`); null when the entry has no card "
        "or its card shows an author count instead.",
    },
    "papers": {
        "text_id": "The printed text shown (`title` and `abstract`, those of the most recent sighting): "
        "the first 63 bits of the SHA-256 of the title and the abstract as printed, joined by "
        "the character U+001F; the `text_id` of that sighting in `paper_appearances`."
    },
    "source_files": {
        "listing_date_id": "The page's listing date (the day whose papers it lists), with the year "
        "given by `listing_year_rule`, as YYYYMMDD: key of `dates` while the "
        "version is loaded. Null when the version was rejected."
    },
    "paper_texts": {
        "text_id": "Key: the first 63 bits of the SHA-256 of the title and the abstract as printed, "
        "joined by the character U+001F (`paper_appearances.text_id`).",
        "paper_id": "The paper whose sightings print this text: key of `papers`.",
        "title": "Title as printed (Unicode NFC).",
        "abstract": "Abstract as printed (Unicode NFC).",
    },
}

EARLIER_TABLE_COMMENTS = {
    "dates": "Date dimension: one row per calendar date that a listing date or a card date in the warehouse "
    "refers to, with calendar attributes to group by (year, quarter, month, ISO week, weekday). Keyed "
    "by the date as the integer YYYYMMDD; every `*_date_id` column refers to it. Dates are added as "
    "loads bring them and removed only by a full refresh.",
    "paper_appearances": "Every sighting of a paper: one row per entry of a loaded dump version, keyed by the "
    "version and the entry's position, with the card as shown there. It holds no text "
    "(title and abstract are in `papers`). The sightings of a version go when a newer "
    "version of the same file is loaded or the file is pruned.",
    "paper_keywords": "The keywords of each paper: its (at most) 10 best RAKE keyphrases, ranked 1 to 10 with "
    "their scores, and the method name its title announces, with rank 0 and no score. "
    "Computed once from the paper's own title and abstract, when the paper is first loaded.",
    "paper_links": "The URLs in each paper's abstract: one row per paper and distinct URL, with the URL's order "
    "in the abstract. Found once, when the paper is first loaded.",
    "papers": "One row per distinct paper. Two entries are the same paper when their titles, and their "
    "abstracts, are equal after Unicode NFKC normalization, case folding and whitespace collapsing, "
    "wherever and however often they are listed. The title and abstract are as printed in the paper's "
    "most recent sighting, and each card field (author count, organization, published date, upvotes) "
    "comes from the most recent sighting that shows it; recency orders sightings by listing date, "
    "then file name, then position. A paper left without any sighting (its dumps changed or were "
    "pruned) is deleted with its links and keywords.",
}

EARLIER_COLUMN_COMMENTS = {
    "organizations": {
        "name": "Display name: the rest of the card line (`NVIDIA` in `nvidia NVIDIA`). When "
        "cards print other names for the same handle, the most recent sighting of the "
        "latest load gives it."
    },
    "source_files": {
        "listing_date_id": "The page's listing date (the day whose papers it lists), with the year "
        "given by `listing_year_rule`: key of `dates` (YYYYMMDD). Null when the "
        "version was rejected."
    },
}


def _backfill_text_ids() -> None:
    """Give each paper the key of the text it shows, and each sighting its paper's."""
    op.execute(f"UPDATE papers SET text_id = {TEXT_ID_SQL[op.get_bind().dialect.name]}")
    op.execute(
        "UPDATE paper_appearances SET text_id = p.text_id FROM papers AS p WHERE paper_appearances.paper_id = p.paper_id"
    )
    op.execute(
        "UPDATE paper_appearances SET organization_name = o.name FROM organizations AS o "
        "WHERE paper_appearances.organization_id = o.organization_id"
    )


def upgrade() -> None:
    """Add the printed-text keys, the card's organization name and `paper_texts`; backfill; describe."""
    texts = COLUMN_COMMENTS
    # DuckDB refuses SET NOT NULL on a table updated in the same transaction: the keys are added
    # with a default and made NOT NULL first, then backfilled, then lose the default.
    keys = (
        ("papers", texts["papers"]["text_id"]),
        ("paper_appearances", texts["paper_appearances"]["text_id"]),
    )
    for table, comment in keys:
        op.add_column(table, sa.Column("text_id", sa.BigInteger(), server_default="0", comment=comment))
        op.alter_column(table, "text_id", nullable=False, existing_type=sa.BigInteger())
    op.add_column(
        "paper_appearances",
        sa.Column(
            "organization_name",
            sa.String(),
            nullable=True,
            comment=texts["paper_appearances"]["organization_name"],
        ),
    )
    _backfill_text_ids()
    for table, _ in keys:
        op.alter_column(
            table, "text_id", server_default=None, existing_type=sa.BigInteger(), existing_nullable=False
        )
    columns = texts["paper_texts"]
    op.create_table(
        "paper_texts",
        sa.Column(
            "text_id", sa.BigInteger(), autoincrement=False, nullable=False, comment=columns["text_id"]
        ),
        sa.Column("paper_id", sa.BigInteger(), nullable=False, comment=columns["paper_id"]),
        sa.Column("title", sa.String(), nullable=False, comment=columns["title"]),
        sa.Column("abstract", sa.String(), nullable=False, comment=columns["abstract"]),
        sa.PrimaryKeyConstraint("text_id", name=op.f("pk_paper_texts")),
        comment=TABLE_COMMENTS["paper_texts"],
    )
    for table, comment in TABLE_COMMENTS.items():
        if table != "paper_texts":
            op.create_table_comment(table, comment, existing_comment=EARLIER_TABLE_COMMENTS[table])
    for table, pinned in EARLIER_COLUMN_COMMENTS.items():
        for column, earlier in pinned.items():
            op.alter_column(table, column, comment=COLUMN_COMMENTS[table][column], existing_comment=earlier)
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, columns) in KEY_INDEXES.items():
            op.create_index(name, table, list(columns))


def downgrade() -> None:
    """Drop `paper_texts` and the new columns; restore the earlier descriptions."""
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, _) in KEY_INDEXES.items():
            op.drop_index(name, table_name=table)
    for table, pinned in EARLIER_COLUMN_COMMENTS.items():
        for column, earlier in pinned.items():
            op.alter_column(table, column, comment=earlier, existing_comment=COLUMN_COMMENTS[table][column])
    for table, comment in EARLIER_TABLE_COMMENTS.items():
        op.create_table_comment(table, comment, existing_comment=TABLE_COMMENTS[table])
    op.drop_table("paper_texts")
    op.drop_column("paper_appearances", "organization_name")
    op.drop_column("paper_appearances", "text_id")
    op.drop_column("papers", "text_id")
