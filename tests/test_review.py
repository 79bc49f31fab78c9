"""kb review driven by keys on stdin; merges, duplicates, owners, and what pages say of reviews."""

import re
import shutil

import pytest
from browser import chromium, serving
from conftest import dump_source, edit_post, front_matter, queue
from test_source_changes import write_editor


def test_a_scripted_review_session_takes_every_kind_of_decision(harvested, demo_dump, tmp_path):
    harvested("approve", "acme:33", "acme:36")
    edit_post(demo_dump, "34", Body="<p>Use histogram_quantile(0.99, …) over a 5m rate.</p>")
    harvested("harvest")  # acme:33 is now changed at source
    editor = write_editor(tmp_path, "text.replace('## Accepted answer', 'Curator: ask in #vpn first.\\n\\n## Accepted answer')")
    keys = "\n".join([
        "u",                     # acme:33, changed at source: use the source's version
        "a",                     # acme:1: approve...
        "e", "a",                # acme:11: edit, then approve the edited text
        "z", "r", "", "r", "not for us",  # acme:14: an unknown key, a reject without reason, then with
        "t", "+security -api-tokens", "s",  # acme:17: retag, then skip
        "m", "acme:1",           # acme:24: merge into acme:1
        "q",                     # stop: the rest stays queued
    ]) + "\n"
    result = harvested("review", "--by", "Dee", input=keys, env={"EDITOR": editor, "VISUAL": ""})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "[1/" in out and "acme:33 · changed at source · approved" in out and "+Use histogram\\_quantile(0.99, …) over a 5m rate." in out
    assert "Question:" in out and "Accepted answer by" in out and "Source: https://qa.acme.example/q/1" in out
    assert "No action on 'z' here." in out and "Nothing done: a reason is needed." in out
    assert "Review done: 2 approved, 1 merged, 1 rejected, 1 updated." in out

    assert "over a 5m rate." in (harvested.root / "content/acme/33.md").read_text()
    assert front_matter(harvested, "acme:1")["status"] == "approved"
    assert front_matter(harvested, "acme:11")["edited_by"] == "Dee"
    assert "Curator: ask in #vpn first." in (harvested.root / "content/acme/11.md").read_text()
    assert front_matter(harvested, "acme:14")["rejected_reason"] == "not for us"
    assert "security" in front_matter(harvested, "acme:17")["tags"] and front_matter(harvested, "acme:17")["status"] == "pending"
    assert front_matter(harvested, "acme:24")["duplicate_of"] == "acme:1"
    assert set(queue(harvested)) == {"acme:17", "acme:4", "acme:7"}


def test_review_ends_cleanly_when_the_keys_run_out(harvested):
    result = harvested("review", input="a\n")
    assert result.exit_code == 0 and "Review done: 1 approved." in result.output


def test_merge_keeps_the_answer_archives_the_duplicate_and_redirects(harvested, demo_dump):
    harvested("approve", "acme:1", "acme:24")
    answer = (harvested.root / "content/acme/24.md").read_text().split("{: #answer", 1)[1].splitlines()[2]
    harvested("merge", "acme:24", "--into", "acme:1", "--by", "Eve")
    target = (harvested.root / "content/acme/1.md").read_text()
    assert "## Also answered in “Pod stuck in CrashLoopBackOff after deploying to staging”" in target and answer in target
    meta = front_matter(harvested, "acme:24")
    assert (meta["status"], meta["duplicate_of"], meta["reviewed_by"]) == ("archived", "acme:1", "Eve")
    assert front_matter(harvested, "acme:1")["merged"] == ["acme:24"]

    for bad, says in [(("acme:1", "--into", "acme:1"), "cannot be merged into itself"),
                      (("acme:24", "--into", "acme:1"), '"acme:24" is archived'),
                      (("acme:4", "--into", "acme:999"), 'no entry with id "acme:999"')]:
        result = harvested("merge", *bad, ok=False)
        assert result.exit_code == 1 and says in result.stderr

    edit_post(demo_dump, "2", Body="<p>Reinstall the client.</p>")  # the merged-into entry changes at source
    harvested("harvest")
    harvested("accept", "acme:1")
    text = (harvested.root / "content/acme/1.md").read_text()
    assert "Reinstall the client." in text and answer in text  # the merged answer survives the update


