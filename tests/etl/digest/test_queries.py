"""The report's queries: one file each under sql/digest/, whose header names what it binds."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from etl.digest.queries import declared_binds, query_names, run
from etl.sql import SQL_DIR


def test_every_query_names_its_binds_and_says_what_it_answers():
    assert query_names() == [
        "code_share", "days", "days_to_listing", "guessed_dumps", "holdings", "hosts", "keyword_papers",
        "loads", "new_keywords", "organizations", "refused_dumps", "repositories", "rising",
        "session", "top_keywords", "top_papers", "upvotes",
    ]  # fmt: skip
    for name in query_names():
        text = (SQL_DIR / "digest" / f"{name}.sql").read_text(encoding="utf-8")
        assert text.startswith("-- ") and len(text.split("-- binds:")[0]) > 40, name
        declared_binds(name)  # raises when the header and the text disagree
    assert declared_binds("days") == ("period_start", "period_end")
    assert declared_binds("holdings") == ()
    engines = [p for p in (SQL_DIR / "digest").iterdir() if p.is_dir()]
    assert [p.name for p in engines] == ["duckdb"]
    for own in engines[0].iterdir():  # an engine's own text starts with its own header too
        assert own.read_text(encoding="utf-8").startswith("-- ") and own.stem in query_names()


def test_a_call_must_bind_exactly_what_the_header_names():
    engine = create_engine("duckdb:///:memory:")
    with (
        engine.connect() as connection,
        pytest.raises(TypeError, match=r"binds \['period_end', 'period_start'\], given \['period_start'\]"),
    ):
        run(connection, "days", period_start=None)
    engine.dispose()
