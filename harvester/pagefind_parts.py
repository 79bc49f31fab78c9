"""A part of the site's search index: Pagefind's index of some of the entries (as many as
Pagefind can hold in memory), kept under `.kb/search/` ready to be merged with the others into
the one index the site serves (pagefind_merge.py).

Pagefind's files are gzipped CBOR (pagefind.read_compressed); a word chunk is an array of one
array of words, each [word, [[page number, positions], ...]], where a negative position
-(w + 1) gives the weight w of the positions after it (Pagefind's pagefind_web/src/index.rs).
A page's score for a word is the sum of those weights, counted as Pagefind counts it (see
search.js's RANKING); where the word is on the page matters only to the excerpt.

A part keeps (all written by `store`, its PART_FILE last):
  part.json       what the merge needs besides the words: Pagefind's version and entry file,
                  the part's first page number, its pages (fragment name, length) and filters
  words.cbor      one CBOR item a word, in order: [word, weight, pages, encoded pages], where
                  the encoded pages are the word's [page number, positions] items as CBOR, so
                  that the merge joins words by joining bytes
and its pages' fragments go straight into the site's index, named after the part, with
Pagefind's script and WebAssembly.
"""

import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cbor2

from harvester import pagefind
from harvester.files import write_atomic

PART_FILE = "part.json"
WORDS_FILE = "words.cbor"  # not compressed: the merge reads it item by item, seeking back a little each time
# A position's weight is one byte to Pagefind: positions folded together weigh at most this.
MAX_WEIGHT = 255
# A word on this share of a part's pages has its positions folded (see _folded). Rarer words
# keep each position, so an excerpt marks every one; they cost a query little.
FOLDED_SHARE = 0.05


@dataclass(frozen=True)
class Part:
    """A part as stored (see the module's docstring)."""

    folder: Path
    meta: dict

    @property
    def pages(self) -> list[list]:
        return self.meta["pages"]

    def words(self) -> Iterator[list]:
        """Each stored word, in order, read as the merge goes: [word, weight, pages, bytes]."""
        if not self.meta["words_count"]:
            return
        with open(self.folder / WORDS_FILE, "rb") as stream:
            decoder = cbor2.CBORDecoder(stream)
            for _ in range(self.meta["words_count"]):
                yield decoder.decode()


