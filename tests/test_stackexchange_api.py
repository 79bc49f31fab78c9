"""The stackexchange (API) source against a loopback API in the documented shapes, serving a
real dump's posts: it must produce the same entries as the dump source."""

import html
import json
import re
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
import yaml
from werkzeug import Request, Response

from conftest import CONLANG_DUMP, dump_source


def epoch(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp[:19]).replace(tzinfo=timezone.utc).timestamp())


class FakeStackExchange:
    """/2.3/questions and /2.3/questions/{ids}/answers, from a dump's rows."""

    def __init__(self, httpserver, dump, site_url: str, page_size_cap: int = 100):
        rows = [row.attrib for row in ET.parse(dump / "Posts.xml").getroot()]
        users = {row.get("Id"): row.get("DisplayName") for row in ET.parse(dump / "Users.xml").getroot()}
        self.site_url = site_url
        self.questions = [self._item(row, users) for row in rows if row["PostTypeId"] == "1"]
        accepted = {q["accepted_answer_id"] for q in self.questions if "accepted_answer_id" in q}
        self.answers = [self._item(row, users) for row in rows if row["PostTypeId"] == "2"]
        for answer in self.answers:
            answer["is_accepted"] = answer["answer_id"] in accepted
        self.requests: list[Request] = []
        self.times: list[float] = []
        self.extra: dict = {}  # wrapper fields to add to the next response (backoff, quota)
        self.faults: list[Response] = []
        httpserver.expect_request(re.compile("/2.3/.*")).respond_with_handler(self.handle)
        self.url = httpserver.url_for("/2.3")

    def _item(self, row: dict, users: dict) -> dict:
        owner = {"display_name": html.escape(users.get(row.get("OwnerUserId"), "") or row.get("OwnerDisplayName", ""))}
        item = {"body": row.get("Body", ""), "score": int(row.get("Score", 0)), "owner": owner,
                "creation_date": epoch(row["CreationDate"]),
                "last_activity_date": epoch(row.get("LastActivityDate") or row["CreationDate"])}
        if row["PostTypeId"] == "1":
            item.update(question_id=int(row["Id"]), title=html.escape(row.get("Title", "")),
                        tags=re.findall(r"<([^>]+)>", row.get("Tags", "")), link=f"{self.site_url}/q/{row['Id']}",
                        answer_count=int(row.get("AnswerCount", 0)))
            if row.get("AcceptedAnswerId"):
                item["accepted_answer_id"] = int(row["AcceptedAnswerId"])
        else:
            item.update(answer_id=int(row["Id"]), question_id=int(row["ParentId"]))
        return item

    def handle(self, request: Request) -> Response:
        self.requests.append(request)
        self.times.append(time.monotonic())
        if self.faults:
            return self.faults.pop(0)
        args = request.args
        path = request.path[len("/2.3"):]
        if path == "/questions":
            items = sorted(self.questions, key=lambda q: q["last_activity_date"], reverse=True)
            if "min" in args:
                items = [q for q in items if q["last_activity_date"] >= int(args["min"])]
            if "tagged" in args:
                items = [q for q in items if all(t in q["tags"] for t in args["tagged"].split(";"))]
        elif match := re.fullmatch(r"/questions/([\d;]+)/answers", path):
            ids = {int(i) for i in match.group(1).split(";")}
            items = sorted((a for a in self.answers if a["question_id"] in ids), key=lambda a: -a["score"])
        else:
            return Response(json.dumps({"error_id": 404, "error_message": "no method found with this name",
                                        "error_name": "no_method"}), status=404, content_type="application/json")
        page, size = int(args.get("page", 1)), min(int(args.get("pagesize", 30)), 100)
        chunk = items[(page - 1) * size:page * size]
        wrapper = {"items": chunk, "has_more": page * size < len(items), "quota_max": 300, "quota_remaining": 250,
                   **self.extra}
        self.extra = {}
        return Response(json.dumps(wrapper), content_type="application/json")


def api_source(url: str, **options) -> dict:
    return {"name": "conlang", "type": "stackexchange", "site": "conlang.meta", "base_url": url, **options}


