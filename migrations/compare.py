"""What autogenerate (and `alembic check`) compares: the models' tables, not what migrations make by hand."""

from __future__ import annotations

import importlib

# Engine-only objects the models cannot declare, made by their own migrations (named differences):
# PostgreSQL's full-text GIN index (0008, 0009) and its indexes on the hash-keyed tables' keys
# (0010, 0012), which DuckDB reads best unindexed. The names come from those migrations.
_SEARCH = importlib.import_module("migrations.versions.0008_full_text_search_on_postgresql")
_KEYS = importlib.import_module("migrations.versions.0010_key_indexes_on_postgresql")
_NEWEST = importlib.import_module("migrations.versions.0012_newest_sighting_derived_again")
ENGINE_ONLY_INDEXES = {_SEARCH.SEARCH_INDEX, *_KEYS.KEY_INDEXES, *_NEWEST.KEY_INDEXES}


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    """Views belong to sql/views and their own migrations, not to table autogeneration; so do engine-only indexes."""
    if reflected and compare_to is None and type_ == "index" and name in ENGINE_ONLY_INDEXES:
        return False
    return not (type_ == "table" and reflected and compare_to is None and name.startswith("v_"))
