"""Preparing a batch (etl.transform): files read, versions already held set aside, the rest transformed."""

from __future__ import annotations

from datetime import date

from etl.extract import read_dump_files
from etl.inventory import list_dumps
from etl.timing import StageClock
from etl.transform import PapersSeen, ReadOptions, prepare_batch
from tests.conftest import dump_text, write_dump

OPTIONS = ReadOptions(listing_year=2025, today=date(2026, 12, 2), max_dump_bytes=None, clock=StageClock())


def test_a_version_already_held_is_set_aside_unparsed(tmp_path):
    held = write_dump(tmp_path, "held.txt", dump_text("Nov 4", ["Held\n\nHeld abstract."]))
    new = write_dump(tmp_path, "new.txt", dump_text("Nov 5", ["New\n\nNew abstract."]))
    listing = list_dumps([held, new])
    held_id = read_dump_files(list_dumps([held]).files)[0]["file_id"].item()
    prepared = prepare_batch(listing.files, frozenset({held_id}), OPTIONS)
    assert prepared.same_content == [held_id]
    assert prepared.batch.source_files["file_name"].to_list() == ["new.txt"]
    assert prepared.batch.papers["title"].to_list() == ["New"]
    assert prepared.unreadable == []
    assert set(OPTIONS.clock.seconds()) >= {"read", "parse", "dedupe", "links", "keywords", "assemble"}


def test_a_file_gone_between_listing_and_reading_is_refused_by_name(tmp_path):
    path = write_dump(tmp_path, "a.txt", dump_text("Nov 4", ["A\n\nA."]))
    listing = list_dumps([path])
    path.unlink()
    prepared = prepare_batch(listing.files, frozenset(), OPTIONS)
    assert prepared.unreadable == [
        {"file": "a.txt", "reason": "a.txt: cannot be read: no such file or directory"}
    ]
    assert prepared.batch.source_files.height == 0


def test_texts_seen_in_an_earlier_batch_get_no_second_link_or_keyword_extraction(tmp_path):
    abstract = "Sparse mixture experts scale language models; code at https://github.com/a/b."
    first = write_dump(tmp_path, "first.txt", dump_text("Nov 4", [f"Sparse Experts\n\n{abstract}"]))
    second = write_dump(
        tmp_path,
        "second.txt",
        dump_text(
            "Nov 5", [f"Sparse Experts\n\n{abstract}", "Dense Retrieval\n\nDense retrieval of passages."]
        ),
    )
    seen = PapersSeen()
    options = ReadOptions(2025, date(2026, 12, 2), None, StageClock(), seen)
    one = prepare_batch(list_dumps([first]).files, frozenset(), options).batch
    two = prepare_batch(list_dumps([second]).files, frozenset(), options).batch
    repeated = one.papers["paper_id"].item()
    assert repeated in two.papers["paper_id"].to_list() and two.papers.height == 2
    assert one.paper_links["paper_id"].to_list() == [repeated]
    assert repeated in one.paper_keywords["paper_id"].to_list()
    assert two.paper_links.height == 0  # its link was extracted with the first batch
    assert set(two.paper_keywords["paper_id"]) == set(two.papers["paper_id"]) - {repeated}
    assert sorted(seen.ids.to_list()) == sorted(two.papers["text_id"].to_list())
    assert dict(two.papers.select("paper_id", "extracted").rows())[repeated] is False
    assert one.papers["extracted"].to_list() == [True]


def test_a_paper_printed_otherwise_in_a_later_batch_is_extracted_again(tmp_path):
    first = write_dump(
        tmp_path, "first.txt", dump_text("Nov 4", ["Raft\n\nCode at https://github.com/Org/Repo."])
    )
    second = write_dump(
        tmp_path, "second.txt", dump_text("Nov 5", ["RAFT\n\nCode at https://github.com/org/repo."])
    )
    options = ReadOptions(2025, date(2026, 12, 2), None, StageClock(), PapersSeen())
    prepare_batch(list_dumps([first]).files, frozenset(), options)
    two = prepare_batch(list_dumps([second]).files, frozenset(), options).batch
    assert two.papers.select("title", "extracted").rows() == [("RAFT", True)]
    assert two.links["url"].to_list() == ["https://github.com/org/repo"]
