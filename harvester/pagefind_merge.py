"""Merges the parts of the site's search index (pagefind_parts.py) into the one index the site
serves. Pagefind can merge indexes in the browser, but each then costs a query its metadata
and one word chunk per query word: at 20,000 entries in 8 parts, a query of three words
loaded 312 KiB; merged at build time, 224.

Each part numbers its pages from a first page of its own (search.py gives part i the numbers
from i × a slot larger than any part), so that a part's stored words stay valid while the
others change: a word is merged by joining the parts' bytes, and only the words on most
pages are decoded, to thin them (see _thinned). The numbers between one part's last page and
the next part's first are placeholders, which no word or filter lists: they cost the page
list a few bytes, and keep the average page length, which Pagefind weighs pages against.
"""

import gzip
import heapq
import json
import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import cbor2

from harvester import pagefind
from harvester.files import write_atomic
from harvester.pagefind_parts import Part, array_start, locations

CHUNK_WEIGHT = 2000  # see merge
# Word chunks are mostly numbers, which compress little: at 20,000 entries, zlib's level 4
# makes them 1.6 % larger than its level 6, in a third of the time (1.1 s, not 3.6).
CHUNK_COMPRESSION = 4
# A word on this share of the pages keeps positions on only the TOP_PAGES pages that are most
# about it (see _thinned); on the others it is listed with none, so a search still finds them.
THINNED_SHARE = 0.5
TOP_PAGES = 800
# Pagefind's weight of a word in plain text, and its defaults for BM25's term saturation and
# page length, which say how much a page is about a word.
PLAIN_WEIGHT, SATURATION, PAGE_LENGTH = 24, 1.4, 0.75
# Pagefind ranks mostly by a word's weighted count; a page's length counts in a tenth of the
# score (search.js's RANKING), so the metadata gives it to within one step of this ratio.
LENGTH_STEP = 1.1


def merge(parts: list[Part], live: Path, names: str) -> dict[str, int]:
    """Write the index of `parts` (in the order of their page numbers) into `live`, where their
    page fragments are already; return its thinned words with the number of pages each is on.
    `names` starts the name of each file written: it must change whenever the index does,
    lest a browser show a file it cached from an older index.

    - Word chunks of CHUNK_WEIGHT instead of Pagefind's 20,000. A query loads one chunk per
      word: 45 KB of Pagefind's for real-length entries, 4 to 10 of these. Their list in the
      metadata, which every query loads, grows by less than that.
    - Each chunk's range is short, and exact where Pagefind 1.4's was not (_ranges).
    - Page lengths are rounded to LENGTH_STEP: 1 byte a page in the page list, not 2.
    The entry file, which names the metadata, is written last: until then the old index is
    the one in use."""
    source = next(part for part in parts if part.pages).meta  # Pagefind's version and entry file
    prefix = f"{source['language']}_{names}"
    pages = _pages(parts)
    average = sum(length for _, length in pages) / len(pages)
    relative_lengths = [length / average for _, length in pages]
    real_pages = sum(len(part.pages) for part in parts)
    thinned: dict[str, int] = {}
    words = _merged_words(parts, relative_lengths, real_pages, thinned)
    ranges = _ranges(_write_chunks(live, prefix, words))
    filters = _write_filters(live, prefix, parts)
    rounded = [[name, _rounded_length(length)] for name, length in pages]
    write_atomic(live / pagefind.metadata_name(prefix),
                 _compressed(cbor2.dumps([source["version"], rounded, ranges, filters, []])))
    entry = source["entry"]
    [(code, language)] = entry["languages"].items()
    entry = {**entry, "languages": {code: {**language, "hash": prefix, "page_count": real_pages}}}
    write_atomic(live / pagefind.ENTRY_FILE, json.dumps(entry))
    return thinned


def _pages(parts: list[Part]) -> list[list]:
    """[fragment name, length] of every page number, placeholders of average length between
    the parts."""
    real = [length for part in parts for _, length in part.pages]
    average = round(sum(real) / len(real)) if real else 0
    pages: list[list] = []
    for part in parts:
        pages.extend([["", average]] * (part.meta["first_page"] - len(pages)))
        pages.extend(part.pages)
    return pages


def _merged_words(parts: list[Part], relative_lengths: list[float], real_pages: int,
                  thinned: dict[str, int]) -> Iterator[tuple[str, int, bytes]]:
    """(word, weight as Pagefind weighs it, the word encoded) of every word of `parts`, in
    order; the words thinned go into `thinned`. `relative_lengths`: each page number's length
    over the average."""
    streams = [((word, number, weight, count, encoded) for word, weight, count, encoded in part.words())
               for number, part in enumerate(parts)]
    group: list[tuple] = []
    for item in heapq.merge(*streams):
        if group and item[0] != group[0][0]:
            yield _merged_word(group, relative_lengths, real_pages, thinned)
            group = []
        group.append(item)
    if group:
        yield _merged_word(group, relative_lengths, real_pages, thinned)


