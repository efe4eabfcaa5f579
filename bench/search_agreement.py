"""Does search_papers rank as an independent BM25 does? The top 10 of each query, side by side.

    python -m bench.search_agreement WAREHOUSE [--queries N] [--json]

The reference is `rank_bm25` (PyPI), fed by `bench.search_reference`, a Python re-implementation
of the index's word rule and of the query grammar, written without the SQL: each query's
matching papers are found in Python, ranked by rank_bm25's scores over the whole corpus (ties by
paper_id), and their top 10 is compared with the first 10 rows of `search_papers(query)` read from
the warehouse. Agreement is the share of the reference's top-10 papers that the macro's top 10
holds, over all queries. Two references: `BM25Okapi` with the idf the macro uses (Lucene's
ln(1 + (N - df + 0.5) / (df + 0.5)); `rank_bm25`'s own idf goes negative above half the corpus and
is floored at a fraction of the average idf of every term, which a query cannot count cheaply),
and `BM25Okapi` unchanged, for the record.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import duckdb
from rank_bm25 import BM25Okapi

from bench.search_reference import Corpus, matching

QUERIES = (
    "diffusion",
    "diffusion -video",
    '"world model"',
    "agent or robot",
    "reinforcement learning",
    '"large language models"',
    "video generation",
    "gaussian splatting",
    "retrieval augmented generation",
    "multimodal reasoning",
    '"mixture of experts"',
    "benchmark evaluation",
    "speech",
    '"image editing"',
    "quantization",
    '"chain of thought"',
    "code generation -benchmark",
    "medical",
    "vision language model robot",
    "preference optimization",
    "hallucination",
    'math reasoning or "theorem proving"',
    "long context",
    "attention efficient",
    "3d reconstruction",
)
TOP = 10


class LuceneIdf(BM25Okapi):
    """rank_bm25's BM25Okapi with the idf search_papers uses (always positive)."""

    def _calc_idf(self, nd: dict[str, int]) -> None:
        for word, freq in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))


def reference_top(corpus: Corpus, model: BM25Okapi, query: str) -> list[int]:
    """The reference's top `TOP` paper ids for `query`."""
    found, terms = matching(corpus, query)
    if not found:
        return []
    scores = model.get_scores(sorted(terms))
    ranked = sorted(found, key=lambda i: (-scores[i], corpus.paper_ids[i]))
    return [corpus.paper_ids[i] for i in ranked[:TOP]]


def agreement(warehouse: Path, queries: tuple[str, ...] = QUERIES) -> dict:
    """Per query the two top 10s' overlap; overall, the share of reference results the macro has."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute("SELECT paper_id, title, abstract FROM papers ORDER BY paper_id").fetchall()
        ours = {
            q: [
                r[0]
                for r in connection.execute(
                    f"SELECT paper_id FROM search_papers(?) LIMIT {TOP}", [q]
                ).fetchall()
            ]
            for q in queries
        }
    corpus = Corpus.of(rows)
    models = {"lucene_idf": LuceneIdf(corpus.documents), "okapi": BM25Okapi(corpus.documents)}
    result: dict = {"papers": len(rows), "queries": len(queries), "per_query": {}}
    for name, model in models.items():
        shared = total = 0
        for q in queries:
            reference = reference_top(corpus, model, q)
            common = len(set(reference) & set(ours[q]))
            shared, total = shared + common, total + max(len(reference), len(ours[q]))
            result["per_query"].setdefault(q, {})[name] = f"{common}/{max(len(reference), len(ours[q]))}"
        result[name] = round(shared / total, 4) if total else 1.0
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = agreement(args.warehouse)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for q, shares in result["per_query"].items():
        print(f"{q:40} {shares['lucene_idf']:>6} {shares['okapi']:>6}")
    print(
        f"{result['papers']} papers, {result['queries']} queries: agreement with rank_bm25 "
        f"{result['lucene_idf']:.1%} (Lucene idf), {result['okapi']:.1%} (BM25Okapi unchanged)"
    )


if __name__ == "__main__":
    main()
