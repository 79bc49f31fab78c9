"""Slack's Web API on a loopback port, serving a real archive through the real methods.

conversations.history pages the channel newest first with `limit`/`cursor` and honours
`oldest`; conversations.replies serves a thread (parent first); users.info each person;
conversations.list the channels. Every call needs the bearer token, as Slack's does.
"""

import json
import re
from pathlib import Path

from werkzeug import Request, Response

TOKEN = "xoxb-test-token"


class FakeSlack:
    def __init__(self, httpserver, archive: Path, channel_names: dict[str, str]):
        self.history: dict[str, list[dict]] = {}
        self.threads: dict[tuple[str, str], list[dict]] = {}
        for folder in (archive / "messages").iterdir():
            messages = {m["ts"]: m for page in folder.glob("*.json") for m in json.loads(page.read_text())["messages"]}
            self.history[folder.name] = sorted(messages.values(), key=lambda m: float(m["ts"]), reverse=True)
        for path in (archive / "threads").glob("*/*.json"):
            self.threads[(path.parent.name, path.stem)] = json.loads(path.read_text())
        self.users = {path.stem: json.loads(path.read_text()) for path in (archive / "users").glob("*.json")}
        self.channel_names = channel_names
        self.calls: list[tuple[str, dict]] = []
        self.rate_limit_next: set[str] = set()  # methods answering 429 once before working
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)
        self.url = httpserver.url_for("/").rstrip("/")

    def handle(self, request: Request) -> Response:
        method, params = request.path.strip("/"), dict(request.args)
        self.calls.append((method, params))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _ok_false("not_authed")
        if method in self.rate_limit_next:
            self.rate_limit_next.discard(method)
            return Response("", status=429, headers={"Retry-After": "1"})
        if method == "conversations.history":
            messages = [m for m in self.history.get(params["channel"], []) if float(m["ts"]) > float(params.get("oldest", 0))]
            return _page(messages, params, "messages") if params["channel"] in self.history else _ok_false("channel_not_found")
        if method == "conversations.replies":
            thread = self.threads.get((params["channel"], params["ts"]))
            return _page(thread, params, "messages") if thread else _ok_false("thread_not_found")
        if method == "users.info":
            user = self.users.get(params["user"])
            return _json({"ok": True, "user": user}) if user else _ok_false("user_not_found")
        if method == "conversations.list":
            channels = [{"id": cid, "name": name} for cid, name in self.channel_names.items()]
            return _page(channels, params, "channels")
        return _ok_false("unknown_method")

    def count(self, method: str) -> int:
        return sum(1 for called, _ in self.calls if called == method)


def _page(items: list, params: dict, key: str) -> Response:
    start, limit = int(params.get("cursor") or 0), int(params.get("limit", 100))
    chunk = items[start:start + limit]
    more = start + limit < len(items)
    return _json({"ok": True, key: chunk, "has_more": more, "response_metadata": {"next_cursor": str(start + limit) if more else ""}})


def _ok_false(error: str) -> Response:
    return _json({"ok": False, "error": error})


def _json(payload) -> Response:
    return Response(json.dumps(payload), content_type="application/json")
