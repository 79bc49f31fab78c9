"""The discourse source over real HTTP, on real forum data, incremental, and under faults."""

import copy
import json
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from bs4 import BeautifulSoup
from werkzeug import Response

from conftest import SHARED_DATA
from fake_discourse import FakeDiscourse
from harvester.errors import KbError
from harvester.http import Client
from harvester.sources.discourse import Discourse, DiscourseOptions, clean_cooked

URHO3D = SHARED_DATA / "discourse" / "urho3d-forum-2022" / "t"
FOUNDATIONDB = SHARED_DATA / "discourse" / "foundationdb-forum-2025" / "topics"
SOURCECRED = SHARED_DATA / "discourse" / "sourcecred-test-forum-2021"


def forum_source(url: str, **options) -> dict:
    return {"name": "forum", "type": "discourse", "base_url": url, **options}


def reading_words(cooked: str, count: int = 6) -> str:
    """The opening words of a post's first paragraph of prose, up to any picture, quote or box."""
    soup = BeautifulSoup(cooked, "html.parser")
    for paragraph in soup.find_all("p", recursive=False):
        words = []
        for child in paragraph.children:
            if getattr(child, "name", None) in ("aside", "img", "br", "div", "code"):
                break
            words.extend(child.get_text(" ").split() if hasattr(child, "get_text") else str(child).split())
        if len(words) >= 3:
            return " ".join(words[:count])
    return ""


