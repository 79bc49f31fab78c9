"""The site's search index: what is indexed for each entry, in parts that Pagefind reindexes
only when one of their entries changed, merged into the one index the site serves; and the
vocabulary the search page draws typo corrections from.

Layout under the site (`pagefind/search.json` says what the search page loads, and lists the
words too common to search beside others):
  pagefind/            the index, as Pagefind lays one out (pagefind_merge.py)
  pagefind/vocabulary/ the site's words by length ("7.txt"), most frequent first
  pagefind/filters.json every filter value with its number of entries
and the parts under the workspace's `.kb/search/` (pagefind_parts.py), with parts.json.
"""

import hashlib
import html
import json
import math
import re
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from harvester import frontmatter, pagefind, pagefind_merge, pagefind_parts
from harvester.errors import KbError
from harvester.files import code_digest, write_atomic
from harvester.model import split_body
from harvester.store import FiledEntry
from harvester.templating import plain_text

SEARCH_DIR = "pagefind"
MANIFEST = "search.json"
PARTS_DIR = ".kb/search"  # in the workspace: derived, like the rest of .kb/
PARTS_FILE = "parts.json"
FILTERS_FILE = "filters.json"
# How many parts. Pagefind holds an index in memory while writing it, about 25 MB for each
# million characters of the entries' text (3,400 real-length entries peak near 290 MB): no
# part's entry files hold over INDEX_FILE_BYTES bytes (front matter, a sixth of a real-length
# entry's, counted too), nor, so that a changed entry reindexes few others, over about
# PART_ENTRIES entries. The site serves one index merged from them, whatever their number.
PART_ENTRIES = 2500
INDEX_FILE_BYTES = 12_000_000
# Room for a part's pages to grow in the index's page numbers (see pagefind_merge), rounded
# up to SLOT_STEP: a part that outgrows it renumbers, and so reindexes, every part.
SLOT_ROOM, SLOT_STEP = 1.25, 256
FORMAT = 4  # bump when the records or the parts change shape: every part is reindexed
# Words (as Pagefind indexes them: stems) on this share of the entries or more tell no entry
# apart: like English stop words, the search page leaves them out of a query that has other
# words ("quantum" on a quantum computing site), which then loads none of their chunks.
COMMON_SHARE = 0.9
# What `write` reports, once: Pagefind has read the pages of the first part it reindexes, or
# there is none to reindex (the build's layout, which would compete for the cores, may start).
PAGES_READ = "pages read"
_WORD = re.compile(r"[^\W_]+")
_TAG = re.compile(r"<[^>]+>")
# Pagefind indexes words joined by a hyphen as the whole and as each part ("tcp-ip": "tcpip",
# "tcp" and "ip"), but words joined by another dash or a slash only as the whole
# ("known/unknown": "knownunknown"), which no search for a later part finds. Numbers alone
# are left as they are: "3/4" is a fraction, not two words.
_DASH_OR_SLASH = "[/\u2010-\u2015\u2212\ufe58\ufe63\uff0d]"
_JOINED = re.compile(rf"(?<=[^\W_]){_DASH_OR_SLASH}(?=[^\W\d_])|(?<=[^\W\d_]){_DASH_OR_SLASH}(?=[^\W_])")


@dataclass(frozen=True)
class Report:
    parts: int
    reindexed: int  # parts Pagefind indexed again in this run


@dataclass(frozen=True, slots=True)
class Searchable:
    """An entry as the index takes it, but its body: the index's process reads that again from
    the entry's file, a part at a time, so that it never holds every entry's text (at 100,000
    entries, the hundreds of megabytes it would keep while the render runs). Its process holds
    every entry's, so it keeps no more than that: 1.7 KB an entry was 0.6."""

    id: str
    path: str  # the entry's file
    title: str
    tags: tuple[str, ...]
    source: str
    answer: str  # how it was chosen
    verified: bool
    size: int  # of the file: what a part's memory is counted in
    digest: str  # of the file: whether the part holding the entry is current

    @property
    def file(self) -> Path:
        return Path(self.path)

    @property
    def filters(self) -> dict[str, tuple[str, ...]]:
        """Each filter's values, as record() writes them."""
        filters = {"tag": self.tags, "source": (self.source,), "answer": (self.answer,),
                   "verified": ("yes" if self.verified else "no",)}
        # Pagefind reads a comma in a filter attribute as the start of another filter.
        return {name: tuple(value.replace(",", " ") for value in values) for name, values in filters.items()}


