"""The github-discussions source against a loopback GraphQL endpoint serving GitHub's shapes,
including a real discussion recorded from the API."""

import copy
import json
import time

import pytest
from werkzeug import Request, Response

from conftest import SHARED_DATA

REPLAYS = SHARED_DATA / "github-discussions" / "pygithub-graphql-replays-2024"


class FakeGitHub:
    """POST /graphql answering kb's three queries from a list of discussion nodes."""

    def __init__(self, httpserver, discussions: list[dict], page_size: int = 50):
        self.discussions = discussions
        self.page_size = page_size
        self.queries: list[dict] = []
        self.faults: list[Response] = []
        httpserver.expect_request("/graphql", method="POST").respond_with_handler(self.handle)
        self.url = httpserver.url_for("/").rstrip("/")

    def handle(self, request: Request) -> Response:
        body = json.loads(request.data)
        self.queries.append(body["variables"])
        if self.faults:
            return self.faults.pop(0)
        variables, query = body["variables"], body["query"]
        if "discussions(" in query:
            nodes = sorted(self.discussions, key=lambda d: d["updatedAt"], reverse=True)
            if variables.get("answered"):
                nodes = [d for d in nodes if d.get("answer")]
            return _json({"data": {"repository": {"discussions": self._page(nodes, variables.get("after"))}}})
        node = self._find(variables["id"])
        name = "comments" if "comments(" in query and "... on Discussion" in query else "replies"
        return _json({"data": {"node": {name: self._page(node[name]["nodes"], variables.get("after"))}}})

    def _page(self, nodes: list[dict], after: str | None) -> dict:
        start = int(after or 0)
        chunk = nodes[start:start + self.page_size]
        more = start + self.page_size < len(nodes)
        return {"pageInfo": {"hasNextPage": more, "endCursor": str(start + self.page_size) if more else None},
                "nodes": [_first_page_of_replies(node, self.page_size) for node in chunk]}

    def _find(self, node_id: str) -> dict:
        for discussion in self.discussions:
            if discussion["id"] == node_id:
                return discussion
            for comment in discussion.get("comments", {}).get("nodes", []):
                if comment["id"] == node_id:
                    return comment
        raise KeyError(node_id)


def _first_page_of_replies(node: dict, page_size: int) -> dict:
    if "replies" not in node:
        return node
    node = copy.deepcopy(node)
    replies = node["replies"]["nodes"]
    more = len(replies) > page_size
    node["replies"] = {"pageInfo": {"hasNextPage": more, "endCursor": str(page_size) if more else None},
                       "nodes": replies[:page_size]}
    return node


def _json(payload) -> Response:
    return Response(json.dumps(payload), content_type="application/json")


def discussion(number: int, answered: bool = True, updated: str = "2024-05-01T00:00:00Z") -> dict:
    answer = {"url": f"https://github.com/o/r/discussions/{number}#discussioncomment-{number}", "createdAt": updated,
              "bodyHTML": f"<p>Answer to {number}: run <code>make clean</code></p>", "upvoteCount": 3,
              "author": {"login": "helper"}}
    return {"id": f"D_{number}", "number": number, "title": f"How do I fix build {number}?",
            "url": f"https://github.com/o/r/discussions/{number}", "createdAt": updated, "updatedAt": updated,
            "bodyHTML": f"<p>Build {number} fails.</p>", "author": {"login": "asker"},
            "category": {"slug": "q-a", "name": "Q&A", "isAnswerable": True},
            "labels": {"nodes": [{"name": "build"}]}, "answer": answer if answered else None}


def source(url: str, **options) -> dict:
    return {"name": "gh", "type": "github-discussions", "repository": "o/r", "token_env": "GH_TOKEN",
            "base_url": url, **options}


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("GH_TOKEN", "ghp_" + "x" * 36)


@pytest.mark.shared_data
def test_the_real_recorded_discussion(kb, httpserver):
    node = json.loads((REPLAYS / "RepositoryDiscussion.setUp.01.response.json").read_text())["data"]["node"]
    github = FakeGitHub(httpserver, [node])
    kb.set_sources(source(github.url))
    assert "gh: 1 new" in kb("harvest").output
    entry = (kb.root / "content" / "gh" / "2993.md").read_text()
    assert "title: How to get a list of custom repository properties?" in entry
    assert "how_chosen: accepted" in entry and "author: dawngerpony" in entry
    assert '```python\nmy_repo.raw_data["custom_properties"]\n```' in entry
    assert "- q-a" in entry