def _merged_word(group: list[tuple], relative_lengths: list[float], real_pages: int,
                 thinned: dict[str, int]) -> tuple[str, int, bytes]:
    word = group[0][0]
    count = sum(item[3] for item in group)
    if count < THINNED_SHARE * real_pages:
        encoded = array_start(2) + cbor2.dumps(word) + array_start(count) + b"".join(item[4] for item in group)
        return word, sum(item[2] for item in group), encoded
    thinned[word] = count
    pages = [page for item in group for page in cbor2.loads(array_start(item[3]) + item[4])]
    pages = _thinned(pages, relative_lengths)
    return word, sum(len(positions) + 1 for _, positions in pages), cbor2.dumps([word, pages])


def _thinned(pages: list[list], relative_lengths: list[float]) -> list[list]:
    """A word's pages ([page number, positions]), positions kept only on the TOP_PAGES pages
    most about it, by BM25, and none on the others. Searched alone, it still finds every page,
    those first (not merely the longest, whose fragments a query would then load); beside other
    words it still narrows to the pages it is on, and weighs little there anyway: Pagefind
    weighs a word by its rarity (the log of 2 for one on half the pages, of 1.1 for one on
    nine pages in ten)."""

    def about(page: list) -> float:
        count = sum(weight for weight, _ in locations(page[1])) / PLAIN_WEIGHT
        return count / (count + SATURATION * (1 - PAGE_LENGTH + PAGE_LENGTH * relative_lengths[page[0]]))

    kept = {page for page, _ in sorted(pages, key=about, reverse=True)[:TOP_PAGES]}
    return [[page, positions if page in kept else []] for page, positions in pages]


def _write_chunks(live: Path, prefix: str, words: Iterable[tuple[str, int, bytes]]) -> list[tuple[str, str, str]]:
    """Write `words` ((word, weight, encoded)) in chunks that each weigh at least CHUNK_WEIGHT
    but the last, named `prefix` and their number; return (first word, last word, name) of
    each."""
    written: list[tuple[str, str, str]] = []

    def write(chunk: list[tuple[str, int, bytes]]) -> None:
        name = f"{prefix}_{len(written)}"
        encoded = array_start(1) + array_start(len(chunk)) + b"".join(encoded for *_, encoded in chunk)
        write_atomic(live / "index" / f"{name}.pf_index", _compressed(encoded, level=CHUNK_COMPRESSION), durable=False)
        written.append((chunk[0][0], chunk[-1][0], name))

    chunk, weight = [], 0
    for word in words:
        chunk.append(word)
        weight += word[1]
        if weight >= CHUNK_WEIGHT:
            write(chunk)
            chunk, weight = [], 0
    if chunk:
        write(chunk)
    return written


def _write_filters(live: Path, prefix: str, parts: list[Part]) -> list[list[str]]:
    """Each filter's chunk ([name, [[value, pages], ...]]); [name, chunk name] of each."""
    merged: dict[str, dict[str, list[int]]] = {}
    for part in parts:
        for name, values in part.meta["filters"].items():
            for value, pages in values.items():
                merged.setdefault(name, {}).setdefault(value, []).extend(pages)
    listed = []
    for number, (name, values) in enumerate(sorted(merged.items())):
        chunk = f"{prefix}_filter_{number}"
        write_atomic(live / "filter" / f"{chunk}.pf_filter", _compressed(cbor2.dumps([name, sorted(values.items())])))
        listed.append([name, chunk])
    return listed


def _ranges(chunks: list[tuple[str, str, str]]) -> list[list[str]]:
    """[from, to, name] of each chunk, given its first and last word and its name. Pagefind
    loads for a query word the first chunk whose range holds it. Its own ranges, cut to
    prefixes, could hold none of their words ("npa" to "n" for a chunk ending in "n⟩"), and a
    query word of several whose chunk it misses is silently dropped (Pagefind's pull request
    996, released in 1.5). These are the shortest that hold every word of their chunk and
    send each word's prefixes to the chunk of the first word they begin."""
    ranges = []
    for number, (first, last, name) in enumerate(chunks):
        before = chunks[number - 1][1] if number else None
        after = chunks[number + 1][0] if number + 1 < len(chunks) else None
        ranges.append([_start_after(before, first), _end_before(last, after), name])
    return ranges


def _start_after(before: str | None, first: str) -> str:
    """The shortest prefix of `first` that sorts after `before`."""
    if before is None:
        return first[:1]
    return next(first[:length] for length in range(1, len(first) + 1) if first[:length] > before)


def _end_before(last: str, after: str | None) -> str:
    """The shortest string from `last` up to `after` that no word from `after` on begins with:
    a prefix of `last` whose last character is one higher, or `last` itself."""
    if after is None:
        return last
    for length in range(1, len(last) + 1):
        higher = ord(last[length - 1]) + 1
        if higher > 0x10FFFF or 0xD800 <= higher <= 0xDFFF:  # no such character in UTF-8
            continue
        end = last[:length - 1] + chr(higher)
        if end < after and not after.startswith(end):
            return end
    return last


def _rounded_length(words: int) -> int:
    return round(LENGTH_STEP ** round(math.log(max(words, 1), LENGTH_STEP)))


def _compressed(encoded: bytes, level: int = 9) -> bytes:
    return gzip.compress(pagefind.METADATA_SIGNATURE + encoded, compresslevel=level, mtime=0)
