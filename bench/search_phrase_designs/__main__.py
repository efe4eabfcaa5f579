"""`python -m bench.search_phrase_designs WAREHOUSE --cli CLI [--rounds 5]`: see the package's docstring."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.search_phrase_designs import DESIGNS, compare


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Phrase designs of search_papers, timed paired in a duckdb CLI."
    )
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--cli", type=Path, required=True, help="a duckdb CLI binary")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    names = ("search_papers",) + DESIGNS
    print(f"{'query':38s} {'matches':>8s} " + " ".join(f"{n:>13s}" for n in names))
    for query, seconds in compare(args.warehouse, args.cli, args.rounds).items():
        values = [seconds["search_papers"]] + [seconds[f"search_papers_{d}"] for d in DESIGNS]
        print(f"{query:38s} {seconds['matches']:>8d} " + " ".join(f"{v:>11.3f} s" for v in values))


if __name__ == "__main__":
    main()
