"""`paperhouse load`: the command line for cron and scripts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from etl.pipeline import LoadReport, default_listing_year, default_raw_dir, load_dumps
from etl.serving import default_serving_path, publish_if_stale
from etl.warehouse import default_warehouse_path, warehouse_engine

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REJECTED = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperhouse", description="Hugging Face Daily Papers dumps to DuckDB."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="load new and changed dumps of a folder into the warehouse")
    load.add_argument(
        "raw_dir", nargs="?", type=Path, help="dump folder (default: $PAPERHOUSE_RAW_DIR or data/raw)"
    )
    load.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file (default: $PAPERHOUSE_WAREHOUSE or warehouse/paperhouse.duckdb)",
    )
    load.add_argument(
        "--listing-year", type=int, help="year of listing dates when the file name has no ISO date"
    )
    load.add_argument(
        "--prune",
        action="store_true",
        help="remove dumps no longer in the folder (their sightings, orphan papers)",
    )
    load.add_argument(
        "--serving",
        type=Path,
        help="read-only copy for BI tools (default: $PAPERHOUSE_SERVING or serving/ beside the warehouse)",
    )
    load.add_argument(
        "--batch-mb",
        type=float,
        help="dump megabytes per transaction; memory grows with it (default: $PAPERHOUSE_BATCH_MB or 32)",
    )
    load.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    return parser


def format_report(report: LoadReport, warehouse: Path) -> str:
    """A human summary of one load."""
    lines = [
        f"warehouse: {warehouse}",
        f"files: {report.files_seen} seen, {report.files_loaded} loaded, "
        f"{report.files_unchanged} unchanged, {len(report.files_rejected)} rejected",
        f"entries: {report.entries}; papers: {report.papers_new} new, "
        f"{report.papers_already_known} already known, {report.papers_removed} removed"
        + (f"; dumps pruned: {report.files_removed}" if report.files_removed else ""),
        f"links: {report.links}; paper keywords: {report.keywords}",
        f"serving copy: {report.serving.get('path')} "
        + (
            f"published in {report.serving['publish_seconds']:.3f} s"
            if report.serving.get("publish_seconds") is not None
            else "already current"
        ),
        "tables: " + ", ".join(f"{name} {count}" for name, count in report.warehouse_rows.items()),
    ]
    lines += [f"REJECTED {r['file']}: {r['reason']}" for r in report.files_rejected]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    raw_dir = args.raw_dir or default_raw_dir()
    warehouse = args.warehouse or default_warehouse_path()
    listing_year = args.listing_year if args.listing_year is not None else default_listing_year()
    try:
        engine = warehouse_engine(warehouse)
        batch_bytes = int(args.batch_mb * 1_000_000) if args.batch_mb else None
        report = load_dumps(raw_dir, engine, listing_year, prune=args.prune, batch_bytes=batch_bytes)
        serving = args.serving or default_serving_path(warehouse)
        report.serving = {
            "path": str(serving),
            "publish_seconds": publish_if_stale(engine, warehouse, serving),
        }
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure: report it, exit non-zero, nothing committed
        print(f"paperhouse: load failed, warehouse unchanged: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report, warehouse))
    return EXIT_REJECTED if report.files_rejected else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
