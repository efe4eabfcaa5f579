"""etl.wordclasses' numeric helpers: the hash table that finds a token's attributes, and byte hashes."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.wordclasses import BYTE_BASE, HashSet, HashTable, byte_hashes

_hashes = st.lists(st.integers(0, 2**64 - 1), unique=True, max_size=300).map(lambda v: np.array(v, np.uint64))


@settings(max_examples=60, deadline=None)
@given(_hashes, st.lists(st.integers(0, 2**64 - 1), max_size=300), st.integers(0, 300))
def test_the_hash_table_finds_every_row_it_holds_and_nothing_else(held, others, split):
    """Built at once or grown later, and crowded into few slots: each held hash gives its row, others -1."""
    split = min(split, held.size)
    grown = HashTable(held[:split]).with_rows(held[split:], np.arange(split, held.size, dtype=np.int32))
    few = np.unique(held >> np.uint64(54))  # below 2^10: many share a first slot in a table of 2^10
    for table, keys in ((HashTable(held), held), (grown, held), (HashTable(few), few)):
        absent = np.array([v for v in others if v not in set(keys.tolist())], np.uint64)
        queries = np.concatenate([keys, absent, keys[::-1]])
        rows, missing = table.find(queries)
        expected = np.concatenate(
            [np.arange(keys.size), np.full(absent.size, -1), np.arange(keys.size)[::-1]]
        )
        assert rows.tolist() == expected.tolist()
        assert missing.tolist() == list(range(keys.size, keys.size + absent.size))


@settings(max_examples=60, deadline=None)
@given(_hashes, st.lists(st.integers(0, 2**64 - 1), max_size=300))
def test_the_hash_set_holds_its_hashes_and_nothing_else(held, others):
    """Members sharing a bitmap bucket with non-members (the same top 16 bits) are still told apart."""
    near = (held ^ np.uint64(1)) if held.size else held  # same bucket, another value
    queries = np.concatenate([held, np.array(others, np.uint64), near, np.zeros(0, np.uint64)])
    expected = np.isin(queries, held)
    assert HashSet(held).contains(queries).tolist() == expected.tolist()
    assert HashSet(np.zeros(0, np.uint64)).contains(queries).tolist() == [False] * queries.size


def test_a_grown_table_leaves_the_old_one_as_it_was():
    old = HashTable(np.array([1, 2, 3], np.uint64))
    new = old.with_rows(np.array([4], np.uint64), np.array([3], np.int32))
    assert old.find(np.array([4], np.uint64))[0].tolist() == [-1]
    assert new.find(np.array([4, 1], np.uint64))[0].tolist() == [3, 0]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=2, max_size=4))
def test_joined_texts_hash_as_their_parts_folded(parts):
    """A compound's key is found from its tokens' keys without joining them: "fine" + "tuning"."""
    hashes, shifts = byte_hashes(pl.Series([*parts, "".join(parts)], dtype=pl.String))
    folded = int(hashes[0])
    for hash_, shift in zip(hashes[1:-1], shifts[1:-1], strict=True):
        folded = (folded * int(shift) + int(hash_)) % (1 << 64)
    assert folded == hashes[-1]
    assert shifts[-1] == pow(int(BYTE_BASE), len("".join(parts).encode()), 1 << 64)


def test_byte_hashes_read_a_slice_and_nulls():
    texts = pl.Series(["x", "fine", None, "tuning"], dtype=pl.String)
    hashes, shifts = byte_hashes(texts.slice(1, 3))
    assert hashes.tolist() == byte_hashes(pl.Series(["fine", "", "tuning"]))[0].tolist()
    assert shifts[1] == 1
