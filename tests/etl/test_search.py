"""Full-text search: the index the merge keeps (search_postings, search_documents) and search_papers.

On DuckDB the table macro ranks by BM25 from the index; PostgreSQL keeps its tsvector function.
Both take the same queries (bench.search_agreement.QUERIES); the index tables are kept on both.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import duckdb
import polars as pl
import pytest
from alembic.script import ScriptDirectory
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, inspect, text

import etl.search
from bench.search_agreement import QUERIES, agreement
from bench.search_reference import Corpus, matching, placed_terms
from etl.dedupe import identify_papers, latest_paper_texts
from etl.pipeline import load_folder
from etl.search import search_index
from etl.warehouse import alembic_config, current_revision, downgrade, migrate, warehouse_engine
from models import SEARCH_STOPWORDS
from tests.conftest import ROOT, SAMPLE_DIR, dump_text, parse_folder, snapshot, write_dump


def postings(engine: Engine) -> dict[int, list[tuple[str, int]]]:
    """Each paper's postings, (term, tf), sorted."""
    found: dict[int, list] = {}
    with engine.connect() as c:
        for paper_id, term, tf in c.execute(
            text("SELECT paper_id, term, tf FROM search_postings ORDER BY paper_id, term")
        ):
            found.setdefault(paper_id, []).append((term, tf))
    return found


def expected_postings(title: str, abstract: str) -> list[tuple[str, int]]:
    return sorted(Counter(term for term, _ in placed_terms(f"{title} {abstract}")).items())


def postings_off_their_length(engine) -> int:
    """How many postings hold a length other than their paper's `search_documents.terms`."""
    with engine.connect() as c:
        return c.execute(
            text(
                "SELECT count(*) FROM search_postings AS p LEFT JOIN search_documents AS d "
                "ON d.paper_id = p.paper_id WHERE d.terms IS DISTINCT FROM p.length"
            )
        ).scalar_one()


def test_the_index_holds_each_paper_as_the_reference_splits_its_text(engine, sample_dir):
    load_folder(sample_dir, engine)
    with engine.connect() as c:
        papers = c.execute(text("SELECT paper_id, title, abstract FROM papers")).all()
        lengths = dict(c.execute(text("SELECT paper_id, terms FROM search_documents")).all())
    stored = postings(engine)
    assert len(papers) == len(lengths) == 411
    for paper_id, title, abstract in papers:
        want = expected_postings(title, abstract)
        assert stored.get(paper_id, []) == want, title
        assert lengths[paper_id] == sum(tf for _, tf in want)
    assert postings_off_their_length(engine) == 0  # each posting holds its paper's length


