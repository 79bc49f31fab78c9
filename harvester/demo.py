"""kb demo: a workspace harvested from the bundled example exports, approved and built."""

import shutil
from importlib.resources import files
from pathlib import Path

import yaml

from harvester import build, curate, harvest, workspace
from harvester.files import write_atomic

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
# The demo's own settings, written over kb init's commented examples.
DEMO_SETTINGS = {
    "site_config/taxonomy.yml": {"topics": [
        {"name": "Developer setup", "description": "Python environments, Git and the checks that run before a commit.",
         "tags": ["python", "poetry", "virtualenv", "git", "pre-commit", "monorepo", "testing"]},
        {"name": "Infrastructure", "description": "Clusters, containers, databases and the staging environment.",
         "tags": ["kubernetes", "docker", "database", "staging", "disk-space"]},
        {"name": "Access and security", "description": "VPN, tokens and getting access to systems.",
         "tags": ["vpn", "networking", "api-tokens", "security", "access-request"]},
        {"name": "Performance", "description": "Measuring latency and finding where time goes.",
         "tags": ["latency", "observability", "statistics", "profiling", "performance"]},
    ]},
    "site_config/curation.yml": {"official": ["Priya Raman", "Helen Okafor"]},
}


def run(root: Path, on_step=None) -> build.BuildReport:
    step = on_step or (lambda message: None)
    if not (root / workspace.MKDOCS_FILE).exists():
        workspace.init(root, site_name="Acme engineering knowledge base", sources=DEMO_SOURCES)
        for name, settings in DEMO_SETTINGS.items():
            write_atomic(root / name, yaml.safe_dump(settings, sort_keys=False, allow_unicode=True))
        step(f"created workspace {root}")
    root = workspace.open_workspace(root)
    exports = root / "exports" / "acme-qa"
    shutil.copytree(DEMO_DATA / "stackexchange", exports, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__*"))
    for report in harvest.run(root):
        step(report.summary())
    approved = curate.approve(root, [], approve_all=True, by="kb demo")
    step(f"approved {len(approved)} entries")
    return build.build(root)
