"""An independent re-implementation, in Python, of what search_papers matches: its word rule and
its query grammar, for `bench.search_agreement` and the tests (written from docs/search.md, not
from the SQL).

Words: the text lowercased, runs of letters and digits (`[^\\W_]+`). Stop words (`models.SEARCH_STOPWORDS`) are dropped but keep their place. Terms: `ies` to `y` after more than one letter, else a final
`s` dropped from a word of four letters or more not ending in `ss`, `us`, `is`. A query: items
(a word, a "phrase", either after `-`), with `or` between groups; a group matches a paper holding
all its searched items and none of its excluded ones; an item of several words is a phrase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from models import SEARCH_STOPWORDS

STOPWORDS = frozenset(SEARCH_STOPWORDS)
_WORD = re.compile(r"[^\W_]+")
_ITEM = re.compile(r'-?"[^"]*"?|[^\s"]+')


def term(word: str) -> str:
    """The term a word is indexed under."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def placed_terms(text: str) -> list[tuple[str, int]]:
    """(term, place) of each indexed word of `text`, places from 1 with stop words counted."""
    return [(term(w), n) for n, w in enumerate(_WORD.findall(text.lower()), 1) if w not in STOPWORDS]


@dataclass(frozen=True)
class Corpus:
    """Papers as the reference sees them: ids, term lists (for rank_bm25) and term places."""

    paper_ids: list[int]
    documents: list[list[str]]
    places: list[dict[str, set[int]]]

    @classmethod
    def of(cls, rows: Iterable[tuple[int, str, str]]) -> Corpus:
        ids, documents, places = [], [], []
        for paper_id, title, abstract in rows:
            pairs = placed_terms(f"{title} {abstract}")
            ids.append(paper_id)
            documents.append([t for t, _ in pairs])
            where: dict[str, set[int]] = {}
            for t, n in pairs:
                where.setdefault(t, set()).add(n)
            places.append(where)
        return cls(ids, documents, places)


def parse(query: str) -> list[list[tuple[bool, list[tuple[str, int]]]]]:
    """The groups of `query`: each a list of (excluded, [(term, offset)]) items."""
    groups: list[list] = [[]]
    for item in _ITEM.findall(query):
        if item.lower() == "or":
            groups.append([])
            continue
        excluded = len(item) > 1 and item.startswith("-")
        pairs = placed_terms(item[1:] if excluded else item)
        if pairs:
            first = pairs[0][1]
            groups[-1].append((excluded, [(t, n - first) for t, n in pairs]))
    return groups


def _holds(where: dict[str, set[int]], pairs: list[tuple[str, int]]) -> bool:
    if len(pairs) == 1:
        return pairs[0][0] in where
    starts = {n - pairs[0][1] for n in where.get(pairs[0][0], ())}
    for t, offset in pairs[1:]:
        starts &= {n - offset for n in where.get(t, ())}
    return bool(starts)


def matching(corpus: Corpus, query: str) -> tuple[list[int], set[str]]:
    """Indexes of the papers `query` matches, and its searched terms."""
    groups = parse(query)
    searched = {t for g in groups for excluded, pairs in g if not excluded for t, _ in pairs}
    found = []
    for i, where in enumerate(corpus.places):
        for g in groups:
            wanted = [pairs for excluded, pairs in g if not excluded]
            if not wanted:
                continue
            if all(_holds(where, p) for p in wanted) and not any(_holds(where, p) for ex, p in g if ex):
                found.append(i)
                break
    return found, searched
