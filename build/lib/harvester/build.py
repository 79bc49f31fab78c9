"""kb build: approved entries -> laid-out tree -> rendered static site."""

from dataclasses import dataclass
from pathlib import Path

from harvester import engine, site, store, templating
from harvester.workspace import MKDOCS_FILE, STATE_DIR

PAGES_DIR = f"{STATE_DIR}/pages"


@dataclass
class BuildReport:
    out: Path
    entries: int
    pages: int
    changed: int


def build(root: Path, out: Path | None = None) -> BuildReport:
    out = (out or root / "site").resolve()
    config_file = root / MKDOCS_FILE
    docs_dir = root / PAGES_DIR
    docs_dir.mkdir(parents=True, exist_ok=True)
    entries = [entry for entry in store.load_all(root) if entry.status == "approved"]
    pages = site.lay_out(entries, templating.environment(root), engine.site_name(config_file, docs_dir))
    changed = site.write_tree(docs_dir, pages)
    engine.render(config_file, docs_dir, out, nav=site.NAV)
    return BuildReport(out=out, entries=len(entries), pages=len(pages), changed=len(changed))
