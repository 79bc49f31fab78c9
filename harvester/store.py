"""content/: one Markdown file per entry, at a path derived from its id alone."""

import hashlib
import json
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml
from slugify import slugify

from harvester import frontmatter
from harvester.errors import KbError
from harvester.files import code_digest, write_atomic
from harvester.model import Entry

CONTENT_DIR = "content"
PROPOSAL_SUFFIX = ".proposed.md"  # a source's newer version of an entry a curator owns
STATE_FILE = "harvest-state.yml"  # the source's cursor, next to the entries it covers
PARSED_CACHE = ".kb/front-matter.json"  # derived, like the rest of .kb/


def entry_path(root: Path, entry_id: str) -> Path:
    """content/<source>/<native id, slugged>.md: never built from a title, never outside content/."""
    source, native = entry_id.split(":", 1)
    return root / CONTENT_DIR / slugify(source) / f"{_file_stem(native)}.md"


def _file_stem(native: str) -> str:
    slug = slugify(native, lowercase=False, max_length=100)
    if slug == native:
        return slug
    # Slugging can map two ids to one name ("a.b" and "a-b"): a hash of the id keeps them apart.
    return f"{slug or 'entry'}-{hashlib.sha256(native.encode('utf-8')).hexdigest()[:10]}"


def proposal_path(root: Path, entry_id: str) -> Path:
    return entry_path(root, entry_id).with_suffix(PROPOSAL_SUFFIX)


def read(path: Path, root: Path) -> Entry:
    entry, problems = _parse(path, root)
    if problems:
        raise KbError("\n".join(problems))
    return entry


def read_if_exists(path: Path, root: Path) -> Entry | None:
    return read(path, root) if path.is_file() else None


def write(root: Path, entry: Entry, path: Path | None = None) -> bool:
    """Write an entry (atomically); False when the file already held exactly this."""
    return write_atomic(path or entry_path(root, entry.id), frontmatter.dumps(entry))


def load_all(root: Path, cached: bool = False, bodies_in_files: bool = False) -> list[Entry]:
    """Every entry in content/, validated: all problems in all files are reported at once.
    `cached` reuses, and then updates, the parsed front matter kept in PARSED_CACHE: for a
    build, which only reads the entries, and reads all of them. With `bodies_in_files`, each
    body stays in its file until asked for (see FiledEntry): the entries are read, not changed."""
    entries, problems = check_all(root, cached, bodies_in_files)
    if problems:
        raise KbError("\n".join(problems))
    return entries


def check_all(root: Path, cached: bool = False, bodies_in_files: bool = False) -> tuple[list[Entry], list[str]]:
    entries: list[Entry] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    cache = _ParsedCache(root) if cached else None
    shared: dict[str, str] = {}  # the texts entries share, one copy each (see frontmatter._shared)
    for path in _entry_files(root):
        entry, found = _parse(path, root, cache, filed=bodies_in_files, shared=shared)
        problems.extend(found)
        if entry is None:
            continue
        where = path.relative_to(root).as_posix()
        if entry.id in seen:
            problems.append(f"{where}: id \"{entry.id}\" is also used by {seen[entry.id].relative_to(root).as_posix()}")
            continue
        if entry_path(root, entry.id) != path:
            problems.append(f"{where}: id \"{entry.id}\" belongs at {entry_path(root, entry.id).relative_to(root).as_posix()}")
            continue
        seen[entry.id] = path
        entries.append(entry)
    if cache is not None:
        cache.save()  # now, before any caller could change an entry's meta in place
    return entries, problems


class FiledEntry(Entry):
    """An entry whose body stays in its file, read again when asked for: a build holds every
    entry's front matter at once, but their bodies one at a time (at 100,000 entries, about
    470 MB less). The last body read is kept, for the layout asks for an entry's several times
    in a row. What the entry's file held when it was loaded is known by its `size` and
    `digest`, which tell whether what is derived from the entry is still current without
    reading it again. Read-only: a body is changed by writing the entry (store.write)."""

    _holding: Callable[[], "FiledEntry | None"] = lambda: None  # the one whose body is kept (a weak reference)

    def __init__(self, meta: dict, file: Path, where: str, data: bytes):
        self.meta, self._where, self._body = meta, where, None
        self.path = str(file)  # the file, as text: a fraction of the memory a Path takes
        self.size, self.digest = len(data), hashlib.blake2b(data, digest_size=16).hexdigest()

    @property
    def file(self) -> Path:
        return Path(self.path)

    @property
    def body(self) -> str:
        if self._body is None:
            try:
                body = frontmatter.body_of(self.file.read_text(encoding="utf-8"))
            except UnicodeDecodeError:
                raise KbError(f"{self._where}: not UTF-8 text") from None
            except OSError as exc:
                raise KbError(f"{self._where}: cannot read: {exc.strerror}") from None
            if body is None:
                raise KbError(f"{self._where}: no longer an entry file (changed while kb was reading the entries?)")
            if (holding := FiledEntry._holding()) is not None:
                holding._body = None
            FiledEntry._holding, self._body = weakref.ref(self), body
        return self._body