def searchable(entry: FiledEntry) -> Searchable:
    """What the index takes of `entry`."""
    # Texts kept once, however many entries hold them: the process that receives these shares
    # what this one does (pickle sends an object once).
    source = (entry.meta.get("source") or {}).get("name") or sys.intern(entry.id.split(":", 1)[0])
    answer = (entry.meta.get("answer") or {}).get("how_chosen") or entry.meta.get("kind", "faq")
    return Searchable(entry.id, entry.path, entry.title, tuple(entry.tags), source, answer,
                      bool(entry.meta.get("verified_at")), entry.size, entry.digest)


@dataclass(frozen=True)
class Record:
    """What Pagefind indexes for an entry: its page's address, relative to the site root, and
    the HTML Pagefind reads."""

    url: str
    html: str


def record(entry: Searchable, body: str, url: str) -> Record:
    """Title (weighted as a heading, and shown as written), tags, question and chosen answer
    (from the entry's `body`) as text, and the filters; none of the page's chrome."""
    question, answer = split_body(body)
    filter_elements = "".join(
        f'<span data-pagefind-filter="{html.escape(name)}:{html.escape(value)}"></span>'
        for name, values in entry.filters.items() for value in values
    )
    page = (
        f"<html><body><meta data-pagefind-meta=\"title[content]\" content=\"{html.escape(entry.title)}\">"
        f"<h1>{_indexed(entry.title)}</h1><h3>{html.escape(' '.join(entry.tags))}</h3>"
        f"<p>{_indexed(plain_text(question))}</p><p>{_indexed(plain_text(answer))}</p>"
        f"{filter_elements}</body></html>"
    )
    return Record(url, page)


def _indexed(text: str) -> str:
    """`text` as HTML, with a hyphen for each dash or slash between words, so that Pagefind
    indexes each part too (an excerpt shows "known-unknown"; the title is shown as written)."""
    return html.escape(_JOINED.sub("-", text))


def write(site_dir: Path, parts_dir: Path, entries: list[Searchable], url_of: Callable[[str], str], language: str,
          full: bool = False, progress: Callable[[str], None] = lambda state: None) -> Report:
    """Make `site_dir/pagefind` index exactly `entries`, whose pages are at `url_of(entry id)`,
    from parts kept in `parts_dir`, reindexing only the parts whose entries' files changed
    (every part when `full`). Records are made only for the parts reindexed. `progress(PAGES_READ)` is
    called once Pagefind has read the pages of the first part it reindexes, or at once when it
    reindexes none."""
    live = site_dir / SEARCH_DIR
    settings = {} if full else _read_json(parts_dir / PARTS_FILE)
    count = _part_count(len(entries), sum(entry.size for entry in entries), settings.get("count", 0))
    grouped: list[list[Searchable]] = [[] for _ in range(count)]
    for entry in entries:
        grouped[_part_of(entry.id, count)].append(entry)
    slot = _slot(max(map(len, grouped)), settings.get("slot", 0) if settings.get("count") == count else 0)
    digests = [_digest([(url_of(entry.id), entry.digest) for entry in part], language, number * slot)
               for number, part in enumerate(grouped)]
    stale = [number for number in range(count) if full or not _current(parts_dir / str(number), digests[number], live)]
    write_atomic(parts_dir / PARTS_FILE, json.dumps({"format": FORMAT, "count": count, "slot": slot}) + "\n")
    if stale:
        with pagefind.Indexer() as indexer:
            for number in stale:
                on_read = (lambda: progress(PAGES_READ)) if number == stale[0] else (lambda: None)
                _index_part(indexer, parts_dir, number, grouped[number], number * slot, digests[number],
                            live, url_of, language, on_read)
    else:
        progress(PAGES_READ)
    for folder in parts_dir.iterdir():
        if folder.is_dir() and not (folder.name.isdigit() and int(folder.name) < count):
            shutil.rmtree(folder)
    # Read once all are stored: held while Pagefind indexed the others, beside the render, the
    # parts' pages, filters and words took about 2.5 MB a part (100 MB at 100,000 entries).
    parts = [_stored(parts_dir / str(number)) for number in range(count)]
    _write_index(live, parts, hashlib.sha256("\0".join(digests).encode()).hexdigest())
    _write_filter_counts(live, entries)
    return Report(parts=count, reindexed=len(stale))


