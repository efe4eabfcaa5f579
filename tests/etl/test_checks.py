"""The integrity rules (etl.checks): scoped to a load, over the whole warehouse (the audit), and refused dumps."""

from __future__ import annotations

import re
import shutil
from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

import etl.keys
from etl.checks import (
    AUDIT_RULES,
    KEYS_SCHEMA,
    REFUSED_DUMPS,
    RULES,
    CheckOutcome,
    RuleBroken,
    audit,
    batch_keys,
    integrity_outcomes,
    merge_outcomes,
    raise_if_broken,
    refused_dumps,
)
from etl.extract import discover_dumps, read_dumps
from etl.keys import KEY_SEPARATOR
from etl.normalize import identity_keys
from etl.pipeline import load_folder, load_paths
from etl.sql import SQL_DIR, sql_file, sql_names
from etl.transform import transform
from models import TABLES
from tests.conftest import (
    CUT_DUMP,
    CUT_REASON,
    dump_text,
    fresh_warehouse,
    snapshot,
    temporary_tables,
    write_dump,
)


def test_refused_dumps_names_each_refused_file_in_the_folder_until_a_new_version_loads(engine, sample_dir):
    shutil.copy(CUT_DUMP, sample_dir / "cut.txt")
    load_paths(sorted(sample_dir.glob("*.txt")), engine)
    present = sorted(p.name for p in sample_dir.glob("*.txt"))
    with engine.connect() as c:
        assert refused_dumps(c, present) == CheckOutcome(False, 1, {"cut.txt": CUT_REASON})
        assert refused_dumps(c, [n for n in present if n != "cut.txt"]) == CheckOutcome(
            True, 0, {"dumps_in_folder": 5}
        )  # gone from the folder: no longer the folder's problem
    shutil.copy(sorted(sample_dir.glob("0*.txt"))[0], sample_dir / "cut.txt")  # fixed
    load_paths(sorted(sample_dir.glob("*.txt")), engine)
    with engine.connect() as c:
        assert refused_dumps(c, present) == CheckOutcome(True, 0, {"dumps_in_folder": 6})
        statuses = c.execute(
            text("SELECT status FROM source_files WHERE file_name = 'cut.txt' ORDER BY loaded_at")
        ).scalars()
        assert list(statuses) == ["superseded", "loaded"]


def test_merge_outcomes_keeps_the_failing_batch_details():
    good, bad = CheckOutcome(True, 0, {"n": 0}), CheckOutcome(False, 2, {"x.txt": 2})
    assert merge_outcomes(None, good) == good
    assert merge_outcomes(good, bad) == CheckOutcome(False, 2, {"x.txt": 2})
    assert merge_outcomes(bad, good) == CheckOutcome(False, 2, {"x.txt": 2})
    assert merge_outcomes(bad, bad) == CheckOutcome(False, 4, {"x.txt": 2})


def test_a_broken_rule_raises_with_every_outcome():
    outcomes = {"a": CheckOutcome(True, 0, {}), "b": CheckOutcome(False, 1, {"k": 1})}
    with pytest.raises(RuleBroken, match=r"^b: \{'k': 1\}$") as raised:
        raise_if_broken(outcomes)
    assert raised.value.outcomes == outcomes
    raise_if_broken({"a": CheckOutcome(True, 0, {})})  # nothing broken: nothing raised


@pytest.mark.parametrize("table", ["paper_appearances", "paper_links", "paper_keywords", "links", "keywords"])
def test_a_link_row_stored_twice_breaks_the_row_keys_check(engine, sample_dir, table):
    """These tables have no index, so the integrity gate is what keeps their keys unique."""
    load_folder(sample_dir, engine)
    with engine.begin() as connection:
        row = connection.execute(text(f"SELECT * FROM {table} LIMIT 1")).mappings().one()
        assert audit(connection, date.today())["row_keys_unique"].passed
        connection.execute(text(f"INSERT INTO {table} SELECT * FROM {table} LIMIT 1"))
        whole = audit(connection, date.today())["row_keys_unique"]
        key = row["file_id"] if table == "paper_appearances" else None
        if "paper_id" in row:
            paper = row["paper_id"]
        else:  # a paper that refers to the duplicated link or keyword
            link_table, column = (
                ("paper_links", "link_id") if table == "links" else ("paper_keywords", "keyword_id")
            )
            paper = connection.execute(
                text(f"SELECT paper_id FROM {link_table} WHERE {column} = :k LIMIT 1"), {"k": row[column]}
            ).scalar_one()
        scope = pl.DataFrame({"paper_id": [paper]})
        scoped = integrity_outcomes(connection, [key] if key else [], date.today(), scope)["row_keys_unique"]
        connection.rollback()
    assert (whole.passed, whole.details[table]) == (False, 1)
    assert (scoped.passed, scoped.details[table]) == (False, 1)


