"""Re-deriving keywords (etl.rederive): a load by another extractor version derives every paper's again.

The warehouse is first built by a "previous" extractor (another version, other keywords: the
top 3 keyphrases only, forms in uppercase, and one keyword every paper shares); a load by the
real one must then hold exactly what a fresh load of the same dumps holds, also when a stop
request ended an earlier re-derivation after its first batch.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text

import etl.merge
import etl.rederive
import etl.transform
from etl.checks import audit
from etl.keys import stable_id_expr
from etl.keywords import EXTRACTOR_VERSION, extract_keywords
from etl.pipeline import LoadOptions, load_batches, load_folder
from etl.report import LoadReport
from etl.runner import LoadRequest, Outcome, run_load
from etl.settings import Settings
from etl.stopping import LoadInterrupted, StopSwitch
from etl.warehouse import warehouse_engine
from tests.conftest import dump_text, fresh_state, warehouse_state, write_dump

PREVIOUS = "fake-0"
SHARED = "legacy keyword"  # the previous extractor gives it to every paper; no paper keeps it


def previous_extractor(papers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Another extractor: the top 3 with uppercase forms, and one keyword every paper has (rank 4)."""
    keywords, paper_keywords = extract_keywords(papers, top_n=3)
    shared = pl.DataFrame({"keyword": [SHARED], "kind": ["keyphrase"]}).select(
        keyword_id=stable_id_expr("kind", "keyword"), keyword="keyword", kind="kind"
    )
    every = papers.select(
        "paper_id",
        keyword_id=pl.lit(shared["keyword_id"][0], dtype=pl.Int64),
        form=pl.lit(SHARED.upper()),
        score=pl.lit(0.5),
        rank=pl.lit(4, dtype=pl.Int32),
    )
    upper = paper_keywords.with_columns(form=pl.col("form").str.to_uppercase())
    return pl.concat([keywords, shared]).unique("keyword_id"), pl.concat([upper, every])


def use_extractor(monkeypatch: pytest.MonkeyPatch, version: str, extract) -> None:
    """Make `extract` at `version` the extractor of every load (the batch's, the merge's, re-derivation's)."""
    for module in (etl.transform, etl.merge, etl.rederive):
        monkeypatch.setattr(module, "extract_keywords", extract)
    monkeypatch.setattr(etl.rederive, "EXTRACTOR_VERSION", version)


def scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as c:
        return c.execute(text(sql)).scalar_one()


def versions(engine: Engine) -> list[tuple[str, str]]:
    """The rows of extractor_versions, without when they were derived."""
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text("SELECT extractor, version FROM extractor_versions"))]


def keyword_counts(engine: Engine) -> tuple[int, int, int]:
    """Rows of keywords, of paper_keywords, and of paper_keywords with the shared keyword."""
    return (
        scalar(engine, "SELECT count(*) FROM keywords"),
        scalar(engine, "SELECT count(*) FROM paper_keywords"),
        scalar(engine, f"SELECT count(*) FROM paper_keywords WHERE form = '{SHARED.upper()}'"),
    )