def test_a_paper_that_shows_another_text_or_goes_leaves_no_stale_postings(engine, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_dump(raw, "2025-01-01_a.txt", dump_text("Jan 1", ["Diffusion Models\n\nWe study diffusion."]))
    load_folder(raw, engine)
    write_dump(raw, "2025-01-01_a.txt", dump_text("Jan 1", ["Robots Walking\n\nWe study robots."]))
    load_folder(raw, engine, prune=True)
    assert sorted(t for ps in postings(engine).values() for t, _ in ps) == ["robot", "study", "walking"]
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM search_documents")).scalar_one() == 1


def test_a_full_refresh_rebuilds_the_same_index(engine, sample_dir):
    load_folder(sample_dir, engine)
    before = snapshot(engine)
    load_folder(sample_dir, engine, full_refresh=True)
    after = snapshot(engine)
    assert after["search_postings"] == before["search_postings"] and len(before["search_postings"]) == 46048
    assert after["search_documents"] == before["search_documents"]


def test_every_query_runs_on_both_engines(engine, sample_dir):
    """The same query set (words, phrases, exclusions, or) on DuckDB's macro and PostgreSQL's function."""
    load_folder(sample_dir, engine)
    with engine.connect() as c:
        counts = {
            q: c.execute(text("SELECT count(*) FROM search_papers(:q)"), {"q": q}).scalar_one()
            for q in QUERIES
        }
        top = c.execute(text("SELECT title FROM search_papers('diffusion') LIMIT 1")).scalar_one()
    assert counts["diffusion"] == 43 and "Diffusion" in top
    assert counts["diffusion -video"] < counts["diffusion"]
    assert sum(1 for n in counts.values() if n) >= 20


def test_the_macro_matches_what_the_reference_matches_and_ranks_as_rank_bm25(tmp_path, sample_dir):
    target = tmp_path / "w.duckdb"
    engine = warehouse_engine(target)
    load_folder(sample_dir, engine)
    engine.dispose()
    with duckdb.connect(str(target), read_only=True) as connection:
        rows = connection.execute("SELECT paper_id, title, abstract FROM papers").fetchall()
        corpus = Corpus.of(rows)
        for query in (*QUERIES, "-video", "the of", '"language" or', 'agents "world models', "GPT-4o's"):
            found = {
                r[0] for r in connection.execute("SELECT paper_id FROM search_papers(?)", [query]).fetchall()
            }
            expected = {corpus.paper_ids[i] for i in matching(corpus, query)[0]}
            assert found == expected, query
    result = agreement(target)
    assert result["lucene_idf"] >= 0.9 and result["queries"] >= 20


def pinned_functions(engine: str) -> dict[str, tuple[str, str]]:
    """Each search function of `engine` as the newest revision that defines it pins it: (revision, text)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    found: dict[str, tuple[str, str]] = {}
    for script in scripts.walk_revisions():  # from the head down
        for name, body in getattr(script.module, f"{engine.upper()}_FUNCTIONS", {}).items():
            found.setdefault(name, (script.revision, body))
    return found


@pytest.fixture(scope="module")
def memory() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the search functions of the head revision."""
    connection = duckdb.connect()
    for _, sql in pinned_functions("duckdb").values():
        if "AS TABLE" not in sql:
            connection.execute(sql)
    connection.execute(
        "CREATE TABLE search_stopwords AS SELECT unnest(?::VARCHAR[]) AS word", [list(SEARCH_STOPWORDS)]
    )
    return connection


WORDISH = st.text(
    st.characters(codec="utf-8", categories=["Lu", "Ll", "Nd", "Zs", "Po", "Pd", "Ps", "Pe", "Sm"]),
    max_size=80,
) | st.lists(
    st.sampled_from(["the", "Models", "studies", "is", "bus", "GPT-4", "of", "x_y", "ÉTÉ", "42"]), max_size=12
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(document=WORDISH)
def test_a_texts_terms_depend_only_on_the_text_and_follow_the_reference(memory, document):
    """The SQL word rule (search_words, search_term, stop words by place) is the reference's. Python
    lowercases a few letters into two code points (`İ` into `i` and a combining dot), DuckDB into one."""
    assume(all(len(ch.lower()) == 1 for ch in document))
    rows = memory.execute(
        """SELECT search_term(w.word), w.position
           FROM unnest(search_words(?)) WITH ORDINALITY AS w (word, position)
           WHERE w.word NOT IN (SELECT word FROM search_stopwords) ORDER BY w.position""",
        [document],
    ).fetchall()
    assert [(t, int(n)) for t, n in rows] == placed_terms(document)


@settings(max_examples=300, deadline=None)
@given(title=WORDISH, abstract=WORDISH)
def test_the_loads_polars_word_rule_is_the_macros_for_any_text(memory, title, abstract):
    """The index the load counts in Polars (etl.search) holds the words, terms and places that the
    macros a query is split with (search_words, search_term) give for the same text, any letters
    included."""
    rows = memory.execute(
        """SELECT search_term(w.word) AS term, count(*) AS tf, list(w.position::INTEGER ORDER BY w.position)
           FROM unnest(search_words(? || ' ' || ?)) WITH ORDINALITY AS w (word, position)
           WHERE w.word NOT IN (SELECT word FROM search_stopwords) GROUP BY ALL ORDER BY term""",
        [title, abstract],
    ).fetchall()
    papers = pl.DataFrame({"paper_id": [7], "title": [title], "abstract": [abstract]})
    postings, documents = search_index(papers)
    assert [(t, int(n), list(p)) for t, n, p in rows] == postings.select("term", "tf", "positions").rows()
    assert documents.rows() == [(7, sum(int(n) for _, n, _ in rows))]
    assert postings["length"].to_list() == [sum(int(n) for _, n, _ in rows)] * len(rows)


@pytest.fixture(scope="module")
def sample_papers() -> pl.DataFrame:
    """The sample's 411 papers as the load's transform hands them to the index."""
    return latest_paper_texts(identify_papers(parse_folder(SAMPLE_DIR).entries))


@settings(max_examples=25, deadline=None)
@given(chunk=st.integers(1, 500), order=st.randoms(use_true_random=False))
def test_the_index_counted_in_chunks_is_the_index_counted_at_once(sample_papers, chunk, order):
    """Papers are counted `CHUNK_PAPERS` at a time, in any order they come: the postings (term then
    paper order, places and all) and documents equal those of all papers counted at once."""
    shuffled = sample_papers[order.sample(range(sample_papers.height), sample_papers.height)]
    shipped = etl.search.CHUNK_PAPERS
    try:
        etl.search.CHUNK_PAPERS = 10**6
        whole = search_index(sample_papers)
        etl.search.CHUNK_PAPERS = chunk
        chunked = search_index(shuffled)
    finally:
        etl.search.CHUNK_PAPERS = shipped
    assert whole[0].height == 46048 and whole[1].height == 411
    assert chunked[0].equals(whole[0]) and chunked[1].equals(whole[1])


def test_0017_indexes_the_papers_a_warehouse_already_holds_as_the_loads_would(engine, sample_dir):
    """0017 builds the postings and documents, 0018 the postings again with their places: both in SQL,
    as the load counts them in Polars."""
    load_folder(sample_dir, engine)
    before = snapshot(engine)
    downgrade(engine, "0015")
    assert "search_postings" not in inspect(engine).get_table_names()
    migrate(engine)
    after = snapshot(engine)
    assert after["search_postings"] == before["search_postings"]
    assert after["search_documents"] == before["search_documents"]
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM search_stopwords")).scalar_one() == 127


PHRASE_TEXTS = (
    "Large_Language Models\n\nWe study them.",
    "Large—language models\n\nAn em dash between.",
    "Naïve large language models\n\nNon-ASCII before the phrase.",
    "Large x language models\n\nA word between.",
    "Large language\n\nModels in the abstract, after the title.",
    "Chain of thought\n\nAnd chains-of-thoughts, plural.",
    "Chain to the thought\n\nTwo words between.",
    "Studies of diffusion\n\nA study of it.",
    "Chain x thought\n\nA word where the query has a stop word.",
    "Large language, then language models\n\nEach pair, but apart.",
    "Model of models\n\nOne word twice.",
)
PHRASE_QUERIES = (
    '"large language models"',
    '"large language model" -"x language"',
    '"chain of thought"',
    '"chain of the thought"',
    '"study of diffusion"',
    '"the chain"',
    '-"large language" or chain',
    '"model of model"',
    '"language then language"',
)


def test_a_phrase_matches_what_the_reference_matches_whatever_separates_its_words(tmp_path):
    """Phrases are matched from the postings' positions: underscores, non-ASCII letters and dashes
    between the words, words between them, a phrase across title and abstract, plurals."""
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01_a.txt", dump_text("Jan 1", list(PHRASE_TEXTS)))
    target = tmp_path / "w.duckdb"
    engine = warehouse_engine(target)
    load_folder(raw, engine)
    engine.dispose()
    with duckdb.connect(str(target), read_only=True) as connection:
        corpus = Corpus.of(connection.execute("SELECT paper_id, title, abstract FROM papers").fetchall())
        assert len(corpus.paper_ids) == len(PHRASE_TEXTS)
        for query in PHRASE_QUERIES:
            found = {
                r[0] for r in connection.execute("SELECT paper_id FROM search_papers(?)", [query]).fetchall()
            }
            assert found == {corpus.paper_ids[i] for i in matching(corpus, query)[0]}, query
            assert found or query == '"chain of the thought"', query


def test_a_warehouse_at_0017_upgraded_to_0018_searches_as_a_fresh_load_and_downgrades(engine, sample_dir):
    """A warehouse at 0017 (postings without places, phrases checked in the text) gets its places from
    0018 and then searches, phrases included, as a fresh load does; the downgrade gives 0017 back."""
    write_dump(sample_dir, "2025-01-01_a.txt", dump_text("Jan 1", list(PHRASE_TEXTS)))  # a copy of the sample
    queries = (*QUERIES, *PHRASE_QUERIES)
    duckdb_engine = engine.dialect.name == "duckdb"

    def searches() -> dict[str, list[tuple]]:
        with engine.connect() as c:
            return {
                q: [
                    tuple(r)
                    for r in c.execute(text("SELECT paper_id, rank FROM search_papers(:q)"), {"q": q})
                ]
                for q in queries
            }

    def columns() -> list[str]:
        return [c["name"] for c in inspect(engine).get_columns("search_postings")]

    load_folder(sample_dir, engine)
    fresh, fresh_found = snapshot(engine), searches() if duckdb_engine else {}
    downgrade(engine, "0017")
    assert columns() == ["term", "paper_id", "tf"]
    at_0017 = snapshot(engine)
    assert at_0017["search_postings"] == [row[:3] for row in fresh["search_postings"]]
    found_at_0017 = searches() if duckdb_engine else {}
    migrate(engine)
    assert current_revision(engine) == "0018" and columns() == [
        "term",
        "paper_id",
        "tf",
        "length",
        "positions",
    ]
    assert snapshot(engine) == fresh  # the lengths and places included
    assert postings_off_their_length(engine) == 0
    if duckdb_engine:
        assert searches() == fresh_found == found_at_0017
        assert all(fresh_found[q] for q in PHRASE_QUERIES)
    downgrade(engine, "0017")
    assert snapshot(engine) == at_0017 and columns() == ["term", "paper_id", "tf"]
    if duckdb_engine:
        assert searches() == found_at_0017
        with engine.connect() as c:  # 0017's macro again: it reads no positions
            macro = c.execute(
                text("SELECT macro_definition FROM duckdb_functions() WHERE function_name = 'search_papers'")
            ).scalar_one()
        assert "positions" not in macro and "phrase_texts" in macro


# What 0017 created, frozen: the SHA-256 of each text it pins (a later revision pins a new text).
PINNED_BY_0017 = {
    ("duckdb", "search_words"): "7c216154a28c2fdc239f4e9c06c7184a49344f764e8f317df08d6e7ed566141a",
    ("duckdb", "search_term"): "0c61fd7ae768fcd95da3cda1a1e8b863661c96d3a9c5c24c739fc39549772d1a",
    ("duckdb", "search_papers"): "57c7d274f9eab680cf7979c589198227a691bb67e292d200d63af3a6d5e5032b",
    ("postgresql", "search_words"): "378c330cc24c202cc725a09d09d7fc11dd548e06109baf5858bf4a8fd1c4ac24",
    ("postgresql", "search_term"): "0bd7885fbefdb753b3798e3f02e7e4372ca3c0c85d4038a4b5f4986f329b982b",
}


def test_the_head_texts_are_the_newest_revisions_and_0017_keeps_what_it_created():
    """Each file of sql/functions/ (but PostgreSQL's search_papers, 0008's and 0009's) is the text of
    the newest revision defining that function; 0017's texts and stop words stay what it created."""
    import importlib

    pinned = importlib.import_module("migrations.versions.0017_full_text_search_on_duckdb")
    assert pinned.STOPWORDS == SEARCH_STOPWORDS and len(set(SEARCH_STOPWORDS)) == 127
    frozen = {
        (engine, name): hashlib.sha256(body.encode()).hexdigest()
        for engine, functions in (
            ("duckdb", pinned.DUCKDB_FUNCTIONS),
            ("postgresql", pinned.POSTGRESQL_FUNCTIONS),
        )
        for name, body in functions.items()
    }
    assert frozen == PINNED_BY_0017
    for engine in ("duckdb", "postgresql"):
        newest = pinned_functions(engine)
        files = {p.stem for p in (ROOT / "sql" / "functions" / engine).glob("*.sql")}
        assert set(newest) == files - ({"search_papers"} if engine == "postgresql" else set()), engine
        for name, (_, body) in newest.items():
            assert (ROOT / "sql" / "functions" / engine / f"{name}.sql").read_text() == body, (engine, name)
    assert pinned_functions("duckdb")["search_papers"][0] == "0018"
