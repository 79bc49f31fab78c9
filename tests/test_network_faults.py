"""Every networked source under the same faults: each ends in success or one clean line, and
nothing half-written (every file valid, no cursor past the failure)."""

import json
import time

import pytest
from werkzeug import Response

from fake_discourse import FakeDiscourse
from harvester.demo import DEMO_DATA
from harvester.errors import KbError
from harvester.http import Client
from harvester.sources.discourse import Discourse, DiscourseOptions
from harvester.sources.github_discussions import GitHubDiscussions, GitHubDiscussionsOptions
from harvester.sources.stackexchange_api import StackExchangeApi, StackExchangeOptions
from test_discourse import small_forum
from test_github_discussions import FakeGitHub, discussion
from test_stackexchange_api import FakeStackExchange

SOURCES = ["discourse", "github-discussions", "stackexchange"]


class Forum:
    """One networked source's fake server, its sources.yml entry and a way to inject faults."""

    def __init__(self, kind: str, httpserver, monkeypatch):
        monkeypatch.setenv("NET_TOKEN", "t0ken-value")
        self.kind = kind
        if kind == "discourse":
            self.server = FakeDiscourse(httpserver, small_forum(3))
            self.first_url = f"{self.server.url}/latest.json"
            self.source = {"type": "discourse", "base_url": self.server.url, "api_key_env": "NET_TOKEN",
                           "api_username_env": "NET_TOKEN"}
            self.entries = 3
        elif kind == "github-discussions":
            self.server = FakeGitHub(httpserver, [discussion(n) for n in (1, 2, 3)])
            self.first_url = f"{self.server.url}/graphql"
            self.source = {"type": "github-discussions", "repository": "o/r", "token_env": "NET_TOKEN",
                           "base_url": self.server.url}
            self.entries = 3
        else:
            self.server = FakeStackExchange(httpserver, DEMO_DATA / "stackexchange", "https://qa.acme.example")
            self.first_url = f"{self.server.url}/questions"
            self.source = {"type": "stackexchange", "site": "acme", "base_url": self.server.url,
                           "team": "acme", "token_env": "NET_TOKEN"}
            self.entries = 9
        self.source["name"] = "net"

    def fail_first_request_with(self, *responses: Response) -> None:
        if self.kind == "discourse":
            self.server.faults["/latest.json"] = list(responses)
        else:
            self.server.faults.extend(responses)

    def reader(self, client: Client):
        options = {key: value for key, value in self.source.items() if key not in ("type", "name")}
        cls, options_class = {
            "discourse": (Discourse, DiscourseOptions),
            "github-discussions": (GitHubDiscussions, GitHubDiscussionsOptions),
            "stackexchange": (StackExchangeApi, StackExchangeOptions),
        }[self.kind]
        return cls("net", options_class(**options), http=client)


@pytest.fixture(params=SOURCES)
def forum(request, httpserver, monkeypatch):
    return Forum(request.param, httpserver, monkeypatch)


def test_429_with_retry_after_then_success(kb, forum):
    forum.fail_first_request_with(Response("slow down", status=429, headers={"Retry-After": "1"}))
    kb.set_sources(forum.source)
    start = time.monotonic()
    assert f"net: {forum.entries} new" in kb("harvest").output
    assert time.monotonic() - start >= 1.0


def test_500_then_success(kb, forum):
    forum.fail_first_request_with(Response("boom", status=500), Response("boom", status=502))
    kb.set_sources(forum.source)
    assert f"net: {forum.entries} new" in kb("harvest").output


def test_malformed_json_is_one_clean_line(kb, forum):
    forum.fail_first_request_with(Response('{"items": [', content_type="application/json"))
    kb.set_sources(forum.source)
    result = kb("harvest", ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [f'source "net": {forum.first_url}: the response is not valid JSON']
    assert kb.content_files() == {}


def test_401_names_the_variable_not_the_token(kb, forum):
    forum.fail_first_request_with(Response(json.dumps({"message": "Bad credentials"}), status=401, content_type="application/json"))
    kb.set_sources(forum.source)
    result = kb("harvest", ok=False)
    assert result.exit_code == 1 and "check the credential in $NET_TOKEN" in result.stderr
    assert "t0ken-value" not in result.output
    assert kb.content_files() == {}


class _SlowBody(Response):
    """Headers at once, the body only after longer than the client waits for it."""

    def __init__(self):
        super().__init__(self._body(), content_type="application/json")

    @staticmethod
    def _body():
        time.sleep(0.5)
        yield b"{}"


def test_a_timeout_is_a_clean_error(forum):
    forum.fail_first_request_with(_SlowBody(), _SlowBody())
    client = Client(forum.server.url, attempts=2, timeout_seconds=0.2, sleep=lambda seconds: None)
    with pytest.raises(KbError, match=r"timed out \(2 attempts\)"):
        list(forum.reader(client).threads())
