"""What a Pagefind index holds, read from its files: each chunk's stored range and words, and
the pages each word is on; and made-up words to fill one."""

import gzip
import json
import random
import string
from pathlib import Path

from harvester import pagefind
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


def pages_by_word(folder: Path) -> dict[str, set[str]]:
    """{indexed word: the URLs of the pages it is on}."""
    # A chunk numbers pages by their place in the metadata, not in the order they were sent.
    urls = [json.loads(gzip.decompress((folder / "fragment" / f"{page[0]}.pf_fragment").read_bytes())
                       .removeprefix(pagefind.METADATA_SIGNATURE))["url"] for page in metadata(folder)[1]]
    return {word: {urls[page[0]] for page in word_pages}
            for *_, name in metadata(folder)[2]
            for word, word_pages, *_ in read(folder / "index" / f"{name}.pf_index")[0]}
