"""kb's parts of the search index and their merge into the index the site serves: every word
still on its pages and weighing the same there, with fewer positions for common words, in
small chunks whose ranges send every word to its chunk, whatever the parts."""

import gzip
import json
import random

import pytest

from harvester import pagefind, pagefind_merge, pagefind_parts
from harvester.errors import KbError
from pagefind_index import (chunks, indexed_words, made_up_word, metadata, metadata_bytes, misrouted_words, page_urls,
                            read, weights_by_word)


def indexed(pages: list[tuple[str, str]], folder):
    with pagefind.Indexer() as indexer:
        indexer.index(pages, folder, "en")
    return folder


def filters_html(n: int) -> str:
    return f'<span data-pagefind-filter="tag:t{n % 3}"></span><span data-pagefind-filter="verified:{"yes" if n % 2 else "no"}"></span>'


def test_a_part_merged_keeps_every_word_on_its_pages_weighing_the_same_in_smaller_chunks_and_a_shorter_page_list(tmp_path):
    # Each page: a made-up word and "common" in a heading (weighted), and ten words in a
    # paragraph, made up but for "often" three times on every tenth page and "common" again
    # on every thirtieth: pages of one length, on which the words weigh differently.
    rng = random.Random(0)

    def paragraph(n: int) -> str:
        words = ["often"] * 3 * (n % 10 == 0) + ["common"] * (n % 30 == 0)
        return " ".join(words + [made_up_word(rng) for _ in range(10 - len(words))])

    raw = indexed([(f"p/{n}/", f"<html><body><h2>{made_up_word(rng)} common</h2><p>{paragraph(n)}</p></body></html>")
                   for n in range(2000)], tmp_path / "raw")
    stored, weights, metadata_size = chunks(raw), weights_by_word(raw), metadata_bytes(raw)
    positions = {word: word_pages for word, word_pages in indexed_words(raw)}
    lengths = [length for _, length in metadata(raw)[1]]
    assert misrouted_words(raw)  # Pagefind's own ranges send some words and prefixes astray

    live = tmp_path / "live"
    part = pagefind_parts.store(raw, tmp_path / "part", live, 0, "3fa0", known={"words": {}})
    thinned = pagefind_merge.merge([part], live, "5eb1")
    after = weights_by_word(live)
    assert after.keys() == weights.keys() and all(after[word].keys() == weights[word].keys() for word in weights)
    common = after.pop("common")  # on every page: weighs only where it weighs most
    kept = {url for url, weight in common.items() if weight}
    assert len(kept) == pagefind_merge.TOP_PAGES
    twice = {url for url, weight in weights["common"].items() if weight > min(weights["common"].values())}
    assert len(twice) == 67 and twice <= kept  # the pages most about it first
    assert all(weight in (0, weights["common"][url]) for url, weight in common.items())
    assert after == {word: pages for word, pages in weights.items() if word != "common"}  # all else weighs as before
    new_positions = {word: word_pages for word, word_pages in indexed_words(live)}
    assert sum(map(len, (p for _, p in new_positions["often"]))) < sum(map(len, (p for _, p in positions["often"])))
    rare = [word for word, word_pages in positions.items() if len(word_pages) < pagefind_parts.FOLDED_SHARE * 2000]
    assert rare and all(new_positions[word] == positions[word] for word in rare)  # each position kept
    assert thinned == {"common": 2000}

    merged_chunks = chunks(live)
    assert misrouted_words(live) == []
    assert sum(len(start) + len(end) for start, end, _ in merged_chunks) < sum(len(words[0]) + len(words[-1]) for *_, words in merged_chunks)
    chunk_weights = [[sum(len(page[1]) + 1 for page in word[1]) for word in read(live / "index" / f"{name}.pf_index")[0]]
                     for *_, name in metadata(live)[2]]
    assert len(merged_chunks) > 5 * len(stored)
    assert all(sum(chunk[:-1]) < pagefind_merge.CHUNK_WEIGHT <= sum(chunk) for chunk in chunk_weights[:-1])
    assert all(abs(rounded - length) <= 0.05 * length + 0.5 for rounded, (_, length) in zip(lengths, metadata(live)[1]))
    assert metadata_bytes(live) < metadata_size  # more chunks listed, but pages listed in fewer bytes
    used = pagefind.files_in_use(live)
    assert all((live / name).is_file() for name in used)
    assert "pagefind.en_5eb1.pf_meta" in used and "pagefind.js" in used
    assert {name for name in used if name.startswith(("index/", "fragment/"))} == (
        {f"index/en_5eb1_{number}.pf_index" for number in range(len(merged_chunks))}
        | {f"fragment/en_3fa0_{number}.pf_fragment" for number in range(2000)})

    written = {path: path.read_bytes() for path in live.rglob("*") if path.is_file()}
    assert pagefind_merge.merge([part], live, "5eb1") == thinned  # again: nothing changes
    assert {path: path.read_bytes() for path in live.rglob("*") if path.is_file()} == written


