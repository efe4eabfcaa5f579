"""One load's run sequence, shared by `paperhouse load` and Dagster's `load_dumps`.

    list the folder → refuse an emptying prune → storage format → engine → write lock →
    refuse a prune that removes every dump → load (migrate, re-derive every paper's keywords if
    the extractor changed, the batches) → publish (still holding the lock) → release

Every guard lives here, so no entry point can skip one. The run never raises for an outcome:
it returns a `LoadRun` whose `outcome` the CLI turns into an exit code and Dagster into a
failure, and whose `message` says what was committed and what was not.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from etl.batch import CommittedBatch
from etl.checks import RuleBroken, merge_outcomes
from etl.engines import engine_at
from etl.extract import discover_dumps
from etl.inventory import loaded_names
from etl.pipeline import LoadOptions, load_with
from etl.report import LoadReport, cause
from etl.serving_layout import is_own_file
from etl.settings import Settings
from etl.stopping import LoadInterrupted, StopSwitch
from etl.warehouse import (
    WarehouseLocked,
    WarehousePathError,
    engine_for,
    ensure_storage_format,
    hold_writer_lock,
    pinned,
    release_writer_lock,
)


class Outcome(Enum):
    """How a run ended; the CLI's exit code for each is its README table."""

    LOADED = "loaded"  # every dump loaded, and the serving copy shows it
    REFUSED_DUMPS = "refused_dumps"  # some dumps refused, every other one loaded
    BAD_REQUEST = "bad_request"  # a setting or request refused before anything was opened or changed
    FAILED = "failed"  # the load failed; `message` says what was committed
    NOT_PUBLISHED = "not_published"  # committed, but the serving copy was not replaced
    LOCKED = "locked"  # another load holds the warehouse; nothing was done
    STOPPED = "stopped"  # a signal stopped the run; committed batches stay


@dataclass(frozen=True)
class LoadRequest:
    """What one run is asked to do, beyond its settings."""

    full_refresh: bool = False  # empty every table, then load the whole folder (whatever `only` says)
    prune: bool = False  # remove loaded dumps the folder no longer holds
    force: bool = False  # with `prune` or `full_refresh`: even when that removes every dump
    only: Sequence[str] | None = None  # load only these file names (Dagster's partitions); None: all
    accept_shrink: bool = False  # apply versions held back as suspect (etl.shrink)
    rederive_keywords: bool = False  # derive every paper's keywords again even if the extractor is unchanged


@dataclass
class LoadRun:
    """A run's result: its report, how it ended, and the one-line message when it did not simply load."""

    report: LoadReport
    outcome: Outcome = Outcome.LOADED
    message: str | None = None
    signum: int | None = None  # the signal that stopped it
    present: list[str] = field(default_factory=list)  # the dump names in the folder
    read: list[str] = field(default_factory=list)  # the dump names this run was given to load
    missing: list[str] = field(default_factory=list)  # names of `only` that are not in the folder
    inspected: Any = None  # what `inspect` returned, read under the run's lock
    complete: bool = False  # every batch committed and the publish was tried: the report is final

    @property
    def load_failed(self) -> bool:
        """Whether the load itself ended early (a publish failure leaves the load standing)."""
        return self.outcome in (Outcome.FAILED, Outcome.LOCKED, Outcome.STOPPED, Outcome.BAD_REQUEST)


class _End(Exception):
    """Ends the run early with an outcome and its message."""

    def __init__(self, outcome: Outcome, message: str, signum: int | None = None) -> None:
        super().__init__(message)
        self.outcome, self.signum = outcome, signum


def _stopped(signum: int, report: LoadReport, when: str = "", then: str = "") -> _End:
    name = signal.Signals(signum).name
    return _End(Outcome.STOPPED, f"stopped by {name}{when}; {report.committed_summary()}{then}", signum)


def _without_own_files(settings: Settings, paths: list[Path]) -> tuple[list[Path], list[dict[str, str]]]:
    """`paths` without links to the warehouse or its serving copy, and the refusal of each such link."""
    if settings.on_server:
        return paths, []
    own = [p for p in paths if is_own_file(p, settings.warehouse, settings.serving_path)]
    refusals = [
        {
            "file": p.name,
            "reason": f"{p.name}: a link to the warehouse or its serving copy, never read as a dump",
        }
        for p in own
    ]
    return [p for p in paths if p not in own], refusals


def _removing_option(request: LoadRequest) -> tuple[str, str] | None:
    """(option, what it does) when the request removes the dumps missing from the folder, unforced."""
    if request.force:
        return None
    if request.full_refresh:  # a rebuild keeps only what the folder holds, like a prune
        return "--full-refresh", "rebuilding from it"
    return ("--prune", "pruning") if request.prune else None


