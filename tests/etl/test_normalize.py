"""Identity keys: the vectorized form agrees with the reference definition."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.normalize import identity_key, identity_keys


def test_identity_key_folds_case_width_and_whitespace():
    assert identity_key("  Straße\u00a0ＦＯＯ \t bar\n") == "strasse foo bar"
    assert identity_key("TÜLU 3") == identity_key("tülu   3")
    assert identity_key("ﬁne") == "fine"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=20))
def test_vectorized_identity_keys_match_reference(texts):
    assert identity_keys(pl.Series(texts)).to_list() == [identity_key(t) for t in texts]