@pytest.mark.browser
def test_a_merged_entrys_old_address_lands_on_the_target(harvested):
    harvested("approve", "acme:1", "acme:24")
    harvested("build")
    harvested("merge", "acme:24", "--into", "acme:1")
    harvested("build")
    redirect = (harvested.root / "site/entries/acme/24/index.html").read_text()
    assert 'content="0; url=../1/"' in redirect
    with chromium() as browser, serving(harvested.root / "site") as url:
        page = browser.new_page()
        page.goto(url + "entries/acme/24/")
        page.wait_for_url(url + "entries/acme/1/")
        assert "Also answered in" in page.content()


def test_the_same_questions_from_two_sources_are_flagged_until_settled(kb, demo_dump, tmp_path):
    copy = shutil.copytree(demo_dump, tmp_path / "mirror")
    kb.set_sources(dump_source(demo_dump, name="acme"), dump_source(copy, name="mirror"))
    assert "18 entries may duplicate another" in kb("harvest").output
    items = {item["id"]: item for item in kb.queue_json()}
    assert items["acme:1"]["reason"] == "possible duplicate"
    assert items["acme:1"]["similar"][0] == {"id": "mirror:1", "title": items["acme:1"]["title"], "score": 1.0, "marked": False}
    duplicates_file = (kb.root / "content/duplicates.yml").read_bytes()
    kb("harvest")
    assert (kb.root / "content/duplicates.yml").read_bytes() == duplicates_file  # stable: no churn in git

    kb("merge", "mirror:1", "--into", "acme:1")
    kb("distinct", "acme:4", "mirror:4", "--by", "Fay")
    reasons = queue(kb)
    assert "mirror:1" not in reasons and reasons["acme:1"] == "pending"
    assert reasons["acme:4"] == reasons["mirror:4"] == "pending"
    assert front_matter(kb, "acme:4")["distinct_from"][0]["by"] == "Fay"
    assert reasons["acme:7"] == "possible duplicate"


def test_owners_by_tag_filter_the_queue(harvested):
    (harvested.root / "site_config/curation.yml").write_text("owners:\n  vpn: [Ada]\n  docker: Bo\n")
    items = {item["id"]: item for item in harvested.queue_json()}
    assert items["acme:1"]["owners"] == ["Ada"] and items["acme:11"]["owners"] == ["Bo"]
    assert [item["id"] for item in harvested.queue_json_for("--owner", "ada")] == ["acme:1"]
    (harvested.root / "site_config/curation.yml").write_text("owners:\n  vpn: [3]\n")
    result = harvested("queue", ok=False)
    assert result.exit_code == 1 and 'site_config/curation.yml: "owners" must map each tag to a list of names' in result.stderr


def test_pages_show_who_verified_and_when_an_answer_is_overdue(harvested):
    harvested("approve", "acme:1", "acme:4")
    harvested("verify", "acme:1", "--by", "Ada Lovelace")
    path = harvested.root / "content/acme/4.md"
    path.write_text(re.sub(r"reviewed_at: '[^']*'", "reviewed_at: '2020-01-01T00:00:00Z'", path.read_text()))
    harvested("build")
    verified = (harvested.root / "site/entries/acme/1/index.html").read_text()
    assert re.search(r'<em class="kb-verified">Verified on \d{4}-\d\d-\d\d by Ada Lovelace</em>', verified)
    assert "may be outdated" not in verified
    overdue = (harvested.root / "site/entries/acme/4/index.html").read_text()
    assert "This answer may be outdated" in overdue and "due for a re-check on 2020-12-31" in overdue
