"""Stop a load cleanly on SIGINT or SIGTERM: interrupt the running statement, stop between batches.

A signal handler that raised at an arbitrary point could land between a commit and the
bookkeeping that records it, and the report would then guess. Instead the handler only
records the signal and interrupts the statement in flight (DuckDB's interrupt, PostgreSQL's
cancel request, sent from a thread, then the socket shut if the server does not answer; that
batch rolls back); the load checks the switch at safe points, between statements and between batches.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class LoadInterrupted(RuntimeError):
    """The load stopped on a signal; every batch it reported as committed is committed."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = signum


@dataclass
class StopSwitch:
    """Records a stop request; `check` raises `LoadInterrupted` once one arrived."""

    signum: int | None = None
    _connections: list = field(default_factory=list)

    def request(self, signum: int, _frame: object = None) -> None:
        """Record the signal and interrupt the statements running on the watched connections."""
        self.signum = signum
        for interrupt in self._connections:
            interrupt()

    def check(self) -> None:
        """Raise `LoadInterrupted` if a stop was requested."""
        if self.signum is not None:
            raise LoadInterrupted(self.signum)

    @contextmanager
    def watching(self, interrupt: Callable[[], None]) -> Iterator[None]:
        """Call `interrupt` (it stops a connection's running statement) on a stop request while in the block."""
        self._connections.append(interrupt)
        try:
            yield
        finally:
            self._connections.remove(interrupt)

    @contextmanager
    def installed(self) -> Iterator[StopSwitch]:
        """Route SIGINT and SIGTERM to this switch in the block (main thread only)."""
        previous = {s: signal.signal(s, self.request) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