def entry_essentials(root) -> dict:
    """What a reader gets from each entry: title, tags, authors, how chosen, body."""
    found = {}
    for path in sorted((root / "content").rglob("*.md")):
        _, header, body = path.read_text().split("---\n", 2)
        meta = yaml.safe_load(header)
        found[meta["id"].split(":")[1]] = (meta["title"], meta["tags"], meta["question"].get("author"),
                                          meta["answer"].get("author"), meta["answer"]["how_chosen"], body)
    return found


@pytest.mark.shared_data
def test_the_api_gives_the_same_entries_as_the_dump(kb, httpserver, tmp_path):
    api = FakeStackExchange(httpserver, CONLANG_DUMP, "https://conlang.meta.stackexchange.com")
    kb.set_sources(api_source(api.url, min_answer_score=2))
    assert "conlang:" in kb("harvest").output

    from conftest import Kb
    from click.testing import CliRunner
    from harvester.cli import cli
    CliRunner().invoke(cli, ["init", str(tmp_path / "dump-ws")])
    from_dump = Kb(tmp_path / "dump-ws")
    from_dump.set_sources(dump_source(CONLANG_DUMP, name="conlang", min_answer_score=2,
                                      site_url="https://conlang.meta.stackexchange.com"))
    from_dump("harvest")
    assert entry_essentials(kb.root) == entry_essentials(from_dump.root)
    assert len(entry_essentials(kb.root)) > 11  # accepted ones and top-voted ones


@pytest.mark.shared_data
def test_incremental_backoff_and_quota(kb, httpserver):
    api = FakeStackExchange(httpserver, CONLANG_DUMP, "https://conlang.meta.stackexchange.com")
    kb.set_sources(api_source(api.url))
    api.extra = {"backoff": 1}
    assert "11 new" in kb("harvest").output
    # The first response asked for a second's pause: the next request waited for it.
    assert api.times[1] - api.times[0] >= 1.0
    assert all(r.args["site"] == "conlang.meta" and r.args["filter"] == "withbody" for r in api.requests)

    api.requests.clear()
    assert "nothing found" in kb("harvest").output
    assert len(api.requests) == 1 and "min" in api.requests[0].args

    api.extra = {"quota_remaining": 0, "has_more": True}
    result = kb("harvest", "--full", ok=False)
    assert result.exit_code == 1 and "the daily API quota is used up" in result.stderr


@pytest.mark.shared_data
def test_api_errors_are_shown_in_its_own_words(kb, httpserver):
    api = FakeStackExchange(httpserver, CONLANG_DUMP, "https://conlang.meta.stackexchange.com")
    api.faults = [Response(json.dumps({"error_id": 502, "error_message": "too many requests from this IP, more requests available in 7 seconds",
                                       "error_name": "throttle_violation"}), status=400, content_type="application/json")]
    kb.set_sources(api_source(api.url))
    result = kb("harvest", ok=False)
    assert result.stderr.strip() == (f'source "conlang": {api.url}/questions: HTTP 400: '
                                     "too many requests from this IP, more requests available in 7 seconds")


@pytest.mark.shared_data
def test_stack_overflow_for_teams(kb, httpserver, monkeypatch):
    monkeypatch.setenv("TEAMS_PAT", "pat-value")
    api = FakeStackExchange(httpserver, CONLANG_DUMP, "https://stackoverflowteams.com/c/acme")
    kb.set_sources(api_source(api.url, team="acme", token_env="TEAMS_PAT"))
    assert "11 new" in kb("harvest").output
    assert all(r.args.get("team") == "acme" and "site" not in r.args for r in api.requests)
    assert all(r.headers.get("X-API-Access-Token") == "pat-value" for r in api.requests)


def test_a_team_needs_a_token(kb):
    kb.set_sources(api_source("https://api.stackoverflowteams.com/2.3", team="acme"))
    result = kb("harvest", ok=False)
    assert result.exit_code == 1 and '"team" needs "token_env"' in result.stderr
