"""kb's client for Pagefind's indexer: every page sent arrives, and a refusal is a clear error."""

import json

import pytest

from harvester import pagefind
from harvester.errors import KbError


def pages(count: int) -> list[tuple[str, str]]:
    return [(f"entries/t/{n}/", f"<html><body><h1>Title {n}</h1><p>word{n} shared text</p></body></html>")
            for n in range(count)]


def test_every_page_sent_is_indexed(tmp_path):
    with pagefind.Indexer() as indexer:
        indexer.index(pages(1500), tmp_path / "a", "en")
        indexer.index(pages(3), tmp_path / "b", "en")  # one process, several indexes
    for folder, count in ((tmp_path / "a", 1500), (tmp_path / "b", 3)):
        entry = json.loads((folder / "pagefind-entry.json").read_text())
        assert entry["languages"]["en"]["page_count"] == count


def test_it_says_when_pagefind_has_read_the_pages_before_it_writes_the_index(tmp_path):
    said = []
    output = tmp_path / "a"
    with pagefind.Indexer() as indexer:
        for count in (1500, 1600):  # the second over the first, as a rebuilt index
            indexer.index(pages(count), output, "en",
                          on_read=lambda: said.append(len(list(output.rglob("*.pf_fragment")))))
    assert said == [0, 1500]  # the pages the index had when each was read


def test_a_refused_page_is_an_error_naming_pagefind_not_a_hang(tmp_path):
    broken = pages(2000)
    broken[7] = (None, "<html></html>")
    with pytest.raises(KbError, match="search index: Pagefind: Either source_path or url must be provided"):
        with pagefind.Indexer() as indexer:
            indexer.index(broken, tmp_path / "a", "en")
    assert not (tmp_path / "a").exists()


def test_pages_are_made_while_sent_and_a_page_that_cannot_be_made_stops_the_index(tmp_path):
    def made():
        for number, page in enumerate(pages(3000)):
            if number == 2100:
                raise ValueError("entry 2100 cannot be read")
            yield page

    with pytest.raises(ValueError, match="entry 2100 cannot be read"):
        with pagefind.Indexer() as indexer:
            indexer.index(made(), tmp_path / "a", "en")
    assert not (tmp_path / "a").exists()


def test_the_files_an_index_uses_are_read_from_its_metadata(tmp_path):
    folder = tmp_path / "a"
    with pagefind.Indexer() as indexer:
        indexer.index(pages(40), folder, "en")
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    used = pagefind.files_in_use(folder)
    assert used <= written and written - used == {"pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js",
                                                   "pagefind-modular-ui.css", "pagefind-highlight.js"}
    assert len([name for name in used if name.startswith("fragment/")]) == 40

    # Written again over itself with one page changed: the old page's fragment is no longer used.
    changed = pages(40)
    changed[7] = (changed[7][0], "<html><body><h1>Title 7</h1><p>rewritten</p></body></html>")
    with pagefind.Indexer() as indexer:
        indexer.index(changed, folder, "en")
    again = pagefind.files_in_use(folder)
    assert len([name for name in again if name.startswith("fragment/")]) == 40
    assert len({name for name in used - again if name.startswith("fragment/")}) == 1

    (folder / "pagefind-entry.json").write_text('{"languages": {"en": {"hash": "en_0000"}}}')
    with pytest.raises(KbError, match=rf"search index: cannot read the index Pagefind [0-9.]+ wrote in {folder}"):
        pagefind.files_in_use(folder)


def test_a_broken_file_left_by_a_stopped_run_is_written_again(tmp_path):
    folder = tmp_path / "a"
    with pagefind.Indexer() as indexer:
        indexer.index(pages(40), folder, "en")
    fragment = sorted(name for name in pagefind.files_in_use(folder) if name.startswith("fragment/"))[3]
    whole = (folder / fragment).read_bytes()
    (folder / fragment).write_bytes(whole[: len(whole) // 2])  # as a run stopped mid-write leaves it
    with pagefind.Indexer() as indexer:
        indexer.index(pages(40), folder, "en")
    assert (folder / fragment).read_bytes() == whole
