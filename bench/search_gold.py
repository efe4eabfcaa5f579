"""How well search_papers finds what a reader would: precision and recall against a hand-labelled gold set.

    python -m bench.search_gold WAREHOUSE [--gold tests/data/search_gold.json]

The gold set (tests/data/search_gold.json) names, for each query, the papers of the bundled
sample (data/raw) whose topic it is, labelled by reading every title, not from any engine's
output; its `tune` half may guide changes, its `heldout` half is only measured. Per half, the mean
over its queries of precision at 10 (the share of the first 10 results that are relevant), recall
at 10 (the share of the relevant papers among them, out of at most 10) and recall (the share of
the relevant papers the query finds at all).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

GOLD = Path(__file__).resolve().parent.parent / "tests" / "data" / "search_gold.json"
TOP = 10


def scores(warehouse: Path, gold: Path = GOLD) -> dict[str, dict[str, float]]:
    """Per half of the gold set: mean precision at 10, recall at 10 and recall."""
    labels = json.loads(gold.read_text(encoding="utf-8"))
    result = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for half in ("tune", "heldout"):
            p10 = r10 = recall = 0.0
            for query, papers in labels[half].items():
                relevant = {int(p["paper_id"]) for p in papers}
                found = [
                    r[0]
                    for r in connection.execute("SELECT paper_id FROM search_papers(?)", [query]).fetchall()
                ]
                top = found[:TOP]
                p10 += len(relevant & set(top)) / TOP
                r10 += len(relevant & set(top)) / min(TOP, len(relevant))
                recall += len(relevant & set(found)) / len(relevant)
            n = len(labels[half])
            result[half] = {
                "queries": n,
                "precision_at_10": round(p10 / n, 3),
                "recall_at_10": round(r10 / n, 3),
                "recall": round(recall / n, 3),
            }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--gold", type=Path, default=GOLD)
    args = parser.parse_args()
    print(json.dumps(scores(args.warehouse, args.gold), indent=2))


if __name__ == "__main__":
    main()
