"""The slack source over real HTTP, serving the JuliaLang #helpdesk archive through the Web API."""

import json

import pytest

from conftest import SHARED_DATA, front_matter
from fake_slack import TOKEN, FakeSlack

pytestmark = pytest.mark.shared_data
JULIA = SHARED_DATA / "slack" / "julialang-helpdesk-2021"
CHANNEL = "C6A044SQH"
CHECKS = {"white_check_mark", "heavy_check_mark", "ballot_box_with_check"}


@pytest.fixture
def slack(httpserver, monkeypatch):
    monkeypatch.setenv("KB_TEST_SLACK_TOKEN", TOKEN)
    return FakeSlack(httpserver, JULIA, {CHANNEL: "helpdesk", "C0GENERAL": "general"})


def slack_source(url: str, **options) -> dict:
    return {"name": "julia", "type": "slack", "base_url": url, "token_env": "KB_TEST_SLACK_TOKEN",
            "channels": ["helpdesk"], "workspace_url": "https://julialang.slack.com", **options}


def marked_by_asker() -> dict[str, str]:
    """Thread ts -> the ts of the last reply the asker gave a check mark, read straight from the files."""
    found = {}
    for path in (JULIA / "threads" / CHANNEL).glob("*.json"):
        parent, *replies = json.loads(path.read_text())
        for reply in replies:
            if reply.get("user") != parent["user"] and any(
                    r["name"] in CHECKS and parent["user"] in r.get("users", []) for r in reply.get("reactions", [])):
                found[parent["ts"]] = reply["ts"]
    return found


def test_every_helpdesk_thread_is_read_and_check_marks_pick_the_answer(kb, slack):
    slack.rate_limit_next.add("conversations.replies")  # Slack's tier limits: 429 + Retry-After
    kb.set_sources(slack_source(slack.url))
    output = kb("harvest").output
    numbers = {label: int(n) for n, label in __import__("re").findall(r"(\d+) (new|skipped \(no answer|skipped \(not questions)", output)}
    assert sum(numbers.values()) == 176  # every thread of the archive, each once
    assert slack.count("conversations.replies") == 176 + 1  # one retried after the 429
    people = [params["user"] for method, params in slack.calls if method == "users.info"]
    assert len(people) == len(set(people)) > 50  # each person looked up once

    expected = marked_by_asker()
    assert len(expected) == 6
    for thread_ts, reply_ts in expected.items():
        entry = front_matter(kb, f"julia:{CHANNEL}-{thread_ts.replace('.', '-')}")
        assert entry["answer"]["how_chosen"] == "marked", entry["title"]
        assert entry["answer"]["url"].startswith(f"https://julialang.slack.com/archives/{CHANNEL}/p{reply_ts.replace('.', '')}")
    suggested = [path for path in (kb.root / "content" / "julia").glob("*.md") if "how_chosen: suggested" in path.read_text()]
    assert len(suggested) > 20
    for path in (kb.root / "content" / "julia").glob("*.md"):
        text = path.read_text()
        assert "<@U" not in text and "<http" not in text and "&amp;gt;" not in text


def test_incremental_runs_ask_only_for_recent_history(kb, slack):
    kb.set_sources(slack_source(slack.url, lookback_days=3))
    kb("harvest")
    newest = max(float(m["ts"]) for m in slack.history[CHANNEL])
    slack.calls.clear()
    assert "new" not in kb("harvest").output
    history = [params for method, params in slack.calls if method == "conversations.history"]
    assert history and all(float(params["oldest"]) == pytest.approx(newest - 3 * 86400, abs=1) for params in history)
    assert slack.count("conversations.replies") < 176 / 4  # only threads started in the last days


def test_a_bad_token_and_an_unknown_channel_say_what_to_fix(kb, slack, monkeypatch):
    kb.set_sources(slack_source(slack.url, channels=["helpdesk", "random"]))
    result = kb("harvest", ok=False)
    assert "no channel named random visible to the token in $KB_TEST_SLACK_TOKEN" in result.stderr
    monkeypatch.setenv("KB_TEST_SLACK_TOKEN", "xoxb-wrong")
    kb.set_sources(slack_source(slack.url))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1 and "Slack says not_authed; check the token in $KB_TEST_SLACK_TOKEN" in result.stderr
    monkeypatch.delenv("KB_TEST_SLACK_TOKEN")
    assert "environment variable KB_TEST_SLACK_TOKEN is not set" in kb("harvest", ok=False).stderr


def test_a_link_channel_gives_resources_not_questions(kb, slack):
    kb.set_sources(slack_source(slack.url, channels=[], link_channels=["helpdesk"]))
    kb("harvest", "--offline")
    entries = [path.read_text() for path in (kb.root / "content" / "julia").glob("*.md")]
    assert len(entries) > 10 and all("kind: resource" in text for text in entries)
    assert slack.count("conversations.replies") == 0  # threads are not read for a link channel
    urls = [line.split("url: ", 1)[1] for text in entries for line in text.splitlines() if line.startswith("  url: ")]
    assert len(set(urls)) == len(entries) and all(url.startswith(("http://", "https://")) for url in urls)
