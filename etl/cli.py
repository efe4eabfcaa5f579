"""`paperhouse load` and `paperhouse check`: the command line for cron and scripts.

Exit codes (the README's table): 0 loaded; 1 the load failed (the message says what was
committed); 2 a bad option or setting, nothing opened; 3 some dumps refused, the rest loaded;
4 loaded and committed, but the serving copy was not replaced; 5 another load holds the
warehouse; 130 and 143 stopped by SIGINT or SIGTERM (committed batches stay).
`paperhouse check` exits 0 when every rule holds, 1 when one is broken or the check failed, and 5
while a load holds the warehouse.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from etl.audit import audit_warehouse, describe_failure, describe_lock, format_audit
from etl.extract import discover_dumps
from etl.inventory import loaded_names
from etl.pipeline import LoadOptions, load_with
from etl.progress import terminal_bar
from etl.report import LoadReport, cause, printable
from etl.roles import grant_reader
from etl.serving import publish_configured
from etl.settings import Settings, SettingsError, warehouse_label
from etl.stopping import LoadInterrupted, StopSwitch
from etl.warehouse import (
    WarehouseLocked,
    WarehousePathError,
    engine_for,
    ensure_storage_format,
    hold_writer_lock,
    migrate,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_NOT_PUBLISHED = 4
EXIT_LOCKED = 5
EXIT_SIGNAL_BASE = 128  # + the signal number, as shells report it: 130 SIGINT, 143 SIGTERM


WAREHOUSE_HELP = (
    "DuckDB file or PostgreSQL URL, postgresql+psycopg://USER@HOST:PORT/DB, password from "
    "PGPASSWORD or ~/.pgpass (default: $PAPERHOUSE_WAREHOUSE or warehouse/paperhouse.duckdb)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperhouse", description="Hugging Face Daily Papers dumps to DuckDB or PostgreSQL."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="load new and changed dumps of a folder into the warehouse")
    load.add_argument("raw_dir", nargs="?", help="dump folder (default: $PAPERHOUSE_RAW_DIR or data/raw)")
    load.add_argument("--warehouse", help=WAREHOUSE_HELP)
    load.add_argument(
        "--listing-year", help="year of listing dates when neither the page nor the file name prints one"
    )
    load.add_argument(
        "--prune",
        action="store_true",
        help="remove dumps no longer in the folder (their sightings, orphan papers)",
    )
    load.add_argument(
        "--force", action="store_true", help="with --prune: allow an empty folder (removes every dump)"
    )
    load.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild: empty every table, then load every dump of the folder again",
    )
    load.add_argument(
        "--serving",
        help="read-only copy for BI tools (default: $PAPERHOUSE_SERVING or serving/ beside the warehouse)",
    )
    load.add_argument("--batch-mb", help="dump megabytes per transaction; memory grows with it (default: 32)")
    load.add_argument(
        "--wait",
        metavar="SECONDS",
        help="when another load holds the warehouse, wait up to SECONDS for it (default: 0)",
    )
    load.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    check = commands.add_parser(
        "check", help="audit every integrity rule over the whole warehouse (read-only)"
    )
    check.add_argument("--warehouse", help=WAREHOUSE_HELP)
    check.add_argument(
        "--json", action="store_true", help="print one JSON object instead of one line per rule"
    )
    grant = commands.add_parser(
        "grant-reader",
        help="PostgreSQL: let an existing ROLE read every table and view of the warehouse, and write nothing",
    )
    grant.add_argument("role", help="the analyst role (CREATE ROLE ... LOGIN first)")
    grant.add_argument("--warehouse", help=WAREHOUSE_HELP)
    return parser


def run_grant_reader(args: argparse.Namespace) -> int:
    """Grant a role read-only access to the PostgreSQL warehouse (migrated first, so every view exists)."""
    try:
        settings = Settings.from_env(warehouse=args.warehouse)
    except SettingsError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if not settings.on_server:
        return _fail(
            "grant-reader needs a PostgreSQL warehouse; a DuckDB file is read by whoever may read the file",
            EXIT_USAGE,
        )
    engine = engine_for(settings)
    try:
        migrate(engine)
        with engine.begin() as connection:
            grant_reader(connection, args.role)
    except Exception as exc:  # noqa: BLE001 - an unknown role, no right to grant: nothing was granted
        return _fail(f"grant-reader failed: {cause(exc)}; nothing was granted", EXIT_FAILED)
    finally:
        engine.dispose()
    print(f"{args.role} may now read every table and view of {warehouse_label(settings.warehouse)}")
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    """Audit the warehouse: every rule over every row; the exit code says whether all held."""
    try:
        warehouse = Settings.from_env(warehouse=args.warehouse).warehouse
        outcomes = audit_warehouse(warehouse)
    except SettingsError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except WarehouseLocked as exc:
        return _fail(describe_lock(exc), EXIT_LOCKED)
    except Exception as exc:  # noqa: BLE001 - a missing or unreadable file: say so, change nothing
        return _fail(describe_failure(exc), EXIT_FAILED)
    print(format_audit(outcomes, args.json))
    return EXIT_OK if all(o.passed for o in outcomes.values()) else EXIT_FAILED


def format_report(report: LoadReport, warehouse: Path | URL) -> str:
    """A human summary of one load."""
    serving = report.serving
    lines = [
        f"warehouse: {warehouse_label(warehouse)}",
        f"files: {report.files_seen} seen, {report.files_loaded} loaded, "
        f"{report.files_unchanged} unchanged, {len(report.files_rejected)} rejected",
        f"entries: {report.entries}; papers: {report.papers_new} new, "
        f"{report.papers_already_known} already known, {report.papers_removed} removed"
        + (f"; dumps pruned: {report.files_removed}" if report.files_removed else ""),
        f"links: {report.links}; paper keywords: {report.keywords}",
        "serving copy: " + _serving_state(serving),
        "tables: " + ", ".join(f"{name} {count}" for name, count in report.warehouse_rows.items()),
    ]
    if report.storage.get("rewritten_seconds") is not None:
        lines.insert(
            1,
            f"storage: rewritten in format {report.storage['version']} "
            f"in {report.storage['rewritten_seconds']:.1f} s (once)",
        )
    lines += [f"REJECTED '{printable(r['file'])}': {printable(r['reason'])}" for r in report.files_rejected]
    return "\n".join(lines)


def _serving_state(serving: dict) -> str:
    if serving.get("path", "") is None:
        return "none: BI tools query the PostgreSQL warehouse itself"
    if serving.get("error"):
        return f"{serving['path']} NOT published: {serving['error']}"
    if serving.get("publish_seconds") is not None:
        return f"{serving['path']} published in {serving['publish_seconds']:.3f} s"
    return f"{serving['path']} already current"


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        raw_dir=args.raw_dir,
        warehouse=args.warehouse,
        serving=args.serving,
        listing_year=args.listing_year,
        batch_mb=args.batch_mb,
        lock_wait_seconds=args.wait,
    )


def _fail(message: str, code: int) -> int:
    _say(message)
    return code


def _say(message: str) -> None:
    """One line on stderr, where the CLI's messages go (stdout holds the report)."""
    print(f"paperhouse: {message}", file=sys.stderr, flush=True)


