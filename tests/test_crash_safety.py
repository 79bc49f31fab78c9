"""A harvest killed at any moment leaves every file valid; the next run completes it exactly."""

import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import Kb, dump_source
from harvester.cli import cli
from harvester.demo import DEMO_DATA
from waiting import eventually

COPIES = 40  # 9 answered demo questions each: 360 entries, a harvest of a few seconds


def big_dump(folder: Path) -> Path:
    """The demo dump repeated with shifted ids: long enough to be killed in the middle."""
    folder.mkdir()
    rows = list(ET.parse(DEMO_DATA / "stackexchange" / "Posts.xml").getroot())
    posts = ET.Element("posts")
    for copy in range(COPIES):
        shift = copy * 1000
        for row in rows:
            attributes = dict(row.attrib)
            for key in ("Id", "ParentId", "AcceptedAnswerId"):
                if key in attributes:
                    attributes[key] = str(int(attributes[key]) + shift)
            if "Title" in attributes:
                attributes["Title"] += f" (copy {copy})"
            ET.SubElement(posts, "row", attributes)
    ET.ElementTree(posts).write(folder / "Posts.xml", encoding="utf-8", xml_declaration=True)
    return folder


def new_workspace(path: Path, dump: Path) -> Kb:
    assert CliRunner().invoke(cli, ["init", str(path)]).exit_code == 0
    kb = Kb(path)
    kb.set_sources(dump_source(dump, name="acme"))
    return kb


def start_harvest(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "harvester", "harvest", "--root", str(root)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def entry_count(root: Path) -> int:
    return len([p for p in (root / "content").rglob("*.md")])


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> Path:
    return big_dump(tmp_path_factory.mktemp("big") / "dump")


def test_kill_9_at_any_moment_then_a_normal_run(tmp_path, dump):
    reference = new_workspace(tmp_path / "reference", dump)
    reference("harvest")
    total = entry_count(reference.root)
    assert total == 9 * COPIES

    victim = new_workspace(tmp_path / "victim", dump)
    partial_counts = []
    for delay in (0.9, 1.3, 1.7, 2.1, 2.5, 2.9):
        process = start_harvest(victim.root)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        partial_counts.append(entry_count(victim.root))
        check = victim("check", ok=False)
        assert check.exit_code == 0, check.output  # every file valid after every kill
    assert any(0 < count < total for count in partial_counts), partial_counts  # killed mid-run

    result = victim("harvest")
    assert "new" in result.output or "unchanged" in result.output
    assert victim.content_files() == reference.content_files()  # same entries, none duplicated
    assert not list((victim.root / "content").rglob("*.tmp"))


def test_two_harvests_at_once_one_exits_cleanly(tmp_path, dump):
    kb = new_workspace(tmp_path / "ws", dump)
    first = start_harvest(kb.root)
    lock = kb.root / ".kb" / "lock"
    eventually(lambda: lock.exists() and "kb harvest" in lock.read_text())
    assert first.poll() is None, "the first harvest ended before the second could start"
    second = subprocess.run([sys.executable, "-m", "harvester", "harvest", "--root", str(kb.root)],
                            capture_output=True, text=True)
    assert second.returncode == 1
    assert second.stderr.strip() == f"{kb.root}: busy: kb harvest (pid {first.pid}) is working in this workspace; try again when it ends"
    assert first.wait() == 0
    assert entry_count(kb.root) == 9 * COPIES
