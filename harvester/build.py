"""kb build: approved entries -> laid-out tree and search index -> rendered static site.

Each step redoes only what changed: the layout makes again only the entry pages whose inputs
changed and writes pages whose text changed, the engine renders pages whose Markdown is newer
than their HTML, the search index reindexes the parts holding changed entries. What the last
complete build rendered is kept in the site itself (BUILD_STATE): a site without it, or built
with another config or theme, is rebuilt whole.
"""

import functools
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from harvester import config, engine, linkcheck, reports, search, site, store, templating
from harvester.beside import Beside, release_freed_memory
from harvester.files import write_atomic
from harvester.layout_cache import LayoutCache
from harvester.lock import workspace_lock
from harvester.model import Entry
from harvester.workspace import MKDOCS_FILE, STATE_DIR

PAGES_DIR = f"{STATE_DIR}/pages"
BUILD_STATE = ".kb-build.json"


@dataclass
class BuildReport:
    out: Path
    entries: int
    pages: int
    changed: int  # pages whose Markdown changed
    rebuilt: bool  # every page was rendered again (first build, --full, new config or theme)
    search: search.Report


def build(root: Path, out: Path | None = None, audience: str | None = None, full: bool = False) -> BuildReport:
    """Build the site; with `audience="public"`, internal entries are left out of everything.
    `full` renders and indexes everything again, whatever the site folder holds."""
    out = (out or root / "site").resolve()
    config_file = root / MKDOCS_FILE
    docs_dir = root / PAGES_DIR
    with workspace_lock(root, "kb build"), \
            Beside(search.write, given=True) as indexing, Beside(_remove, given=True) as removing:
        # Both processes are forked before the entries are loaded: forked after, each would
        # keep them in memory, as its own, once this process has freed them.
        docs_dir.mkdir(parents=True, exist_ok=True)
        published = _published(root, store.load_all(root, cached=True, bodies_in_files=True), audience)
        mkdocs_config = engine.load(config_file, docs_dir, out, nav=functools.partial(site.nav, published))
        directory_urls = mkdocs_config["use_directory_urls"]
        signature = engine.signature(mkdocs_config)
        previous = _read_state(out)
        rebuilt = full or previous.get("signature") != signature
        # Removed while this build goes on.
        removing.give(engine.set_aside(out, keep=() if full else (search.SEARCH_DIR,)) if rebuilt else None)
        # Until this build completes, the site is in no known state: a crash means the next
        # build starts over instead of trusting half-rendered HTML.
        (out / BUILD_STATE).unlink(missing_ok=True)

        # The search index needs only what it takes of the entries: it is made beside the
        # layout and the render, by a process of its own (Pagefind is another). The layout
        # waits until Pagefind has read the pages of the first part it reindexes: the two
        # compete for the cores, and the index is the longest part of the build's start. The
        # index then works on one core: until it is done, the render runs on the others (see
        # engine.ForkedShares).
        indexing.give(out, root / search.PARTS_DIR,
                      [search.searchable(entry) for entry in published.entries if not site.is_playbook(entry)],
                      functools.partial(site.entry_href, directory_urls=directory_urls),
                      engine.language(mkdocs_config), full)
        indexing.signalled()
        layout_cache = LayoutCache(root, docs_dir, reuse=not full)
        tree = site.write_tree(docs_dir, site.lay_out(published, templating.environment(root), mkdocs_config["site_name"],
                                                      directory_urls=directory_urls, site_url=mkdocs_config["site_url"],
                                                      unchanged=layout_cache.unchanged))
        layout_cache.save()
        # The renderers are forked from this process: the entries, and what the layout freed,
        # leave memory first.
        entry_count = len(published.entries)
        del published
        release_freed_memory()
        if not indexing.forked:  # a thread would hold the interpreter lock against the render
            indexing.result()
        laid_out = sorted(tree.pages)
        if not rebuilt:
            for removed in set(previous.get("pages", [])) - set(laid_out):
                engine.output_of(mkdocs_config, removed).unlink(missing_ok=True)
        jobs = _cores()
        engine.render(mkdocs_config, jobs=jobs, pages=len(laid_out) if rebuilt else len(tree.changed),
                      other_work=functools.partial(_renderers_kept, indexing))
        indexed = indexing.result()
        removing.result()
        write_atomic(out / BUILD_STATE, json.dumps({"signature": signature, "pages": laid_out}) + "\n")
    return BuildReport(out=out, entries=entry_count, pages=len(laid_out), changed=len(tree.changed),
                       rebuilt=rebuilt, search=indexed)


def _remove(folder: Path | None, signal) -> None:
    if folder is not None:
        shutil.rmtree(folder)


def _read_state(out: Path) -> dict:
    try:
        state = json.loads((out / BUILD_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _renderers_kept(indexing: Beside) -> tuple[int, list]:
    """How many renderers the search index keeps from running (engine.OtherWork): one, for
    its core, until its process ends. With Pagefind's memory at its peak (each part's), and
    one renderer beside it, a 20,000-entry build on 2 cores peaks under 800 MiB."""
    watched = indexing.watch()
    if watched is None:
        return 0, []
    _state, changes = watched
    return 1, changes


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _published(root: Path, everything: list[Entry], audience: str | None) -> site.Published:
    entries = [entry for entry in everything if entry.status == "approved"]
    if audience == "public":
        entries = _public_only(root, entries)
    published_ids = {entry.id for entry in entries}
    # A page past its review date says so: the build is the reader's only view of the queue.
    outdated = {item.id: item.due for item in reports.stale(root, entries)}
    return site.Published(entries, site.redirects_of(everything, published_ids), outdated, linkcheck.by_entry(root),
                          config.load_privacy(root), dict(Counter(entry.status for entry in everything)),
                          config.load_curation(root).official_people(), config.load_taxonomy(root))


def _public_only(root: Path, entries: list[Entry]) -> list[Entry]:
    # Internal if the entry was harvested as internal, or its source is internal now: a
    # source switched to internal must vanish from the public site before its next harvest.
    internal_sources = {name for name, audience in config.source_audiences(root).items() if audience != "public"}
    return [
        entry for entry in entries
        if (entry.meta.get("source") or {}).get("audience", "public") == "public"
        and entry.id.split(":", 1)[0] not in internal_sources
    ]