@pytest.mark.parametrize(
    ("table", "key", "referrer"),
    [("links", "link_id", "paper_links"), ("keywords", "keyword_id", "paper_keywords")],
)
def test_a_missing_link_or_keyword_breaks_the_dangling_references_check(
    engine, sample_dir, table, key, referrer
):
    """Scoped to one paper or over the whole warehouse, a reference to a deleted row is found."""
    load_folder(sample_dir, engine)
    with engine.begin() as connection:
        paper, value = connection.execute(text(f"SELECT paper_id, {key} FROM {referrer} LIMIT 1")).one()
        referring = connection.execute(
            text(f"SELECT count(*) FROM {referrer} WHERE {key} = :k"), {"k": value}
        ).scalar_one()
        connection.execute(text(f"DELETE FROM {table} WHERE {key} = :k"), {"k": value})
        whole = audit(connection, date.today())["no_dangling_references"]
        scope = pl.DataFrame({"paper_id": [paper]})
        scoped = integrity_outcomes(connection, [], date.today(), scope)["no_dangling_references"]
        connection.rollback()
    name = f"{referrer}.{key} -> {table}"
    assert (whole.passed, whole.details[name]) == (False, referring)
    assert (scoped.passed, scoped.details[name]) == (False, 1)


TODAY = date(2026, 12, 2)
SAMPLE_AUDIT = {
    "paper_id_unique": CheckOutcome(True, 0, {"duplicate_paper_ids": 0}),
    "row_keys_unique": CheckOutcome(
        True, 0, {"paper_appearances": 0, "paper_links": 0, "paper_keywords": 0, "links": 0, "keywords": 0}
    ),
    "every_entry_loaded": CheckOutcome(True, 0, {"dumps_checked": 5}),
    "no_dangling_references": CheckOutcome(
        True,
        0,
        {
            "paper_links.link_id -> links": 0,
            "paper_keywords.keyword_id -> keywords": 0,
            "paper_appearances.paper_id -> papers": 0,
            "paper_appearances.file_id -> source_files": 0,
            "paper_links.paper_id -> papers": 0,
            "paper_keywords.paper_id -> papers": 0,
            "*.organization_id -> organizations": 0,
            "*_date_id -> dates": 0,
        },
    ),
    "no_future_listing_dates": CheckOutcome(True, 0, {"latest_allowed": "2026-12-03"}),
    "keys_name_one_text": CheckOutcome(True, 0, {"papers": 0, "links": 0, "keywords": 0, "organizations": 0}),
}
FIELDS = (
    "papers without a sighting",
    "papers.title and abstract -> text_id",
    "papers.text_id",
    "papers.author_count",
    "papers.organization_id",
    "papers.published_date_id",
    "papers.upvotes",
    "papers.first_seen_date_id",
    "papers.last_seen_date_id",
    "papers.sightings",
    "organizations.name",
)
SAMPLE_AUDIT |= {
    "papers_match_newest_sighting": CheckOutcome(True, 0, dict.fromkeys(FIELDS, 0)),
    "no_unreferenced_rows": CheckOutcome(True, 0, {"dates": 0, "organizations": 0, "paper_texts": 0}),
}


