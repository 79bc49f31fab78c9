"""kb build: approved entries -> laid-out tree -> rendered static site."""

from dataclasses import dataclass
from pathlib import Path

from harvester import config, engine, linkcheck, reports, site, store, templating
from harvester.lock import workspace_lock
from harvester.model import Entry
from harvester.workspace import MKDOCS_FILE, STATE_DIR

PAGES_DIR = f"{STATE_DIR}/pages"


@dataclass
class BuildReport:
    out: Path
    entries: int
    pages: int
    changed: int


def build(root: Path, out: Path | None = None, audience: str | None = None) -> BuildReport:
    """Build the site; with `audience="public"`, internal entries are left out of everything."""
    out = (out or root / "site").resolve()
    config_file = root / MKDOCS_FILE
    docs_dir = root / PAGES_DIR
    with workspace_lock(root, "kb build"):
        docs_dir.mkdir(parents=True, exist_ok=True)
        published = _published(root, store.load_all(root), audience)
        mkdocs_config = engine.load(config_file, docs_dir, out, nav=site.nav(published))
        pages = site.lay_out(published, templating.environment(root), mkdocs_config["site_name"],
                             directory_urls=mkdocs_config["use_directory_urls"])
        changed = site.write_tree(docs_dir, pages)
        engine.render(mkdocs_config)
    return BuildReport(out=out, entries=len(published.entries), pages=len(pages), changed=len(changed))


def _published(root: Path, everything: list[Entry], audience: str | None) -> site.Published:
    entries = [entry for entry in everything if entry.status == "approved"]
    if audience == "public":
        entries = _public_only(root, entries)
    published_ids = {entry.id for entry in entries}
    # A page past its review date says so: the build is the reader's only view of the queue.
    outdated = {item.id: item.due for item in reports.stale(root, entries)}
    return site.Published(entries, site.redirects_of(everything, published_ids), outdated, linkcheck.by_entry(root))


def _public_only(root: Path, entries: list[Entry]) -> list[Entry]:
    # Internal if the entry was harvested as internal, or its source is internal now: a
    # source switched to internal must vanish from the public site before its next harvest.
    internal_sources = {name for name, audience in config.source_audiences(root).items() if audience != "public"}
    return [
        entry for entry in entries
        if (entry.meta.get("source") or {}).get("audience", "public") == "public"
        and entry.id.split(":", 1)[0] not in internal_sources
    ]
