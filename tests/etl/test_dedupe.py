"""Identity and deduplication: what counts as the same paper, and what is kept of each sighting."""

from __future__ import annotations

import polars as pl

from etl.dedupe import identify_papers, latest_paper_texts
from tests.conftest import SAMPLE_DIR, dump_text, parse_folder, write_dump


def test_sample_has_411_papers_34_seen_in_several_files():
    identified = identify_papers(parse_folder(SAMPLE_DIR).entries)
    assert identified["paper_id"].n_unique() == 411
    per_paper = identified.group_by("paper_id").agg(files=pl.col("file_id").n_unique())
    assert per_paper.filter(pl.col("files") > 1).height == 34


def test_variants_of_case_width_and_spacing_are_one_paper(tmp_path):
    write_dump(tmp_path, "2025-01-01.txt", dump_text("Jan 1", ["Deep  Nets\n\nWe train ＤＥＥＰ nets."]))
    write_dump(tmp_path, "2025-01-02.txt", dump_text("Jan 2", ["deep nets\n\nWe  train DEEP nets. "]))
    identified = identify_papers(parse_folder(tmp_path).entries)
    assert identified["paper_id"].n_unique() == 1
    latest = latest_paper_texts(identified).row(0, named=True)
    assert latest["title"] == "deep nets"  # as printed in the most recent listing


def test_same_title_other_abstract_is_another_paper_with_the_same_title_id(tmp_path):
    write_dump(
        tmp_path,
        "2025-01-01.txt",
        dump_text("Jan 1", ["Attention\n\nVersion one.", "Attention\n\nVersion two."]),
    )
    identified = identify_papers(parse_folder(tmp_path).entries)
    assert identified["paper_id"].n_unique() == 2
    assert identified["title_id"].n_unique() == 1


def test_paper_listed_twice_in_one_dump_is_one_paper_with_two_sightings(tmp_path):
    block = "Twice\n\nListed twice."
    write_dump(tmp_path, "2025-01-01.txt", dump_text("Jan 1", [block, "Other\n\nOther.", block]))
    identified = identify_papers(parse_folder(tmp_path).entries)
    twice = identified.filter(pl.col("title") == "Twice")
    assert twice["paper_id"].n_unique() == 1
    assert twice["position"].to_list() == [1, 3]


def test_paper_ids_do_not_depend_on_load_order_or_company(tmp_path):
    whole = identify_papers(parse_folder(SAMPLE_DIR).entries)
    for path in sorted(SAMPLE_DIR.glob("*.txt")):
        alone_dir = tmp_path / path.stem
        write_dump(alone_dir, path.name, path.read_bytes())
        alone = identify_papers(parse_folder(alone_dir).entries)
        expected = whole.filter(pl.col("file_name") == path.name)
        assert alone["paper_id"].to_list() == expected["paper_id"].to_list()
