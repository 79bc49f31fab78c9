"""Untrusted .7z archives: no path from inside one decides where a file lands; no bombs."""

import os
from pathlib import Path

import py7zr
import pytest

from conftest import dump_source
from harvester.archives import _BoundedFile, members_of_7z
from harvester.demo import DEMO_DATA
from harvester.errors import KbError

DEMO_DUMP = DEMO_DATA / "stackexchange"


def test_an_archive_with_parent_paths_is_refused_and_nothing_lands_outside(kb, tmp_path):
    archive = tmp_path / "evil.7z"
    with py7zr.SevenZipFile(archive, "w") as seven:
        seven.write(DEMO_DUMP / "Posts.xml", "../../escaped/Posts.xml")
    kb.set_sources(dump_source(archive, name="acme"))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1 and "not a readable 7z archive" in result.output
    assert not list(tmp_path.parent.rglob("escaped"))
    assert kb.content_files() == {}


def test_member_paths_are_never_used_as_paths(kb, tmp_path):
    archive = tmp_path / "odd.7z"
    with py7zr.SevenZipFile(archive, "w") as seven:
        seven.write(DEMO_DUMP / "Posts.xml", "/escaped/Posts.xml")
        seven.write(DEMO_DUMP / "Users.xml", "deep/er/Users.xml")
    kb.set_sources(dump_source(archive, name="acme"))
    assert "acme: 9 new" in kb("harvest").output
    assert not Path("/escaped").exists() and not list(tmp_path.parent.rglob("escaped"))


def test_links_inside_an_archive_are_not_followed(kb, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    os.symlink("/etc/passwd", folder / "Posts.xml")
    archive = tmp_path / "links.7z"
    with py7zr.SevenZipFile(archive, "w") as seven:
        seven.write(folder / "Posts.xml", "Posts.xml")
    with py7zr.SevenZipFile(archive) as seven:
        assert [info.is_symlink for info in seven.list()] == [True]
    kb.set_sources(dump_source(archive, name="acme"))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1 and "not a Stack Exchange dump (no Posts.xml)" in result.output


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_broken_archive_is_a_clean_error(kb, tmp_path, damage):
    archive = tmp_path / "dump.7z"
    with py7zr.SevenZipFile(archive, "w") as seven:
        seven.write(DEMO_DUMP / "Posts.xml", "Posts.xml")
    data = archive.read_bytes()
    archive.write_bytes(os.urandom(4096) if damage == "garbage" else data[: len(data) // 2])
    kb.set_sources(dump_source(archive, name="acme"))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith(f'source "acme": {archive}: not a readable 7z archive')
    assert kb.content_files() == {}


def test_a_member_may_not_unpack_past_its_declared_size(tmp_path):
    bounded = _BoundedFile(tmp_path / "Posts.xml", limit=10)
    bounded.write(b"12345")
    with pytest.raises(ValueError, match="unpacks larger than its declared 10 bytes"):
        bounded.write(b"678901")
    bounded.close()


def test_unpacked_files_are_removed_afterwards(tmp_path):
    archive = tmp_path / "dump.7z"
    with py7zr.SevenZipFile(archive, "w") as seven:
        seven.write(DEMO_DUMP / "Posts.xml", "site/Posts.xml")
    with members_of_7z(archive, {"Posts.xml"}) as folder:
        assert (folder / "Posts.xml").read_bytes() == (DEMO_DUMP / "Posts.xml").read_bytes()
    assert not folder.exists()


def test_an_archive_needing_more_room_than_the_disk_has_is_refused(tmp_path, monkeypatch):
    archive = tmp_path / "dump.7z"
    with py7zr.SevenZipFile(archive, "w") as seven:
        seven.write(DEMO_DUMP / "Posts.xml", "Posts.xml")
    monkeypatch.setattr("shutil.disk_usage", lambda path: type("Usage", (), {"free": 100})())
    with pytest.raises(KbError, match="unpacking needs .* bytes, only 100 are free"):
        with members_of_7z(archive, {"Posts.xml"}):
            pass
