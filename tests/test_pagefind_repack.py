"""kb's repacking of an index Pagefind wrote: every word still on its pages and weighing the
same there, with fewer positions for common words, in small chunks whose ranges send every
word to its chunk, and files named anew."""

import gzip
import random

import pytest

from harvester import pagefind, pagefind_repack
from harvester.errors import KbError
from pagefind_index import (chunks, indexed_words, made_up_word, metadata, metadata_bytes, misrouted_words, read,
                            weights_by_word)


def test_repacking_keeps_every_word_on_its_pages_weighing_the_same_in_smaller_chunks_and_a_shorter_page_list(tmp_path):
    # Each page: a made-up word and "common" in a heading (weighted), and ten words in a
    # paragraph, made up but for "often" three times on every tenth page and "common" again
    # on every thirtieth: pages of one length, on which the words weigh differently.
    folder, rng = tmp_path / "a", random.Random(0)

    def paragraph(n: int) -> str:
        words = ["often"] * 3 * (n % 10 == 0) + ["common"] * (n % 30 == 0)
        return " ".join(words + [made_up_word(rng) for _ in range(10 - len(words))])

    with pagefind.Indexer() as indexer:
        indexer.index([(f"p/{n}/", f"<html><body><h2>{made_up_word(rng)} common</h2><p>{paragraph(n)}</p></body></html>")
                       for n in range(2000)], folder, "en")
    stored, weights, metadata_size = chunks(folder), weights_by_word(folder), metadata_bytes(folder)
    positions = {word: word_pages for word, word_pages in indexed_words(folder)}
    lengths = [length for _, length in metadata(folder)[1]]
    assert misrouted_words(folder)  # Pagefind's own ranges send some words and prefixes astray

    repacked = pagefind_repack.repack(folder, names="3fa0")
    after = weights_by_word(folder)
    assert after.keys() == weights.keys() and all(after[word].keys() == weights[word].keys() for word in weights)
    common = after.pop("common")  # on every page: weighs only where it weighs most
    kept = {url for url, weight in common.items() if weight}
    assert len(kept) == pagefind_repack.TOP_PAGES
    twice = {url for url, weight in weights["common"].items() if weight > min(weights["common"].values())}
    assert len(twice) == 67 and twice <= kept  # the pages most about it first
    assert all(weight in (0, weights["common"][url]) for url, weight in common.items())
    assert after == {word: pages for word, pages in weights.items() if word != "common"}  # all else weighs as before
    new_positions = {word: word_pages for word, word_pages in indexed_words(folder)}
    assert sum(map(len, (p for _, p in new_positions["often"]))) < sum(map(len, (p for _, p in positions["often"])))
    rare = [word for word, word_pages in positions.items() if len(word_pages) < pagefind_repack.FOLDED_SHARE * 2000]
    assert rare and all(new_positions[word] == positions[word] for word in rare)  # each position kept
    assert repacked == pagefind_repack.Repacked(pages=2000, common={"common": 2000})

    repacked_chunks = chunks(folder)
    assert misrouted_words(folder) == []
    assert sum(len(start) + len(end) for start, end, _ in repacked_chunks) < sum(len(words[0]) + len(words[-1]) for *_, words in repacked_chunks)
    chunk_weights = [[sum(len(page[1]) + 1 for page in word[1]) for word in read(folder / "index" / f"{name}.pf_index")[0]]
                     for *_, name in metadata(folder)[2]]
    assert len(repacked_chunks) > 5 * len(stored)
    assert all(sum(chunk[:-1]) < pagefind_repack.CHUNK_WEIGHT <= sum(chunk) for chunk in chunk_weights[:-1])
    assert all(abs(rounded - length) <= 0.05 * length + 0.5 for rounded, (_, length) in zip(lengths, metadata(folder)[1]))
    assert metadata_bytes(folder) < metadata_size  # more chunks listed, but pages listed in fewer bytes
    used = pagefind.files_in_use(folder)
    assert all((folder / name).is_file() for name in used)
    assert "pagefind.en_3fa0.pf_meta" in used  # renamed, as its content changed
    assert {name for name in used if name.startswith(("index/", "fragment/"))} == (
        {f"index/en_3fa0_{number}.pf_index" for number in range(len(repacked_chunks))}
        | {f"fragment/en_3fa0_{number}.pf_fragment" for number in range(2000)})

    written = {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    assert pagefind_repack.repack(folder, names="3fa0") == repacked  # again over itself: nothing changes
    assert {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()} == written


@pytest.mark.parametrize("last, after, end", [
    ("simplest", "simulate", "simq"),
    ("simplest", "simqx", "simpm"),  # not "simq": it begins "simqx", whose chunk comes after
    ("ab", "ab\U0010ffff", "ab"),  # nothing shorter fits
    ("a\ud7ff", "b", "a\ud7ff"),  # one higher is no character UTF-8 can hold
    ("zebra", None, "zebra"),  # the last chunk
])
def test_a_range_ends_as_short_as_the_next_chunk_allows(last, after, end):
    assert pagefind_repack._end_before(last, after) == end


def test_a_chunk_that_is_not_one_is_an_error_naming_the_index(tmp_path):
    folder = tmp_path / "a"
    with pagefind.Indexer() as indexer:
        indexer.index([(f"p/{n}/", f"<html><body><p>word{n}</p></body></html>") for n in range(40)], folder, "en")
    *_, name = metadata(folder)[2][0]
    (folder / "index" / f"{name}.pf_index").write_bytes(gzip.compress(pagefind.METADATA_SIGNATURE + b"\xa0"))
    with pytest.raises(KbError, match=rf"search index: cannot read the index Pagefind [0-9.]+ wrote in {folder}: {name}.pf_index is not a word chunk"):
        pagefind_repack.repack(folder, names="3fa0")
