"""Repacks an index Pagefind wrote, so that a query loads fewer bytes and finds every word it
should (see repack). Pagefind's files are gzipped CBOR (pagefind.read_compressed); a word
chunk is an array of one array of words, each [word, [[page number, positions], ...]], where
a negative position -(w + 1) gives the weight w of the positions after it (Pagefind's
pagefind_web/src/index.rs). A page's score for a word is the sum of those weights, counted
as Pagefind counts it (see search.js's RANKING); where the word is on the page matters only
to the excerpt.
"""

import gzip
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cbor2

from harvester import pagefind
from harvester.files import write_atomic

CHUNK_WEIGHT = 2000  # see repack
# A position's weight is one byte to Pagefind: positions folded together weigh at most this.
MAX_WEIGHT = 255
# A word on this share of an index's pages has its positions folded (see _folded). Rarer
# words keep each position, so an excerpt marks every one; they cost a query little.
FOLDED_SHARE = 0.05
# A word on this share of an index's pages keeps positions on only the TOP_PAGES pages that
# are most about it (see _thinned); on the others it is listed with none, so a search still
# finds them.
THINNED_SHARE = 0.5
TOP_PAGES = 100
# Pagefind's weight of a word in plain text, and its defaults for BM25's term saturation and
# page length, which say how much a page is about a word.
PLAIN_WEIGHT, SATURATION, PAGE_LENGTH = 24, 1.4, 0.75
# Pagefind ranks mostly by a word's weighted count; a page's length counts in a tenth of the
# score (search.js's RANKING), so the metadata gives it to within one step of this ratio.
LENGTH_STEP = 1.1


@dataclass(frozen=True)
class Repacked:
    """What a repacked index tells of its words: its page count, and how many pages each of
    its thinned words (stems, as Pagefind indexes them) is on."""

    pages: int
    common: dict[str, int]


def repack(folder: Path, names: str) -> Repacked:
    """Rewrite the index Pagefind wrote in `folder` so that a query loads fewer bytes and finds
    every word it should. `names` starts the name of each file rewritten: it must change
    whenever the index does, lest a browser show a file it cached from an older index.

    - Fewer positions: a common word's positions are folded, those of a word on most pages
      thinned (_folded, _thinned). A query loads each of its words' positions on every page of
      every index: "quantum" took 40 KB of each 2,500-entry index, 5 KB once thinned.
    - Word chunks of CHUNK_WEIGHT instead of Pagefind's 20,000. A query loads one chunk per
      word and index: 45 KB of Pagefind's for real-length entries, 4 to 10 of these. Their
      list in the metadata, which every query loads, grows by less than that.
    - Each chunk's range is short, and exact where Pagefind 1.4's was not (_ranges).
    - The page fragments are named `names` and their page's number, and page lengths are
      rounded to LENGTH_STEP: the metadata lists every page by its fragment's name and its
      length, and Pagefind's names, seven random hex digits, take 7 bytes a page once
      compressed; numbers in order take 4, rounded lengths 1 instead of 2. The metadata is
      renamed too, lest a browser keep Pagefind's file of that name, which no longer fits."""
    with pagefind.reading(folder):
        entry = json.loads((folder / pagefind.ENTRY_FILE).read_text(encoding="utf-8"))
        common: dict[str, int] = {}
        page_count = 0
        for code, language in entry["languages"].items():
            version, pages, chunks, *rest = pagefind.read_compressed(folder / pagefind.metadata_name(language["hash"]))
            # Read twice rather than held (over 100 MB decoded for 2,500 real entries): folding
            # needs to know first which positions more than one word shares.
            shared, thinned = _survey(_each_word(folder, chunks), len(pages))
            prefix = f"{code}_{names}"
            if language["hash"] != prefix:  # else repacked already
                lengths = [length for _, length in pages]
                words = (_thinned(_folded(word, shared), lengths) for word in _each_word(folder, chunks))
                ranges = _ranges(_write_chunks(folder, prefix, words))
                _rename_pages(folder, prefix, pages)
                language["hash"] = prefix
                write_atomic(folder / pagefind.metadata_name(prefix), _compressed(cbor2.dumps([version, pages, ranges, *rest])))
            page_count += len(pages)
            common.update(thinned)
        write_atomic(folder / pagefind.ENTRY_FILE, json.dumps(entry))  # last: until then, Pagefind's metadata is the one in use
    return Repacked(pages=page_count, common=common)


def _write_chunks(folder: Path, prefix: str, words: Iterable[list]) -> list[tuple[str, str, str]]:
    """Write `words` in chunks named `prefix` and their number; (first word, last word, name)
    of each."""
    written = []
    for number, chunk in enumerate(_chunked(words)):
        name = f"{prefix}_{number}"
        write_atomic(folder / "index" / f"{name}.pf_index", _compressed(cbor2.dumps([chunk]), level=6), durable=False)
        written.append((chunk[0][0], chunk[-1][0], name))
    return written


