"""One writer at a time per workspace: a curator and the nightly job must not interleave."""

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from harvester.errors import KbError

LOCK_FILE = ".kb/lock"


@contextmanager
def workspace_lock(root: Path, command: str):
    """Hold the workspace for `command`; if another kb process holds it, fail at once, naming it."""
    path = root / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another kb command"
            raise KbError(f"{root}: busy: {holder} is working in this workspace; try again when it ends") from None
        # The kernel drops the lock when the process dies, even by kill -9: no stale locks.
        os.ftruncate(fd, 0)
        os.write(fd, f"{command} (pid {os.getpid()})".encode())
        yield
    finally:
        os.close(fd)
