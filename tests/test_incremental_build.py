"""kb build redoes only what changed, and is never wrong about what that is: one changed entry
re-renders its page and the pages listing it, and reindexes the one search index holding it;
a config or theme change, a removed entry or an interrupted build are all accounted for."""

import gc
import html
import json
import math
import os
import random
import re
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from conftest import in_three_parts
from harvester import build as build_module
from harvester import engine, layout_cache, machine_pages, pagefind, pagefind_parts, search, store, templating
from harvester import site as site_module
from harvester.errors import KbError
from harvester.model import Entry, split_body
from pagefind_index import chunks, made_up_word, metadata, misrouted_words
from waiting import eventually


@pytest.fixture
def built(harvested):
    harvested("approve", "--all", "--by", "ana")
    harvested("build")
    return harvested


def html_files(site: Path) -> dict[str, int]:
    """Every rendered page, with its modification time in nanoseconds."""
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns for p in site.rglob("*.html")}


def entry_file(kb, entry_id: str) -> Path:
    return store.entry_path(kb.root, entry_id)


def replace_in_entry(kb, entry_id: str, old: str, new: str) -> None:
    path = entry_file(kb, entry_id)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def answer_line(kb, entry_id: str) -> str:
    """The last line of the entry's chosen answer: what search indexes, unlike other answers."""
    return split_body(store.read(entry_file(kb, entry_id), kb.root).body)[1].splitlines()[-1]


def entry_pages_linking(kb, record: dict) -> set[str]:
    """The rendered entry pages with a link to `record`'s page."""
    target = record["url"].rstrip("/").rsplit("/", 1)[1] + "/"
    return {f"{r['url']}index.html" for r in entries(kb) if r["id"] != record["id"]
            and re.search(rf'href="[./]*{re.escape(record["url"])}"|href="\.\./{re.escape(target)}"',
                          (kb.root / "site" / r["url"] / "index.html").read_text())}


def entries(kb) -> list[dict]:
    return json.loads((kb.root / "site" / "api" / "entries.json").read_text())


def test_one_changed_answer_renders_one_page_and_reindexes_its_part(built):
    site = built.root / "site"
    before = html_files(site)
    record = entries(built)[0]
    page = f"{record['url']}index.html"
    body_line = answer_line(built, record["id"])
    replace_in_entry(built, record["id"], body_line, body_line + " Zyzzogeton settles it.")

    output = built("build").output

    assert "1 changed" in output and "search: 1 of 1 parts reindexed" in output
    after = html_files(site)
    assert sorted(name for name in after if after[name] != before[name]) == sorted([page, "404.html"])
    assert "Zyzzogeton" in (site / page).read_text()
    assert "zyzzogeton" in (site / "pagefind" / "vocabulary" / "10.txt").read_text().split()


def test_a_new_title_also_renders_the_pages_that_list_the_entry(built):
    site = built.root / "site"
    before = html_files(site)
    record = next(r for r in entries(built) if r["tags"])
    linking_before = entry_pages_linking(built, record)
    replace_in_entry(built, record["id"], f"title: {record['title']}", "title: Quokka provisioning explained")

    built("build")

    after = html_files(site)
    rendered = {name for name in after if after[name] != before[name]}
    tag_pages = {f"tags/{tag}/index.html" for tag in record["tags"]}
    assert {f"{record['url']}index.html", "index.html"} | tag_pages <= rendered
    # Other entries are rendered again only where they list it among their related entries.
    other_entries = {f"{r['url']}index.html" for r in entries(built) if r["id"] != record["id"]}
    assert rendered & other_entries <= linking_before | entry_pages_linking(built, record)
    assert other_entries - rendered
    for tag_page in tag_pages:
        assert "Quokka provisioning explained" in (site / tag_page).read_text()


def test_a_rejected_entry_leaves_pages_listings_and_search(built):
    site = built.root / "site"
    record = next(r for r in entries(built) if r["tags"])
    unique = "Snarkwobble"
    body_line = answer_line(built, record["id"])
    replace_in_entry(built, record["id"], body_line, f"{body_line} {unique}.")
    built("build")
    assert unique.lower() in (site / "pagefind" / "vocabulary" / f"{len(unique)}.txt").read_text().split()

    built("reject", record["id"], "--reason", "wrong", "--by", "ana")
    built("build")

    assert not (site / record["url"] / "index.html").exists()
    assert record["id"] not in {r["id"] for r in entries(built)}
    listing_pages = [site / "index.html", *(site / "tags").rglob("index.html")]
    assert not any(record["title"] in p.read_text() for p in listing_pages)
    vocabulary = site / "pagefind" / "vocabulary" / f"{len(unique)}.txt"
    assert not vocabulary.exists() or unique.lower() not in vocabulary.read_text().split()
    # That search no longer finds it is checked in Chromium (test_search_browser.py).