def test_parts_merged_hold_what_one_index_of_all_their_pages_holds(tmp_path):
    rng = random.Random(1)
    # "shared" on every part, but on too few pages to be thinned: it weighs as it did.
    pages = [(f"p/{n}/", "<html><body><h1>{}{}</h1><p>{}</p>{}</body></html>".format(
        made_up_word(rng), " shared" * (n % 3 == 0), " ".join(made_up_word(rng) for _ in range(30)), filters_html(n)))
        for n in range(900)]
    whole = indexed(pages, tmp_path / "whole")
    parts = [pagefind_parts.store(indexed(pages[start:start + 300], tmp_path / f"raw{number}"), tmp_path / f"part{number}",
                                  tmp_path / "live", number * 512, f"p{number}", known={"words": {}})
             for number, start in enumerate(range(0, 900, 300))]
    pagefind_merge.merge(parts, tmp_path / "live", "all")
    live = tmp_path / "live"

    assert weights_by_word(live) == weights_by_word(whole) and len(weights_by_word(live)["share"]) == 300
    assert [page for page in metadata(live)[1] if page[0]] and len(metadata(live)[1]) == 2 * 512 + 300  # placeholders between
    assert json.loads((live / "pagefind-entry.json").read_text())["languages"]["en"]["page_count"] == 900
    urls = page_urls(live)
    for name, chunk in metadata(live)[3]:
        _, values = read(live / "filter" / f"{chunk}.pf_filter")
        assert {value: {urls[page] for page in on} for value, on in values} == expected_filters(pages, name)
    assert misrouted_words(live) == []


def expected_filters(pages: list[tuple[str, str]], name: str) -> dict[str, set[str]]:
    values: dict[str, set[str]] = {}
    for n, (url, _) in enumerate(pages):
        value = f"t{n % 3}" if name == "tag" else ("yes" if n % 2 else "no")
        values.setdefault(value, set()).add(url)
    return values


@pytest.mark.parametrize("last, after, end", [
    ("simplest", "simulate", "simq"),
    ("simplest", "simqx", "simpm"),  # not "simq": it begins "simqx", whose chunk comes after
    ("ab", "ab\U0010ffff", "ab"),  # nothing shorter fits
    ("a\ud7ff", "b", "a\ud7ff"),  # one higher is no character UTF-8 can hold
    ("zebra", None, "zebra"),  # the last chunk
])
def test_a_range_ends_as_short_as_the_next_chunk_allows(last, after, end):
    assert pagefind_merge._end_before(last, after) == end


def test_a_chunk_that_is_not_one_is_an_error_naming_the_index(tmp_path):
    raw = indexed([(f"p/{n}/", f"<html><body><p>word{n}</p></body></html>") for n in range(40)], tmp_path / "raw")
    *_, name = metadata(raw)[2][0]
    (raw / "index" / f"{name}.pf_index").write_bytes(gzip.compress(pagefind.METADATA_SIGNATURE + b"\xa0"))
    with pytest.raises(KbError, match=rf"search index: cannot read the index Pagefind [0-9.]+ wrote in {raw}: {name}.pf_index is not a word chunk"):
        pagefind_parts.store(raw, tmp_path / "part", tmp_path / "live", 0, "3fa0", known={})
    assert pagefind_parts.read(tmp_path / "part") is None  # nothing whole left behind
