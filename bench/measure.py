"""Time and measure memory of one pipeline run per stage, in this (fresh) process.

    python -m bench.measure CORPUS WAREHOUSE [--batch-mb 64] [--frames DIR] [--changed DUMP]

Runs `etl.pipeline.load_batches` on every dump of CORPUS into a new WAREHOUSE, then the views
stage (views at the head revision, every view queried, serving copy published). Prints one
JSON object: seconds and peak RSS per stage, totals, corpus bytes and entries. With --frames,
each batch's staging frames are also written there as Parquet (outside the timed stages), so
another loader can be timed on exactly the same frames. With --changed, a new version of one
dump (same name, other content) is loaded afterwards, untimed, as one more batch.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import threading
import time
from pathlib import Path

from sqlalchemy import text

import etl.pipeline
import etl.transform
from etl.extract import discover_dumps
from etl.serving import publish
from etl.serving_layout import default_serving_path
from etl.settings import Settings
from etl.timing import StageClock
from etl.warehouse import engine_for, head_views, migrate

_PAGE = os.sysconf("SC_PAGE_SIZE")


def current_rss() -> int:
    """Resident set size of this process now, in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


class RssSampler(threading.Thread):
    """Samples this process's RSS every few milliseconds, to attribute peaks to stages."""

    def __init__(self, interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.interval, self.samples, self._done = interval, [], threading.Event()

    def run(self) -> None:
        """Sample until stopped."""
        while not self._done.is_set():
            self.samples.append((time.perf_counter(), current_rss()))
            time.sleep(self.interval)

    def stop(self) -> None:
        """Stop sampling."""
        self._done.set()
        self.join()

    def peak(self, intervals: list[tuple[float, float]]) -> int:
        """Highest RSS sampled within any of `intervals`.

        An interval shorter than the sampler's turn (a busy machine can delay it by tens of
        milliseconds) may hold no sample: it gets the last one taken before it ended.
        """
        peak = 0
        for a, b in intervals:
            inside = [rss for at, rss in self.samples if a <= at <= b]
            before = [rss for at, rss in self.samples if at <= b][-1:]
            peak = max(peak, *(inside or before or [rss for _, rss in self.samples[:1]]))
        return peak


class FrameSaver:
    """Wraps `etl.pipeline.merge_checked` so each batch's frames are also written to a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.batches, self.seconds = folder, 0, 0.0
        self.original = etl.pipeline.merge_checked
        etl.pipeline.merge_checked = self.commit_and_save

    def commit_and_save(self, connection, planned, batch, *args, **kwargs):
        """Save the batch's frames as Parquet (time kept apart), then merge it."""
        started = time.perf_counter()
        for name, frame in batch.frames().items():
            (self.folder / name).mkdir(parents=True, exist_ok=True)
            frame.write_parquet(self.folder / name / f"{self.batches:05d}.parquet")
        self.batches += 1
        self.seconds += time.perf_counter() - started
        return self.original(connection, planned, batch, *args, **kwargs)


class KeywordCounter:
    """Wraps `etl.transform.extract_keywords` to count the papers that went through it."""

    def __init__(self) -> None:
        self.papers = 0
        self.original = etl.transform.extract_keywords
        etl.transform.extract_keywords = self.extract

    def extract(self, papers, *args, **kwargs):
        """Count, then extract."""
        self.papers += papers.height
        return self.original(papers, *args, **kwargs)


def peak_by_share(
    sampler: RssSampler, started: float, progress: list[tuple[float, int]], parts: int
) -> list[int]:
    """Peak RSS so far once each 1/`parts` of the corpus was committed: flat if memory is bounded by the batch.

    `progress` holds (time, corpus bytes committed) after each batch.
    """
    total = progress[-1][1] if progress else 0
    peaks = []
    for part in range(1, parts + 1):
        until = next((at for at, done in progress if done * parts >= total * part), progress[-1][0])
        peaks.append(sampler.peak([(started, until)]))
    return peaks


def views_stage(engine, warehouse: Path) -> dict[str, int]:
    """Bring views to the head revision, query each one, publish the serving copy; rows per view."""
    migrate(engine)
    with engine.connect() as connection:
        rows = {
            name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in head_views()
        }
    publish(engine, warehouse, default_serving_path(warehouse))
    return rows


def measure(
    corpus: Path, warehouse: Path, batch_bytes: int, frames: Path | None = None, changed: Path | None = None
) -> dict:
    """Run the pipeline on `corpus` into a new `warehouse`; return per-stage figures."""
    saver = FrameSaver(frames) if frames is not None else None
    keyworded = KeywordCounter()
    paths = discover_dumps(corpus)
    engine = engine_for(dataclasses.replace(Settings.from_env(), warehouse=warehouse))
    clock, sampler = StageClock(), RssSampler()
    sampler.start()
    started = time.perf_counter()
    progress: list[tuple[float, int]] = []

    def committed(_done, report) -> None:  # noqa: ANN001
        progress.append((time.perf_counter(), report.bytes_read))

    report = etl.pipeline.load_paths(paths, engine, batch_bytes=batch_bytes, clock=clock, on_batch=committed)
    entries, rows = report.entries, report.warehouse_rows
    batch_papers = keyworded.papers  # what keyword extraction went through (papers new to the load)
    with clock.stage("views"):
        view_rows = views_stage(engine, warehouse)
    saving = saver.seconds if saver else 0.0  # spent inside the load stage, but not loading
    batches = saver.batches if saver else None
    total = time.perf_counter() - started - saving
    sampler.stop()
    seconds = clock.seconds()
    seconds["load"] -= saving
    if changed is not None:
        etl.pipeline.load_paths([changed], engine)
    engine.dispose()
    spans: dict[str, list[tuple[float, float]]] = {}
    for name, begin, end in clock.intervals:
        spans.setdefault(name, []).append((begin, end))
    return {
        "corpus_bytes": sum(p.stat().st_size for p in paths),
        "dumps": len(paths),
        "entries": entries,
        "papers": rows["papers"],
        "batch_papers": batch_papers,
        "warehouse_rows": rows,
        "view_rows": view_rows,
        "batch_bytes": batch_bytes,
        "stages": {
            name: {"seconds": seconds, "peak_rss": sampler.peak(spans.get(name, []))}
            for name, seconds in seconds.items()
        },
        "total_seconds": total,
        "frame_saving_seconds": saving,
        "batches": batches,
        # The kernel's high-water mark lags its per-thread RSS counters by a few pages, so a
        # sample read from /proc can exceed it: the peak is the larger of the two.
        "peak_rss": max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            max((rss for _, rss in sampler.samples), default=0),
        ),
        "peak_rss_by_fifth": peak_by_share(sampler, started, progress, parts=5),
        "warehouse_bytes": warehouse.stat().st_size,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.measure", description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--batch-mb", type=float, default=Settings().batch_mb)
    parser.add_argument("--frames", type=Path)
    parser.add_argument("--changed", type=Path)
    args = parser.parse_args(argv)
    result = measure(args.corpus, args.warehouse, int(args.batch_mb * 1_000_000), args.frames, args.changed)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