def _emptying_prune(settings: Settings, present: list[str], request: LoadRequest) -> str | None:
    removing = _removing_option(request)
    if removing and not present:
        option, doing = removing
        return (
            f"refusing {option}: {settings.raw_dir} holds no dumps, and {doing} would remove every dump from "
            "the warehouse (an unmounted share looks exactly like this); pass --force (Dagster: `force: true`) to do it anyway"
        )
    return None


def _refuse_pruning_everything(
    lock: Connection, present: list[str], settings: Settings, removing: tuple[str, str]
) -> None:
    """A prune or rebuild that would remove every loaded dump (an unmounted share with a stray file) needs force."""
    loaded = loaded_names(lock)
    lock.rollback()
    if loaded and not set(present) & set(loaded):
        option, doing = removing
        raise _End(
            Outcome.BAD_REQUEST,
            f"refusing {option}: none of the {len(loaded)} dumps the warehouse holds is in {settings.raw_dir} "
            f"any more, so {doing} would remove every one of them (an unmounted share looks exactly like "
            "this); pass --force (Dagster: `force: true`) to do it anyway",
        )


def _rewrite_storage(
    settings: Settings, stop: StopSwitch, on_wait: Callable[[str], None] | None
) -> float | None:
    """Bring a DuckDB warehouse file to the configured storage format (once), waiting for its lock."""
    try:
        return ensure_storage_format(
            settings.warehouse,
            settings.storage_version,
            settings.duckdb_memory,
            settings.lock_wait_seconds,
            stop.check,
            on_wait=on_wait,
        )
    except (WarehouseLocked, LoadInterrupted):
        raise
    except WarehousePathError as exc:  # a folder, a SQLite file, a path under a file: nothing opened
        raise _End(Outcome.FAILED, f"{exc}; nothing was done") from None
    except Exception as exc:  # noqa: BLE001 - the old file is untouched
        raise _End(
            Outcome.FAILED,
            f"could not rewrite {settings.warehouse} in storage format {settings.storage_version}: "
            f"{cause(exc)}; nothing was changed",
        ) from None


def _hold_lock(
    engine: Engine,
    settings: Settings,
    stop: StopSwitch,
    on_wait: Callable[[str], None] | None,
    holder: str | None,
) -> Connection:
    """The connection that holds the write lock for the whole run, publish included."""
    try:
        return hold_writer_lock(
            engine, settings.warehouse, settings.lock_wait_seconds, stop.check, on_wait, holder=holder
        )
    except (WarehouseLocked, LoadInterrupted):
        raise
    except Exception as exc:  # noqa: BLE001 - a folder, a file that is no DuckDB database, no memory
        raise _End(
            Outcome.FAILED, f"cannot open the warehouse {settings.warehouse}: {cause(exc)}; nothing was done"
        ) from None


def _load(
    engine: Engine,
    paths: list[Path],
    options: LoadOptions,
    report: LoadReport,
    stop: StopSwitch,
    on_batch: Callable[[CommittedBatch, LoadReport], None] | None,
) -> None:
    """Load `paths` into `report`; a failure ends the run saying what was committed."""
    try:
        load_with(paths, engine, options, report, stop=stop, on_batch=on_batch)
    except RuleBroken as exc:
        report.checks = {n: merge_outcomes(report.checks.get(n), o) for n, o in exc.outcomes.items()}
        raise _End(
            Outcome.FAILED,
            f"an integrity rule broke, so its batch was rolled back ({exc}); {report.committed_summary()}",
        ) from None
    except Exception as exc:  # noqa: BLE001 - any failure: say what committed
        if stop.signum is not None:
            raise _stopped(stop.signum, report) from None
        raise _End(Outcome.FAILED, f"load failed: {cause(exc)}; {report.committed_summary()}") from None


def _publish(
    engine: Engine,
    settings: Settings,
    report: LoadReport,
    stop: StopSwitch,
    on_wait: Callable[[str], None] | None,
) -> None:
    """Publish the serving copy if it lags; a failure leaves the committed load standing.

    Another publish of the same copy is waited for up to the lock wait; a stop request ends
    that wait (nothing of this publish was written yet).
    """
    serving = settings.serving_path
    report.serving = {"path": serving and str(serving.absolute()), "publish_seconds": None, "error": None}
    try:
        report.serving.update(
            engine_at(settings.warehouse).publish(engine, settings, stop_check=stop.check, on_wait=on_wait)
        )
    except LoadInterrupted as exc:
        report.serving["error"] = f"{exc} while waiting for another publish"
        raise _stopped(
            exc.signum, report, " before publishing", "; the next run publishes the serving copy"
        ) from None
    except Exception as exc:  # noqa: BLE001 - the load stands; only the copy lags
        report.serving["error"] = cause(exc)
        raise _End(
            Outcome.NOT_PUBLISHED,
            f"the load committed, but publishing the serving copy {serving} failed: {cause(exc)}. "
            "BI tools may still see the previous load; the next run publishes it",
        ) from None


