"""Shared fixtures: workspaces made through the real CLI, and the real public exports."""

import json
import math
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from harvester import search, store
from harvester.cli import cli
from harvester.demo import DEMO_DATA

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
QC_DUMP = SHARED_DATA / "stackexchange" / "quantumcomputing-2018"
CONLANG_DUMP = SHARED_DATA / "stackexchange" / "conlang-meta-2020"


def pytest_collection_modifyitems(config, items):
    if SHARED_DATA.is_dir():
        return
    skip = pytest.mark.skip(reason=f"the real public exports are absent: {SHARED_DATA} not found")
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


class Kb:
    """Runs `kb` in-process against one workspace, the way a user would type it."""

    def __init__(self, root: Path):
        self.root = root
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True, input: str | None = None, env: dict | None = None):
        result = self.runner.invoke(cli, [*args, "--root", str(self.root)], input=input, env=env, catch_exceptions=False)
        if ok and result.exit_code != 0:
            raise AssertionError(f"kb {' '.join(args)} exited {result.exit_code}:\n{result.output}")
        return result

    def set_sources(self, *sources: dict) -> None:
        text = yaml.safe_dump({"sources": list(sources)}, sort_keys=False)
        (self.root / "site_config" / "sources.yml").write_text(text, encoding="utf-8")

    def queue_json(self) -> list[dict]:
        return self.queue_json_for()

    def queue_json_for(self, *options: str) -> list[dict]:
        return json.loads(self("queue", "--json", *options).output)

    def content_files(self) -> dict[str, bytes]:
        return {p.relative_to(self.root).as_posix(): p.read_bytes() for p in sorted((self.root / "content").rglob("*")) if p.is_file()}


@pytest.fixture
def httpserver():
    """A loopback server of the test's own. The plugin's is shared by a whole session, so a
    request a finished test left in flight could land among the next test's ordered
    expectations and fail it."""
    server = HTTPServer(port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def kb(tmp_path) -> Kb:
    root = tmp_path / "ws"
    result = CliRunner().invoke(cli, ["init", str(root)])
    assert result.exit_code == 0, result.output
    return Kb(root)


def dump_source(path: Path, name: str = "qc", **options) -> dict:
    return {"name": name, "type": "stackexchange-dump", "path": str(path), **options}


def copy_dump(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    for path in dest.rglob("*"):
        path.chmod(0o644)
    return dest


@pytest.fixture
def demo_dump(tmp_path) -> Path:
    return Path(shutil.copytree(DEMO_DATA / "stackexchange", tmp_path / "dump", ignore=shutil.ignore_patterns("__*")))


@pytest.fixture
def harvested(kb, demo_dump):
    kb.set_sources(dump_source(demo_dump, name="acme", site_url="https://qa.acme.example"))
    kb("harvest")
    return kb


def in_three_parts(kb, monkeypatch) -> None:
    """Make the approved entries of `kb` too big for one search index's memory: they go in
    three parts (with room for an edit to make them longer)."""
    size = sum(store.entry_path(kb.root, entry.id).stat().st_size for entry in store.load_all(kb.root) if entry.status == "approved")
    monkeypatch.setattr(search, "INDEX_FILE_BYTES", math.ceil(size / 2.5))


def edit_post(dump: Path, post_id: str, **attributes: str) -> None:
    tree = ET.parse(dump / "Posts.xml")
    row = next(row for row in tree.getroot() if row.get("Id") == post_id)
    row.attrib.update(attributes)
    tree.write(dump / "Posts.xml", encoding="utf-8", xml_declaration=True)


def front_matter(kb, entry_id: str) -> dict:
    text = (kb.root / "content" / entry_id.replace(":", "/")).with_suffix(".md").read_text()
    return yaml.safe_load(text.split("---\n")[1])


def queue(kb) -> dict[str, str]:
    return {item["id"]: item["reason"] for item in json.loads(kb("queue", "--json").output)}
