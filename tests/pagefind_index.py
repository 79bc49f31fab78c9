"""What a Pagefind index holds, read from its files: each chunk's stored range and words, the
pages each word is on and how much it weighs there, and which words its ranges would send to
the wrong chunk; and made-up words to fill one."""

import bisect
import gzip
import json
import random
import string
from pathlib import Path

from harvester import pagefind, pagefind_parts, search
from harvester.pagefind import read_compressed as read


def made_up_word(rng: random.Random) -> str:
    """3 to 12 random letters: words enough make an index of several chunks."""
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 12)))


def _metadata_file(folder: Path) -> str:
    entry = json.loads((folder / "pagefind-entry.json").read_text())
    [language] = entry["languages"].values()
    return f"pagefind.{language['hash']}.pf_meta"


def metadata(folder: Path) -> list:
    """[version, pages, word chunks, filter chunks, sorts]: see pagefind.METADATA_SIGNATURE."""
    return read(folder / _metadata_file(folder))


def chunks(folder: Path) -> list[tuple[str, str, list[str]]]:
    """(range start, range end, words) of each word chunk, in the metadata's order."""
    return [(start, end, [word for word, *_ in read(folder / "index" / f"{name}.pf_index")[0]])
            for start, end, name in metadata(folder)[2]]


def indexed_words(folder: Path) -> list[list]:
    """Every word of the index in order, as its chunk stores it: [word, [[page number, positions], ...]]."""
    return [word for *_, name in metadata(folder)[2] for word in read(folder / "index" / f"{name}.pf_index")[0]]


def metadata_bytes(folder: Path) -> int:
    """The size of the metadata file, which every query loads whole."""
    return (folder / _metadata_file(folder)).stat().st_size


def page_urls(folder: Path) -> dict[int, str]:
    """{page number: URL} of each page of the index."""
    # A chunk numbers pages by their place in the metadata, not in the order they were sent;
    # kb's merged index has numbers no page has (pagefind_merge.py).
    return {number: json.loads(gzip.decompress((folder / "fragment" / f"{page[0]}.pf_fragment").read_bytes())
                               .removeprefix(pagefind.METADATA_SIGNATURE))["url"]
            for number, page in enumerate(metadata(folder)[1]) if page[0]}


def merged_alone(pages: list[tuple[str, str]], live: Path, work: Path) -> None:
    """Index `pages` ([(url, html)]) with Pagefind, store them as one part and merge it into
    the index in `live`, with its manifest, as `kb build` does: the site's search page then
    searches them alone."""
    with pagefind.Indexer() as indexer:
        indexer.index(pages, work / "pagefind", "en")
    part = pagefind_parts.store(work / "pagefind", work / "part", live, 0, "test", known={"words": {}})
    search._write_index(live, [part], digest=f"test{len(pages)}")


def pages_by_word(folder: Path) -> dict[str, set[str]]:
    """{indexed word: the URLs of the pages it is on}."""
    return {word: set(weights) for word, weights in weights_by_word(folder).items()}


def weights_by_word(folder: Path) -> dict[str, dict[str, int]]:
    """{indexed word: {URL of a page it is on: the sum of its positions' weights there}}: what
    Pagefind ranks the page by, for the word. A negative position gives the weight of those
    after it."""
    urls = page_urls(folder)

    def weighed(positions: list[int]) -> int:
        total, weight = 0, None
        for value in positions:
            if value < 0:
                weight = -value - 1
            else:
                total += weight
        return total

    return {word: {urls[page]: weighed(positions) for page, positions in word_pages}
            for word, word_pages, *_ in indexed_words(folder)}


def misrouted_words(folder: Path) -> list[str]:
    """The words of the index, and their prefixes, that Pagefind 1.4 would look up in another
    chunk than that of the first word they begin: it takes the first chunk whose range holds
    the word, or none."""
    stored = chunks(folder)
    words = [word for *_, chunk_words in stored for word in chunk_words]
    chunk_of = [number for number, (*_, chunk_words) in enumerate(stored) for _ in chunk_words]
    prefixes = {word[:length] for word in words for length in range(1, len(word) + 1)}
    return sorted(prefix for prefix in prefixes
                  if chunk_of[bisect.bisect_left(words, prefix)]
                  != next((number for number, (start, end, _) in enumerate(stored) if start <= prefix <= end), None))
