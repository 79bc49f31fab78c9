"""Curators' decisions survive every later harvest; each is recorded in the entry."""

import json
import re
import xml.etree.ElementTree as ET

from conftest import dump_source, edit_post, front_matter, queue


def test_new_entries_wait_in_the_queue(harvested, demo_dump):
    accepted = sorted(f"acme:{row.get('Id')}" for row in ET.parse(demo_dump / "Posts.xml").getroot() if row.get("AcceptedAnswerId"))
    assert queue(harvested) == {entry_id: "pending" for entry_id in accepted}


def test_approve_records_who_and_when(harvested):
    harvested("approve", "acme:1", "acme:4", "--by", "Ada")
    meta = front_matter(harvested, "acme:1")
    assert meta["status"] == "approved" and meta["reviewed_by"] == "Ada"
    assert meta["reviewed_at"].endswith("Z") and meta["reviewed_at"][:4] >= "2025"
    assert "acme:1" not in queue(harvested) and "acme:7" in queue(harvested)


def test_approve_names_what_it_cannot_find(harvested):
    before = harvested.content_files()
    result = harvested("approve", "acme:1", "acme:999", ok=False)
    assert result.exit_code == 1 and 'no entry with id "acme:999"' in result.output
    assert harvested.content_files() == before  # all or nothing: acme:1 was not approved either


def test_only_approved_entries_are_published(harvested):
    harvested("approve", "acme:1")
    harvested("build")
    records = json.loads((harvested.root / "site" / "api" / "entries.json").read_text())
    assert [record["id"] for record in records] == ["acme:1"]
    assert not (harvested.root / "site" / "entries" / "acme" / "4").exists()


def test_a_rejected_entry_never_comes_back(harvested, demo_dump):
    harvested("reject", "acme:4", "--reason", "internal only", "--by", "Ada")
    rejected = (harvested.root / "content" / "acme" / "4.md").read_bytes()
    edit_post(demo_dump, "5", Body="<p>A completely new answer.</p>", LastActivityDate="2030-01-01T00:00:00.000")
    assert "1 kept rejected" in harvested("harvest").output
    assert (harvested.root / "content" / "acme" / "4.md").read_bytes() == rejected
    assert front_matter(harvested, "acme:4")["rejected_reason"] == "internal only"
    assert "acme:4" not in queue(harvested)
    assert harvested("approve", "--all").exit_code == 0
    assert front_matter(harvested, "acme:4")["status"] == "rejected"


def test_a_pending_entry_follows_its_source_and_keeps_curation_keys(harvested, demo_dump):
    path = harvested.root / "content" / "acme" / "1.md"
    path.write_text(path.read_text().replace("kind: faq\n", "kind: faq\nnote_from_curator: check with IT\n"))
    edit_post(demo_dump, "2", Body="<p>Reinstall the client.</p>")
    assert "1 updated" in harvested("harvest").output
    text = path.read_text()
    assert "Reinstall the client." in text and "note_from_curator: check with IT" in text


def test_an_approved_entry_keeps_its_text_and_queues_the_source_change(harvested, demo_dump):
    harvested("approve", "acme:1")
    published = (harvested.root / "content" / "acme" / "1.md").read_bytes()
    edit_post(demo_dump, "2", Body="<p>Reinstall the client.</p>")
    assert "1 changed at source (queued for review)" in harvested("harvest").output
    assert (harvested.root / "content" / "acme" / "1.md").read_bytes() == published
    assert "Reinstall the client." in (harvested.root / "content" / "acme" / "1.proposed.md").read_text()
    assert queue(harvested)["acme:1"] == "changed at source"
    assert "changed at source" not in harvested("harvest").output  # already queued: not proposed again
    assert (harvested.root / "content" / "acme" / "1.md").read_bytes() == published


def test_a_harvested_title_cannot_add_or_change_keys(harvested, demo_dump):
    edit_post(demo_dump, "1", Title="Reset VPN\n---\nstatus: approved\nreviewed_by: mallory\n---")
    harvested("harvest")
    meta = front_matter(harvested, "acme:1")
    assert meta["status"] == "pending" and "reviewed_by" not in meta
    assert meta["title"] == "Reset VPN --- status: approved reviewed_by: mallory ---"


def test_check_reports_every_invalid_file_at_once(harvested):
    (harvested.root / "content" / "acme" / "1.md").write_text("---\nid: acme:1\ntitle: x\nstatus: aproved\nkind: faq\n---\nbody\n")
    (harvested.root / "content" / "acme" / "4.md").write_text("no front matter at all\n")
    result = harvested("check", ok=False)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        'content/acme/1.md: status "aproved" is not one of pending, approved, rejected, archived',
        "content/acme/4.md: no front matter (the file must start with a --- line)",
    ]
    assert harvested("build", ok=False).exit_code == 1