def test_a_config_change_renders_every_page_again(built):
    site = built.root / "site"
    config = built.root / "mkdocs.yml"
    config.write_text(re.sub(r"^site_name: .*$", 'site_name: "Renamed base"', config.read_text(), flags=re.MULTILINE))

    output = built("build").output

    assert "all rendered" in output
    pages = list(site.rglob("index.html"))
    assert len(pages) > 11 and all("Renamed base" in p.read_text() for p in pages)


def test_a_theme_override_change_renders_every_page_again(built):
    site = built.root / "site"
    overrides = built.root / "overrides"
    (overrides / "partials").mkdir(parents=True)
    (overrides / "partials" / "copyright.html").write_text("<p>Team alpha</p>\n")
    config = built.root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    built("build")
    assert all("Team alpha" in p.read_text() for p in site.rglob("index.html"))

    (overrides / "partials" / "copyright.html").write_text("<p>Team beta</p>\n")
    output = built("build").output

    assert "all rendered" in output
    assert all("Team beta" in p.read_text() for p in site.rglob("index.html"))


def test_full_renders_and_reindexes_everything(built):
    output = built("build", "--full").output
    assert "all rendered" in output and "search: 1 of 1 parts reindexed" in output
    again = built("build").output
    assert "0 changed" in again and "search: 0 of 1 parts reindexed" in again


def test_a_full_build_leaves_nothing_of_the_old_site(built):
    site = built.root / "site"
    (site / "gone.html").write_text("<p>from an older build</p>")
    left = site / f"{engine.OLD_SITE_PREFIX}stopped"  # what a build stopped while removing left
    (left / "assets").mkdir(parents=True)
    (left / "assets" / "old.css").write_text("p {}")
    built("build", "--full")
    assert not (site / "gone.html").exists()
    assert [path.name for path in site.iterdir() if path.name.startswith(engine.OLD_SITE_PREFIX)] == []
    assert (site / "index.html").is_file() and (site / "pagefind" / search.MANIFEST).is_file()


def test_an_interrupted_build_is_redone_whole(built, monkeypatch):
    site = built.root / "site"

    def crash(*args, **kwargs):
        raise KbError("search index: the Pagefind indexer stopped")

    monkeypatch.setattr(search, "write", crash)
    record = entries(built)[0]
    body_line = answer_line(built, record["id"])
    replace_in_entry(built, record["id"], body_line, body_line + " Interrupted.")
    assert built("build", ok=False).exit_code == 1
    assert not (site / build_module.BUILD_STATE).exists()
    monkeypatch.undo()

    assert "all rendered" in built("build").output


@pytest.mark.parametrize("cores, share_pages", [(3, engine.SHARE_PAGES), (2, 10)])  # 3 shares; ~10, 2 at a time
def test_parallel_rendering_writes_exactly_what_one_process_writes(harvested, monkeypatch, tmp_path, cores, share_pages):
    harvested("approve", "--all", "--by", "ana")
    monkeypatch.setattr(build_module, "_cores", lambda: 1)
    build_module.build(harvested.root, tmp_path / "serial")
    monkeypatch.setattr(build_module, "_cores", lambda: cores)
    monkeypatch.setattr(engine, "SHARE_PAGES", share_pages)
    build_module.build(harvested.root, tmp_path / "parallel", full=True)

    def tree(folder: Path) -> dict[str, bytes]:  # what MkDocs rendered; the search index is not its work
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
                if p.is_file() and not p.relative_to(folder).as_posix().startswith("pagefind/")}

    serial, parallel = tree(tmp_path / "serial"), tree(tmp_path / "parallel")
    assert sorted(serial) == sorted(parallel)
    assert [name for name in serial if serial[name] != parallel[name]] == []