def read(folder: Path) -> Part | None:
    """The part stored in `folder`, or None if there is none whole (a crash left it half written)."""
    try:
        meta = json.loads((folder / PART_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Part(folder, meta) if isinstance(meta, dict) else None


def store(pagefind_output: Path, folder: Path, live: Path, first_page: int, names: str, known: dict) -> Part:
    """Store the index Pagefind wrote in `pagefind_output` as the part in `folder`, its pages
    numbered from `first_page`; move its page fragments into the site's index in `live`,
    named `names` and their page's number, and copy Pagefind's script and WebAssembly there.
    `known` (JSON data) goes into the part's PART_FILE as it is. `pagefind_output` is left
    without its fragments."""
    shutil.rmtree(folder, ignore_errors=True)  # the part is not whole until its PART_FILE is written again
    folder.mkdir(parents=True)
    with pagefind.reading(pagefind_output):
        entry = json.loads((pagefind_output / pagefind.ENTRY_FILE).read_text(encoding="utf-8"))
        if not entry["languages"]:  # Pagefind indexed no page
            return _store_meta(folder, {**known, "first_page": first_page, "pages": [], "filters": {}, "words_count": 0})
        [(code, language)] = entry["languages"].items()  # kb gives Pagefind one language an index
        version, pages, chunks, filters, *_ = pagefind.read_compressed(pagefind_output / pagefind.metadata_name(language["hash"]))
        shared = _shared_positions(_each_word(pagefind_output, chunks), len(pages))
        count = _store_words(folder / WORDS_FILE, (_folded(word, shared) for word in _each_word(pagefind_output, chunks)), first_page)
        stored_pages = _move_fragments(pagefind_output, pages, live / "fragment", f"{code}_{names}")
        for script in ("pagefind.js", f"wasm.{language.get('wasm', 'unknown')}.pagefind", "wasm.unknown.pagefind"):
            if (pagefind_output / script).is_file():
                write_atomic(live / script, (pagefind_output / script).read_bytes())
        stored_filters = {}
        for name, chunk in filters:
            _, values = pagefind.read_compressed(pagefind_output / "filter" / f"{chunk}.pf_filter")
            stored_filters[name] = {value: [first_page + page for page in on] for value, on in values}
    return _store_meta(folder, {**known, "version": version, "entry": entry, "language": code, "first_page": first_page,
                                "pages": stored_pages, "filters": stored_filters, "words_count": count})


def _store_meta(folder: Path, meta: dict) -> Part:
    write_atomic(folder / PART_FILE, json.dumps(meta, ensure_ascii=False))
    return Part(folder, meta)


def _each_word(folder: Path, chunks: list) -> Iterator[list]:
    for chunk in chunks:
        words = pagefind.read_compressed(folder / "index" / f"{chunk[2]}.pf_index")
        if not (isinstance(words, list) and len(words) == 1 and isinstance(words[0], list)):
            raise ValueError(f"{chunk[2]}.pf_index is not a word chunk")
        yield from words[0]


def _store_words(path: Path, words: Iterable[list], first_page: int) -> int:
    """Write `words` to `path` as the part stores them (see the module's docstring); return
    how many."""
    count = 0
    partial = path.with_name(f".{path.name}.tmp")
    with open(partial, "wb") as stream:
        encoder = cbor2.CBOREncoder(stream)
        for text, pages in words:
            weight = sum(len(positions) + 1 for _, positions in pages)
            encoded = cbor2.dumps([[first_page + page, positions] for page, positions in pages])
            encoder.encode([text, weight, len(pages), encoded[len(array_start(len(pages))):]])
            count += 1
    partial.replace(path)
    return count


def _move_fragments(pagefind_output: Path, pages: list[list], fragments: Path, prefix: str) -> list[list]:
    """Move each page's fragment into `fragments`, named `prefix` and its number; return the
    pages as [name, length]."""
    fragments.mkdir(parents=True, exist_ok=True)
    moved: dict[str, str] = {}  # identical pages share one fragment
    stored = []
    for number, (fragment, length) in enumerate(pages):
        if fragment not in moved:
            moved[fragment] = f"{prefix}_{number}"
            shutil.move(pagefind_output / "fragment" / f"{fragment}.pf_fragment", fragments / f"{moved[fragment]}.pf_fragment")
        stored.append([moved[fragment], length])
    return stored


def array_start(length: int) -> bytes:
    """How CBOR starts an array of `length` items (RFC 8949, major type 4)."""
    if length < 24:
        return bytes([0x80 | length])
    size = next(size for size in (1, 2, 4, 8) if length < 1 << (8 * size))
    return bytes([0x80 | (24 + size.bit_length() - 1)]) + length.to_bytes(size, "big")


def locations(positions: list[int]) -> Iterator[tuple[int, int]]:
    """(weight, position) of each position, as Pagefind reads them."""
    weight = None
    for value in positions:
        if value < 0:
            weight = -value - 1
        elif weight is None:  # Pagefind gives a page's first position a weight, always
            raise ValueError(f"a word's position {value} has no weight")
        else:
            yield weight, value


def _positions(located: Iterable[tuple[int, int]]) -> list[int]:
    """Pagefind's positions for (weight, position) pairs: a weight before the first and
    wherever it changes."""
    positions, current = [], None
    for weight, position in located:
        if weight != current:
            positions.append(-weight - 1)
            current = weight
        positions.append(position)
    return positions


def _shared_positions(words: Iterable[list], page_count: int) -> list[set[int]]:
    """The positions of each page that more than one word is at: the parts of a hyphenated
    word and the whole ("quantum-annealing" is "quantumann", "quantum" and "anneal")."""
    seen = [bytearray() for _ in range(page_count)]
    shared: list[set[int]] = [set() for _ in range(page_count)]
    for _, pages in words:
        for page, positions in pages:
            marks = seen[page]
            for position in positions:
                if position < 0:
                    continue
                if position >= len(marks):
                    marks.extend(bytes(position + 1 - len(marks)))
                if marks[position]:
                    shared[page].add(position)
                marks[position] = 1
    return shared


def _folded(word: list, shared: list[set[int]]) -> list:
    """`word`, if it is on FOLDED_SHARE of the pages, with each run of its positions of one
    weight on a page folded into the run's first, weighing their sum (up to MAX_WEIGHT): the
    page scores the same and its excerpt still starts at the word, but marks only a run's
    first. Positions other words share are left alone: where words meet, Pagefind counts the
    lowest weight once, which would take a folded run's sum away."""
    text, pages = word
    if len(pages) < FOLDED_SHARE * len(shared):
        return word
    folded_pages = []
    for page, positions in pages:
        runs: list[list[int | None]] = []  # [weight of each position, or None: joins none; sum; position]
        for weight, position in locations(positions):
            if position in shared[page]:
                runs.append([None, weight, position])
            elif runs and runs[-1][0] == weight and runs[-1][1] + weight <= MAX_WEIGHT:
                runs[-1][1] += weight
            else:
                runs.append([weight, weight, position])
        folded_pages.append([page, _positions((total, position) for _, total, position in runs)])
    return [text, folded_pages]
