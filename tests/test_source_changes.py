"""A change at the source meets a curator's decision: proposals, accept, dismiss, edits, deletions."""

import sys
import xml.etree.ElementTree as ET

from conftest import edit_post, front_matter, queue

ENTRY = "content/acme/1.md"


def changed_at_source(kb, demo_dump, body="<p>Reinstall the client.</p>"):
    kb("approve", "acme:1", "--by", "Ada")
    edit_post(demo_dump, "2", Body=body)
    edit_post(demo_dump, "1", LastActivityDate="2030-01-01T00:00:00.000")
    assert "1 changed at source" in kb("harvest").output


def test_the_queue_and_kb_diff_show_what_changed(harvested, demo_dump):
    changed_at_source(harvested, demo_dump)
    item = next(item for item in harvested.queue_json() if item["id"] == "acme:1")
    assert item["reason"] == "changed at source"
    assert "\n+Reinstall the client.\n" in item["diff"]
    assert "\n-" in item["diff"] and "at source, updated 2030-01-01" in item["diff"]
    assert harvested("diff", "acme:1").output == item["diff"]
    assert harvested("diff", "acme:4", ok=False).exit_code == 1  # nothing waiting there


def test_accepting_takes_the_source_version_and_keeps_the_decisions(harvested, demo_dump):
    changed_at_source(harvested, demo_dump)
    harvested("accept", "acme:1", "--by", "Bo")
    meta = front_matter(harvested, "acme:1")
    assert "Reinstall the client." in (harvested.root / ENTRY).read_text()
    assert meta["status"] == "approved" and meta["reviewed_by"] == "Ada"
    assert meta["source_change"]["decision"] == "accepted" and meta["source_change"]["by"] == "Bo"
    assert not (harvested.root / "content/acme/1.proposed.md").exists()
    assert "acme:1" not in queue(harvested)
    assert "unchanged" in harvested("harvest").output and "acme:1" not in queue(harvested)


def test_dismissing_keeps_the_text_and_that_version_never_returns(harvested, demo_dump):
    changed_at_source(harvested, demo_dump)
    before = (harvested.root / ENTRY).read_text()
    harvested("dismiss", "acme:1", "--by", "Bo")
    assert "Reinstall" not in (harvested.root / ENTRY).read_text()
    assert front_matter(harvested, "acme:1")["source_change"]["decision"] == "dismissed"
    assert before.split("---\n", 2)[2] == (harvested.root / ENTRY).read_text().split("---\n", 2)[2]
    harvested("harvest")
    assert not (harvested.root / "content/acme/1.proposed.md").exists() and "acme:1" not in queue(harvested)
    edit_post(demo_dump, "2", Body="<p>A third version.</p>")  # a newer change is proposed again
    assert "1 changed at source" in harvested("harvest").output and queue(harvested)["acme:1"] == "changed at source"


def test_accept_and_dismiss_need_a_waiting_change(harvested):
    result = harvested("accept", "acme:1", ok=False)
    assert result.exit_code == 1 and '"acme:1" has no change from its source waiting' in result.stderr


def test_kb_edit_saves_a_valid_edit_and_stamps_it(harvested, demo_dump, tmp_path):
    editor = write_editor(tmp_path, "text.replace('## Accepted answer', 'Use the new client.\\n\\n## Accepted answer')")
    result = harvested("edit", "acme:1", "--by", "Cy", env={"EDITOR": editor, "VISUAL": ""})
    assert "Saved acme:1." in result.output
    meta = front_matter(harvested, "acme:1")
    assert meta["edited_by"] == "Cy" and "Use the new client." in (harvested.root / ENTRY).read_text()
    edit_post(demo_dump, "2", Body="<p>Reinstall the client.</p>")
    harvested("harvest")  # the edit stands; the change waits
    assert "Use the new client." in (harvested.root / ENTRY).read_text()
    assert queue(harvested)["acme:1"] == "changed at source"


def test_kb_edit_refuses_a_broken_edit_and_keeps_the_typing(harvested, tmp_path):
    before = (harvested.root / ENTRY).read_bytes()
    for change, says in [("text.replace('status: pending', 'status: [oops')", "front matter is not valid YAML"),
                         ("text.replace('id: acme:1', 'id: acme:2')", 'the id must stay "acme:1"')]:
        result = harvested("edit", "acme:1", env={"EDITOR": write_editor(tmp_path, change), "VISUAL": ""}, ok=False)
        assert result.exit_code == 1 and says in result.stderr and "Nothing was saved" in result.stderr
        assert (harvested.root / ENTRY).read_bytes() == before
        kept = harvested.root / ".kb" / "edits" / "acme" / "1.md"
        assert kept.read_text() != before.decode() and "acme" in kept.read_text()


def test_a_thread_deleted_at_source_is_flagged_never_deleted(harvested, demo_dump):
    harvested("approve", "acme:1", "acme:4")
    original = (demo_dump / "Posts.xml").read_bytes()
    remove_posts(demo_dump, {"1", "2", "3", "4", "5", "6", "10"})
    assert "2 deleted at source (queued for review)" in harvested("harvest").output
    assert (harvested.root / ENTRY).is_file() and "deleted_at_source" in front_matter(harvested, "acme:1")
    assert queue(harvested)["acme:1"] == queue(harvested)["acme:4"] == "deleted at source"
    assert "0 deleted" not in harvested("harvest").output  # flagged once, not again

    harvested("build")
    page = (harvested.root / "site" / "entries" / "acme" / "1" / "index.html").read_text()
    assert "The original thread is gone" in page and "qa.acme.example/q/1" not in page

    harvested("verify", "acme:1")  # a curator looked: still right, keep it
    harvested("archive", "acme:4", "--reason", "gone upstream")
    assert {"acme:1", "acme:4"}.isdisjoint(queue(harvested))

    (demo_dump / "Posts.xml").write_bytes(original)  # restored: the flag goes
    assert "2 back at source" in harvested("harvest").output
    assert "deleted_at_source" not in front_matter(harvested, "acme:1")


def test_flags_and_decisions_are_small_diffs(harvested, demo_dump):
    before = (harvested.root / ENTRY).read_text().splitlines()
    changed_at_source(harvested, demo_dump)
    harvested("dismiss", "acme:1", "--by", "Bo")
    after = (harvested.root / ENTRY).read_text().splitlines()
    added = [line for line in after if line not in before]
    assert [line.split(":")[0] for line in added] == [
        "status", "reviewed_by", "reviewed_at", "source_change", "  decision", "  fingerprint", "  by", "  at",
    ]


def write_editor(tmp_path, change: str) -> str:
    """An $EDITOR that applies `change` (a Python expression over `text`) to the file it is given."""
    script = tmp_path / f"editor-{abs(hash(change))}.py"
    script.write_text(f"import sys\nfrom pathlib import Path\npath = Path(sys.argv[1])\ntext = path.read_text()\npath.write_text({change})\n")
    return f"{sys.executable} {script}"


def remove_posts(dump, ids: set[str]) -> None:
    tree = ET.parse(dump / "Posts.xml")
    for row in [row for row in tree.getroot() if row.get("Id") in ids]:
        tree.getroot().remove(row)
    tree.write(dump / "Posts.xml", encoding="utf-8", xml_declaration=True)
