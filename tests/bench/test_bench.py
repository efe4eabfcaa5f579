"""The benchmark's own parts: a generator true to the real format, and a run that reports every figure."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest
from sqlalchemy.engine import make_url

from bench import engines
from bench.generate import ENTRIES_PER_DUMP, dumps_for, generate
from bench.keywords_quality import compare
from tests.conftest import ROOT, SAMPLE_DIR, parse_folder, postgres_database


def test_generator_is_deterministic_and_sized_like_the_real_dumps(tmp_path):
    first = generate(tmp_path / "a", 3, 116, seed=3)
    again = generate(tmp_path / "b", 3, 116, seed=3)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert 4_500 <= dumps_for(1000) <= 5_500  # 1 GB: about 5,000 dumps of about 200 KB
    assert 150_000 <= first[0].stat().st_size <= 250_000


def test_generated_dumps_parse_cleanly_with_every_card_shape(tmp_path):
    generate(tmp_path, 40, 116, repeat_rate=0.1, seed=5)
    parsed = parse_folder(tmp_path)
    assert parsed.files["error"].null_count() == parsed.files.height  # nothing rejected
    entries = parsed.entries
    assert entries.height == 40 * 116
    cards = entries.filter(pl.col("has_card"))
    assert cards["author_count"].is_not_null().any()
    assert cards["organization_handle"].is_not_null().any()
    assert cards["card_date_text"].str.contains(r", \d{4}$").any()  # dated card
    assert (~cards["card_date_text"].str.contains(",")).any()  # year-less card
    assert (cards["upvotes"] > 0).any() and (cards["upvotes"] == 0).any()
    assert entries.filter(~pl.col("has_card")).height > 0
    repeats = 1 - entries.select(pl.struct("title", "abstract").n_unique()).item() / entries.height
    assert 0.05 < repeats < 0.15  # repeat_rate 0.1
    assert entries["abstract"].str.contains(r"https?://\S+[.,;)]").any()  # URLs with glued punctuation


def test_keyword_quality_report_on_the_sample():
    result = compare(SAMPLE_DIR, examples=10)
    assert result["papers"] == 411
    assert len(result["examples"]) == 10
    assert all(len(e["ours"]) == 10 and e["yake"] for e in result["examples"])
    assert result["rule_breaks"] == {"starts_with_stopword": 0, "ends_with_stopword": 0, "no_letter": 0}
    assert 0.05 < result["mean_exact_overlap"] <= result["mean_loose_overlap"] < 1


@pytest.mark.slow
def test_benchmark_run_reports_every_stage_and_comparison(tmp_path):
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--size-mb",
            "0.6",
            "--batch-mb",
            "0.25",
            "--workdir",
            str(tmp_path),
            "--json",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    ours = figures["ours"]
    assert set(ours["stages"]) == {"read", "parse", "dedupe", "links", "keywords", "load", "views"}
    assert all(s["seconds"] > 0 and s["peak_rss"] > 0 for s in ours["stages"].values())
    assert ours["batches"] == 3 and ours["entries"] == 3 * 116
    fifths = ours["peak_rss_by_fifth"]
    assert len(fifths) == 5 and fifths == sorted(fifths) and 0 < fifths[-1] <= ours["peak_rss"]
    assert figures["dlt"]["timed_batches"] == 3 and figures["dlt"]["batches"] == 4
    # Our loader alone on the saved frames stores exactly what the pipeline stored.
    assert figures["ours_frames"]["timed_batches"] == 3
    assert figures["ours_frames"]["rows_after_timed_batches"] == ours["warehouse_rows"]
    # After one dump is re-saved with new content, ours holds only current sightings; dlt's merge keeps the old.
    stores = figures["stores"]
    assert stores["dlt_stale_sightings"] == 116
    assert stores["dlt_papers_without_current_sighting"] > 0
    assert all(d["only_ours"] == 0 for d in stores["tables"].values())
    assert figures["baseline"]["entries"] == 3 * 116
    # Keyword extraction, alone as in the pipeline, goes over each paper of a first backfill once.
    assert figures["keywords_alone"]["papers"] == ours["batch_papers"] == ours["papers"]
    assert figures["keywords_alone"]["papers_per_second"] > 0
    # The bare pipeline and our first stages alone went over the same entries.
    assert figures["bare"]["entries"] == figures["bare"]["rows_written"] == 3 * 116
    assert figures["bare_parse"]["entries"] == figures["parse_alone"]["entries"] == 3 * 116
    for label in (
        "ours, total",
        "I/O floor: cat",
        "our merge of the saved frames",
        "dlt merge of the same frames",
        "baseline, measured on",
        "peak RSS so far, after each fifth of the corpus",
        "papers/s alone, over the same",
        "bare parse (Polars lines)",
        "our read+parse+dedupe+links alone",
        "bare pipeline (parse + texts once)",
        "ours, total, to the bare pipeline:",
    ):
        assert label in done.stdout


@pytest.mark.postgresql
def test_the_engine_comparison_loads_both_and_finds_the_same_rows(tmp_path):
    with postgres_database("bench") as url:
        admin = url.render_as_string(hide_password=False)
        result = engines.compare(SAMPLE_DIR, make_url(admin), rounds=1)
    assert result["corpus_mb"] == 0.8
    assert result["warehouse_rows"]["papers"] == 411 + ENTRIES_PER_DUMP  # the added dump's papers are all new
    for engine in ("duckdb", "postgresql"):
        assert [len(v) for v in result["rounds"][engine].values()] == [1, 1]
        assert all(s > 0 for v in result["rounds"][engine].values() for s in v)
    assert set(result["postgresql_over_duckdb"]) == {"full", "one_more_dump"}