def test_a_renderer_that_dies_fails_the_build_and_starts_no_more(built, monkeypatch, tmp_path):
    start_renderers = engine.ForkedShares._start_renderers

    def die_in_the_second(shares):
        start_renderers(shares)
        if shares.share is not None:  # in a renderer
            (tmp_path / f"started-{shares.share}-of-{shares.shares}").touch()
            if shares.share == 1:
                os._exit(3)  # as if killed: it never reports back
            time.sleep(1)  # the others take a while, as real shares do

    monkeypatch.setattr(engine.ForkedShares, "_start_renderers", die_in_the_second)
    monkeypatch.setattr(build_module, "_cores", lambda: 2)
    monkeypatch.setattr(engine, "SHARE_PAGES", 10)
    with pytest.raises(KbError, match="a rendering process failed \\(exit status 3\\)"):
        build_module.build(built.root, full=True)
    assert not (built.root / "site" / build_module.BUILD_STATE).exists()
    started = sorted(tmp_path.glob("started-*"))
    shares = int(started[0].name.rsplit("-", 1)[1])
    assert shares > 4 and len(started) <= 3  # two at a time; none started once one had died


def test_the_index_keeps_one_core_from_the_render_until_it_is_written(built, monkeypatch, tmp_path):
    index_may_end = tmp_path / "index-may-end"
    write_index, start_renderers, exit_renderer = search.write, engine.ForkedShares._start_renderers, engine.ForkedShares.exit_renderer

    def started() -> str:
        return " ".join(sorted(p.name for p in tmp_path.glob("started-*")))

    def write_until_told(site_dir, parts_dir, entries, url_of, language, full, progress):  # slower than the first renderer
        def held_with_the_pages_read(state):  # Pagefind is building the part in memory
            progress(state)
            (tmp_path / "rendered-beside-pagefind").write_text(str(eventually(index_may_end.exists)))

        return write_index(site_dir, parts_dir, entries, url_of, language, full, held_with_the_pages_read)

    def noting_starts(shares):
        start_renderers(shares)
        if shares.share is None:
            return
        running = {p.name.split("-")[1] for p in tmp_path.glob("started-*")} - {p.name.split("-")[1] for p in tmp_path.glob("ended-*")}
        (tmp_path / f"started-{shares.share}-beside-{len(running)}").touch()
        if not index_may_end.exists():
            time.sleep(1)  # room for a wrongly started second renderer to show
            (tmp_path / "seen-while-indexing").write_text(started())
            index_may_end.touch()
        time.sleep(0.3)  # the others take a while, as real shares do

    def noting_ends(shares, error):
        (tmp_path / f"ended-{shares.share}").touch()
        exit_renderer(shares, error)

    monkeypatch.setattr(search, "write", write_until_told)
    monkeypatch.setattr(engine.ForkedShares, "_start_renderers", noting_starts)
    monkeypatch.setattr(engine.ForkedShares, "exit_renderer", noting_ends)
    monkeypatch.setattr(build_module, "_cores", lambda: 2)
    monkeypatch.setattr(engine, "SHARE_PAGES", 10)
    report = build_module.build(built.root, full=True)

    assert (tmp_path / "rendered-beside-pagefind").read_text() == "True"
    assert (tmp_path / "seen-while-indexing").read_text() == "started-0-beside-0"  # alone while the index was made
    assert list(tmp_path.glob("started-*-beside-1"))  # two at a time once it was done
    assert len(list(tmp_path.glob("ended-*"))) == len(list(tmp_path.glob("started-*"))) > 2
    assert report.search.reindexed == report.search.parts
    assert (built.root / "site" / build_module.BUILD_STATE).is_file()


def test_a_renderer_error_fails_the_build_saying_what_went_wrong(built, monkeypatch):
    # Jinja reads a template when a page first needs it: this one only pages use (not the 404
    # page), so it is first read in a renderer, after the fork.
    overrides = built.root / "overrides" / "partials"
    overrides.mkdir(parents=True)
    (overrides / "content.html").write_text("<article>\n{% if %}\n</article>\n")
    config = built.root / "mkdocs.yml"
    config.write_text(config.read_text().replace("  name: material\n", "  name: material\n  custom_dir: overrides\n"))
    monkeypatch.setattr(build_module, "_cores", lambda: 2)
    monkeypatch.setattr(engine, "SHARE_PAGES", 10)
    with pytest.raises(KbError, match="^overrides/partials/content.html, line 2: Expected an expression"):
        build_module.build(built.root)
    assert not (built.root / "site" / build_module.BUILD_STATE).exists()


