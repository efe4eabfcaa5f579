"""key indexes on PostgreSQL for the hash-keyed tables

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 15:00:00

0005 left keywords, links and the three link tables without an index: DuckDB's merge reads
them best by scanning (its zone maps skip what a batch does not name), and an ART index cost
more than the rest of a backfill. PostgreSQL has no zone maps: without an index, adding one dump
to a 500k-paper warehouse scanned 5.7 million paper_keywords rows to copy the checked papers'
keywords, and the sightings to find orphans (1.6 s, against 0.6 s with these indexes). Plain,
not unique: the `row_keys_unique` check proves the keys in every load, as on DuckDB, and reports
a duplicate instead of failing the insert. PostgreSQL only; `migrations/compare.py` keeps these
engine-only indexes out of `alembic check` by name.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_INDEXES = {
    "ix_paper_appearances_file_id": ("paper_appearances", ("file_id", "position")),
    "ix_paper_appearances_paper_id": ("paper_appearances", ("paper_id",)),
    "ix_paper_links_paper_id": ("paper_links", ("paper_id", "link_id")),
    "ix_paper_keywords_paper_id": ("paper_keywords", ("paper_id", "keyword_id")),
    "ix_links_link_id": ("links", ("link_id",)),
    "ix_keywords_keyword_id": ("keywords", ("keyword_id",)),
}


def upgrade() -> None:
    """On PostgreSQL, index the keys the merge and the checks look rows up by."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (table, columns) in KEY_INDEXES.items():
        op.create_index(name, table, list(columns))


def downgrade() -> None:
    """Drop the key indexes (PostgreSQL)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (table, _) in KEY_INDEXES.items():
        op.drop_index(name, table_name=table)