class _Stop(Exception):
    """Ends `run_load` with an exit code and its one-line message."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _stopped(stop: StopSwitch, report: LoadReport) -> _Stop:
    name = signal.Signals(stop.signum).name
    return _Stop(f"stopped by {name}; {report.committed_summary()}", EXIT_SIGNAL_BASE + stop.signum)


def _rewrite_storage(settings: Settings, stop: StopSwitch) -> float | None:
    """Bring the warehouse file to the configured storage format (once), waiting for its lock."""
    try:
        return ensure_storage_format(
            settings.warehouse,
            settings.storage_version,
            settings.duckdb_memory,
            settings.lock_wait_seconds,
            stop.check,
            on_wait=_say,
        )
    except WarehouseLocked as exc:
        raise _Stop(str(exc), EXIT_LOCKED) from None
    except WarehousePathError as exc:
        raise _Stop(f"{exc}; nothing was done", EXIT_FAILED) from None
    except LoadInterrupted:
        raise
    except Exception as exc:  # noqa: BLE001 - the old file is untouched
        raise _Stop(
            f"could not rewrite {settings.warehouse} in storage format {settings.storage_version}: "
            f"{cause(exc)}; nothing was changed",
            EXIT_FAILED,
        ) from None


def _hold_lock(engine, settings: Settings, stop: StopSwitch):  # noqa: ANN001, ANN202
    """The connection that holds the write lock for the whole load."""
    try:
        return hold_writer_lock(
            engine, settings.warehouse, settings.lock_wait_seconds, stop.check, on_wait=_say
        )
    except WarehouseLocked as exc:
        raise _Stop(str(exc), EXIT_LOCKED) from None
    except LoadInterrupted:
        raise
    except Exception as exc:  # noqa: BLE001 - a folder, a file that is no DuckDB database, no memory
        raise _Stop(
            f"cannot open the warehouse {settings.warehouse}: {cause(exc)}; nothing was done",
            EXIT_FAILED,
        ) from None


def _refuse_pruning_everything(lock, paths: list[Path], settings: Settings) -> None:  # noqa: ANN001
    """`--prune` that would remove every loaded dump (an unmounted share with a stray file) needs --force."""
    loaded = loaded_names(lock)
    lock.rollback()
    names = {p.name for p in paths}
    if loaded and not names & set(loaded):
        raise _Stop(
            f"refusing --prune: none of the {len(loaded)} dumps the warehouse holds is in {settings.raw_dir} "
            "any more, so pruning would remove every one of them (an unmounted share looks exactly like "
            "this); pass --force to do it anyway",
            EXIT_USAGE,
        )


def _publish(engine, settings: Settings, report: LoadReport, as_json: bool) -> None:  # noqa: ANN001
    """Publish the serving copy if it lags; a failure is exit 4, the load standing."""
    serving = settings.serving_path
    report.serving = {"path": serving and str(serving.absolute()), "publish_seconds": None, "error": None}
    try:
        report.serving.update(publish_configured(engine, settings))
    except Exception as exc:  # noqa: BLE001 - the load stands; only the copy lags
        report.serving["error"] = cause(exc)
        _emit(report, settings, as_json)
        raise _Stop(
            f"the load committed, but publishing the serving copy {serving} failed: "
            f"{cause(exc)}. BI tools may still see the previous load; the next run "
            "publishes it",
            EXIT_NOT_PUBLISHED,
        ) from None


def _load_holding_lock(  # noqa: PLR0913
    engine,
    args: argparse.Namespace,
    settings: Settings,
    paths: list[Path],
    report: LoadReport,
    stop: StopSwitch,
) -> None:  # noqa: ANN001
    """Hold the write lock, refuse a prune that would empty the warehouse, and load into `report`."""
    lock = _hold_lock(engine, settings, stop)
    try:
        if args.prune and not args.force:
            _refuse_pruning_everything(lock, paths, settings)
        present = [p.name for p in paths] if args.prune else None
        options = LoadOptions.from_settings(settings, args.full_refresh, present)
        with _progress(
            report, shown=not args.json and sys.stdout.isatty() and sys.stderr.isatty()
        ) as advance:
            load_with(paths, engine, options, report, stop=stop, on_batch=advance)
    except _Stop:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure: say what committed, exit non-zero
        if stop.signum is not None:
            raise _stopped(stop, report) from None
        raise _Stop(f"load failed: {cause(exc)}; {report.committed_summary()}", EXIT_FAILED) from None
    finally:
        lock.close()


@contextmanager
def _progress(report: LoadReport, shown: bool) -> Iterator[Callable[..., None] | None]:
    """The terminal's progress bar, or nothing (with --json, or when output goes to a file or a pipe)."""
    if not shown:
        yield None
        return
    with terminal_bar(report) as advance:
        yield advance