def test_several_parts_each_reindexed_only_for_their_own_entries_and_served_as_one_index(built, monkeypatch):
    in_three_parts(built, monkeypatch)
    site, parts = built.root / "site", built.root / search.PARTS_DIR
    first = built("build").output
    assert "search: 3 of 3 parts reindexed" in first
    stored = [pagefind_parts.read(parts / str(number)) for number in range(3)]
    assert sum(bool(part.pages) for part in stored) >= 2
    # One index, which lists every entry's page once.
    index_pages = [page for page in metadata(site / "pagefind")[1] if page[0]]
    assert len(index_pages) == sum(len(part.pages) for part in stored) == len(entries(built))
    assert (site / "pagefind" / "pagefind.js").is_file() and list((site / "pagefind").glob("wasm.en.*"))

    record = entries(built)[0]
    body_line = answer_line(built, record["id"])
    replace_in_entry(built, record["id"], body_line, body_line + " Reindexed.")
    assert "search: 1 of 3 parts reindexed" in built("build").output
    again = [pagefind_parts.read(parts / str(number)) for number in range(3)]
    assert sum(part.meta["digest"] != before.meta["digest"] for part, before in zip(again, stored)) == 1


def test_a_part_whose_pages_the_site_lost_is_reindexed(built):
    shutil.rmtree(built.root / "site")
    assert "search: 1 of 1 parts reindexed" in built("build").output


def test_the_index_says_once_when_pagefind_has_read_the_first_part_it_reindexes(built, monkeypatch, tmp_path):
    in_three_parts(built, monkeypatch)
    approved = [search.searchable(entry) for entry in store.load_all(built.root, bodies_in_files=True) if entry.status == "approved"]
    parts = tmp_path / "parts"
    said: list[tuple[str, int]] = []

    def note(state):  # with the parts stored by then
        said.append((state, len(list(parts.glob(f"*/{pagefind_parts.PART_FILE}")))))

    report = search.write(tmp_path, parts, approved, lambda entry_id: f"entries/{entry_id}/", "en", progress=note)
    assert report.reindexed == 3 and said == [(search.PAGES_READ, 0)]
    said.clear()
    search.write(tmp_path, parts, approved, lambda entry_id: f"entries/{entry_id}/", "en", progress=note)
    assert said == [(search.PAGES_READ, 3)]  # nothing to reindex: said at once


def test_the_index_process_holds_none_of_the_entries_the_build_loads(built, monkeypatch):
    # Forked after the build loaded them, it would keep them all, as its own, once the build
    # freed its copy: hundreds of megabytes at 100,000 entries, for the length of the render.
    write_index = search.write

    def counting_entries(*arguments):
        gc.unfreeze()  # the objects a fork inherits are frozen out of the collector's sight
        held = sum(isinstance(thing, Entry) for thing in gc.get_objects())
        if held:
            raise KbError(f"the index's process holds {held} entries")
        return write_index(*arguments)

    monkeypatch.setattr(search, "write", counting_entries)
    assert "search: 1 of 1 parts reindexed" in built("build", "--full").output


def test_a_build_holds_one_entry_body_at_a_time(built, tmp_path):
    model = store.load_all(built.root)[0]
    written = [Entry({**model.meta, "id": f"acme:{n}"}, f"Body {n}. " + "Long answer text. " * 3000) for n in range(100)]
    for entry in written:
        store.write(tmp_path, entry)
    tracemalloc.start()
    try:
        loaded = store.load_all(tmp_path, cached=True, bodies_in_files=True)
        read = [hash(entry.body) for entry in loaded]  # each read, then let go
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert read == [hash(entry.body) for entry in store.load_all(tmp_path)]  # as held bodies are read
    assert loaded[0].body == store.read(store.entry_path(tmp_path, loaded[0].id), tmp_path).body  # read again
    assert held < 10 * len(loaded[0].body)  # the 100 bodies: over 100 times one


def test_an_entry_file_gone_once_the_entries_are_loaded_is_named(built):
    loaded = store.load_all(built.root, bodies_in_files=True)
    store.entry_path(built.root, loaded[2].id).unlink()
    with pytest.raises(KbError, match=f"^{re.escape(store.entry_path(built.root, loaded[2].id).relative_to(built.root).as_posix())}: cannot read"):
        loaded[2].body