def page_words(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for noise in soup.select("blockquote, pre, code, img, .headerlink"):
        noise.decompose()
    return " ".join(soup.get_text(" ").split())


def accepted_post(topic: dict) -> dict:
    number = topic["accepted_answer"]["post_number"]
    return next(post for post in topic["post_stream"]["posts"] if post["post_number"] == number)


@pytest.mark.shared_data
def test_every_accepted_answer_of_the_urho3d_forum_is_published(kb, httpserver):
    forum = FakeDiscourse.from_folder(httpserver, URHO3D)
    accepted = {tid: topic for tid, topic in forum.topics.items() if topic.get("accepted_answer")}
    assert len(forum.topics) == 296 and len(accepted) == 232
    kb.set_sources(forum_source(forum.url))
    assert "forum: 232 new" in kb("harvest").output
    assert forum.listing_requests() == 10  # 296 topics, 30 a page
    assert sum(1 for path in forum.requests if re.fullmatch(r"/t/\d+\.json", path)) == 232  # only topics with an answer
    # More posts are fetched only where the accepted reply lies beyond the 20 Discourse inlines.
    beyond = sorted(tid for tid, topic in accepted.items() if topic["accepted_answer"]["post_number"] > 20)
    assert sorted(int(path.split("/")[2]) for path in forum.requests if "/posts.json" in path) == beyond

    kb("approve", "--all")
    kb("build")
    records = json.loads((kb.root / "site" / "api" / "entries.json").read_text())
    assert sorted(record["id"] for record in records) == sorted(f"forum:{tid}" for tid in accepted)
    missing = []
    for tid, topic in accepted.items():
        page = (kb.root / "site" / "entries" / "forum" / str(tid) / "index.html").read_text()
        words = reading_words(accepted_post(topic)["cooked"])
        if words not in page_words(page):
            missing.append((tid, words))
    assert missing == []


@pytest.mark.shared_data
def test_the_topic_level_accepted_answer_wins_when_two_posts_are_flagged(kb, httpserver):
    topic = json.loads(next(URHO3D.glob("*.3357.json")).read_text())
    assert [p["post_number"] for p in topic["post_stream"]["posts"] if p.get("accepted_answer")] == [2, 4]
    forum = FakeDiscourse(httpserver, [topic])
    kb.set_sources(forum_source(forum.url))
    kb("harvest")
    entry = (kb.root / "content" / "forum" / "3357.md").read_text()
    assert f"url: {forum.url}/t/{topic['slug']}/3357/2" in entry


@pytest.mark.shared_data
def test_posts_beyond_the_first_twenty_are_fetched(kb, httpserver):
    """The archive's paginated topics, completed as the live forum has them, each answered late."""
    topics = [json.loads(path.read_text()) for path in sorted(FOUNDATIONDB.glob("*.json"))]
    paginated = [t for t in topics if len(t["post_stream"]["stream"]) > len(t["post_stream"]["posts"])]
    assert len(paginated) == 10
    for topic in paginated:
        posts = topic["post_stream"]["posts"]
        assert len(posts) == 20
        for number, post_id in enumerate(topic["post_stream"]["stream"][20:], start=21):
            extra = copy.deepcopy(posts[-1])
            extra.update(id=post_id, post_number=number, cooked=f"<p>Reply number {number} of topic {topic['id']}, from a later page</p>")
            posts.append(extra)
        topic["accepted_answer"] = {"post_number": len(posts), "username": posts[-1]["username"], "excerpt": ""}
    forum = FakeDiscourse(httpserver, paginated)
    kb.set_sources(forum_source(forum.url))
    assert f"forum: {len(paginated)} new" in kb("harvest").output
    for topic in paginated:
        entry = (kb.root / "content" / "forum" / f"{topic['id']}.md").read_text()
        assert f"Reply number {len(topic['post_stream']['posts'])} of topic {topic['id']}, from a later page" in entry
    fetched = [path for path in forum.requests if "posts.json" in path]
    expected = sum(-(-(len(t["post_stream"]["stream"]) - 20) // 20) for t in paginated)  # 20 ids a request
    assert len(fetched) == expected


@pytest.mark.shared_data
def test_a_full_read_flags_topics_gone_from_the_forum_and_an_incremental_one_cannot(kb, httpserver):
    forum = FakeDiscourse(httpserver, small_forum())
    kb.set_sources(forum_source(forum.url))
    kb("harvest")
    del forum.topics[7]
    assert "deleted" not in kb("harvest").output  # an incremental listing proves nothing
    assert "forum: 1 deleted at source (queued for review), 44 unchanged" in kb("harvest", "--full").output
    assert (kb.root / "content" / "forum" / "7.md").is_file()
    assert {item["id"]: item["reason"] for item in kb.queue_json()}["forum:7"] == "deleted at source"


def test_real_list_envelopes_with_paging(kb, httpserver):
    pages = [json.loads((SOURCECRED / f"latest__order-activity_ascending-false_page-{n}.json").read_text()) for n in (0, 1)]
    served = []

    def latest(request):
        served.append(request.args.get("page"))
        return Response(json.dumps(pages[int(request.args["page"])]), content_type="application/json")

    httpserver.expect_request("/latest.json").respond_with_handler(latest)
    kb.set_sources(forum_source(httpserver.url_for("/").rstrip("/")))
    assert "forum: nothing found" in kb("harvest").output  # a test forum: no accepted answers
    assert served == ["0", "1"]
    newest = max(t["bumped_at"] for page in pages for t in page["topic_list"]["topics"])
    assert (kb.root / "content" / "forum" / "harvest-state.yml").read_text() == f"cursor: '{newest}'\n"


def small_forum(count: int = 45) -> list[dict]:
    """Topics in Discourse's shape, each with an accepted reply."""
    topics = []
    for n in range(1, count + 1):
        stamp = f"2024-01-{1 + n // 2:02d}T{n % 24:02d}:00:00.000Z"
        posts = [
            {"id": n * 10 + i, "post_number": i, "post_type": 1, "username": f"user{i}", "name": "",
             "created_at": stamp, "cooked": f"<p>{'Question' if i == 1 else 'Answer'} {n}.{i}</p>",
             "accepted_answer": i == 2, "actions_summary": []}
            for i in (1, 2, 3)
        ]
        topics.append({"id": n, "title": f"Topic {n} about builds", "slug": f"topic-{n}", "posts_count": 3,
                       "created_at": stamp, "last_posted_at": stamp, "bumped_at": stamp, "category_id": 1,
                       "tags": ["ci"], "accepted_answer": {"post_number": 2, "username": "user2", "excerpt": ""},
                       "post_stream": {"posts": posts, "stream": [p["id"] for p in posts]}})
    return topics


def test_incremental_runs_make_one_listing_request_when_nothing_changed(kb, httpserver):
    forum = FakeDiscourse(httpserver, small_forum())
    kb.set_sources(forum_source(forum.url))
    assert "forum: 45 new" in kb("harvest").output
    first = len(forum.requests)
    assert first == 2 + 45 + 1  # two list pages, the topics, the categories once

    forum.requests.clear()
    assert "nothing found" in kb("harvest").output
    assert forum.requests == ["/latest.json?page=0&no_definitions=true"]

    forum.requests.clear()
    changed = forum.topics[7]
    changed["post_stream"]["posts"][1]["cooked"] = "<p>Answer 7.2, now with the fix.</p>"
    changed["bumped_at"] = "2025-01-01T00:00:00.000Z"
    assert kb("harvest").output.splitlines()[0] == "forum: 1 updated"
    assert forum.requests == ["/latest.json?page=0&no_definitions=true", "/t/7.json", "/categories.json?include_subcategories=true"]
    assert "now with the fix" in (kb.root / "content" / "forum" / "7.md").read_text()

    forum.requests.clear()
    new = small_forum(46)[-1]
    new["bumped_at"] = "2025-02-01T00:00:00.000Z"
    forum.topics[46] = new
    assert kb("harvest").output.splitlines()[0] == "forum: 1 new"
    assert forum.requests == ["/latest.json?page=0&no_definitions=true", "/t/46.json", "/categories.json?include_subcategories=true"]

    forum.requests.clear()
    assert "forum: 46 unchanged" in kb("harvest", "--full").output


def test_categories_limit_the_listing(kb, httpserver):
    topics = small_forum(6)
    for topic in topics[:2]:
        topic["category_id"] = 2
    forum = FakeDiscourse(httpserver, topics)
    kb.set_sources(forum_source(forum.url, categories=["category-2"]))
    assert "forum: 2 new" in kb("harvest").output
    kb.set_sources(forum_source(forum.url, categories=["nope"]))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1 and "no category nope (known: category-1, category-2)" in result.output


def test_429_waits_as_asked_then_succeeds(kb, httpserver):
    forum = FakeDiscourse(httpserver, small_forum(3))
    forum.faults["/t/2.json"] = [Response("slow down", status=429, headers={"Retry-After": "1"})]
    kb.set_sources(forum_source(forum.url))
    assert "forum: 3 new" in kb("harvest").output
    asked = [at for path, at in zip(forum.requests, forum.times) if path == "/t/2.json"]
    assert len(asked) == 2 and asked[1] - asked[0] >= 1.0


def test_a_server_error_then_success(kb, httpserver):
    forum = FakeDiscourse(httpserver, small_forum(3))
    forum.faults["/latest.json"] = [Response("boom", status=500)]
    kb.set_sources(forum_source(forum.url))
    assert "forum: 3 new" in kb("harvest").output


def test_broken_json_stops_cleanly_and_the_next_run_completes(kb, httpserver):
    forum = FakeDiscourse(httpserver, small_forum(5))
    forum.faults["/t/2.json"] = [Response('{"post_stream": {', content_type="application/json")]
    kb.set_sources(forum_source(forum.url))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "forum: 3 new; FAILED"
    assert result.stderr.strip() == f'source "forum": {forum.url}/t/2.json: the response is not valid JSON'
    assert kb("check").exit_code == 0  # what was written is whole
    assert not (kb.root / "content" / "forum" / "harvest-state.yml").exists()  # no cursor past the failure
    # Newest first: topics 5, 4 and 3 were written before 2 failed; 2 and 1 are new now.
    assert "forum: 2 new, 3 unchanged" in kb("harvest").output
    assert len(list((kb.root / "content" / "forum").glob("*.md"))) == 5


def test_a_bad_token_is_named_by_its_variable_never_its_value(kb, httpserver, monkeypatch):
    monkeypatch.setenv("FORUM_KEY", "s3cr3t-value")
    monkeypatch.setenv("FORUM_USER", "kb-bot")
    httpserver.expect_request("/latest.json", headers={"Api-Key": "s3cr3t-value", "Api-Username": "kb-bot"}).respond_with_data("no", status=401)
    kb.set_sources(forum_source(httpserver.url_for("/").rstrip("/"), api_key_env="FORUM_KEY", api_username_env="FORUM_USER"))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == f'source "forum": {httpserver.url_for("/latest.json")}: HTTP 401 (not allowed); check the credential in $FORUM_KEY'
    assert "s3cr3t" not in result.output


def test_a_missing_credential_variable_is_named(kb, httpserver, monkeypatch):
    monkeypatch.delenv("FORUM_KEY", raising=False)
    kb.set_sources(forum_source(httpserver.url_for("/").rstrip("/"), api_key_env="FORUM_KEY"))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1 and "environment variable FORUM_KEY is not set" in result.output


def test_a_timeout_is_a_clean_error(httpserver):
    def slow(request):
        time.sleep(1)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/latest.json").respond_with_handler(slow)
    client = Client(httpserver.url_for("/"), attempts=2, timeout_seconds=0.2, sleep=lambda seconds: None)
    source = Discourse("forum", DiscourseOptions(base_url=httpserver.url_for("/")), http=client)
    with pytest.raises(KbError, match=r"latest.json: timed out \(2 attempts\)"):
        list(source.threads())


def test_min_answer_likes_publishes_the_most_liked_reply(kb, httpserver):
    topics = small_forum(2)
    for topic in topics:
        del topic["accepted_answer"]
        for post in topic["post_stream"]["posts"]:
            post["accepted_answer"] = False
            post["actions_summary"] = [{"id": 2, "count": post["post_number"]}]  # reply 3 has most likes
    forum = FakeDiscourse(httpserver, topics)
    kb.set_sources(forum_source(forum.url, min_answer_likes=3))
    assert "forum: 2 new" in kb("harvest").output
    entry = (kb.root / "content" / "forum" / "1.md").read_text()
    assert "how_chosen: top-voted" in entry and "Answer 1.3" in entry


def test_cooked_html_reads_well():
    cooked = (
        '<aside class="quote" data-username="alice"><div class="title"><img class="avatar" src="a.png"> alice:</div>'
        "<blockquote><p>Does it build?</p></blockquote></aside><p>Yes <img class=\"emoji\" alt=\":tada:\" src=\"e.png\"></p>"
        '<aside class="onebox" data-onebox-src="https://github.com/x/y"><header>github.com</header><article><h3>x/y repo</h3></article></aside>'
        '<div class="lightbox-wrapper"><a class="lightbox" href="https://f.example/full.png" title="shot.png"><img src="https://f.example/thumb.png" alt="shot"></a>'
        '<div class="meta">shot.png 800×600 50 KB</div></div>'
    )
    cleaned = clean_cooked(cooked)
    assert "<blockquote><p>alice wrote:</p><p>Does it build?</p></blockquote>" in cleaned
    assert "Yes :tada:" in cleaned
    assert '<a href="https://github.com/x/y">x/y repo</a>' in cleaned
    assert '<img alt="shot" src="https://f.example/full.png"/>' in cleaned and "50 KB" not in cleaned
    assert "avatar" not in cleaned


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 50) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "post_stream", "posts", "stream", "post_number", "cooked", "accepted_answer",
                         "topic_list", "topics", "has_accepted_answer", "title", "slug", "bumped_at", "post_type"]),
        inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(listing=json_values, topic=json_values)