def _index_part(indexer: "pagefind.Indexer", parts_dir: Path, number: int, entries: list[Searchable], first_page: int,
                digest: str, live: Path, url_of: Callable[[str], str], language: str,
                on_read: Callable[[], None]) -> None:
    """Index `entries` as part `number`, its pages numbered from `first_page`, and store it
    (pagefind_parts.store) with the words a typo could be corrected to. `on_read` is
    Pagefind's (see pagefind.Indexer.index)."""
    words: Counter = Counter()

    def pages():
        for url, entry in sorted((url_of(entry.id), entry) for entry in entries):
            made = record(entry, _body_of(entry), url)
            words.update(set(_words(made.html)))
            yield made.url, made.html

    output = parts_dir / f"{number}.pagefind"
    shutil.rmtree(output, ignore_errors=True)
    indexer.index(pages(), output, language, on_read=on_read)
    pagefind_parts.store(output, parts_dir / str(number), live, first_page, names=digest[:8],
                         known={"digest": digest, "words": words})
    shutil.rmtree(output)


def _current(folder: Path, digest: str, live: Path) -> bool:
    """Whether the part in `folder` indexes the pages `digest` stands for, and the site's index
    still has them (a site removed, or built from other parts, has not)."""
    part = pagefind_parts.read(folder)
    return (part is not None and part.meta.get("digest") == digest
            and all((live / "fragment" / f"{name}.pf_fragment").is_file() for name, _ in part.pages))


def _stored(folder: Path) -> pagefind_parts.Part:
    part = pagefind_parts.read(folder)
    if part is None:
        raise KbError(f"{folder}: a part of the search index went missing during the build")
    return part


