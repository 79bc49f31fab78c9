"""Other upvoted answers are kept beside the chosen one, collapsed, best first; they pass the
same redaction and privacy rules; and entries harvested before they were kept gain them in
place, without asking curators to review again what they approved."""

import re
import xml.etree.ElementTree as ET

import yaml
from conftest import edit_post, front_matter, queue

from harvester import store
from harvester.model import OTHER_ANSWERS, fingerprint, split_body, without_other_answers

OTHER_ANSWER_LINE = re.compile(r'^\?\?\? quote "(.*)"$', re.MULTILINE)


def expected_others(dump) -> dict[str, list[str]]:
    """Question id -> the labels of its other answers, read from the dump independently."""
    posts = [row.attrib for row in ET.parse(dump / "Posts.xml").getroot()]
    names = {row.get("Id"): row.get("DisplayName") for row in ET.parse(dump / "Users.xml").getroot()}
    found = {}
    for question in (post for post in posts if post["PostTypeId"] == "1" and post.get("AcceptedAnswerId")):
        others = sorted((post for post in posts if post.get("ParentId") == question["Id"]
                         and post["Id"] != question["AcceptedAnswerId"] and int(post["Score"]) > 0),
                        key=lambda post: (-int(post["Score"]), post["CreationDate"]))[:OTHER_ANSWERS]
        found[question["Id"]] = [f"{names.get(post.get('OwnerUserId')) or post.get('OwnerDisplayName') or 'Someone'}, {post['Score']} "
                                 f"vote{'s' if post['Score'] != '1' else ''}, {post['CreationDate'][:10]}" for post in others]
    return found


def other_answer_labels(kb) -> dict[str, list[str]]:
    return {path.stem: OTHER_ANSWER_LINE.findall(path.read_text()) for path in (kb.root / "content" / "acme").glob("*.md")}


def test_the_best_upvoted_other_answers_are_kept_in_order(harvested, demo_dump):
    expected = expected_others(demo_dump)
    assert other_answer_labels(harvested) == expected
    assert expected["7"][0].endswith("10 votes, 2024-01-16")  # voted above the accepted answer, still second
    assert any(len(labels) > 1 for labels in expected.values())


def test_search_and_structured_data_see_only_the_chosen_answer(harvested):
    entry = store.read(store.entry_path(harvested.root, "acme:7"), harvested.root)
    _, answer = split_body(entry.body)
    assert "## Other answers" in entry.body and "Other answers" not in answer and "??? quote" not in answer
    assert answer.startswith(entry.body.split("{: #answer .kb-answer .kb-accepted }\n", 1)[1].strip()[:40])


def test_other_answers_pass_redaction_and_privacy(harvested, demo_dump):
    edit_post(demo_dump, "9", Body="<p>Use the key AKIAIOSFODNN7EXAMPLE and mail ops@acme.example.</p>")
    owner = next(row.get("OwnerUserId") for row in ET.parse(demo_dump / "Posts.xml").getroot() if row.get("Id") == "9")
    name = next(row.get("DisplayName") for row in ET.parse(demo_dump / "Users.xml").getroot() if row.get("Id") == owner)
    (harvested.root / "site_config" / "privacy.yml").write_text(yaml.safe_dump({"hide_names": [name]}))
    harvested("harvest", "--full")

    text = store.entry_path(harvested.root, "acme:7").read_text()  # pending and untouched: updated in place
    others = text.split("## Other answers", 1)[1]
    assert "AKIAIOSFODNN7EXAMPLE" not in text and "ops@acme.example" not in text
    assert "[redacted: " in others
    assert name not in text and '??? quote "Someone, 10 votes' in others


def test_entries_harvested_before_other_answers_were_kept_gain_them_in_place(harvested, demo_dump):
    harvested("approve", "--all", "--by", "ana")
    current = harvested.content_files()
    for path in (harvested.root / "content" / "acme").glob("*.md"):  # as an older kb wrote them
        entry = store.read(path, harvested.root)
        entry.body = without_other_answers(entry.body)
        entry.meta["source"]["fingerprint"] = fingerprint(entry.meta, entry.body)
        store.write(harvested.root, entry, path)
    older = harvested.content_files()
    assert older != current
    edit_post(demo_dump, "8", Body="<p>Pin the chart version; a newer answer.</p>")  # a real change at the source

    output = harvested("harvest").output

    assert queue(harvested) == {"acme:7": "changed at source"}
    after = harvested.content_files()
    unchanged_sources = {name for name in current if "/7.md" not in name and "proposals" not in name}
    assert {name: after[name] for name in unchanged_sources} == {name: current[name] for name in unchanged_sources}
    assert front_matter(harvested, "acme:1")["status"] == "approved"
    assert "updated" in output
    assert "## Other answers" not in store.entry_path(harvested.root, "acme:7").read_text()  # waits for a curator
    assert "## Other answers" in store.proposal_path(harvested.root, "acme:7").read_text()


def test_entry_pages_show_other_answers_collapsed_after_the_chosen_one(harvested):
    harvested("approve", "--all", "--by", "ana")
    harvested("build")
    page = (harvested.root / "site" / "entries" / "acme" / "7" / "index.html").read_text()
    chosen, others = page.split('id="other-answers"', 1)
    assert 'id="answer"' in chosen
    blocks = re.findall(r"<details class=\"quote\"( open)?>\s*<summary>(.*?)</summary>", others)
    assert [label for _, label in blocks] == expected_others_for_page(harvested, "7")
    assert all(not opened for opened, _ in blocks)


def expected_others_for_page(kb, question_id: str) -> list[str]:
    return [label.replace("'", "&#x27;") for label in other_answer_labels(kb)[question_id]]


def test_a_merged_answer_goes_before_the_other_answers(harvested):
    harvested("approve", "acme:1", "acme:24")
    labels = other_answer_labels(harvested)["1"]
    harvested("merge", "acme:24", "--into", "acme:1", "--by", "Eve")
    entry = store.read(store.entry_path(harvested.root, "acme:1"), harvested.root)
    merged_at, others_at = entry.body.index("## Also answered in"), entry.body.index("## Other answers")
    assert merged_at < others_at
    _, answer = split_body(entry.body)
    assert "## Also answered in" in answer and "??? quote" not in answer
    assert OTHER_ANSWER_LINE.findall(entry.body[others_at:]) == labels and labels
