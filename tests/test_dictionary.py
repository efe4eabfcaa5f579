"""Descriptions: every table, view and column is described, the warehouse shows the very text, and the docs match."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

import models
from etl import dictionary
from etl.pipeline import load_folder
from etl.warehouse import downgrade, head_views, migrate, warehouse_engine
from migrations.views import ColumnNote, view_body, view_header
from tests.catalog import column_comments, relation_comments, view_names
from tests.conftest import ROOT

DOCS = ROOT / "docs" / "data_dictionary.md"
VIEWS = dictionary.view_texts()


def warehouse_comments(engine: Engine) -> dict[str, tuple[str | None, dict[str, str | None]]]:
    """Every table's and view's comment and its columns' comments, as the warehouse holds them."""
    with engine.connect() as c:
        columns = column_comments(c)
        return {name: (comment, columns[name]) for name, comment in relation_comments(c).items()}


def expected_comments() -> dict[str, tuple[str, dict[str, str]]]:
    """The text of the models and of the view headers, for every table, view and column."""
    return {
        r.name: (r.description, {c.name: c.description for c in r.columns}) for r in dictionary.relations()
    }


def test_the_checked_in_data_dictionary_is_the_generated_one():
    assert DOCS.read_text(encoding="utf-8") == dictionary.markdown(), (
        f"docs/data_dictionary.md is stale: regenerate it with `{dictionary.REGENERATE}`"
    )


def test_the_checked_in_view_types_are_the_generated_ones():
    """Dagster's view column types (etl/view_types.json) are DuckDB's for the view bodies the newest migration pins."""
    computed = dictionary.computed_view_types()
    assert dictionary.VIEW_TYPES.read_text(encoding="utf-8") == json.dumps(computed, indent=2) + "\n", (
        f"etl/view_types.json is stale: regenerate it with `{dictionary.REGENERATE_VIEW_TYPES}`"
    )
    assert list(computed) == list(head_views())  # creation order
    in_order = dictionary.views_in_creation_order()
    assert {name: view_body(sql) for name, sql in in_order.items()} == {
        name: view_body(sql) for name, sql in head_views().items()
    }
    assert list(in_order) == list(head_views())


def test_a_view_file_missing_from_the_view_types_is_an_error(monkeypatch):
    monkeypatch.setattr(dictionary, "pinned_view_types", lambda: {"v_papers": {}})
    with pytest.raises(ValueError, match="regenerate it with"):
        dictionary.views_in_creation_order()


def test_every_table_and_column_of_the_models_is_described():
    for table in models.metadata.sorted_tables:
        assert table.comment and table.comment.strip(), f"{table.name} has no docstring"
        for column in table.columns:
            assert column.comment and column.comment.strip(), f"{table.name}.{column.name} has no comment="


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_every_view_file_has_a_header_describing_the_view_and_each_column(name):
    header = view_header(name, VIEWS[name])
    assert header is not None, f"sql/views/{name}.sql has no header (format: migrations/views.py)"
    assert header.description and header.columns
    _, columns = dictionary.view_descriptions(VIEWS)[name]
    assert all(text.strip() for text in columns.values())


def test_the_header_names_exactly_the_columns_of_each_view_in_their_order(engine):
    with engine.connect() as c:
        columns = column_comments(c)
        actual = {view: list(columns[view]) for view in view_names(c)}
    assert set(actual) == set(VIEWS)
    for name, sql in VIEWS.items():
        described = list(view_header(name, sql).columns)
        missing = [c for c in actual[name] if c not in described]
        extra = [c for c in described if c not in actual[name]]
        assert not missing and not extra, f"{name}: header misses {missing}, names columns it lacks {extra}"
        assert described == actual[name], f"{name}: describe the columns in the view's order"


def test_the_migrated_warehouse_describes_every_table_view_and_column_with_the_sources_text(engine):
    found = warehouse_comments(engine)
    expected = expected_comments()
    assert set(found) == set(expected)
    for name, (description, columns) in expected.items():
        assert found[name][0] == description, f"{name}: its comment differs from its description"
        assert found[name][1] == columns, f"{name}: its columns' comments differ from their descriptions"
    assert all(description and all(columns.values()) for description, columns in found.values())


