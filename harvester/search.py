"""The site's search index: what is indexed for each entry, split into Pagefind indexes that
are rebuilt only when one of their entries changed, and the vocabulary the search page draws
typo corrections from.

Layout under the site (`pagefind/shards.json` says what the search page loads, and lists the
words too common to search beside others):
  pagefind/0/ ...      the indexes; the browser loads Pagefind's script from the first one
                       listed and merges the others into it (an empty index is not listed);
                       each with kb-words.json, what kb knows of its words
  pagefind/vocabulary/ the site's words by length ("7.txt"), most frequent first
  pagefind/filters.json every filter value with its number of entries
"""

import hashlib
import html
import json
import math
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harvester import pagefind, pagefind_repack
from harvester.files import code_digest, write_atomic
from harvester.model import Entry, entry_digest, split_body
from harvester.templating import plain_text

SEARCH_DIR = "pagefind"
MANIFEST = "shards.json"
WORDS_FILE = "kb-words.json"
FILTERS_FILE = "filters.json"
# How many indexes. Pagefind holds an index in memory while writing it, about 25 MB for each
# million characters of the entries' text (3,400 real-length entries peak near 290 MB): no
# index holds over INDEX_TEXT_CHARS characters of title and Markdown. Smaller indexes also
# make a rebuild cheaper (a changed entry reindexes its whole index), but each costs a query
# one more word chunk of about INDEX_BYTES (see pagefind_repack). So a site gets as many as
# keep a one-word query within QUERY_BUDGET, counting what every query fetches: Pagefind's
# script and stemmer, ten results, the filters and a vocabulary file (FIXED_BYTES), and the
# indexes' page and chunk lists, which grow with the entries however they are split
# (ENTRY_BYTES each). Never more than one per MIN_SHARD entries: scores weigh words by their
# rarity within each index, which a small index judges badly.
QUERY_BUDGET = 300_000
FIXED_BYTES, ENTRY_BYTES, INDEX_BYTES = 85_000, 6.1, 5_000
MIN_SHARD = 2500
INDEX_TEXT_CHARS = 12_000_000
FORMAT = 3  # bump when the records or kb-words.json change shape: every index is rebuilt
# Words (as Pagefind indexes them: stems) on this share of the entries or more tell no entry
# apart: like English stop words, the search page leaves them out of a query that has other
# words ("quantum" on a quantum computing site), which then loads none of their chunks.
COMMON_SHARE = 0.9
# What `write` reports: Pagefind has read an index's pages and builds the whole index in
# memory, its memory's peak (as it will again for each index after it); or it writes the last
# index it rebuilds, every peak behind it.
INDEXING, PEAKS_PASSED = "indexing", "peaks passed"
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
    shards: int
    reindexed: int  # indexes rebuilt by this run


@dataclass(frozen=True)
class Record:
    """What Pagefind indexes for an entry: its page's address, relative to the site root, and
    the HTML Pagefind reads."""

    url: str
    html: str


