"""A load's progress (etl.progress): dumps and megabytes committed, rate and time left."""

from __future__ import annotations

from pathlib import Path

from etl.extract import DumpFile
from etl.progress import Figures, figures
from etl.report import LoadReport


def test_the_figures_of_a_load_half_done():
    report = LoadReport()
    report.plan([DumpFile(Path(f"{i}.txt"), 2_000_000, 0) for i in range(4)], batches=2, unchanged=0)
    report.committed_files, report.bytes_done = ["0.txt", "1.txt"], 4_000_000
    now = figures(report, started=100.0, now=102.0)
    assert now == Figures(
        dumps_done=2, dumps_total=4, bytes_done=4_000_000, bytes_total=8_000_000, seconds=2.0
    )
    assert (now.mb_per_second, now.seconds_left) == (2.0, 2.0)
    assert now.line() == "2/4 dumps, 4.0/8.0 MB, 2.0 MB/s, 2 s left"


def test_before_the_first_batch_the_time_left_is_unknown():
    report = LoadReport()
    report.plan([DumpFile(Path("a.txt"), 1_500_000, 0)], batches=1, unchanged=0)
    assert (
        figures(report, started=5.0, now=5.0).line() == "0/1 dumps, 0.0/1.5 MB, 0.0 MB/s, time left unknown"
    )
