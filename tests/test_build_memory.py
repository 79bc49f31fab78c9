"""What a build holds of each entry stays small, for it holds every entry's at once: one copy of
the texts entries share, a file's path as text, and big derived files written a piece at a time;
the index holds no stored part while Pagefind indexes another; and a renderer goes through its
own pages only."""

import gc
import os
import pickle
import sys
import tracemalloc

import pytest

from conftest import in_three_parts
from harvester import build as build_module
from harvester import engine, pagefind, pagefind_parts, search, store
from harvester.files import write_atomic
from harvester.model import Entry

COPIES = 200


@pytest.fixture
def entries(harvested, tmp_path):
    """COPIES entries with the front matter of a harvested one, each under its own id and title."""
    model = store.load_all(harvested.root)[0]
    root = tmp_path / "copies"
    for n in range(COPIES):
        store.write(root, Entry({**model.meta, "id": f"acme:{n}", "title": f"{model.title} {n}"}, model.body))
    return root


@pytest.mark.parametrize("cached", [False, True], ids=["parsed", "from the cache"])
def test_entries_hold_one_copy_of_the_keys_and_short_texts_they_share(entries, cached):
    if cached:
        store.load_all(entries, cached=True)  # fills the cache this load reads
    first, second = store.load_all(entries, cached=cached, bodies_in_files=True)[:2]
    for key in first.meta:
        assert next(k for k in second.meta if k == key) is key
    assert first.meta["status"] is second.meta["status"]
    assert first.meta["source"]["name"] is second.meta["source"]["name"]
    assert all(a is b for a, b in zip(first.tags, second.tags, strict=True)) and first.tags
    assert first.meta == store.read(first.file, entries).meta  # equal to what a plain read gives


def test_the_texts_entries_share_leave_no_table_behind_them(entries):
    # Python's own table of interned texts would keep its largest size once the entries are gone.
    loaded = store.load_all(entries, cached=True, bodies_in_files=True)[-1].meta["id"]
    assert sys.intern(loaded[:1] + loaded[1:]) is not loaded


def test_the_index_process_holds_under_a_kilobyte_of_each_entry(entries):
    sent = pickle.dumps([search.searchable(entry) for entry in store.load_all(entries, bodies_in_files=True)])
    tracemalloc.start()
    try:
        received = pickle.loads(sent)  # as the index's process gets them
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held < COPIES * 1000  # it was 1,700 bytes an entry, most of it a Path and the filters' tuples
    assert received[0].file.read_text(encoding="utf-8").startswith("---\n")


def test_a_file_written_in_pieces_is_whole_and_left_alone_when_unchanged(tmp_path):
    path = tmp_path / "api" / "entries.json"
    assert write_atomic(path, (f"{n}\n" for n in range(10_000)), durable=False)
    assert path.read_text() == "".join(f"{n}\n" for n in range(10_000))
    modified = path.stat().st_mtime_ns
    assert not write_atomic(path, iter(path.read_text().splitlines(keepends=True)))
    assert path.stat().st_mtime_ns == modified
    assert write_atomic(path, ["changed\n"]) and path.read_text() == "changed\n"
    assert [p.name for p in path.parent.iterdir()] == ["entries.json"]  # no temp file left


def test_a_write_in_pieces_that_fails_leaves_the_old_file(tmp_path):
    path = tmp_path / "entries.json"
    path.write_text("old\n")

    def failing():
        yield "new, half"
        raise ValueError("a record could not be made")

    with pytest.raises(ValueError):
        write_atomic(path, failing())
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["entries.json"]


def test_a_renderer_goes_through_its_own_share_of_the_pages_only(harvested, monkeypatch, tmp_path):
    # Each page MkDocs renders is noted, by the process that renders it, with how many pages
    # that process's build goes through. Going through all of them would copy into every
    # renderer the memory its parent holds them in.
    notes = tmp_path / "notes"
    notes.mkdir()
    sanitize = engine.SanitizePages.on_page_content

    def noting(plugin, html, *, page, files, **kwargs):
        with open(notes / str(os.getpid()), "a", encoding="utf-8") as note:
            note.write(f"{page.file.src_uri} {len(files.documentation_pages())}\n")
        return sanitize(plugin, html, page=page, files=files, **kwargs)

    harvested("approve", "--all", "--by", "ana")
    monkeypatch.setattr(engine.SanitizePages, "on_page_content", noting)
    monkeypatch.setattr(build_module, "_cores", lambda: 2)
    monkeypatch.setattr(engine, "SHARE_PAGES", 10)
    build_module.build(harvested.root)

    rendered = {note.name: [line.rsplit(" ", 1) for line in note.read_text(encoding="utf-8").splitlines()]
                for note in notes.iterdir()}
    assert len(rendered) > 2  # renderers: the parent renders no page
    for pages in rendered.values():
        assert {int(gone_through) for _, gone_through in pages} == {len(pages)}
    laid_out = {page.relative_to(harvested.root / build_module.PAGES_DIR).as_posix()
                for page in (harvested.root / build_module.PAGES_DIR).rglob("*.md")}
    every = [uri for pages in rendered.values() for uri, _ in pages]
    assert sorted(every) == sorted(laid_out)  # each page once


def test_the_index_holds_no_stored_part_while_pagefind_indexes_the_next(harvested, monkeypatch, tmp_path):
    harvested("approve", "--all", "--by", "ana")
    in_three_parts(harvested, monkeypatch)
    approved = [search.searchable(entry) for entry in store.load_all(harvested.root, bodies_in_files=True)
                if entry.status == "approved"]
    index_part, held = search._index_part, []

    def counting_parts_held(*args, **kwargs):
        gc.collect()
        held.append(sum(isinstance(thing, pagefind_parts.Part) for thing in gc.get_objects()))
        return index_part(*args, **kwargs)

    monkeypatch.setattr(search, "_index_part", counting_parts_held)
    report = search.write(tmp_path, tmp_path / "parts", approved, lambda entry_id: f"entries/{entry_id}/", "en", full=True)
    assert report.reindexed == 3 and held == [0, 0, 0]  # each part's pages, filters and words: 2.5 MB of 2,500 entries
    assert (tmp_path / search.SEARCH_DIR / pagefind.ENTRY_FILE).is_file()  # merged once all were stored
