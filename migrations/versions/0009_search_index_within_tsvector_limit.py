"""search index within PostgreSQL's tsvector limit

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 14:30:00

A tsvector holds at most 1 MB: 0008's index over the whole title and abstract made a paper
whose abstract ran to megabytes fail its load ("string is too long for tsvector"), and every
later load of the same dump. The document now reads the first 10,000 characters of a title and
100,000 of an abstract (at most about 0.66 MB of tsvector whatever the characters); the function
uses the same expression, so the index still serves it. PostgreSQL only; DuckDB is unchanged.
"""

import importlib
from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREVIOUS = importlib.import_module("migrations.versions.0008_full_text_search_on_postgresql")
SEARCH_INDEX = PREVIOUS.SEARCH_INDEX
TITLE_CHARACTERS, ABSTRACT_CHARACTERS = 10_000, 100_000
DOCUMENT = (
    f"setweight(to_tsvector('english', left(title, {TITLE_CHARACTERS})), 'A') "
    f"|| setweight(to_tsvector('english', left(coalesce(abstract, ''), {ABSTRACT_CHARACTERS})), 'B')"
)
FUNCTION = """\
-- Full-text search over papers: the papers whose title or abstract match a web-search style
-- query ("diffusion -video", "\\"world model\\"", "agent or robot"), best first. English
-- stemming; a title match weighs more than an abstract match (ts_rank_cd, weights A and B).
-- Served by the GIN index ix_papers_search over the same expression, which reads the first
-- 10,000 characters of a title and 100,000 of an abstract: a tsvector holds at most 1 MB, and
-- text beyond those lengths could outgrow it and fail the load (real abstracts are < 5,000).
CREATE FUNCTION search_papers(query text)
RETURNS TABLE (paper_id bigint, title text, rank real)
LANGUAGE sql STABLE
AS $$
    SELECT p.paper_id, p.title,
           ts_rank_cd(
               setweight(to_tsvector('english', left(p.title, 10000)), 'A')
               || setweight(to_tsvector('english', left(coalesce(p.abstract, ''), 100000)), 'B'),
               websearch_to_tsquery('english', query)
           ) AS rank
    FROM papers AS p
    WHERE setweight(to_tsvector('english', left(p.title, 10000)), 'A')
          || setweight(to_tsvector('english', left(coalesce(p.abstract, ''), 100000)), 'B')
          @@ websearch_to_tsquery('english', query)
    ORDER BY rank DESC, p.paper_id
$$
"""


def _search(document: str, function: str) -> None:
    """Replace the search index and function with these texts (the description stays 0008's)."""
    op.execute("DROP FUNCTION IF EXISTS search_papers(text)")
    op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    op.execute(f"CREATE INDEX {SEARCH_INDEX} ON papers USING gin (({document}))")
    op.get_bind().exec_driver_sql(function)  # driver-level: the text holds no parameters
    quoted = PREVIOUS.DESCRIPTION.replace("'", "''")
    op.get_bind().exec_driver_sql(f"COMMENT ON FUNCTION search_papers(text) IS '{quoted}'")


def upgrade() -> None:
    """On PostgreSQL, rebuild the search index and function over the capped document."""
    if op.get_bind().dialect.name == "postgresql":
        _search(DOCUMENT, FUNCTION)


def downgrade() -> None:
    """Restore 0008's index and function (PostgreSQL)."""
    if op.get_bind().dialect.name == "postgresql":
        _search(PREVIOUS.DOCUMENT, PREVIOUS.FUNCTION)