def run_load(  # noqa: PLR0913
    settings: Settings,
    request: LoadRequest = LoadRequest(),
    stop: StopSwitch | None = None,
    on_wait: Callable[[str], None] | None = None,
    on_batch: Callable[[CommittedBatch, LoadReport], None] | None = None,
    inspect: Callable[[Engine, LoadRun], Any] | None = None,
    report: LoadReport | None = None,
    holder: str | None = None,
) -> LoadRun:
    """Run one load of the configured folder with every guard; never raises for an outcome.

    `on_wait` hears once whom a wait for the warehouse waits for; `on_batch` hears each
    committed batch; `inspect` reads the warehouse after the load (whatever its outcome, while
    the lock is still held) and its result is `LoadRun.inspected`; `report` (filled as batches
    commit) is the run's, given when a caller shows progress. The serving copy is published
    only after a load whose every batch committed, before the lock is released, so no other
    writer can write while the copy is made. `holder` names the load to another writer that meets
    its lock (`Dagster run <id>`), beside its pid.
    """
    stop = stop or StopSwitch()
    report = report if report is not None else LoadReport()
    run = LoadRun(report)
    try:
        paths = discover_dumps(settings.raw_dir)
    except (FileNotFoundError, NotADirectoryError) as exc:
        return LoadRun(report, Outcome.BAD_REQUEST, str(exc))
    run.present = [p.name for p in paths]
    paths, own = _without_own_files(settings, paths)
    if request.only is not None and not request.full_refresh:
        wanted = set(request.only)
        run.missing = sorted(wanted - set(run.present))
        paths = [p for p in paths if p.name in wanted]
    run.read = [p.name for p in paths]
    report.files_seen = len(paths)
    refusal = _emptying_prune(settings, run.present, request)
    if refusal:
        return LoadRun(report, Outcome.BAD_REQUEST, refusal, present=run.present)
    try:
        if not settings.on_server:  # a DuckDB file's format; a server keeps its own
            rewritten = _rewrite_storage(settings, stop, on_wait)
            report.storage = {"version": settings.storage_version, "rewritten_seconds": rewritten}
        with pinned(settings.warehouse):
            engine = engine_for(settings)
            try:
                lock = _hold_lock(engine, settings, stop, on_wait, holder)
                try:
                    _run_holding_lock(
                        engine, lock, settings, request, paths, run, stop, on_wait, on_batch, inspect
                    )
                finally:
                    release_writer_lock(lock)
            finally:
                engine.dispose()
    except _End as end:
        run.outcome, run.message, run.signum = end.outcome, str(end), end.signum
    except WarehouseLocked as exc:
        run.outcome, run.message = Outcome.LOCKED, str(exc)
    except LoadInterrupted as exc:  # before the load began
        run.outcome, run.message, run.signum = Outcome.STOPPED, f"{exc}; nothing was committed", exc.signum
    report.files_rejected = sorted(report.files_rejected + own, key=lambda r: r["file"])
    if run.outcome is Outcome.LOADED and report.needs_attention():
        run.outcome = Outcome.REFUSED_DUMPS
    return run


def _run_holding_lock(  # noqa: PLR0913
    engine: Engine,
    lock: Connection,
    settings: Settings,
    request: LoadRequest,
    paths: list[Path],
    run: LoadRun,
    stop: StopSwitch,
    on_wait: Callable[[str], None] | None,
    on_batch: Callable[[CommittedBatch, LoadReport], None] | None,
    inspect: Callable[[Engine, LoadRun], Any] | None,
) -> None:
    """Guard, load, inspect and publish while `lock` holds the warehouse."""
    report = run.report
    failure = None
    try:
        removing = _removing_option(request)
        if removing:
            _refuse_pruning_everything(lock, run.present, settings, removing)
        options = LoadOptions.from_settings(
            settings,
            request.full_refresh,
            run.present if request.prune else None,
            request.accept_shrink,
            request.rederive_keywords,
        )
        _load(engine, paths, options, report, stop, on_batch)
    except _End as end:
        failure = end
    if inspect is not None:
        run.outcome = failure.outcome if failure else run.outcome
        run.inspected = inspect(engine, run)
    if failure is not None:
        raise failure
    if stop.signum is not None:
        raise _stopped(stop.signum, report, " before publishing", "; the next run publishes the serving copy")
    run.complete = True
    _publish(engine, settings, report, stop, on_wait)
    if stop.signum is not None:  # arrived during the publish, which was let finish
        raise _stopped(stop.signum, report, " after publishing")
