"""Wall time spent in each pipeline stage, over every batch of a load."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

STAGES = ("read", "parse", "dedupe", "links", "keywords", "search", "assemble", "load")


@dataclass
class StageClock:
    """Records when each stage ran; a load may pass through a stage once per batch."""

    intervals: list[tuple[str, float, float]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the enclosed block as one pass through stage `name`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.intervals.append((name, started, time.perf_counter()))

    def seconds(self) -> dict[str, float]:
        """Seconds spent per stage, summed over its passes."""
        totals = dict.fromkeys(STAGES, 0.0)
        for name, started, ended in self.intervals:
            totals[name] = totals.get(name, 0.0) + ended - started
        return totals