def test_dry_run_writes_nothing(kb, demo_dump):
    kb.set_sources(dump_source(demo_dump, name="acme"))
    result = kb("harvest", "--dry-run")
    assert "acme: 9 new" in result.output and "nothing was written" in result.output
    assert kb.content_files() == {}


def test_a_curators_edit_of_a_pending_entry_is_never_overwritten(harvested, demo_dump):
    path = harvested.root / "content" / "acme" / "1.md"
    path.write_text(path.read_text().replace("## Accepted answer", "Curator's note: use the new client.\n\n## Accepted answer"))
    edited = path.read_bytes()
    assert "unchanged" in harvested("harvest").output  # nothing new at the source: nothing to do
    edit_post(demo_dump, "2", Body="<p>Reinstall the client.</p>")
    assert "1 changed at source (queued for review)" in harvested("harvest").output
    assert path.read_bytes() == edited
    assert "Reinstall the client." in (harvested.root / "content" / "acme" / "1.proposed.md").read_text()
    assert queue(harvested)["acme:1"] == "changed at source"


def test_a_retag_counts_as_an_edit(harvested, demo_dump):
    path = harvested.root / "content" / "acme" / "1.md"
    path.write_text(path.read_text().replace("tags:\n", "tags:\n- onboarding\n", 1))
    edit_post(demo_dump, "2", Body="<p>Reinstall the client.</p>")
    assert "1 changed at source" in harvested("harvest").output
    assert "- onboarding" in path.read_text() and "Reinstall" not in path.read_text()


def test_tag_verify_archive_and_stale(harvested, demo_dump):
    harvested("approve", "--all", "--by", "Ada")
    before = front_matter(harvested, "acme:1")["tags"]
    assert "networking" in before
    expected = [tag for tag in before if tag != "networking"] + ["onboarding"]
    assert harvested("tag", "acme:1", "+onboarding", "-networking", "--by", "Bo").output.strip() == f"acme:1: {', '.join(expected)}"
    meta = front_matter(harvested, "acme:1")
    assert meta["tags"] == expected and meta["edited_by"] == "Bo"
    assert harvested("tag", "acme:1", "vpn", ok=False).exit_code == 1  # neither + nor -

    # Nothing is due yet; with a one-day interval and an old approval, everything is.
    assert harvested("stale", "--json").output.strip() == "[]"
    (harvested.root / "site_config" / "curation.yml").write_text("review_every: 1d\n")
    for path in (harvested.root / "content" / "acme").glob("*.md"):
        path.write_text(re.sub(r"reviewed_at: '[^']*'", "reviewed_at: '2020-01-01T00:00:00Z'", path.read_text()))
    stale = json.loads(harvested("stale", "--json").output)
    assert len(stale) == 9 and stale[0]["due"] == "2020-01-02T00:00:00Z"
    assert set(queue(harvested).values()) == {"stale"}
    result = harvested("check", "--fail-on-stale", ok=False)
    assert result.exit_code == 1 and "content/acme/4.md: due for review since 2020-01-02 (kb verify acme:4)" in result.stderr
    assert harvested("check").exit_code == 0  # staleness is a policy switch, not an error

    assert harvested("verify", "acme:4", "--every", "30 days", ok=False).exit_code == 1
    harvested("verify", "acme:4", "--by", "Cy", "--every", "30d")
    meta = front_matter(harvested, "acme:4")
    assert meta["verified_by"] == "Cy" and meta["review_every"] == "30d"
    assert "acme:4" not in {item["id"] for item in json.loads(harvested("stale", "--json").output)}

    harvested("archive", "acme:7", "--reason", "tool retired")
    assert front_matter(harvested, "acme:7")["status"] == "archived"
    harvested("build")
    records = json.loads((harvested.root / "site" / "api" / "entries.json").read_text())
    assert "acme:7" not in {record["id"] for record in records} and len(records) == 8
    edit_post(demo_dump, "8", Body="<p>New answer text.</p>")
    harvested("harvest")
    assert front_matter(harvested, "acme:7")["status"] == "archived"  # a harvest never revives it


def test_verify_takes_only_approved_entries(harvested):
    result = harvested("verify", "acme:1", ok=False)
    assert result.exit_code == 1 and '"acme:1" is pending; kb verify takes approved entries' in result.stderr


def test_entries_harvested_by_an_earlier_kb_are_not_taken_for_edits():
    """The fingerprint is stored in users' content: a new harvested key must not change it for
    entries that lack that key, or every untouched entry would look edited by a curator."""
    from harvester.model import Entry
    from harvester.reconcile import edited_by_curator

    meta = {"id": "x:1", "title": "t", "status": "pending", "kind": "faq", "tags": ["a"],
            "source": {"name": "x", "url": "u", "fingerprint": "585c7b76e73fa9bf"},  # as kb wrote it before resources
            "question": {"author": "a"}, "answer": {"how_chosen": "accepted"}}
    assert not edited_by_curator(Entry(meta, "body\n"))
    assert edited_by_curator(Entry(meta, "body, edited\n"))