def run_load(args: argparse.Namespace, stop: StopSwitch) -> int:
    """Validate the settings, hold the writer lock, load, publish; return the exit code."""
    try:
        settings = _settings(args)
        paths = discover_dumps(settings.raw_dir)
    except (SettingsError, FileNotFoundError, NotADirectoryError) as exc:
        return _fail(str(exc), EXIT_USAGE)
    if args.prune and not paths and not args.force:
        return _fail(
            f"refusing --prune: {settings.raw_dir} holds no dumps, and pruning would remove every dump from "
            "the warehouse (an unmounted share looks exactly like this); pass --force to do it anyway",
            EXIT_USAGE,
        )
    report = LoadReport(files_seen=len(paths))
    engine = None
    try:
        if not settings.on_server:  # a DuckDB file's format; a server keeps its own
            rewritten = _rewrite_storage(settings, stop)
            report.storage = {"version": settings.storage_version, "rewritten_seconds": rewritten}
        engine = engine_for(settings)
        _load_holding_lock(engine, args, settings, paths, report, stop)
        if stop.signum is not None:
            raise _Stop(
                f"stopped by {signal.Signals(stop.signum).name} before publishing; "
                f"{report.committed_summary()}; the next run publishes the serving copy",
                EXIT_SIGNAL_BASE + stop.signum,
            )
        _publish(engine, settings, report, args.json)
    except _Stop as exc:
        return _fail(str(exc), exc.code)
    finally:
        if engine is not None:
            engine.dispose()
    _emit(report, settings, args.json)
    if stop.signum is not None:  # arrived during the publish, which was let finish
        return _fail(
            f"stopped by {signal.Signals(stop.signum).name} after publishing; {report.committed_summary()}",
            EXIT_SIGNAL_BASE + stop.signum,
        )
    return EXIT_REJECTED if report.files_rejected else EXIT_OK


def _emit(report: LoadReport, settings: Settings, as_json: bool) -> None:
    try:
        print(
            json.dumps(report.to_dict(), indent=2) if as_json else format_report(report, settings.warehouse)
        )
        sys.stdout.flush()
    except BrokenPipeError:  # `paperhouse load | head`: the reader left; the load itself is done
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "check":
        return run_check(args)
    if args.command == "grant-reader":
        return run_grant_reader(args)
    stop = StopSwitch()
    with stop.installed():
        try:
            return run_load(args, stop)
        except LoadInterrupted as exc:  # a signal before the load began
            return _fail(f"{exc}; nothing was committed", EXIT_SIGNAL_BASE + exc.signum)


if __name__ == "__main__":
    sys.exit(main())
