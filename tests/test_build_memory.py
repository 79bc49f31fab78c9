"""What a build holds of each entry stays small, for it holds every entry's at once: one copy of
the texts entries share, a file's path as text, and big derived files written a piece at a time."""

import pickle
import tracemalloc

import pytest

from harvester import search, store
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