def test_descriptions_survive_a_load_and_a_downgrade_and_upgrade(engine, sample_dir, tmp_path):
    expected = expected_comments()
    load_folder(sample_dir, engine)
    assert warehouse_comments(engine) == expected
    downgrade(engine, "0006")
    at_0006 = warehouse_engine(tmp_path / "at_0006.duckdb")
    migrate(at_0006, "0006")
    before = warehouse_comments(engine)
    assert before == warehouse_comments(at_0006)  # the downgrade restores exactly what 0006 had
    at_0006.dispose()
    assert all(comment is None for comment, _ in before.values())  # no table or view comment before 0007
    assert before["dates"][1]["date_id"] == "YYYYMMDD" and before["papers"][1]["upvotes"] is None
    migrate(engine)
    assert warehouse_comments(engine) == expected
    load_folder(sample_dir, engine)  # nothing new: every dump is known
    assert warehouse_comments(engine) == expected


def test_a_view_column_taking_another_description_gets_that_text():
    descriptions = dictionary.view_descriptions(VIEWS)
    assert descriptions["v_papers"][1]["upvotes"] == models.TABLES["papers"].c.upvotes.comment
    assert descriptions["v_papers_with_code"][1]["code_url"] == descriptions["v_papers"][1]["code_url"]


def test_header_format():
    sql = (
        "-- One row per thing.\n"
        "--\n"
        "-- Columns:\n"
        "-- a: First line,\n"
        "--   and the second: joined.\n"
        "-- b = papers.title\n"
        "select 1 as a, 'x' as b\n"
        "-- c: not in the header\n"
    )
    header = view_header("v", sql)
    assert header.description == "One row per thing."
    assert header.columns == {
        "a": ColumnNote(text="First line, and the second: joined."),
        "b": ColumnNote(same_as=("papers", "title")),
    }


def test_a_text_without_a_columns_line_has_no_header():
    assert view_header("v", "-- A view pinned before revision 0007.\nselect 1 as a\n") is None
    assert view_header("v", "select 1 as a\n") is None


@pytest.mark.parametrize(
    "sql, message",
    [
        ("-- Columns:\n-- a: x\nselect 1 as a\n", "first line describes the view"),
        ("-- View.\n--   more of it\n-- Columns:\n-- a: x\nselect 1 as a\n", "first line describes the view"),
        ("-- View.\n-- Columns:\n-- a: x\n-- a: y\nselect 1 as a\n", "line 4: column a is described twice"),
        ("-- View.\n-- Columns:\n-- A: x\nselect 1 as a\n", "line 3: expected"),
        ("-- View.\n-- Columns:\n--   dangling\nselect 1 as a\n", "line 3: a continuation line must follow"),
        ("-- View.\n-- Columns:\n-- a = papers.title\n--   more\nselect 1 as a\n", "line 4: a continuation"),
    ],
)
def test_a_malformed_header_names_its_line(sql, message):
    with pytest.raises(ValueError, match=message):
        view_header("v", sql)


def test_a_description_taken_from_a_missing_column_is_an_error():
    views = {"v_x": "-- View.\n--\n-- Columns:\n-- a = papers.no_such_column\nselect 1 as a\n"}
    with pytest.raises(ValueError, match=r"v_x: no description to take from papers\.no_such_column"):
        dictionary.view_descriptions(views)


def test_the_dictionary_has_a_section_and_a_row_for_every_table_view_and_column():
    document = dictionary.markdown()
    for relation in dictionary.relations():
        assert f"### `{relation.name}`\n\n{relation.description}\n" in document
        for column in relation.columns:
            assert f"| `{column.name}` | {column.type} | " in document
    assert "| `loaded_at` | TIMESTAMP | " in document and "| `mean_score` | DOUBLE | " in document
