"""full-text search on PostgreSQL: search_papers() and its GIN index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 16:00:00

PostgreSQL only (DuckDB has no built-in text search index; this revision changes nothing there).
The function's text is pinned here, as view texts are; `sql/functions/postgresql/search_papers.sql`
holds the head text, and a test checks they agree. The index is an expression index the models
cannot declare: `migrations/env.py` leaves it out of autogenerate's comparison by name.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_INDEX = "ix_papers_search"
DOCUMENT = (
    "setweight(to_tsvector('english', title), 'A') "
    "|| setweight(to_tsvector('english', coalesce(abstract, '')), 'B')"
)
FUNCTION = """\
-- Full-text search over papers: the papers whose title or abstract match a web-search style
-- query ("diffusion -video", "\\"world model\\"", "agent or robot"), best first. English
-- stemming; a title match weighs more than an abstract match (ts_rank_cd, weights A and B).
-- Served by the GIN index ix_papers_search over the same expression.
CREATE FUNCTION search_papers(query text)
RETURNS TABLE (paper_id bigint, title text, rank real)
LANGUAGE sql STABLE
AS $$
    SELECT p.paper_id, p.title,
           ts_rank_cd(
               setweight(to_tsvector('english', p.title), 'A')
               || setweight(to_tsvector('english', coalesce(p.abstract, '')), 'B'),
               websearch_to_tsquery('english', query)
           ) AS rank
    FROM papers AS p
    WHERE setweight(to_tsvector('english', p.title), 'A')
          || setweight(to_tsvector('english', coalesce(p.abstract, '')), 'B')
          @@ websearch_to_tsquery('english', query)
    ORDER BY rank DESC, p.paper_id
$$
"""
DESCRIPTION = (
    "Full-text search over papers (title and abstract, English stemming): "
    "SELECT * FROM search_papers('diffusion -video'); best match first."
)


def upgrade() -> None:
    """On PostgreSQL, add the GIN index over title and abstract and search_papers(query)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX {SEARCH_INDEX} ON papers USING gin (({DOCUMENT}))")
    op.get_bind().exec_driver_sql(FUNCTION)  # driver-level: the text holds no parameters
    quoted = DESCRIPTION.replace("'", "''")
    op.get_bind().exec_driver_sql(f"COMMENT ON FUNCTION search_papers(text) IS '{quoted}'")


def downgrade() -> None:
    """Drop search_papers and its index (PostgreSQL)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS search_papers(text)")
    op.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
