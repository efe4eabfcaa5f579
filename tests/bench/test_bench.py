"""The benchmark's own parts: a generator true to the real format, and a run that reports every figure."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys

import polars as pl
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

import etl.keywords
import etl.search
import etl.transform
from bench import (
    copy_paths,
    cpu_stages,
    engines,
    incremental,
    incremental_profile,
    keywords_gold,
    keywords_in_load,
    keywords_speed,
    keywords_topics,
)
from bench.generate import ENTRIES_PER_DUMP, dumps_for, generate
from bench.measure import RssSampler
from tests.conftest import ENGINES, ROOT, SAMPLE_DIR, parse_folder, postgres_database


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


def test_keywords_against_the_held_out_hand_labels():
    """The extractor, the RAKE it replaced and YAKE, scored on the half of the gold set never tuned on."""
    result = keywords_gold.compare("heldout")
    assert result["papers"] == 48
    scores = {
        name: {
            kind: (round(f[kind]["precision_at_10"], 4), round(f[kind]["recall"], 4))
            for kind in ("exact", "lenient")
        }
        for name, f in result["extractors"].items()
    }
    assert scores == {
        "topics (now)": {"exact": (0.2282, 0.3771), "lenient": (0.303, 0.4972)},
        "RAKE (before)": {"exact": (0.0896, 0.1604), "lenient": (0.0938, 0.1681)},
        "YAKE (reference)": {"exact": (0.1375, 0.2431), "lenient": (0.15, 0.2576)},
    }
    assert all(f["papers_per_second"] > 0 for f in result["extractors"].values())


def test_the_gold_set_is_split_in_halves_and_the_scorer_is_lenient_as_documented():
    gold = keywords_gold.read_gold("all")
    assert len(gold) == 96 and sum(row["split"] == "heldout" for row in gold) == 48
    assert all(3 <= len(row["keyphrases"]) <= 6 for row in gold)
    assert keywords_gold.normalize("Large-Language Models", lenient=True) == "large language model"
    assert keywords_gold.normalize("Large-Language Models", lenient=False) == "large-language models"
    found = {1: ["graph neural networks", "noise"]}
    labels = [{"paper_id": 1, "keyphrases": ["Graph Neural Network", "message passing"]}]
    assert keywords_gold.score(found, labels, lenient=True) == {"precision_at_10": 0.5, "recall": 0.5}
    assert keywords_gold.score(found, labels, lenient=False) == {"precision_at_10": 0.0, "recall": 0.0}


def test_the_top_100_keyphrases_of_the_sample_are_topics_and_concepts_are_not_split():
    result = keywords_topics.report(SAMPLE_DIR)
    assert result["unaudited"] == []  # a change to the extractor is audited again
    assert result["split_concepts"] == []
    assert sorted(result["not_topics"]) == [
        "approximation",
        "artificial intelligence system",
        "circuit",
        "reward signal",
    ]
    assert result["shared_by_two_or_more"] == 312
    assert result["top"][:3] == [
        ("reinforcement learning", 133),
        ("large language model", 111),
        ("language model", 58),
    ]
    assert keywords_topics.split_concepts(
        ["fine-tuning", "finetuning", "llm", "large language models", "rl"]
    ) == [
        ["fine-tuning", "finetuning"],
        ["llm", "large language models"],
    ]


def test_the_speed_comparison_alternates_and_reports_a_ratio():
    frame = keywords_speed.frame_of(None).head(500)
    result = keywords_speed.compare(frame, rounds=2)
    assert result["papers"] == 500 and len(result["topics_over_rake"]["per_round"]) == 2
    assert result["topics_over_rake"]["median"] > 0 and set(result["papers_per_second"]) == {"topics", "rake"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extractor", "rows", "forms"),
    [("topics", 3953, 2683), ("rake", 4240, 4013), ("rake-empty-forms", 4240, 1), ("none", 0, 0)],
)
def test_a_load_can_run_with_the_previous_extractor_for_paired_timing(
    tmp_path, capsys, extractor, rows, forms
):
    warehouse = tmp_path / extractor / "w.duckdb"
    assert keywords_in_load.main([str(SAMPLE_DIR), str(warehouse), "--extractor", extractor]) == 0
    assert json.loads(capsys.readouterr().out)["files_loaded"] == 5
    assert etl.transform.extract_keywords is etl.keywords.extract_keywords  # restored after the run
    assert etl.transform.search_index is etl.search.search_index
    engine = create_engine(f"duckdb:///{warehouse}")
    with engine.connect() as connection:
        found = connection.exec_driver_sql("SELECT count(*), count(DISTINCT form) FROM paper_keywords").one()
        postings = connection.exec_driver_sql("SELECT count(*) FROM search_postings").scalar()
        papers = connection.exec_driver_sql("SELECT count(*) FROM papers").scalar()
    engine.dispose()
    assert tuple(found) == (rows, forms)
    assert papers == 411 and postings == (0 if extractor == "none" else 46048)


def test_the_cpu_accounting_times_every_transform_stage_of_the_sample_alone():
    figures = cpu_stages.cpu_stages(SAMPLE_DIR, batch_bytes=200_000)  # 5 dumps of 215 KB: 5 batches
    stages = {"read", "parse", "dedupe", "links", "keywords", "search", "assemble"}
    assert figures["entries"] == figures["papers_staged"] == 451  # per batch: no dump lists a paper twice
    assert (
        set(figures["cpu_seconds"]) == set(figures["wall_seconds"]) == set(figures["peak_rss_mib"]) == stages
    )
    assert all(figures["cpu_seconds"][stage] > 0 for stage in ("parse", "keywords", "search"))
    assert sum(figures["cpu_seconds"].values()) <= figures["total_cpu_seconds"]
    assert 0 < max(figures["peak_rss_mib"].values()) <= figures["peak_rss"] / 2**20


def test_the_incremental_profile_times_each_statement_of_an_add_to_both_warehouses(tmp_path, capsys):
    args = ["--small", "200", "--large", "600", "--repeat", "1", "--workdir", str(tmp_path), "--top", "200"]
    assert incremental_profile.main(args) == 0
    rows = {
        line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:] if line.strip()
    }
    assert {"TOTAL", "="} <= set(rows) and "merge/19_insert_new_papers" in rows
    assert "merge/23_delete_unsighted_texts" in rows and "checks/keys_name_one_text" in rows
    total = rows["TOTAL"]
    assert float(total[1]) > 0 and float(total[2]) > 0  # small and large, in ms


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
    assert set(ours["stages"]) == {
        "read",
        "parse",
        "dedupe",
        "links",
        "keywords",
        "search",
        "assemble",
        "load",
        "views",
    }
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


@pytest.mark.parametrize("engine", ENGINES)
def test_the_incremental_bench_adds_one_dump_to_fresh_copies_of_cached_warehouses(tmp_path, engine):
    sizes, admin = {"small": 180, "large": 540}, None  # one and three generated dumps
    with contextlib.ExitStack() as stack:
        if engine == "postgresql":
            admin = stack.enter_context(postgres_database("inc"))
            stack.callback(drop_databases, admin, [f"paperhouse_bench_inc_{n}" for n in sizes.values()])
        result = incremental.run(tmp_path, sizes, repeat=2, admin_url=admin)
        again = incremental.run(
            tmp_path, sizes, repeat=1, admin_url=admin
        )  # the cached warehouses, unchanged
    figures = result[engine]
    # 116 new papers on top of what one and three dumps (200 entries, 10% repeats) hold.
    assert (figures["small"]["papers_after"], figures["large"]["papers_after"]) == (295, 655)
    assert again[engine]["large"]["papers_after"] == 655
    assert all(figures[s]["add_seconds"] > 0 for s in sizes)
    assert figures["large_over_small"] > 0
    if engine == "postgresql":
        assert result["postgresql"]["small"]["publish_seconds"] is None  # no serving copy
        assert result["duckdb"]["large"]["papers_after"] == 655  # both engines ran, and agreed
        assert set(result["postgresql_over_duckdb"]) == {"small", "large"}
    else:
        assert figures["small"]["publish_seconds"] > 0


def drop_databases(admin, names: list[str]) -> None:
    """Drop the bench's cached databases from the test server."""
    server = create_engine(admin, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # generated names
    server.dispose()


@pytest.mark.postgresql
def test_the_copy_paths_bench_times_the_loaders_copy_beside_the_others(capsys):
    with postgres_database("copy") as url:
        assert (
            copy_paths.main(["--postgres-url", url.render_as_string(hide_password=False), "--papers", "300"])
            == 0
        )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["papers", "paper_keywords"]
    assert lines[1].startswith("paper_keywords: 3000 rows, 0.1 MB: binary_pgpq ")
    for way in ("binary_pgpq", "csv_copy", "binary_rows", "adbc_ingest"):
        assert all(f" {way} " in line for line in lines)


def test_a_stage_shorter_than_the_samplers_turn_gets_the_rss_in_effect_when_it_ended():
    sampler = RssSampler()
    sampler.samples = [(1.0, 10), (2.0, 30), (3.0, 20)]
    assert sampler.peak([(0.5, 2.5)]) == 30  # the highest sample inside
    assert sampler.peak([(1.5, 1.9)]) == 10  # none inside: the last one before its end
    assert sampler.peak([(0.1, 0.2)]) == 10  # none before either: the first one
    assert sampler.peak([(2.5, 2.6), (0.5, 1.5)]) == 30  # the highest over every pass
    assert sampler.peak([]) == 0  # a stage that never ran
