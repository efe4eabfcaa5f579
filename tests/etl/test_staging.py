"""Staging: a frame staged on either engine reads back value for value, inside the batch's transaction."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from etl.staging import read_frame, stage_frame, unstage
from etl.warehouse import warehouse_engine
from tests.conftest import postgres_database, temporary_tables

# Every dtype a staging frame carries, with the values that break naive encoders:
# quotes, separators, newlines, backslashes, an empty string beside a NULL, non-ASCII, extremes.
TRICKY = pl.DataFrame(
    {
        "row": pl.Series([1, 2, 3], dtype=pl.Int64),
        "text": ['He said "no", then\nleft\\', "", None],
        "unicode": ["Schrödinger’s 猫 🐈", "\t tab \r", "NULL"],
        "small": pl.Series([-128, 0, None], dtype=pl.Int8),
        "short": pl.Series([-32768, 32767, 0], dtype=pl.Int16),
        "int": pl.Series([-(2**31), 2**31 - 1, None], dtype=pl.Int32),
        "big": pl.Series([-(2**63), 2**63 - 1, 0], dtype=pl.Int64),
        "unsigned": pl.Series([0, 2**32 - 1, None], dtype=pl.UInt32),
        "score": [0.1 + 0.2, -1e-300, None],
        "flag": [True, False, None],
        "day": [dt.date(1, 1, 1), dt.date(2026, 2, 28), None],
        "stamp": [dt.datetime(2026, 12, 6, 13, 52, 12, 123456), None, dt.datetime(1970, 1, 1)],
        "nothing": pl.Series([None, None, None], dtype=pl.Null),
    }
)


def staged_rows(engine: Engine, frame: pl.DataFrame) -> list[tuple]:
    """Stage `frame` as `stg_test` in a transaction, read its rows back in `row` order, roll back."""
    with engine.connect() as connection, connection.begin() as transaction:
        stage_frame(connection, "stg_test", frame)
        rows = [tuple(r) for r in connection.execute(text("SELECT * FROM stg_test ORDER BY 1"))]
        transaction.rollback()
    return rows


def test_every_staged_dtype_reads_back_exactly(engine):
    assert staged_rows(engine, TRICKY) == TRICKY.rows()


def test_an_empty_frame_stages_as_an_empty_table_with_its_columns(engine):
    with engine.connect() as connection, connection.begin():
        stage_frame(connection, "stg_test", TRICKY.clear())
        result = connection.execute(text("SELECT * FROM stg_test"))
        assert (list(result.keys()), result.all()) == (TRICKY.columns, [])


STAGED = {
    "duckdb": "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal ORDER BY 1",
    "postgresql": "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() ORDER BY 1",
}


def test_staged_frames_go_with_unstage(engine):
    with engine.connect() as connection, connection.begin():
        stage_frame(connection, "stg_kept", TRICKY)
        stage_frame(connection, "stg_gone", TRICKY)
        staged = STAGED[engine.dialect.name]
        assert list(connection.execute(text(staged)).scalars()) == ["stg_gone", "stg_kept"]
        unstage(connection, ["stg_gone"])
        assert list(connection.execute(text(staged)).scalars()) == ["stg_kept"]


@pytest.mark.postgresql
def test_a_rollback_removes_what_the_batch_staged_on_postgresql():
    with postgres_database() as url:
        engine = warehouse_engine(url)
        with engine.connect() as connection:
            transaction = connection.begin()
            stage_frame(connection, "stg_rolled", TRICKY)
            assert temporary_tables(connection) == ["stg_rolled"]
            transaction.rollback()
            assert temporary_tables(connection) == []
        engine.dispose()


def test_read_frame_returns_the_query_with_the_given_schema(engine):
    with engine.connect() as connection, connection.begin():
        stage_frame(connection, "stg_test", TRICKY)
        ids = read_frame(
            connection, "SELECT big AS paper_id FROM stg_test ORDER BY row", {"paper_id": pl.Int64}
        )
    assert ids.to_dict(as_series=False) == {"paper_id": [-(2**63), 2**63 - 1, 0]}


# Text as the dumps can hold it: any Unicode but NUL (extract refuses a dump with a NUL byte)
# and lone surrogates (not UTF-8).
TEXTS = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.tuples(st.none() | TEXTS, st.none() | st.floats(allow_nan=False)), max_size=30))
def test_any_text_and_float_round_trips(engine, values):
    frame = pl.DataFrame(
        {
            "row": list(range(len(values))),
            "text": [t for t, _ in values],
            "score": [f for _, f in values],
        },
        schema={"row": pl.Int64, "text": pl.String, "score": pl.Float64},
    )
    assert staged_rows(engine, frame) == frame.rows()


@pytest.mark.parametrize("rows", [0, 1, 65_537])
def test_empty_single_row_and_multi_chunk_frames_stage_whole(engine, rows):
    frame = pl.select(row=pl.int_range(rows), text=pl.int_range(rows).cast(pl.String))
    assert staged_rows(engine, frame) == frame.rows()