def test_the_audit_of_the_sample_holds_every_rule_with_these_details(engine, sample_dir):
    load_folder(sample_dir, engine)
    with engine.connect() as connection:
        outcomes = audit(connection, TODAY)
        assert list(outcomes) == list(dict.fromkeys(rule.name for rule in (*RULES, *AUDIT_RULES)))
        assert outcomes == SAMPLE_AUDIT
        # plain ints on both engines (PostgreSQL's sum() is numeric): Dagster's metadata takes no Decimal
        assert {type(o.failures) for o in outcomes.values()} == {int}
        assert {type(v) for o in outcomes.values() for v in o.details.values()} == {int, str}
        temp = temporary_tables(connection)
    assert temp == []  # the scope copies are dropped


def test_a_loaded_dump_missing_a_sighting_breaks_every_entry_loaded(engine, sample_dir):
    load_folder(sample_dir, engine)
    with engine.begin() as connection:
        name, file_id = connection.execute(
            text("SELECT file_name, file_id FROM source_files ORDER BY 1 LIMIT 1")
        ).one()
        connection.execute(
            text(
                "DELETE FROM paper_appearances WHERE file_id = :f AND position = (SELECT min(position) FROM paper_appearances WHERE file_id = :f)"
            ),
            {"f": file_id},
        )
        scope = pl.DataFrame({"paper_id": []}, schema={"paper_id": pl.Int64})
        outcome = integrity_outcomes(connection, [file_id], TODAY, scope)["every_entry_loaded"]
        connection.rollback()
    assert outcome == CheckOutcome(False, 1, {name: 1})


def test_a_listing_date_after_today_breaks_the_future_dates_rule(engine, sample_dir):
    load_folder(sample_dir, engine)
    with engine.connect() as connection:
        outcome = audit(connection, date(2025, 1, 1))["no_future_listing_dates"]
    assert not outcome.passed and outcome.failures == 5
    assert set(outcome.details) == {p.name for p in sample_dir.glob("*.txt")}


def test_every_rule_is_a_sql_file_with_a_header_binding_what_it_declares():
    files = set(sql_names("checks"))
    assert files == {rule.name for rule in RULES} | {REFUSED_DUMPS.name}
    for rule in (*RULES, REFUSED_DUMPS):
        sql = sql_file("checks", rule.name)
        assert sql.startswith("-- "), rule.name
        assert set(re.findall(r"(?<!:):([a-z_]+)", sql)) == set(rule.params), rule.name
    for name in sql_names("check_scope"):
        assert sql_file("check_scope", name).startswith("-- "), name
    for name in sql_names("audit"):
        assert (SQL_DIR / "audit" / f"{name}.sql").read_text().startswith("-- "), name
    assert {rule.name for rule in AUDIT_RULES} <= set(sql_names("audit"))


def test_every_rule_names_a_table_it_guards_and_says_what_it_holds():
    for rule in (*RULES, *AUDIT_RULES, REFUSED_DUMPS):
        assert rule.table in TABLES, rule.name
        assert rule.description.endswith(".") and "\n" not in rule.description, rule.name
    assert len({rule.name for rule in RULES}) == len(RULES)


def test_the_audit_finds_duplicates_no_paper_names(engine, sample_dir):
    """A link no paper names, stored twice, and a sighting of a superseded version stored twice."""
    load_folder(sample_dir, engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO links SELECT 1, 'https://x.org', 'x.org', 'other' FROM (VALUES (1), (2)) AS twice(n)"
            )
        )
        connection.execute(
            text(
                "UPDATE source_files SET status = 'superseded' WHERE file_name = (SELECT min(file_name) FROM source_files)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO paper_appearances SELECT a.* FROM paper_appearances a JOIN source_files f USING (file_id) "
                "WHERE f.status = 'superseded' LIMIT 1"
            )
        )
        keys = audit(connection, TODAY)["row_keys_unique"]
        connection.rollback()
    assert keys == CheckOutcome(
        False, 2, {"paper_appearances": 1, "paper_links": 0, "paper_keywords": 0, "links": 1, "keywords": 0}
    )


