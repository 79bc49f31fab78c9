"""kb demo: a workspace harvested from the bundled example exports, approved and built."""

import shutil
from importlib.resources import files
from pathlib import Path

from harvester import build, curate, harvest, workspace

DEMO_DATA = Path(str(files("harvester.demo_data")))
DEMO_SOURCES = [
    {
        "name": "acme-qa",
        "type": "stackexchange-dump",
        "path": "exports/acme-qa",
        "site_url": "https://qa.acme.example",
        "min_answer_score": 3,
    },
]


def run(root: Path, on_step=None) -> build.BuildReport:
    step = on_step or (lambda message: None)
    if not (root / workspace.MKDOCS_FILE).exists():
        workspace.init(root, site_name="Acme engineering knowledge base", sources=DEMO_SOURCES)
        step(f"created workspace {root}")
    root = workspace.open_workspace(root)
    exports = root / "exports" / "acme-qa"
    shutil.copytree(DEMO_DATA / "stackexchange", exports, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__*"))
    for report in harvest.run(root):
        step(report.summary())
    approved = curate.approve(root, [], approve_all=True, by="kb demo")
    step(f"approved {len(approved)} entries")
    return build.build(root)
