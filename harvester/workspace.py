"""A workspace: mkdocs.yml + site_config/ + content/, in the repository or anywhere."""

from pathlib import Path

from harvester import templating
from harvester.config import CURATION_FILE, PRIVACY_FILE, SOURCES_FILE, TAXONOMY_FILE
from harvester.errors import KbError
from harvester.files import write_atomic
from harvester.store import CONTENT_DIR

MKDOCS_FILE = "mkdocs.yml"
STATE_DIR = ".kb"  # derived files (the laid-out site tree, the lock): safe to delete
GITIGNORE = f"/site/\n/{STATE_DIR}/\n"


def open_workspace(root: Path) -> Path:
    """The workspace root, resolved; an error naming what is missing if it is not one."""
    root = root.resolve()
    if not root.is_dir():
        raise KbError(f"{root}: no such folder")
    missing = [name for name in (MKDOCS_FILE, "site_config", CONTENT_DIR) if not (root / name).exists()]
    if missing:
        raise KbError(f"{root}: not a kb workspace (missing {', '.join(missing)}; `kb init DIR` creates one)")
    return root


def init(root: Path, site_name: str = "Knowledge base", sources: list[dict] | None = None) -> Path:
    """Write a new workspace; refuse to touch a folder that already holds a kb config."""
    root = root.resolve()
    for name in (MKDOCS_FILE, SOURCES_FILE):
        if (root / name).exists():
            raise KbError(f"{root / name}: already exists; kb init never overwrites a workspace")
    templates = templating.environment(root)
    write_atomic(root / MKDOCS_FILE, templates.get_template("workspace/mkdocs.yml.j2").render(site_name=site_name))
    write_atomic(root / SOURCES_FILE, templates.get_template("workspace/sources.yml.j2").render(sources=sources or []))
    for name, template in ((PRIVACY_FILE, "privacy.yml.j2"), (CURATION_FILE, "curation.yml.j2"),
                           (TAXONOMY_FILE, "taxonomy.yml.j2")):
        if not (root / name).exists():
            write_atomic(root / name, templates.get_template(f"workspace/{template}").render())
    (root / CONTENT_DIR).mkdir(exist_ok=True)
    if not (root / ".gitignore").exists():
        write_atomic(root / ".gitignore", GITIGNORE)
    return root
