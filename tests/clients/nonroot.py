"""Run a client process as a user file modes apply to: never root, which ignores them.

As root (the CI), the client runs as `nobody` through `runuser` (util-linux, as .ci/with-postgres
runs PostgreSQL), and what it must read is handed to that user (`hand_over`): so only the file's
mode, never its owner, stops it writing. As any other user, it runs as that user, unchanged.

A program root installed where other users cannot reach (a venv whose interpreter is under
/root, pyenv's) is run the way that user could: the native binary of the duckdb-cli wheel
rather than its Python launcher, and a system Python of the same version with the venv's
packages on PYTHONPATH rather than the venv's interpreter.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CLIENT_USER = "nobody"
SYSTEM_PATH = ["/usr/local/bin", "/usr/bin", "/bin"]  # where a Python every user can run is looked for


def client_uid() -> int:
    """The user id the client runs as."""
    return pwd.getpwnam(CLIENT_USER).pw_uid if os.geteuid() == 0 else os.geteuid()


def as_client(argv: list[str]) -> list[str]:
    """`argv`, run as the client user."""
    if os.geteuid() != 0:
        return argv
    runuser = shutil.which("runuser")
    assert runuser, "runuser (util-linux) is needed to run a client as a user other than root"
    return [runuser, "-u", CLIENT_USER, "--", *argv]


def hand_over(folder: Path) -> None:
    """Make the client user own `folder` and everything under it (symlinks themselves), modes kept."""
    uid = client_uid()
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, uid, -1, follow_symlinks=False)


@contextmanager
def open_folder() -> Iterator[Path]:
    """A temporary folder the client user can reach (pytest's are private to root), removed after."""
    folder = Path(tempfile.mkdtemp(prefix="paperhouse-client-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def reachable(path: Path) -> bool:
    """Whether any user can run `path`: it and every folder above it readable and searchable by all."""
    real = Path(os.path.realpath(path))
    return real.exists() and all(p.stat().st_mode & 0o005 == 0o005 for p in [real, *real.parents])


def cli_as_client(launcher: Path) -> list[str]:
    """The duckdb CLI of the venv whose `bin/duckdb` is `launcher`, run as the client user.

    duckdb-cli 1.4 installs the binary itself as `bin/duckdb`; 1.5 a Python launcher that runs
    `duckdb_cli/duckdb` from site-packages (adding its extension folder, which no test needs).
    """
    if launcher.read_bytes()[:4] == b"\x7fELF" or (os.geteuid() != 0 and reachable(launcher)):
        return as_client([str(launcher)])
    (binary,) = launcher.parent.parent.glob("lib/python*/site-packages/duckdb_cli/duckdb")
    return as_client([str(binary)])


def python_as_client(python: Path) -> list[str]:
    """The venv interpreter `python`, run as the client user (a system one of its version, if need be)."""
    if os.geteuid() != 0 or reachable(python):
        return as_client([str(python)])
    asked = (
        "import sys, sysconfig; print('%d.%d' % sys.version_info[:2]); print(sysconfig.get_path('platlib'))"
    )
    version, packages = subprocess.run(
        [str(python), "-c", asked], capture_output=True, text=True, check=True
    ).stdout.split()
    found = (shutil.which(f"python{version}", path=folder) for folder in SYSTEM_PATH)
    system = next((p for p in found if p and reachable(Path(p))), None)
    assert system, f"no Python {version} that {CLIENT_USER} can run"
    return as_client(["env", f"PYTHONPATH={packages}", system])
