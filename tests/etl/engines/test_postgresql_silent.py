"""A PostgreSQL server that accepts connections and never answers: the load gives up in words, or stops at once."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from etl.cli import EXIT_FAILED, EXIT_SIGNAL_BASE
from tests.conftest import ROOT, SAMPLE_DIR


@contextmanager
def silent_server() -> Iterator[tuple[int, threading.Event]]:
    """A port on 127.0.0.1 whose server accepts every connection and never sends a byte; an event set on the first."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    done, connected = threading.Event(), threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
                connected.set()
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], connected
    finally:
        done.set()
        thread.join()
        for connection in [*accepted, listener]:
            connection.close()


def _load(port: int, timeout: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "etl.cli",
            "load",
            str(SAMPLE_DIR),
            "--warehouse",
            f"postgresql+psycopg://u@127.0.0.1:{port}/db",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "PAPERHOUSE_CONNECT_TIMEOUT": timeout},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_silent_server_fails_the_load_after_the_connect_timeout_in_words():
    with silent_server() as (port, _):
        started = time.monotonic()
        load = _load(port, "2")
        out, err = load.communicate(timeout=60)
        took = time.monotonic() - started
    assert (load.returncode, out) == (EXIT_FAILED, "")
    assert err == (
        f"paperhouse: cannot open the warehouse postgresql+psycopg://u@127.0.0.1:{port}/db: the PostgreSQL server "
        f"at 127.0.0.1:{port} did not answer within 2 s (PAPERHOUSE_CONNECT_TIMEOUT); nothing was done\n"
    )
    assert 2 <= took < 8


def test_sigterm_stops_a_load_waiting_on_a_silent_server_at_once():
    with silent_server() as (port, connected):
        load = _load(port, "300")
        assert connected.wait(60)
        time.sleep(1)
        assert load.poll() is None  # waiting for the server to answer
        signalled = time.monotonic()
        load.send_signal(signal.SIGTERM)
        out, err = load.communicate(timeout=60)
        took = time.monotonic() - signalled
    assert (load.returncode, out, err) == (
        EXIT_SIGNAL_BASE + signal.SIGTERM,
        "",
        "paperhouse: stopped by SIGTERM; nothing was committed\n",
    )
    assert took < 2.5  # the wait ends within 50 ms; the rest is the interpreter's exit on a busy machine
