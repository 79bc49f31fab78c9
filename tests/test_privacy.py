"""People shown as privacy.yml says, opt-outs honoured, internal sources kept off public builds."""

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from conftest import dump_source
from harvester.demo import DEMO_DATA


def demo_dump(folder: Path, prefix: str = "") -> Path:
    shutil.copytree(DEMO_DATA / "stackexchange", folder, ignore=shutil.ignore_patterns("__*"))
    if prefix:
        tree = ET.parse(folder / "Posts.xml")
        for row in tree.getroot():
            row.set("Body", f"<p>{prefix} body</p>" + row.get("Body", ""))
            if row.get("Title"):
                row.set("Title", f"{prefix} {row.get('Title')}")
        tree.write(folder / "Posts.xml", encoding="utf-8", xml_declaration=True)
    return folder


def authors_in_dump(dump: Path) -> dict[str, str]:
    return {row.get("Id"): row.get("DisplayName") for row in ET.parse(dump / "Users.xml").getroot()}


def entry_meta(kb, name: str) -> dict:
    return yaml.safe_load((kb.root / "content" / "acme" / f"{name}.md").read_text().split("---\n")[1])


def harvest(kb, tmp_path, privacy: str, **source_keys):
    (kb.root / "site_config" / "privacy.yml").write_text(privacy)
    kb.set_sources(dump_source(demo_dump(tmp_path / "dump"), name="acme", **source_keys))
    return kb("harvest").output


def test_real_names_by_default(kb, tmp_path):
    harvest(kb, tmp_path, "")
    names = authors_in_dump(tmp_path / "dump")
    assert entry_meta(kb, "1")["question"]["author"] in names.values()


@pytest.mark.parametrize("mode", ["initials", "pseudonym", "anonymous"])
def test_author_modes_keep_real_names_out_of_content_and_site(kb, tmp_path, mode):
    harvest(kb, tmp_path, f"authors: {mode}\n")
    kb("approve", "--all")
    kb("build")
    written = "\n".join(p.read_text(errors="replace") for p in [*(kb.root / "content").rglob("*.md"), *(kb.root / "site").rglob("*.html"), *(kb.root / "site").rglob("*.json")])
    for name in authors_in_dump(tmp_path / "dump").values():
        if name != "Community":
            assert name not in written, f"{name} appears with authors: {mode}"
    question = entry_meta(kb, "1")["question"]
    if mode == "anonymous":
        assert "author" not in question
    elif mode == "initials":
        assert all(part.endswith(".") and len(part) == 2 for part in question["author"].split())
    else:
        assert question["author"].startswith("Contributor ")


def test_pseudonyms_are_stable_per_person(kb, tmp_path):
    harvest(kb, tmp_path, "authors: pseudonym\n")
    by_person: dict[str, set[str]] = {}
    posts = {row.get("Id"): row for row in ET.parse(tmp_path / "dump" / "Posts.xml").getroot()}
    names = authors_in_dump(tmp_path / "dump")
    for path in (kb.root / "content" / "acme").glob("*.md"):
        meta = entry_meta(kb, path.stem)
        owner = posts[path.stem].get("OwnerUserId")
        by_person.setdefault(names[owner], set()).add(meta["question"]["author"])
    assert all(len(pseudonyms) == 1 for pseudonyms in by_person.values())
    assert len({next(iter(p)) for p in by_person.values()}) == len(by_person)
    # and the same in a second run
    assert "unchanged" in kb("harvest").output and "updated" not in kb("harvest").output


def test_a_source_can_choose_its_own_mode(kb, tmp_path):
    harvest(kb, tmp_path, "authors: real\n", authors="anonymous")
    assert "author" not in entry_meta(kb, "1")["question"]


def test_opt_outs(kb, tmp_path):
    dump = demo_dump(tmp_path / "probe")
    posts = {row.get("Id"): row for row in ET.parse(dump / "Posts.xml").getroot()}
    names = authors_in_dump(dump)
    asker = names[posts["1"].get("OwnerUserId")]
    answerer = names[posts["5"].get("OwnerUserId")]  # wrote the accepted answer of question 4
    assert asker != answerer
    output = harvest(kb, tmp_path, f"hide_names: ['{answerer}']\nexclude_people: ['{asker}']\n")
    asked_by_asker = [q for q, row in posts.items() if row.get("PostTypeId") == "1" and row.get("OwnerUserId") == posts["1"].get("OwnerUserId") and row.get("AcceptedAnswerId")]
    assert f"{len(asked_by_asker)} left out" in output
    assert not (kb.root / "content" / "acme" / "1.md").exists()
    assert "author" not in entry_meta(kb, "4")["answer"]
    for path in (kb.root / "content").rglob("*.md"):
        assert asker not in path.read_text() and answerer not in path.read_text()


def test_public_build_leaves_out_every_internal_entry(kb, tmp_path):
    kb.set_sources(
        dump_source(demo_dump(tmp_path / "public"), name="pub"),
        dump_source(demo_dump(tmp_path / "internal", prefix="CONFIDENTIAL"), name="int", audience="internal"),
    )
    kb("harvest")
    kb("approve", "--all")
    kb("build", "--audience", "public")
    site = kb.root / "site"
    records = json.loads((site / "api" / "entries.json").read_text())
    assert records and all(record["id"].startswith("pub:") for record in records)
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".txt"):
            text = path.read_text(errors="replace")
            assert "CONFIDENTIAL" not in text and "int:" not in text, path
    kb("build")  # without --audience: the internal site has both
    records = json.loads((site / "api" / "entries.json").read_text())
    assert {record["id"].split(":")[0] for record in records} == {"pub", "int"}


def test_a_source_switched_to_internal_vanishes_from_public_builds_at_once(kb, tmp_path):
    kb.set_sources(dump_source(demo_dump(tmp_path / "dump", prefix="SOON-PRIVATE"), name="acme"))
    kb("harvest")
    kb("approve", "--all")
    kb.set_sources(dump_source(tmp_path / "dump", name="acme", audience="internal"))
    kb("build", "--audience", "public")
    assert json.loads((kb.root / "site" / "api" / "entries.json").read_text()) == []
    assert not any("SOON-PRIVATE" in p.read_text(errors="replace") for p in (kb.root / "site").rglob("*.html"))