def record(entry: Entry, url: str) -> Record:
    """Title (weighted as a heading, and shown as written), tags, question and chosen answer
    as text, and the filters; none of the page's chrome."""
    question, answer = split_body(entry.body)
    filter_elements = "".join(
        f'<span data-pagefind-filter="{html.escape(name)}:{html.escape(value)}"></span>'
        for name, values in _filters(entry).items() for value in values
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


def _filters(entry: Entry) -> dict[str, list[str]]:
    filters = {
        "tag": entry.tags,
        "source": [(entry.meta.get("source") or {}).get("name") or entry.id.split(":", 1)[0]],
        "answer": [(entry.meta.get("answer") or {}).get("how_chosen") or entry.meta.get("kind", "faq")],
        "verified": ["yes" if entry.meta.get("verified_at") else "no"],
    }
    # Pagefind reads a comma in a filter attribute as the start of another filter.
    return {name: [value.replace(",", " ") for value in values] for name, values in filters.items()}


def write(site_dir: Path, entries: list[Entry], url_of: Callable[[str], str], language: str, full: bool = False,
          progress: Callable[[str], None] = lambda state: None) -> Report:
    """Make `site_dir/pagefind` index exactly `entries`, whose pages are at `url_of(entry id)`,
    rebuilding only the indexes whose entries changed (every index when `full`). Records are
    made only for the indexes rebuilt. `progress(INDEXING)` is called when Pagefind has read
    the pages of an index it rebuilds, `progress(PEAKS_PASSED)` when it writes the last one's
    files, or at once when it rebuilds none."""
    folder = site_dir / SEARCH_DIR
    previous = {} if full else _read_manifest(folder)
    count = _shard_count(len(entries), sum(len(entry.title) + len(entry.body) for entry in entries), previous.get("count", 0))
    shards: list[list[Entry]] = [[] for _ in range(count)]
    for entry in entries:
        shards[_shard_of(entry.id, count)].append(entry)
    digests = [_digest(shard, url_of, language) for shard in shards]
    old_digests = previous.get("digests", []) if previous.get("count") == count else []
    stale = [number for number in range(count)
             if number >= len(old_digests) or old_digests[number] != digests[number]
             or not (folder / str(number) / "pagefind-entry.json").is_file()]
    words: dict[int, Counter] = {}
    if stale:
        with pagefind.Indexer() as indexer:
            for number in stale:
                passed = (lambda: progress(PEAKS_PASSED)) if number == stale[-1] else (lambda: None)
                words[number] = _index_shard(indexer, folder / str(number), shards[number], url_of, language,
                                             on_read=lambda: progress(INDEXING), on_writing=passed)
        # Pagefind may still be writing files when it replies that it wrote them: only once it
        # has exited are they all there to be read.
        for number in stale:
            repacked = pagefind_repack.repack(folder / str(number), names=digests[number][:8])
            _keep_files_in_use(folder / str(number), words[number], repacked)
    else:
        progress(PEAKS_PASSED)
    _remove_other_shards(folder, count)
    indexes = [json.loads((folder / str(number) / WORDS_FILE).read_text(encoding="utf-8")) for number in range(count)]
    lengths = _write_vocabulary(folder, indexes)
    _write_filter_counts(folder, entries)
    manifest = {"format": FORMAT, "shards": [f"{number}/" for number in range(count) if shards[number]],
                "vocabulary": lengths, "common": _common_words(indexes), "count": count, "digests": digests}
    write_atomic(folder / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return Report(shards=count, reindexed=len(stale))


def _index_shard(indexer: "pagefind.Indexer", live: Path, shard: list[Entry], url_of: Callable[[str], str],
                 language: str, on_read: Callable[[], None], on_writing: Callable[[], None]) -> Counter:
    """Index `shard` into `live`, over the index it replaces; return its words and how many
    entries use each. `on_read` and `on_writing` are Pagefind's (see pagefind.Indexer.index).

    Once `pagefind_repack.repack` has renamed its files, `_keep_files_in_use` removes those
    the new index no longer uses. A build stopped half way leaves the index mixed, like the
    pages; the manifest, written last, still holds the old digest, so the next build indexes
    it again."""
    words: Counter = Counter()

    def pages():
        for url, entry in sorted((url_of(entry.id), entry) for entry in shard):
            made = record(entry, url)
            words.update(set(_words(made.html)))
            yield made.url, made.html

    indexer.index(pages(), live, language, on_read=on_read, on_writing=on_writing)
    return words


def _keep_files_in_use(live: Path, words: Counter, repacked: pagefind_repack.Repacked) -> None:
    used = pagefind.files_in_use(live) | {WORDS_FILE}
    for file in list(live.rglob("*")):
        if file.is_file() and file.relative_to(live).as_posix() not in used:
            file.unlink()
    known = {"pages": repacked.pages, "common": repacked.common, "words": words}
    write_atomic(live / WORDS_FILE, json.dumps(known, ensure_ascii=False, sort_keys=True))


def _common_words(indexes: list[dict]) -> list[str]:
    """The stems on COMMON_SHARE of the site's pages, from what each index knows of its words
    (`_keep_files_in_use`): each lists those on half its pages or more (see pagefind_repack)."""
    pages, common = sum(index["pages"] for index in indexes), Counter()
    for index in indexes:
        common.update(index["common"])
    return sorted(word for word, count in common.items() if count >= COMMON_SHARE * pages)


def _write_filter_counts(folder: Path, entries: list[Entry]) -> None:
    """Every filter's values with their entry counts, for the search page's filter menus:
    asking Pagefind instead loads every filter chunk of every index (230 KB at 20,000 entries)
    before the first query; this way it loads only the chunks of a filter in use."""
    counts: dict[str, Counter] = {}
    for entry in entries:
        for name, values in _filters(entry).items():
            counts.setdefault(name, Counter()).update(values)
    write_atomic(folder / FILTERS_FILE, json.dumps({name: dict(sorted(values.items())) for name, values in counts.items()},
                                                   ensure_ascii=False, sort_keys=True) + "\n")


def _write_vocabulary(folder: Path, indexes: list[dict]) -> list[int]:
    """Every word of the site, one file per word length, most frequent first: the search page
    loads only the lengths one edit away from a word it could not find."""
    words: Counter = Counter()
    for index in indexes:
        words.update(index["words"])
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


def _shard_count(entries: int, text: int, current: int) -> int:
    """How many indexes for `entries` of `text` characters (title and Markdown), where there
    are `current`."""
    by_memory = math.ceil(text / INDEX_TEXT_CHARS)
    by_budget = int((QUERY_BUDGET - FIXED_BYTES - ENTRY_BYTES * entries) // INDEX_BYTES)
    best = max(1, by_memory, min(by_budget, entries // MIN_SHARD))
    # A new count moves most entries to another index, so everything is reindexed: the count
    # stays while it is one away from the best and within memory, lest a site whose size
    # hovers at a boundary reindex everything on every build.
    return current if current and abs(current - best) <= 1 and current >= by_memory else best


def _shard_of(entry_id: str, count: int) -> int:
    return int(hashlib.sha1(entry_id.encode()).hexdigest()[:8], 16) % count


def _digest(shard: list[Entry], url_of: Callable[[str], str], language: str) -> str:
    # Of the whole entry, not only what its record shows: a sixth of the time it takes to make
    # the records, for the price of a reindex after an edit search does not see (a curator's note).
    digest = hashlib.sha256(f"{FORMAT}\0{code_digest()}\0{pagefind.version()}\0{language}".encode())
    for entry in sorted(shard, key=lambda entry: entry.id):
        digest.update(f"\0{url_of(entry.id)}\0{entry_digest(entry)}".encode())
    return digest.hexdigest()


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no index yet, or an unreadable one: everything is rebuilt
    return manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT else {}


def _remove_other_shards(folder: Path, count: int) -> None:
    for child in folder.iterdir():
        if child.is_dir() and child.name != "vocabulary" and not (child.name.isdigit() and int(child.name) < count):
            shutil.rmtree(child)
