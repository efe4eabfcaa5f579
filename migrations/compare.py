"""What autogenerate (and `alembic check`) compares: the models' tables, not what migrations make by hand."""

from __future__ import annotations

# Engine-only objects the models cannot declare, made by their own migrations (named differences).
ENGINE_ONLY_INDEXES = {
    "ix_papers_search",  # PostgreSQL's full-text GIN index (0008, 0009)
    # PostgreSQL's indexes on the hash-keyed tables' keys (0010), which DuckDB reads best unindexed
    "ix_paper_appearances_file_id",
    "ix_paper_appearances_paper_id",
    "ix_paper_links_paper_id",
    "ix_paper_keywords_paper_id",
    "ix_links_link_id",
    "ix_keywords_keyword_id",
}


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    """Views belong to sql/views and their own migrations, not to table autogeneration; so do engine-only indexes."""
    if reflected and compare_to is None and type_ == "index" and name in ENGINE_ONLY_INDEXES:
        return False
    return not (type_ == "table" and reflected and compare_to is None and name.startswith("v_"))