def test_the_audit_finds_papers_and_names_that_are_not_their_newest_sightings(engine, tmp_path):
    """What an incremental load that kept a gone sighting's fields leaves: each field corrupted once."""
    raw = tmp_path / "raw"
    older = "Paper\n\nAbstract.\n\nacme ACME Inc\n·\nJan 1 2"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", [older, "Other\n\nOther."]))
    write_dump(
        raw, "2025-01-02.txt", dump_text("Jan 2", ["PAPER\n\nAbstract.\n\nacme ACME Corp\n·\nJan 2 5"])
    )
    load_folder(raw, engine)
    with engine.begin() as connection:
        outcomes = audit(connection, TODAY)
        assert outcomes["papers_match_newest_sighting"].passed and outcomes["no_unreferenced_rows"].passed
        for sql in (
            "UPDATE papers SET title = 'Paper', upvotes = 2 WHERE title = 'PAPER'",  # the older sighting's
            "UPDATE papers SET sightings = 3 WHERE title = 'Other'",
            "UPDATE organizations SET name = 'ACME Inc'",
            "INSERT INTO dates SELECT 20240229, DATE '2024-02-29', 2024, 1, 2, 'February', 29, 4, "
            "'Thursday', 2024, 9, '2024-02', false",
            "INSERT INTO paper_texts SELECT text_id, paper_id, title, abstract FROM papers WHERE title = 'Other'",
        ):
            connection.execute(text(sql))
        outcomes = audit(connection, TODAY)
        connection.rollback()
    expected = dict.fromkeys(FIELDS, 0) | {
        "papers.title and abstract -> text_id": 1,
        "papers.upvotes": 1,
        "papers.sightings": 1,
        "organizations.name": 1,
    }
    assert outcomes["papers_match_newest_sighting"] == CheckOutcome(False, 4, expected)
    assert outcomes["no_unreferenced_rows"] == CheckOutcome(
        False, 2, {"dates": 1, "organizations": 0, "paper_texts": 1}
    )


# keys_name_one_text: two texts given one key (as 53-bit keys can be), within a batch or against the warehouse.
def collide(monkeypatch, *texts: str) -> None:
    """Give each of `texts` one key (42) wherever `etl.keys.stable_ids` hashes it; every other text keeps its own."""
    real = etl.keys.stable_ids

    def colliding(series: pl.Series) -> pl.Series:
        ids = real(series)
        return ids.scatter(series.is_in(list(texts)).fill_null(False).arg_true(), 42)

    monkeypatch.setattr(etl.keys, "stable_ids", colliding)


def entry(title: str, abstract: str, card: str | None = None) -> str:
    return f"{title}\n\n{abstract}" + ("" if card is None else f"\n\n{card}\n·\nJan 1 3")


def identity(title: str, abstract: str) -> str:
    """The text a paper's key is the hash of (etl.dedupe)."""
    keys = identity_keys(pl.Series([title, abstract]))
    return keys[0] + KEY_SEPARATOR + keys[1]


PAPER_A = ("Alpha Things", "We study alpha. See https://a.example.org/x.", "acme ACME Inc")
PAPER_B = ("Beta Things", "We study beta. See https://b.example.org/y.", "beta Beta Lab")
METHODS = ("RAFTX: Alpha Things", "ZORBX: Beta Things")  # titles announcing a method name each
COLLISIONS = {  # what collides -> (the texts whose keys are made equal, the papers of the dumps)
    "papers": ([identity(*PAPER_A[:2]), identity(*PAPER_B[:2])], PAPER_A, PAPER_B),
    "links": (["https://a.example.org/x", "https://b.example.org/y"], PAPER_A, PAPER_B),
    "keywords": (
        [f"method{KEY_SEPARATOR}RAFTX", f"method{KEY_SEPARATOR}ZORBX"],
        (METHODS[0], *PAPER_A[1:]),
        (METHODS[1], *PAPER_B[1:]),
    ),
    "organizations": (["acme", "beta"], PAPER_A, PAPER_B),
}


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


@pytest.mark.parametrize("what", list(COLLISIONS))
def test_two_texts_of_one_key_in_one_batch_refuse_the_batch(engine, tmp_path, monkeypatch, what):
    texts, first, second = COLLISIONS[what]
    write_dump(tmp_path / "raw", "2025-01-01.txt", dump_text("Jan 1", [entry(*first), entry(*second)]))
    collide(monkeypatch, *texts)
    with pytest.raises(RuleBroken, match=r"keys_name_one_text: \{.*'" + what + "': 1") as raised:
        load_folder(tmp_path / "raw", engine)
    outcome = raised.value.outcomes["keys_name_one_text"]
    assert (outcome.passed, outcome.failures, outcome.details[what]) == (False, 1, 1)
    assert set(_counts(engine).values()) == {0}  # nothing committed