def _write_index(live: Path, parts: list[pagefind_parts.Part], digest: str) -> None:
    """Merge `parts` into the site's index, unless it is their merge already; then the
    vocabulary and the manifest, and the files no longer in use go. A build stopped half way
    leaves the old index in use (the entry file is written last) and the manifest without the
    new digest, so the next build merges again."""
    # The vocabulary first: each part's words are let go once counted, before the merge.
    vocabulary = _write_vocabulary(live, (part.meta.pop("words") for part in parts))
    manifest = _read_json(live / MANIFEST)
    pages = sum(len(part.pages) for part in parts)
    if manifest.get("digest") != digest or (pages and not (live / pagefind.ENTRY_FILE).is_file()):
        thinned = pagefind_merge.merge(parts, live, names=digest[:8]) if pages else {}
        manifest = {"format": FORMAT, "digest": digest, "index": bool(pages),
                    "common": sorted(word for word, count in thinned.items() if count >= COMMON_SHARE * pages)}
    manifest["vocabulary"] = vocabulary
    write_atomic(live / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    in_use = pagefind.files_in_use(live) if manifest["index"] else set()
    for file in list(live.rglob("*")):
        name = file.relative_to(live).as_posix()
        if file.is_file() and name not in in_use and name not in (MANIFEST, FILTERS_FILE) and not name.startswith("vocabulary/"):
            file.unlink()
    for folder in sorted((path for path in live.rglob("*") if path.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def _write_filter_counts(folder: Path, entries: list[Searchable]) -> None:
    """Every filter's values with their entry counts, for the search page's filter menus:
    asking Pagefind instead loads every filter chunk of every index (230 KB at 20,000 entries)
    before the first query; this way it loads only the chunks of a filter in use."""
    counts: dict[str, Counter] = {}
    for entry in entries:
        for name, values in entry.filters.items():
            counts.setdefault(name, Counter()).update(values)
    write_atomic(folder / FILTERS_FILE, json.dumps({name: dict(sorted(values.items())) for name, values in counts.items()},
                                                   ensure_ascii=False, sort_keys=True) + "\n")


def _write_vocabulary(folder: Path, counts: Iterable[dict[str, int]]) -> list[int]:
    """Every word of the site (`counts`: how many entries of each part use each word), one
    file per word length, most frequent first: the search page loads only the lengths one edit
    away from a word it could not find."""
    words: Counter = Counter()
    for part_counts in counts:
        words.update(part_counts)
    by_length: dict[int, list[str]] = {}
    for word, _ in sorted(words.items(), key=lambda item: (-item[1], item[0])):
        by_length.setdefault(len(word), []).append(word)
    vocabulary = folder / "vocabulary"
    for length, listed in by_length.items():
        write_atomic(vocabulary / f"{length}.txt", "\n".join(listed) + "\n")
    for old in vocabulary.glob("*.txt"):
        if int(old.stem) not in by_length:
            old.unlink()
    return sorted(by_length)


def _words(record: str) -> list[str]:
    """The words a typo could be corrected to: letters (any script) and digits, 3 to 24 long,
    with at least one letter."""
    text = html.unescape(_TAG.sub(" ", record)).lower()
    return [word for word in _WORD.findall(text) if 3 <= len(word) <= 24 and not word.isdigit()]


def _part_count(entries: int, size: int, current: int) -> int:
    """How many parts for `entries` whose files hold `size` bytes, where there are `current`."""
    by_memory = math.ceil(size / INDEX_FILE_BYTES)
    best = max(1, by_memory, entries // PART_ENTRIES)
    # A new count moves most entries to another part, so everything is reindexed: the count
    # stays while it is one away from the best and within memory, lest a site whose size
    # hovers at a boundary reindex everything on every build.
    return current if current and abs(current - best) <= 1 and current >= by_memory else best


def _slot(largest: int, current: int) -> int:
    """How many page numbers each part has (see pagefind_merge), for parts of at most
    `largest` entries, where each has `current`."""
    if current and largest <= current:
        return current
    return max(1, math.ceil(largest * SLOT_ROOM / SLOT_STEP)) * SLOT_STEP


def _part_of(entry_id: str, count: int) -> int:
    return int(hashlib.sha1(entry_id.encode()).hexdigest()[:8], 16) % count


def _digest(pages: list[tuple[str, str]], language: str, first_page: int) -> str:
    """Of a part's pages, each (url, digest of its entry's file): of the whole entry, not only
    what its record shows, for the price of a reindex after an edit search does not see (a
    curator's note)."""
    digest = hashlib.sha256(f"{FORMAT}\0{code_digest()}\0{pagefind.version()}\0{language}\0{first_page}".encode())
    for url, file_digest in sorted(pages):
        digest.update(f"\0{url}\0{file_digest}".encode())
    return digest.hexdigest()


def _body_of(entry: Searchable) -> str:
    try:
        text = entry.file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise KbError(f"{entry.file}: cannot read the entry for the search index: {exc.strerror}") from None
    body = frontmatter.body_of(text)
    if body is None:
        raise KbError(f"{entry.file}: no longer an entry file (changed during the build?)")
    return body


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or an unreadable one: everything is made again
    return data if isinstance(data, dict) and data.get("format") == FORMAT else {}
