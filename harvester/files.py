"""Crash-safe file writing: a reader sees the old file or the new one, never half of one.
And the digests that tell whether a file derived by an earlier run can still be trusted."""

import functools
import hashlib
import os
import tempfile
from pathlib import Path

# mkstemp creates files readable by the owner only; content and site files are meant to be
# shared like any other file, so they get the mode the user's umask gives new files.
_UMASK = os.umask(0)
os.umask(_UMASK)
NEW_FILE_MODE = 0o666 & ~_UMASK


def write_atomic(path: Path, text: str | bytes, durable: bool = True) -> bool:
    """Write `text` (UTF-8 encoded) or bytes to `path` unless it already holds exactly that;
    return whether it wrote.

    Skipping identical content keeps re-runs byte-for-byte no-ops (and mtimes untouched,
    which the incremental site build relies on). `durable=False` skips the flushes to disk,
    for files derived from others that the next run compares and rewrites anyway: a reader
    still never sees half a file, but a power cut may lose the newest version.
    """
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, NEW_FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)
    return True


def _fsync_dir(folder: Path) -> None:
    # The rename itself lives in the directory entry; without this a power cut can undo it.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def folder_digest(folder: Path, pattern: str = "*") -> str:
    """The names and contents of the files under `folder` matching `pattern`, hashed."""
    digest = hashlib.blake2b(digest_size=16)
    for file in sorted(path for path in folder.rglob(pattern) if path.is_file() and "__pycache__" not in path.parts):
        digest.update(f"\0{file.relative_to(folder)}\0".encode() + file.read_bytes())
    return digest.hexdigest()


@functools.cache
def code_digest() -> str:
    """kb's own code and packaged templates, hashed: a file kb derived (a cache under .kb/, a
    search index) is trusted only by the code that made it, not merely the same version."""
    from harvester.templating import PACKAGED_TEMPLATES

    return hashlib.blake2b(f"{folder_digest(Path(__file__).parent, '*.py')}\0{folder_digest(PACKAGED_TEMPLATES)}".encode(),
                           digest_size=16).hexdigest()