def _rename_pages(folder: Path, prefix: str, pages: list[list]) -> None:
    """Name each page's fragment `prefix` and its number, and round its length."""
    renamed: dict[str, str] = {}  # identical pages share one fragment
    for number, page in enumerate(pages):
        if page[0] not in renamed:
            renamed[page[0]] = f"{prefix}_{number}"
            fragment = folder / "fragment" / f"{page[0]}.pf_fragment"
            fragment.replace(fragment.with_name(f"{renamed[page[0]]}.pf_fragment"))
        page[0], page[1] = renamed[page[0]], _rounded_length(page[1])


def _each_word(folder: Path, chunks: list) -> Iterator[list]:
    for chunk in chunks:
        yield from _words(folder / "index" / f"{chunk[2]}.pf_index")


def _words(path: Path) -> list[list]:
    """The words of a word chunk: [[word, [[page number, positions], ...]], ...]."""
    chunk = pagefind.read_compressed(path)
    if not (isinstance(chunk, list) and len(chunk) == 1 and isinstance(chunk[0], list)):
        raise ValueError(f"{path.name} is not a word chunk")
    return chunk[0]


def _locations(positions: list[int]) -> Iterator[tuple[int, int]]:
    """(weight, position) of each position, as Pagefind reads them."""
    weight = None
    for value in positions:
        if value < 0:
            weight = -value - 1
        elif weight is None:  # Pagefind gives a page's first position a weight, always
            raise ValueError(f"a word's position {value} has no weight")
        else:
            yield weight, value


def _positions(locations: Iterable[tuple[int, int]]) -> list[int]:
    """Pagefind's positions for (weight, position) pairs: a weight before the first and
    wherever it changes."""
    positions, current = [], None
    for weight, position in locations:
        if weight != current:
            positions.append(-weight - 1)
            current = weight
        positions.append(position)
    return positions


def _survey(words: Iterable[list], page_count: int) -> tuple[list[set[int]], dict[str, int]]:
    """The positions of each page that more than one word is at (the parts of a hyphenated
    word and the whole: "quantum-annealing" is "quantumann", "quantum" and "anneal"), and the
    words to be thinned, with the number of pages each is on."""
    seen = [bytearray() for _ in range(page_count)]
    shared: list[set[int]] = [set() for _ in range(page_count)]
    thinned: dict[str, int] = {}
    for text, pages in words:
        if _is_thinned(pages, page_count):
            thinned[text] = len(pages)
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
    return shared, thinned


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
        for weight, position in _locations(positions):
            if position in shared[page]:
                runs.append([None, weight, position])
            elif runs and runs[-1][0] == weight and runs[-1][1] + weight <= MAX_WEIGHT:
                runs[-1][1] += weight
            else:
                runs.append([weight, weight, position])
        folded_pages.append([page, _positions((total, position) for _, total, position in runs)])
    return [text, folded_pages]


def _thinned(word: list, lengths: list[int]) -> list:
    """`word`, if it is on THINNED_SHARE of the pages (whose lengths in words are `lengths`),
    with positions only on the TOP_PAGES pages most about it, by BM25, and none on the others.
    Searched alone, it still finds every page, those first (not merely the longest, whose
    fragments a query would then load); beside other words it still narrows to the pages it
    is on, and weighs little there anyway: Pagefind weighs a word by its rarity (the log of 2
    for one on half the pages, of 1.1 for one on nine pages in ten)."""
    text, pages = word
    if not _is_thinned(pages, len(lengths)):
        return word
    average = sum(lengths) / len(lengths)

    def about(page: list) -> float:
        count = sum(weight for weight, _ in _locations(page[1])) / PLAIN_WEIGHT
        return count / (count + SATURATION * (1 - PAGE_LENGTH + PAGE_LENGTH * lengths[page[0]] / average))

    kept = {page for page, _ in sorted(pages, key=about, reverse=True)[:TOP_PAGES]}
    return [text, [[page, positions if page in kept else []] for page, positions in pages]]


def _is_thinned(pages: list, page_count: int) -> bool:
    return len(pages) >= THINNED_SHARE * page_count


def _chunked(words: Iterable[list]) -> Iterator[list[list]]:
    """`words` (in order) in chunks that each weigh at least CHUNK_WEIGHT but the last,
    weighed as Pagefind weighs them: a word's positions on each page and one for the page."""
    chunk, weight = [], 0
    for word in words:
        chunk.append(word)
        weight += sum(len(positions) + 1 for _, positions in word[1])
        if weight >= CHUNK_WEIGHT:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk


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