@pytest.fixture
def previous_warehouse(engine: Engine, sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The sample loaded by the previous extractor; the real one is back once it returns."""
    with monkeypatch.context() as patched:
        use_extractor(patched, PREVIOUS, previous_extractor)
        report = load_folder(sample_dir, engine)
    assert report.keywords_rederived == {}  # a fresh warehouse only records the version
    assert versions(engine) == [("keywords", PREVIOUS)]
    # The top 3 of the 411 papers, their method names, and SHARED.
    assert keyword_counts(engine) == (757, 1771, 411)
    return engine


def test_a_load_by_another_extractor_version_gives_the_tables_of_a_fresh_load(
    previous_warehouse, sample_dir, tmp_path, monkeypatch
):
    monkeypatch.setattr(etl.rederive, "BATCH_PAPERS", 100)  # five batches of the 411 papers
    report = load_folder(sample_dir, previous_warehouse)
    assert report.files_unchanged == 5 and report.files_loaded == 0
    seconds = report.keywords_rederived.pop("seconds")
    assert isinstance(seconds, float)
    assert report.keywords_rederived == {
        "from": PREVIOUS,
        "to": EXTRACTOR_VERSION,
        "papers": 411,
        "papers_total": 411,
    }
    assert report.warehouse_rows["keywords"] == 2389 and report.warehouse_rows["paper_keywords"] == 3953
    assert keyword_counts(previous_warehouse) == (2389, 3953, 0)
    assert warehouse_state(previous_warehouse) == fresh_state(
        previous_warehouse, sample_dir, tmp_path / "fresh"
    )
    assert versions(previous_warehouse) == [("keywords", EXTRACTOR_VERSION)]
    forms = "SELECT count(*) FROM paper_keywords AS pk JOIN keywords AS k USING (keyword_id) WHERE pk.form <> k.keyword"
    assert scalar(previous_warehouse, forms) == 2577  # "LLMs" for "large language model"
    again = load_folder(sample_dir, previous_warehouse)  # the version is recorded: nothing to derive
    assert again.keywords_rederived == {}


def test_a_stop_after_the_first_batch_leaves_a_consistent_warehouse_and_the_next_load_completes_it(
    previous_warehouse, sample_dir, tmp_path, monkeypatch
):
    engine = previous_warehouse
    monkeypatch.setattr(etl.rederive, "BATCH_PAPERS", 100)
    stop, report, batches = StopSwitch(), LoadReport(), []
    derive = etl.rederive._rederive_batch

    def derive_then_stop(*args, **kwargs):
        batches.append(1)
        if len(batches) == 2:  # SIGTERM after the first batch committed, as its handler records it
            stop.request(15)
            stop.check()  # the next statement's check: the second batch rolls back
        return derive(*args, **kwargs)

    monkeypatch.setattr(etl.rederive, "_rederive_batch", derive_then_stop)
    with pytest.raises(LoadInterrupted):
        list(load_batches(sorted(sample_dir.glob("*.txt")), engine, LoadOptions(), report, stop=stop))
    assert len(batches) == 2
    assert report.keywords_rederived == {
        "from": PREVIOUS,
        "to": EXTRACTOR_VERSION,
        "papers": 100,
        "papers_total": 411,
        "seconds": None,
    }
    assert report.committed_summary() == (
        "nothing of this run's dumps was committed; keywords re-derived for 100 of 411 papers "
        f"(extractor fake-0 → {EXTRACTOR_VERSION}), not all: the next run derives every paper's again"
    )
    # The first 100 papers (in key order) carry the new keywords, the other 311 the old ones.
    assert versions(engine) == [("keywords", PREVIOUS)]
    assert scalar(engine, "SELECT count(DISTINCT paper_id) FROM paper_keywords") == 411
    assert scalar(engine, f"SELECT count(*) FROM paper_keywords WHERE form = '{SHARED.upper()}'") == 311
    first = "SELECT paper_id FROM papers ORDER BY paper_id LIMIT 100"
    assert scalar(engine, f"SELECT count(*) FROM paper_keywords WHERE paper_id IN ({first})") == 966
    # Every keyword the old or the new rows name (1293 and the first 100 papers' 673 new ones) stays until the end.
    assert keyword_counts(engine) == (1205, 2305, 311)
    with engine.connect() as c:
        outcomes = audit(c, date(2026, 12, 1))
        c.rollback()
    assert {name: o.passed for name, o in outcomes.items()} == dict.fromkeys(outcomes, True)
    monkeypatch.setattr(etl.rederive, "_rederive_batch", derive)
    done = load_folder(sample_dir, engine)
    assert (done.keywords_rederived["papers"], done.keywords_rederived["from"]) == (411, PREVIOUS)
    assert warehouse_state(engine) == fresh_state(engine, sample_dir, tmp_path / "fresh")
    assert versions(engine) == [("keywords", EXTRACTOR_VERSION)]


def test_a_stopped_run_says_how_far_the_rederivation_went(
    previous_warehouse, warehouse_arg, sample_dir, monkeypatch
):
    monkeypatch.setattr(etl.rederive, "BATCH_PAPERS", 400)
    stop, batches = StopSwitch(), []
    derive = etl.rederive._rederive_batch

    def derive_then_stop(*args, **kwargs):
        batches.append(1)
        if len(batches) == 2:
            stop.request(15)
            stop.check()
        return derive(*args, **kwargs)

    monkeypatch.setattr(etl.rederive, "_rederive_batch", derive_then_stop)
    settings = Settings.from_env(env={}, raw_dir=sample_dir, warehouse=warehouse_arg)
    run = run_load(settings, stop=stop)
    assert (run.outcome, run.complete) == (Outcome.STOPPED, False)
    assert run.message == (
        "stopped by SIGTERM; nothing of this run's dumps was committed; keywords re-derived for 400 of "
        f"411 papers (extractor fake-0 → {EXTRACTOR_VERSION}), not all: the next run derives every paper's again"
    )


def test_a_full_refresh_records_the_version_without_deriving_again(previous_warehouse, sample_dir, tmp_path):
    report = load_folder(sample_dir, previous_warehouse, full_refresh=True)
    assert report.keywords_rederived == {}  # the refresh derives every keyword anew
    assert report.files_loaded == 5
    assert versions(previous_warehouse) == [("keywords", EXTRACTOR_VERSION)]
    assert warehouse_state(previous_warehouse) == fresh_state(
        previous_warehouse, sample_dir, tmp_path / "fresh"
    )


def test_a_warehouse_without_papers_only_records_the_version(engine, tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", []))  # a page listing no paper
    with monkeypatch.context() as patched:
        use_extractor(patched, PREVIOUS, previous_extractor)
        load_folder(raw, engine)
    assert versions(engine) == [("keywords", PREVIOUS)]
    report = load_folder(raw, engine)
    assert report.keywords_rederived == {}
    assert versions(engine) == [("keywords", EXTRACTOR_VERSION)]


def test_asked_to_rederive_it_derives_again_by_the_same_version_and_republishes(
    sample_dir, tmp_path, monkeypatch
):
    settings = Settings.from_env(env={}, raw_dir=sample_dir, warehouse=tmp_path / "w.duckdb")
    assert run_load(settings).outcome is Outcome.LOADED
    engine = warehouse_engine(tmp_path / "w.duckdb")
    before = warehouse_state(engine)
    engine.dispose()
    unchanged = run_load(settings)
    assert unchanged.report.keywords_rederived == {}
    assert unchanged.report.serving["publish_seconds"] is None  # current: nothing to publish
    asked = run_load(settings, LoadRequest(rederive_keywords=True))
    assert asked.outcome is Outcome.LOADED
    assert {k: v for k, v in asked.report.keywords_rederived.items() if k != "seconds"} == {
        "from": EXTRACTOR_VERSION,
        "to": EXTRACTOR_VERSION,
        "papers": 411,
        "papers_total": 411,
    }
    assert asked.report.serving["publish_seconds"] is not None  # the copy shows the new derivation
    engine = warehouse_engine(tmp_path / "w.duckdb")
    assert warehouse_state(engine) == before
    engine.dispose()


def test_rederived_keywords_are_those_of_the_text_each_paper_shows_and_follow_it_when_it_changes(
    engine, tmp_path, monkeypatch
):
    """A paper whose sightings print two texts: the re-derivation takes the newest one's method name
    as printed, and when that sighting is pruned, the merge derives the other text's with the new extractor."""
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Net1: Learning Things\n\nWe study thing 1."]))
    write_dump(raw, "2025-01-02.txt", dump_text("Jan 2", ["NET1: LEARNING THINGS\n\nWe study  thing 1."]))
    with monkeypatch.context() as patched:
        use_extractor(patched, PREVIOUS, previous_extractor)
        load_folder(raw, engine)
    methods = "SELECT k.keyword, pk.form FROM paper_keywords AS pk JOIN keywords AS k USING (keyword_id) WHERE k.kind = 'method'"
    report = load_folder(raw, engine)
    assert (report.keywords_rederived["papers"], report.keywords_rederived["papers_total"]) == (1, 1)
    with engine.connect() as c:
        assert c.execute(text(methods)).all() == [("NET1", "NET1")]
        assert c.execute(text("SELECT count(*) FROM paper_texts")).scalar_one() == 1
    assert warehouse_state(engine) == fresh_state(engine, raw, tmp_path / "fresh")
    (raw / "2025-01-02.txt").unlink()
    load_folder(raw, engine, prune=True)
    with engine.connect() as c:
        assert c.execute(text(methods)).all() == [("Net1", "Net1")]
    assert warehouse_state(engine) == fresh_state(engine, raw, tmp_path / "fresh_pruned")