def read_cursor(root: Path, source: str) -> str | None:
    """Where the last complete harvest of `source` got to; kept beside its entries."""
    path = _state_path(root, source)
    if not path.is_file():
        return None
    state = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cursor = state.get("cursor") if isinstance(state, dict) else None
    if cursor is not None and not isinstance(cursor, str):
        raise KbError(f"{path.relative_to(root).as_posix()}: \"cursor\" must be text")
    return cursor


def write_cursor(root: Path, source: str, cursor: str) -> None:
    write_atomic(_state_path(root, source), yaml.safe_dump({"cursor": cursor}))


def _state_path(root: Path, source: str) -> Path:
    return root / CONTENT_DIR / slugify(source) / STATE_FILE


def remove_orphaned_temp_files(root: Path) -> None:
    """Temp files a killed run left before its rename: never valid entries, safe to drop."""
    for leftover in (root / CONTENT_DIR).rglob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def _entry_files(root: Path) -> Iterator[Path]:
    content = root / CONTENT_DIR
    for path in sorted(content.rglob("*.md")):
        if not path.name.endswith(PROPOSAL_SUFFIX) and not path.name.startswith("."):
            yield path


class _ParsedCache:
    """The valid front matter of the last load, by digest of its text, kept as JSON in
    PARSED_CACHE: parsing YAML is most of the time a build spends reading content/. Entries
    whose front matter did not change are not parsed or validated again; other kb code
    starts the cache over, as its checks may have changed."""

    def __init__(self, root: Path):
        self.path = root / PARSED_CACHE
        self.known: dict[str, dict] = {}
        self.used: dict[str, dict] = {}  # what this load found valid: what is saved
        self.hits = 0
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
            if saved.get("kb") == code_digest() and isinstance(saved.get("entries"), dict):
                self.known = saved["entries"]
        except (OSError, ValueError, AttributeError):
            pass  # none yet, or unreadable: everything is parsed

    def get(self, key: str) -> dict | None:
        # Handed over, not kept: the caller adds back the meta it keeps (see frontmatter.loads),
        # so that the cache and the entries never hold two copies of every entry's.
        meta = self.known.pop(key, None)
        if isinstance(meta, dict):
            self.hits += 1
            return meta
        return None

    def add(self, key: str, meta: dict) -> None:
        self.used[key] = meta

    def save(self) -> None:
        if self.known or len(self.used) != self.hits:  # some front matter went unused, or was new
            write_atomic(self.path, self._json(), durable=False)

    def _json(self) -> Iterator[str]:
        """{"kb": ..., "entries": {digest: meta}} as JSON, an entry at a time: made at once, it
        peaked at 4.1 KB an entry (410 MB at 100,000)."""
        yield f'{{"kb":{json.dumps(code_digest())},"entries":{{'
        for number, (key, meta) in enumerate(self.used.items()):
            yield f'{"," if number else ""}{json.dumps(key)}:{json.dumps(meta, ensure_ascii=False, separators=(",", ":"))}'
        yield "}}"


def _parse(path: Path, root: Path, cache: "_ParsedCache | None" = None, filed: bool = False,
           shared: dict[str, str] | None = None) -> tuple[Entry | None, list[str]]:
    """The entry in `path` (a FiledEntry if `filed`), or the problems that make it none."""
    where = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, [f"{where}: not UTF-8 text"]
    except OSError as exc:
        return None, [f"{where}: cannot read: {exc.strerror}"]
    entry, problems = frontmatter.loads(text, where, cache, shared)
    if entry is not None and filed:
        entry = FiledEntry(entry.meta, path, where, data)
    return entry, problems
