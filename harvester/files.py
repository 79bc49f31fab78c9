"""Crash-safe file writing: a reader sees the old file or the new one, never half of one.
And the digests that tell whether a file derived by an earlier run can still be trusted."""

import functools
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

# mkstemp creates files readable by the owner only; content and site files are meant to be
# shared like any other file, so they get the mode the user's umask gives new files.
_UMASK = os.umask(0)
os.umask(_UMASK)
NEW_FILE_MODE = 0o666 & ~_UMASK


def write_atomic(path: Path, text: str | bytes | Iterable[str], durable: bool = True) -> bool:
    """Write `text` (UTF-8 encoded) or bytes to `path` unless it already holds exactly that;
    return whether it wrote. `text` may also come in pieces, written as they come: a file of
    tens of megabytes (the site's list of every entry) is then never held whole, and is told
    unchanged by its digest once written.

    Skipping identical content keeps re-runs byte-for-byte no-ops (and mtimes untouched,
    which the incremental site build relies on). `durable=False` skips the flushes to disk,
    for files derived from others that the next run compares and rewrites anyway: a reader
    still never sees half a file, but a power cut may lose the newest version.
    """
    if isinstance(text, (str, bytes)):
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        try:
            if path.read_bytes() == data:
                return False
        except FileNotFoundError:
            pass
        _replace(_temp_file(path, [data], durable), path, durable)
        return True
    written = hashlib.blake2b()
    temp = _temp_file(path, _encoded(text, written), durable)
    if _digest_of(path) == written.digest():
        temp.unlink()
        return False
    _replace(temp, path, durable)
    return True


def _temp_file(path: Path, pieces: Iterable[bytes], durable: bool) -> Path:
    """A new file beside `path` holding `pieces`, to be renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, NEW_FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            for data in pieces:
                out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


def _encoded(pieces: Iterable[str], digest) -> Iterator[bytes]:
    for piece in pieces:
        data = piece.encode("utf-8")
        digest.update(data)
        yield data


def _replace(temp: Path, path: Path, durable: bool) -> None:
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)


def _digest_of(path: Path) -> bytes | None:
    try:
        with path.open("rb") as file:
            return hashlib.file_digest(file, hashlib.blake2b).digest()
    except FileNotFoundError:
        return None


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