def test_an_entry_file_gone_during_the_build_is_named(built, tmp_path):
    approved = [search.searchable(entry) for entry in store.load_all(built.root, bodies_in_files=True) if entry.status == "approved"]
    approved[1].file.unlink()
    with pytest.raises(KbError, match=f"^{re.escape(str(approved[1].file))}: cannot read the entry for the search index"):
        search.write(tmp_path, tmp_path / "parts", approved, lambda entry_id: f"entries/{entry_id}/", "en")
    assert not (tmp_path / search.SEARCH_DIR).exists()


def test_the_search_record_holds_the_answer_not_the_page_chrome(built):
    entry = next(e for e in store.load_all(built.root, bodies_in_files=True) if e.tags)
    record = search.record(search.searchable(entry), entry.body, "entries/x/").html
    assert f'data-pagefind-meta="title[content]" content="{html.escape(entry.title)}">' in record
    assert f"<h1>{html.escape(entry.title)}</h1>" in record  # weighted as a heading
    assert 'data-pagefind-filter="answer:accepted"' in record or 'data-pagefind-filter="answer:top-voted"' in record
    assert all(f'data-pagefind-filter="tag:{tag}"' in record for tag in entry.tags)
    assert "View the original thread" not in record and "](http" not in record
    assert "http" not in re.sub(r"<[^>]+>", "", record)  # link targets are not words to find


def test_removed_outputs_follow_the_site_layout(built):
    config = engine.load(built.root / "mkdocs.yml", built.root / ".kb" / "pages", built.root / "site", nav=lambda name: [])
    assert engine.output_of(config, "entries/acme/4.md") == built.root / "site" / "entries" / "acme" / "4" / "index.html"
    assert engine.output_of(config, "api/entries.json") == built.root / "site" / "api" / "entries.json"


def test_filter_menus_count_what_the_site_publishes(built):
    counts = json.loads((built.root / "site" / "pagefind" / "filters.json").read_text())
    published = entries(built)
    tags = sorted({tag for record in published for tag in record["tags"]})
    assert counts["tag"] == {tag: sum(tag in r["tags"] for r in published) for tag in tags}
    assert sum(counts["answer"].values()) == len(published) == sum(counts["verified"].values())


def test_parsed_front_matter_is_reused_only_while_its_text_is_unchanged(built):
    cache = built.root / store.PARSED_CACHE
    saved = json.loads(cache.read_text())["entries"]
    assert len(saved) == len(store.load_all(built.root))
    record = entries(built)[0]
    # An edit the cache knows nothing of: the build sees it, and stops on it, naming the file.
    replace_in_entry(built, record["id"], "status: approved", "status: aproved")
    failed = built("build", ok=False)
    assert failed.exit_code != 0 and f"{store.entry_path(built.root, record['id']).relative_to(built.root).as_posix()}: " in failed.output
    replace_in_entry(built, record["id"], "status: aproved", "status: approved\nreviewed_note: 2024-05-01")
    built("build")
    # A date is not JSON data: that entry is parsed every time rather than kept.
    assert len(json.loads(cache.read_text())["entries"]) == len(saved) - 1
    # A cache that cannot be read is started over.
    cache.write_text("{not json")
    assert "0 changed" in built("build").output
    assert len(json.loads(cache.read_text())["entries"]) == len(saved) - 1


