"""Stable ids: pinned values, and the vectorized forms agree with the reference definition on any thread."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.keys import KEY_BITS, KEY_SEPARATOR, file_id_for, stable_id, stable_ids


def test_stable_id_is_sha256_prefix_pinned():
    # Pinned value: a change of hashing scheme would renumber every warehouse; this test stops it.
    expected = int.from_bytes(hashlib.sha256(b"raft").digest()[:8], "big") >> 11
    assert stable_id("raft") == expected == 4174201646476875
    assert 0 <= stable_id("") < 2**53


def test_a_key_is_the_earlier_63_bit_key_shifted_right_by_10():
    # What migration 0016 relies on: it shifts every stored key instead of hashing the texts again.
    earlier = int.from_bytes(hashlib.sha256(b"raft").digest()[:8], "big") >> 1
    assert earlier == 4274382485992320141 and stable_id("raft") == earlier >> 10


@settings(deadline=None)
@given(st.text())
def test_every_key_is_below_2_53_and_exact_as_a_double(text):
    # Below 2**53 a key survives a JavaScript Number, a JSON reader and a DOUBLE column unchanged.
    key = stable_id(text)
    assert 0 <= key < 2**KEY_BITS == 2**53
    assert int(float(key)) == key
    assert stable_id(text) == key  # the same text, the same key


@settings(deadline=None)  # the first call opens this thread's in-memory DuckDB
@given(st.lists(st.text(), min_size=1, max_size=20))
def test_vectorized_stable_ids_match_reference(texts):
    assert stable_ids(pl.Series(texts)).to_list() == [stable_id(t) for t in texts]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(), st.text(min_size=200, max_size=700)), min_size=1, max_size=12)
)
def test_stable_ids_agree_whichever_engine_hashes_a_text(texts):
    # Short texts are hashed in DuckDB, long ones (over 512 UTF-8 bytes) in Python: same ids, nulls kept.
    expected = [None if t is None else stable_id(t) for t in texts]
    assert stable_ids(pl.Series(texts, dtype=pl.String)).to_list() == expected


def test_stable_ids_on_worker_threads():
    texts = pl.Series([f"keyword {i}" for i in range(1000)] + ["x" * 600])
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(stable_ids, [texts] * 8))
    assert all(r.to_list() == [stable_id(t) for t in texts] for r in results)


def test_a_dump_version_is_keyed_by_its_name_and_sha256():
    assert file_id_for("a.txt", "ab") == stable_id("a.txt" + KEY_SEPARATOR + "ab") == 5858311900619488
    assert file_id_for("a.txt", "ab") != file_id_for("a.txt", "ac")
