"""How far a load is: dumps and megabytes committed, the rate, and the time left, after each batch."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from etl.report import LoadReport

MB = 1e6


@dataclass(frozen=True)
class Figures:
    """A load's progress: dumps and bytes committed of those planned, the rate so far, the seconds left."""

    dumps_done: int
    dumps_total: int
    bytes_done: int
    bytes_total: int
    seconds: float

    @property
    def mb_per_second(self) -> float:
        """Megabytes committed per second since the load began."""
        return self.bytes_done / MB / self.seconds if self.seconds > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        """At the rate so far, the seconds until the last planned byte is committed (None before a rate)."""
        rate = self.bytes_done / self.seconds if self.seconds > 0 else 0.0
        return (self.bytes_total - self.bytes_done) / rate if rate > 0 else None

    def line(self) -> str:
        """One log line: `12/500 dumps, 3.2/104.0 MB, 1.6 MB/s, 62 s left`."""
        left = self.seconds_left
        return (
            f"{self.dumps_done}/{self.dumps_total} dumps, {self.bytes_done / MB:.1f}/{self.bytes_total / MB:.1f} MB, "
            f"{self.mb_per_second:.1f} MB/s, "
            + ("time left unknown" if left is None else f"{left:.0f} s left")
        )


def figures(report: LoadReport, started: float, now: float | None = None) -> Figures:
    """The progress `report` shows, `started` being the load's start on the monotonic clock."""
    elapsed = (time.monotonic() if now is None else now) - started
    return Figures(
        len(report.committed_files),
        len(report.pending_files),
        report.bytes_done,
        report.bytes_pending,
        elapsed,
    )


@contextmanager
def terminal_bar(report: LoadReport) -> Iterator[Callable[..., None]]:
    """A progress bar on the terminal (stderr); yields the callback to run after each committed batch."""
    bar = Progress(
        TextColumn("loading"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[figures]}"),
        transient=True,  # the summary replaces it
    )
    started = time.monotonic()
    with bar:
        task = bar.add_task("load", total=None, figures="listing the folder")

        def advance(_done: object = None, _report: object = None) -> None:
            now = figures(report, started)
            bar.update(task, total=now.bytes_total or None, completed=now.bytes_done, figures=now.line())

        yield advance
