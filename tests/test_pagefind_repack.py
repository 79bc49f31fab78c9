"""kb's repacking of an index Pagefind wrote: every word still on its pages, in small chunks
with exact ranges, and files named anew."""

import gzip
import random

import pytest

from harvester import pagefind, pagefind_repack
from harvester.errors import KbError
from pagefind_index import chunks, indexed_words, made_up_word, metadata, metadata_bytes, pages_by_word, read


def test_repacking_keeps_every_word_on_its_pages_in_smaller_exact_chunks_and_a_shorter_page_list(tmp_path):
    folder, rng = tmp_path / "a", random.Random(0)
    with pagefind.Indexer() as indexer:  # a heading: its words are weighted
        indexer.index([(f"p/{n}/", "<html><body><h2>{}</h2><p>{}</p></body></html>".format(
            made_up_word(rng), " ".join(made_up_word(rng) for _ in range(10))))
            for n in range(2000)], folder, "en")
    stored, indexed, on_pages, metadata_size = chunks(folder), indexed_words(folder), pages_by_word(folder), metadata_bytes(folder)
    assert [(start, end) for start, end, _ in stored] != [(min(words), max(words)) for *_, words in stored]  # Pagefind trims them

    pagefind_repack.repack(folder, names="3fa0")
    repacked = chunks(folder)
    assert indexed_words(folder) == indexed and pages_by_word(folder) == on_pages  # each word, page and position as it was
    assert [(start, end) for start, end, _ in repacked] == [(words[0], words[-1]) for *_, words in repacked]
    weights = [[sum(len(page[1]) + 1 for page in word[1]) for word in read(folder / "index" / f"{name}.pf_index")[0]]
               for *_, name in metadata(folder)[2]]
    assert len(repacked) > 5 * len(stored)
    assert all(sum(chunk[:-1]) < pagefind_repack.CHUNK_WEIGHT <= sum(chunk) for chunk in weights[:-1])
    assert metadata_bytes(folder) < metadata_size  # more chunks listed, but pages listed in fewer bytes
    used = pagefind.files_in_use(folder)
    assert all((folder / name).is_file() for name in used)
    assert "pagefind.en_3fa0.pf_meta" in used  # renamed, as its content changed
    assert {name for name in used if name.startswith(("index/", "fragment/"))} == (
        {f"index/en_3fa0_{number}.pf_index" for number in range(len(repacked))}
        | {f"fragment/en_3fa0_{number}.pf_fragment" for number in range(2000)})

    written = {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}
    pagefind_repack.repack(folder, names="3fa0")  # again over itself: nothing changes
    assert {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()} == written


def test_a_chunk_that_is_not_one_is_an_error_naming_the_index(tmp_path):
    folder = tmp_path / "a"
    with pagefind.Indexer() as indexer:
        indexer.index([(f"p/{n}/", f"<html><body><p>word{n}</p></body></html>") for n in range(40)], folder, "en")
    *_, name = metadata(folder)[2][0]
    (folder / "index" / f"{name}.pf_index").write_bytes(gzip.compress(pagefind.METADATA_SIGNATURE + b"\xa0"))
    with pytest.raises(KbError, match=rf"search index: cannot read the index Pagefind [0-9.]+ wrote in {folder}: {name}.pf_index is not a word chunk"):
        pagefind_repack.repack(folder, names="3fa0")