@pytest.mark.parametrize("what", list(COLLISIONS))
def test_a_text_whose_key_is_stored_with_another_text_refuses_the_batch(engine, tmp_path, monkeypatch, what):
    texts, first, second = COLLISIONS[what]
    write_dump(tmp_path / "raw", "2025-01-01.txt", dump_text("Jan 1", [entry(*first)]))
    collide(monkeypatch, *texts)
    load_folder(tmp_path / "raw", engine)
    before = snapshot(engine)
    write_dump(tmp_path / "raw", "2025-01-02.txt", dump_text("Jan 2", [entry(*second)]))
    with pytest.raises(RuleBroken, match="keys_name_one_text") as raised:
        load_folder(tmp_path / "raw", engine)
    assert raised.value.outcomes["keys_name_one_text"].details[what] == 1
    assert snapshot(engine) == before  # the second dump's batch rolled back
    with engine.connect() as connection:
        assert audit(connection, TODAY)["keys_name_one_text"].passed  # what is stored names one text per key


def test_the_rule_reads_the_keys_a_batch_gives_with_their_texts(tmp_path):
    write_dump(tmp_path, "2025-01-01.txt", dump_text("Jan 1", [entry(*PAPER_A), entry(*PAPER_B)]))
    batch = transform(read_dumps(discover_dumps(tmp_path)), 2025)
    keys = batch_keys(batch)
    assert keys.schema == pl.Schema(KEYS_SCHEMA)
    assert keys.group_by("what").len().sort("what").rows() == [
        ("keywords", batch.keywords.height),
        ("links", 2),
        ("organizations", 2),
        ("papers", 2),
    ]
    assert keys.filter(pl.col("what") == "papers")["texts"].to_list() == [1, 1]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.text(
                st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
                min_size=1,
                max_size=30,
            ),
            st.sampled_from(
                ["We study it.", "we  STUDY it.", "See https://x.example.org/a and https://X.example.org/a."]
            ),
            st.sampled_from([None, "acme ACME Inc", "acme ACME Corp", "beta Beta Lab"]),
        ),
        min_size=1,
        max_size=6,
    ),
    st.integers(1, 3),
)
def test_a_load_of_distinct_texts_never_breaks_keys_name_one_text(tmp_path_factory, papers, batches):
    """With real keys, any dumps (titles repeated in any case and spacing, links, organizations) load."""
    raw = tmp_path_factory.mktemp("raw")
    for n in range(batches):
        blocks = [entry(f"Paper {t.strip() or 'x'}", a, c) for t, a, c in papers[n::batches]]
        write_dump(raw, f"2025-01-0{n + 1}.txt", dump_text(f"Jan {n + 1}", blocks))
    with fresh_warehouse("duckdb", tmp_path_factory.mktemp("wh")) as engine:
        report = load_folder(raw, engine)
        assert report.checks["keys_name_one_text"].passed
        with engine.connect() as connection:
            assert audit(connection, TODAY)["keys_name_one_text"].passed


@pytest.mark.parametrize(
    ("table", "another_text"),
    [
        ("links", "SELECT link_id, url || 'x', host, kind FROM links LIMIT 1"),
        ("keywords", "SELECT keyword_id, keyword || 'x', kind FROM keywords LIMIT 1"),
    ],
)
def test_the_audit_finds_a_key_stored_with_two_texts(engine, sample_dir, table, another_text):
    load_folder(sample_dir, engine)
    with engine.begin() as connection:
        connection.execute(
            text(f"INSERT INTO {table} SELECT * FROM {table} LIMIT 1")
        )  # one text twice: not this rule's
        assert audit(connection, TODAY)["keys_name_one_text"].passed
        connection.execute(text(f"INSERT INTO {table} {another_text}"))
        outcome = audit(connection, TODAY)["keys_name_one_text"]
        connection.rollback()
    assert (outcome.passed, outcome.details[table]) == (False, 1)
