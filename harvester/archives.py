"""Reading chosen members out of untrusted archives, without trusting their paths or sizes."""

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import py7zr
import py7zr.exceptions
import py7zr.io

from harvester.errors import KbError


@contextmanager
def members_of_7z(archive: Path, wanted: set[str]) -> Iterator[Path]:
    """Extract the regular files whose base name is in `wanted` into a temporary folder
    (under those base names, so no archive path is ever used) and yield that folder.

    Guards: links and folders are never extracted; a member may not grow past the size its
    header declares (decompression bombs lie about it), and the declared total must fit on disk.
    """
    folder = Path(tempfile.mkdtemp(prefix="kb-7z-"))
    try:
        _extract(archive, folder, wanted)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _extract(archive: Path, folder: Path, wanted: set[str]) -> None:
    factory = None
    try:
        with py7zr.SevenZipFile(archive, mode="r") as seven:
            picked = _pick(archive, seven.list(), wanted)
            _check_room(archive, folder, sum(info.uncompressed for info in picked.values()))
            factory = _BoundedFileFactory(folder, {name: info.uncompressed for name, info in picked.items()})
            seven.extract(targets=list(picked), factory=factory)
    except (py7zr.exceptions.ArchiveError, EOFError, OSError, ValueError) as exc:
        raise KbError(f"{archive}: not a readable 7z archive ({exc})") from None
    finally:
        if factory:
            factory.close_all()


def _pick(archive: Path, infos, wanted: set[str]) -> dict:
    picked = {}
    for info in infos:
        base = PurePosixPath(info.filename.replace("\\", "/")).name
        if base in wanted and info.is_file and not info.is_symlink and not info.is_directory:
            if base in {PurePosixPath(p).name for p in picked}:
                raise KbError(f"{archive}: holds more than one {base}")
            picked[info.filename] = info
    return picked


def _check_room(archive: Path, folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise KbError(f"{archive}: unpacking needs {needed:,} bytes, only {free:,} are free")


class _BoundedFile(py7zr.io.Py7zIO):
    def __init__(self, path: Path, limit: int):
        self.path, self.limit, self.written = path, limit, 0
        self.file = path.open("wb")

    def write(self, data) -> int:
        self.written += len(data)
        if self.written > self.limit:
            raise ValueError(f"{self.path.name} unpacks larger than its declared {self.limit:,} bytes")
        return self.file.write(data)

    def read(self, size=None) -> bytes:
        raise OSError("write-only")

    def seek(self, offset, whence=0) -> int:
        return self.file.seek(offset, whence)

    def flush(self) -> None:
        self.file.flush()

    def size(self) -> int:
        return self.written

    def close(self) -> None:
        self.file.close()


class _BoundedFileFactory(py7zr.io.WriterFactory):
    def __init__(self, folder: Path, limits: dict[str, int]):
        self.folder, self.limits, self.files = folder, limits, []

    def create(self, filename: str) -> py7zr.io.Py7zIO:
        if filename not in self.limits:
            raise ValueError(f"unexpected member {filename!r}")
        target = self.folder / PurePosixPath(filename.replace("\\", "/")).name
        bounded = _BoundedFile(target, self.limits[filename])
        self.files.append(bounded)
        return bounded

    def close_all(self) -> None:
        for bounded in self.files:
            bounded.close()


class ExportTree:
    """The files of an export given as a folder or a .zip, read in place: a zip member's path is
    only ever a name to match, never a place on disk (no zip slip), and each read is bounded."""

    MAX_MEMBER = 512 * 1024 * 1024  # one JSON file of a chat export; far above any real one

    def __init__(self, path: Path):
        self.path = path
        self._zip = None
        if path.is_file():
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise KbError(f"{path}: not a readable zip archive ({exc})") from None

    def names(self) -> list[str]:
        """Every regular file, as a clean relative POSIX path, sorted."""
        if self._zip is None:
            return sorted(p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file() and not p.is_symlink())
        names = []
        for info in self._zip.infolist():
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if info.is_dir() or name.startswith("/") or ".." in parts or not parts:
                continue  # folders, and paths that would point outside the export: never read
            names.append(name)
        return sorted(names)

    def read_bytes(self, name: str) -> bytes:
        if self._zip is None:
            target = self.path / name
            if target.stat().st_size > self.MAX_MEMBER:
                raise KbError(f"{self.path}/{name}: larger than {self.MAX_MEMBER:,} bytes")
            return target.read_bytes()
        try:
            with self._zip.open(name) as member:
                data = member.read(self.MAX_MEMBER + 1)  # a bomb's declared size may lie: count
        except (zipfile.BadZipFile, OSError, KeyError) as exc:
            raise KbError(f"{self.path}: cannot read {name} ({exc})") from None
        if len(data) > self.MAX_MEMBER:
            raise KbError(f"{self.path}: {name} unpacks larger than {self.MAX_MEMBER:,} bytes")
        return data

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