def test_the_part_count_follows_memory_and_rebuild_size():
    for entries in (10, 3_000, 10_000, 20_000, 100_000):
        for size in (entries * 1_500, entries * 3_900, entries * 10_700):  # files of short, real-length and long entries
            count = search._part_count(entries, size, 0)
            assert count == max(1, math.ceil(size / search.INDEX_FILE_BYTES), entries // search.PART_ENTRIES)
    # A site hovering at a boundary keeps its count (a new one reindexes everything), unless
    # memory forbids it.
    entries, size = 20_000, 100_000_000
    best = search._part_count(entries, size, 0)
    assert best == math.ceil(size / search.INDEX_FILE_BYTES)
    assert search._part_count(entries, size, best + 1) == best + 1
    assert search._part_count(entries, size, best + 2) == best
    assert search._part_count(entries, size, best - 1) == best


def test_each_part_keeps_its_page_numbers_until_one_outgrows_them():
    assert search._slot(1000, 0) == 1280  # a quarter to grow, in steps of 256
    assert search._slot(1280, 1280) == 1280 and search._slot(600, 1280) == 1280
    assert search._slot(1281, 1280) == 1792


def test_only_changed_entries_are_laid_out_again(built, monkeypatch):
    made = []
    real = machine_pages.structured_data
    monkeypatch.setattr(machine_pages, "structured_data", lambda entry: made.append(entry.id) or real(entry))
    record = entries(built)[0]
    body_line = answer_line(built, record["id"])
    replace_in_entry(built, record["id"], body_line, body_line + " Laid out again.")
    built("build")
    assert made == [record["id"]]
    # A build with --full trusts nothing the last one left.
    made.clear()
    built("build", "--full")
    assert sorted(made) == sorted(r["id"] for r in entries(built))


def test_an_entry_page_follows_whatever_it_shows_not_only_its_entry(built):
    site = built.root / "site"
    record = next(r for r in entries(built) if not r["official"])
    author = store.read(entry_file(built, record["id"]), built.root).meta["answer"]["author"]
    # The official people are in curation.yml, not in the entry.
    (built.root / "site_config" / "curation.yml").write_text(yaml.safe_dump({"official": [author]}))
    built("build")
    assert "kb-badge kb-official" in (site / record["url"] / "index.html").read_text()
    # A workspace's own template changes every entry page.
    template = built.root / "templates" / "pages" / "entry.md.j2"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text((templating.PACKAGED_TEMPLATES / "pages" / "entry.md.j2").read_text() + "\nReviewed by the platform team.\n")
    built("build")
    assert all("Reviewed by the platform team." in (site / r["url"] / "index.html").read_text() for r in entries(built))


def test_a_layout_stopped_half_way_is_not_trusted(built, monkeypatch):
    cache = built.root / layout_cache.LAYOUT_CACHE
    assert cache.is_file()
    record = entries(built)[0]
    body_line = answer_line(built, record["id"])
    replace_in_entry(built, record["id"], body_line, body_line + " Half way.")

    def crash(*args, **kwargs):
        raise KbError("stopped")

    monkeypatch.setattr(site_module, "write_tree", crash)
    assert built("build", ok=False).exit_code == 1
    assert not cache.exists()  # the pages on disk may no longer be what it describes
    monkeypatch.undo()
    built("build")
    assert "Half way." in (built.root / "site" / record["url"] / "index.html").read_text()


def test_the_index_sends_every_word_and_its_prefixes_to_their_chunk(built, tmp_path):
    # Pagefind trims ranges to prefixes that its search can then fail to match (pagefind_merge.py).
    rng = random.Random(0)
    model = store.load_all(built.root)[0]
    entries = [Entry({**model.meta, "id": f"acme:{n}"}, " ".join(made_up_word(rng) for _ in range(60)))
               for n in range(400)]
    for entry in entries:
        store.write(tmp_path, entry)
    search.write(tmp_path, tmp_path / "parts", [search.searchable(entry) for entry in store.load_all(tmp_path, bodies_in_files=True)],
                 lambda entry_id: f"entries/{entry_id}/", "en")
    assert len(chunks(tmp_path / search.SEARCH_DIR)) > 2
    assert misrouted_words(tmp_path / search.SEARCH_DIR) == []


def test_a_reindexed_part_leaves_the_index_exactly_the_files_it_uses(built):
    live = built.root / "site" / "pagefind"
    record = entries(built)[0]
    body_line = answer_line(built, record["id"])
    replace_in_entry(built, record["id"], body_line, body_line + " Quillwort.")
    before = {p.relative_to(live).as_posix() for p in live.rglob("*") if p.is_file()}
    assert "search: 1 of 1 parts reindexed" in built("build").output
    after = {p.relative_to(live).as_posix() for p in live.rglob("*") if p.is_file()}
    ours = {search.MANIFEST, search.FILTERS_FILE} | {name for name in after if name.startswith("vocabulary/")}
    assert after == pagefind.files_in_use(live) | ours
    page_count = json.loads((live / "pagefind-entry.json").read_text())["languages"]["en"]["page_count"]
    assert len([name for name in after if name.startswith("fragment/")]) == page_count
    # Every page and word file has a new name: no browser shows one it cached from the old index.
    assert not {name for name in before & after if name.startswith(("fragment/", "index/"))}
    assert not (built.root / search.PARTS_DIR / "0.pagefind").exists()  # Pagefind's own output is gone