def test_any_json_shape_is_a_clean_error(httpserver, listing, topic):
    httpserver.clear()
    httpserver.expect_request("/latest.json").respond_with_json({"topic_list": {"topics": [{"id": 1, "has_accepted_answer": True, "bumped_at": "x"}]}} if listing is None else listing)
    httpserver.expect_request("/t/1.json").respond_with_json(topic)
    httpserver.expect_request("/categories.json").respond_with_json({})
    source = Discourse("forum", DiscourseOptions(base_url=httpserver.url_for("/")))
    try:
        threads = list(source.threads())
    except KbError as error:
        assert str(error).startswith("http://")
    else:
        assert all(thread.native_id for thread in threads)


def test_one_failing_source_does_not_stop_the_others(kb, httpserver, tmp_path):
    from conftest import dump_source
    from harvester.demo import DEMO_DATA

    httpserver.expect_request("/latest.json").respond_with_data("down", status=404)
    kb.set_sources(forum_source(httpserver.url_for("/").rstrip("/")),
                   dump_source(DEMO_DATA / "stackexchange", name="acme"))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["forum: nothing found; FAILED", "acme: 9 new"]
    assert result.stderr.strip() == f'source "forum": {httpserver.url_for("/latest.json")}: HTTP 404'


@pytest.mark.shared_data
def test_raw_markdown_bodies_when_configured(kb, httpserver):
    forum = FakeDiscourse.from_folder(httpserver, URHO3D, URHO3D.parent / "raw")
    accepted = {tid: t for tid, t in forum.topics.items() if t.get("accepted_answer")}
    kb.set_sources(forum_source(forum.url, raw_bodies=True))
    assert "forum: 232 new" in kb("harvest").output
    raw_requests = [path for path in forum.requests if path.startswith("/raw/")]
    assert len(raw_requests) == 2 * 232  # the question and the accepted reply, nothing else
    for tid, topic in list(accepted.items())[:60]:
        number = topic["accepted_answer"]["post_number"]
        source = forum.raw[(tid, number)]
        first_line = next(line for line in source.splitlines() if line.strip() and not line.startswith(("[quote", "!", "<", "```", ">", "http")))
        entry = (kb.root / "content" / "forum" / f"{tid}.md").read_text()
        if "<" not in first_line and "upload://" not in first_line:
            assert first_line.strip() in entry, (tid, first_line)
        assert "upload://" not in entry and "[quote" not in entry
