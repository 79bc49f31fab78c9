"""Repacks an index Pagefind wrote, so that a query loads fewer bytes and finds every word it
should (see repack). Pagefind's files are gzipped CBOR (pagefind.read_compressed); a word
chunk is an array of one array of words, each [word, [[page number, positions], ...]], where
a negative position sets the weight of those after it (Pagefind's pagefind_web/src/index.rs).
"""

import gzip
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import cbor2

from harvester import pagefind
from harvester.files import write_atomic

CHUNK_WEIGHT = 2000  # see repack


def repack(folder: Path, names: str) -> None:
    """Rewrite the index Pagefind wrote in `folder` so that a query loads fewer bytes and finds
    every word it should. `names` starts the name of each file rewritten: it must change
    whenever the index does, lest a browser show a file it cached from an older index.

    - Word chunks of CHUNK_WEIGHT instead of Pagefind's 20,000. A query loads one chunk per
      word and index: 45 KB of Pagefind's for real-length entries, 5 to 10 of these. Their
      list in the metadata, which every query loads, grows by less than that.
    - Each chunk's range is its first and last word. Pagefind 1.4 stores each range trimmed
      to the shortest prefixes that tell neighbouring chunks apart, and the search looks a
      word up in the chunk whose range holds it. A trimmed range can hold none of its own
      words ("npa" to "n" where the last word is "n⟩"; "needl" to "ne", ending in "next"), and
      in a query of several words a word whose chunk is not found that way is silently
      dropped (Pagefind's pull request 996, released in 1.5).
    - The page fragments are named `names` and their page's number. The metadata lists every
      page by its fragment's name: Pagefind's, seven random hex digits, take 7 bytes a page
      once compressed; numbers in order take 4. The metadata is renamed too, lest a browser
      keep Pagefind's file of that name, which the page list no longer matches."""
    with pagefind.reading(folder):
        entry = json.loads((folder / pagefind.ENTRY_FILE).read_text(encoding="utf-8"))
        for code, language in entry["languages"].items():
            prefix = f"{code}_{names}"
            if language["hash"] == prefix:
                continue  # repacked already
            version, pages, chunks, *rest = pagefind.read_compressed(folder / pagefind.metadata_name(language["hash"]))
            words = (word for chunk in chunks for word in _encoded_words(folder / "index" / f"{chunk[2]}.pf_index"))
            repacked = []
            for number, chunk in enumerate(_chunked(words)):
                name = f"{prefix}_{number}"
                words_bytes = b"".join(encoded for _, encoded in chunk)
                write_atomic(folder / "index" / f"{name}.pf_index",
                             _compressed(_array_start(1) + _array_start(len(chunk)) + words_bytes, level=6), durable=False)
                repacked.append([chunk[0][0][0], chunk[-1][0][0], name])
            renamed: dict[str, str] = {}  # identical pages share one fragment
            for number, page in enumerate(pages):
                if page[0] not in renamed:
                    renamed[page[0]] = f"{prefix}_{number}"
                    fragment = folder / "fragment" / f"{page[0]}.pf_fragment"
                    fragment.replace(fragment.with_name(f"{renamed[page[0]]}.pf_fragment"))
                page[0] = renamed[page[0]]
            language["hash"] = prefix
            write_atomic(folder / pagefind.metadata_name(prefix), _compressed(cbor2.dumps([version, pages, repacked, *rest])))
        write_atomic(folder / pagefind.ENTRY_FILE, json.dumps(entry))  # last: until then, Pagefind's metadata is the one in use


def _encoded_words(path: Path) -> Iterator[tuple[list, bytes]]:
    """Each word of a word chunk, decoded ([word, [[page number, positions], ...]]) and as
    Pagefind encoded it: a new chunk is the words' bytes as they are, under a new start."""
    encoded = gzip.decompress(path.read_bytes()).removeprefix(pagefind.METADATA_SIGNATURE)
    stream = io.BytesIO(encoded)
    decoder = cbor2.CBORDecoder(stream)
    if stream.read(1) != _array_start(1):
        raise ValueError(f"{path.name} is not a word chunk")
    for _ in range(_array_length(stream)):
        start = stream.tell()
        word = decoder.decode()
        yield word, encoded[start:stream.tell()]


def _array_start(length: int) -> bytes:
    """How CBOR starts an array of `length` items (RFC 8949, major type 4)."""
    if length < 24:
        return bytes([0x80 | length])
    size = next(size for size in (1, 2, 4, 8) if length < 1 << (8 * size))
    return bytes([0x80 | (24 + size.bit_length() - 1)]) + length.to_bytes(size, "big")


def _array_length(stream: io.BytesIO) -> int:
    """The length of the array whose start `stream` is at (read past it)."""
    first = stream.read(1)
    if not first or first[0] >> 5 != 4 or first[0] & 31 > 27:
        raise ValueError("a word chunk's words are not an array")
    extra = first[0] & 31
    return extra if extra < 24 else int.from_bytes(stream.read(1 << (extra - 24)), "big")


def _chunked(words: Iterable[tuple[list, bytes]]) -> Iterator[list[tuple[list, bytes]]]:
    """`words` (as _encoded_words gives them, in order) in chunks that each weigh at least
    CHUNK_WEIGHT but the last, weighed as Pagefind weighs them: a word's positions on each
    page and one for the page."""
    chunk, weight = [], 0
    for word in words:
        chunk.append(word)
        weight += sum(len(page[1]) + 1 for page in word[0][1])
        if weight >= CHUNK_WEIGHT:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk


def _compressed(encoded: bytes, level: int = 9) -> bytes:
    return gzip.compress(pagefind.METADATA_SIGNATURE + encoded, compresslevel=level, mtime=0)
