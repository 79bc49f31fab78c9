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


def test_a_refused_page_is_an_error_naming_pagefind_not_a_hang(tmp_path):
    broken = pages(2000)
    broken[7] = (None, "<html></html>")
    with pytest.raises(KbError, match="search index: Pagefind: Either source_path or url must be provided"):
        with pagefind.Indexer() as indexer:
            indexer.index(broken, tmp_path / "a", "en")
    assert not (tmp_path / "a").exists()
