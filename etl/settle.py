"""Read a dump only once it has settled: size and modification time unchanged for a while.

The real dumps end without a newline, so nothing in a file marks a cut: a file still being
downloaded parses as a valid, shorter dump (its last card `Jun 6, 2024 7`, cut to `Jun 6`, is a
valid card of another year with no upvotes). Age alone cannot be the rule either, since every
file of a fresh `git clone` is seconds old. So a file whose modification time is at least
`seconds` old is settled (every write moves it); the younger ones are stat'ed again after one
pause, until the youngest is `seconds` old (at most `seconds`): unchanged, they are settled and
read in this run; changed or gone, they are deferred to the next run. `etl.extract` checks
again around the read itself.
"""

from __future__ import annotations

from collections.abc import Callable

from etl import clock
from etl.extract import DumpFile, deferral, stat_dump

PAUSE_SLICE = 0.2  # a stop request is seen within this while pausing
NS = 1_000_000_000


def settle_files(
    files: list[DumpFile], seconds: float, check: Callable[[], None] | None = None
) -> tuple[list[DumpFile], list[dict[str, str]]]:
    """`files` into those settled (to read now) and the refusals-for-now of those still changing.

    `check` runs between the slices of the pause (a stop request raises there).
    """
    window = int(seconds * NS)
    now = clock.now_ns()
    young = [f for f in files if now - f.mtime_ns < window]
    if not young:
        return files, []
    pause = min(window, max(f.mtime_ns + window - now for f in young)) / NS
    _pause(pause, check)
    changed = {}
    for file in young:
        again = stat_dump(file.path)
        if not isinstance(again, DumpFile) or (again.size, again.mtime_ns) != (file.size, file.mtime_ns):
            changed[file.path] = deferral(file, again, when=f"within {pause:.1f} s")
    settled = [f for f in files if f.path not in changed]
    return settled, [changed[f.path] for f in files if f.path in changed]


def _pause(seconds: float, check: Callable[[], None] | None) -> None:
    """Sleep `seconds` on the load's clock, in slices, running `check` between them."""
    deadline = clock.now_ns() + int(seconds * NS)
    while (left := deadline - clock.now_ns()) > 0:
        if check is not None:
            check()
        clock.sleep(min(left / NS, PAUSE_SLICE))
    if check is not None:
        check()