def test_pages_incremental_runs_and_changes(kb, httpserver):
    discussions = [discussion(n, answered=n % 4 != 0, updated=f"2024-05-{1 + n % 28:02d}T{n % 24:02d}:00:00Z")
                   for n in range(1, 121)]
    github = FakeGitHub(httpserver, discussions)
    kb.set_sources(source(github.url))
    assert "gh: 90 new" in kb("harvest").output
    assert len(github.queries) == 2  # 90 answered discussions, 50 a page: only answered ones are asked for
    assert all(query["answered"] is True for query in github.queries)

    github.queries.clear()
    assert "gh: nothing found" in kb("harvest").output
    assert len(github.queries) == 1

    changed = next(d for d in discussions if d["number"] == 5)
    changed["answer"]["bodyHTML"] = "<p>Answer to 5: delete the cache</p>"
    changed["updatedAt"] = "2024-06-01T00:00:00Z"
    assert kb("harvest").output.splitlines()[0] == "gh: 1 updated"
    assert "delete the cache" in (kb.root / "content" / "gh" / "5.md").read_text()


def test_unanswered_discussions_compete_on_upvotes_through_paged_comments_and_replies(kb, httpserver):
    open_question = discussion(7, answered=False)
    comments = [{"id": f"C{i}", "url": f"https://github.com/o/r/discussions/7#c{i}", "createdAt": "2024-05-01T00:00:00Z",
                 "bodyHTML": f"<p>Comment {i}</p>", "upvoteCount": i % 5, "author": {"login": f"user{i}"},
                 "replies": {"nodes": []}} for i in range(1, 61)]
    comments[3]["replies"]["nodes"] = [
        {"url": f"https://github.com/o/r/discussions/7#r{j}", "createdAt": "2024-05-02T00:00:00Z",
         "bodyHTML": f"<p>Reply {j}</p>", "upvoteCount": 9 if j == 55 else 0, "author": {"login": "replier"}}
        for j in range(1, 58)
    ]
    open_question["comments"] = {"nodes": comments}
    github = FakeGitHub(httpserver, [open_question])
    kb.set_sources(source(github.url, min_answer_upvotes=5))
    assert "gh: 1 new" in kb("harvest").output
    entry = (kb.root / "content" / "gh" / "7.md").read_text()
    assert "Reply 55" in entry and "how_chosen: top-voted" in entry  # found on the replies' second page
    assert [q.get("after") for q in github.queries if "id" in q] == [None, "50", "50"]  # comments x2, replies x1


def test_categories_limit_what_is_harvested(kb, httpserver):
    ideas = discussion(2)
    ideas["category"] = {"slug": "ideas", "name": "Ideas", "isAnswerable": False}
    github = FakeGitHub(httpserver, [discussion(1), ideas, discussion(3)])
    kb.set_sources(source(github.url, categories=["q-a"]))
    assert "gh: 2 new" in kb("harvest").output


def test_graphql_errors_and_rate_limits(kb, httpserver):
    github = FakeGitHub(httpserver, [discussion(1)])
    reset = str(int(time.time()) + 2)
    github.faults = [Response("", status=403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})]
    kb.set_sources(source(github.url))
    start = time.monotonic()
    assert "gh: 1 new" in kb("harvest").output
    assert time.monotonic() - start >= 1.0  # waited for the quota to reset

    github.faults = [_json({"errors": [{"type": "NOT_FOUND", "message": "Could not resolve to a Repository with the name 'o/r'."}]})]
    result = kb("harvest", "--full", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"source \"gh\": {github.url}/graphql: GraphQL error: NOT_FOUND Could not resolve to a Repository with the name 'o/r'."


def test_a_bad_token_names_its_variable(kb, httpserver):
    httpserver.expect_request("/graphql").respond_with_json({"message": "Bad credentials"}, status=401)
    kb.set_sources(source(httpserver.url_for("/").rstrip("/")))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1 and "check the credential in $GH_TOKEN" in result.stderr
    assert "x" * 36 not in result.output


def test_repository_must_be_owner_slash_name(kb):
    kb.set_sources(source("https://api.github.com", repository="just-a-name"))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip() == "site_config/sources.yml: source \"gh\": \"repository\" must be owner/name, got 'just-a-name'"
