"""A Discourse forum on a loopback port, serving real topic JSON through the real API routes.

The archived topics have no list endpoints; this builds /latest.json, category lists and
/categories.json from them in Discourse's own shapes, serves /t/{id}.json inlining only the
first 20 posts as Discourse does, and /t/{id}/posts.json for the rest.
"""

import copy
import json
import re
import time
from pathlib import Path

from werkzeug import Request, Response

PER_PAGE = 30
INLINED_POSTS = 20


class FakeDiscourse:
    def __init__(self, httpserver, topics: list[dict], raw: dict[tuple[int, int], str] | None = None):
        self.topics = {topic["id"]: copy.deepcopy(topic) for topic in topics}
        self.raw = raw or {}  # (topic id, post number) -> the post's Markdown source
        self.requests: list[str] = []
        self.times: list[float] = []  # when each request arrived (monotonic clock)
        self.faults: dict[str, list[Response]] = {}  # path -> responses to give before the real one
        httpserver.expect_request(re.compile(".*")).respond_with_handler(self.handle)
        self.url = httpserver.url_for("/").rstrip("/")

    @classmethod
    def from_folder(cls, httpserver, folder: Path, raw_folder: Path | None = None) -> "FakeDiscourse":
        """Topic JSON files; with `raw_folder`, the archive's /raw/{topic} files split per post."""
        raw = {}
        for path in sorted(raw_folder.glob("*.md")) if raw_folder else []:
            topic_id = int(path.stem.rsplit(".", 1)[1])
            for chunk in path.read_text().split("\n-------------------------\n"):
                header, _, body = chunk.strip().partition("\n\n")
                if match := re.search(r"\| #(\d+)$", header):
                    raw[(topic_id, int(match.group(1)))] = body.strip() + "\n"
        return cls(httpserver, [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))], raw)

    def handle(self, request: Request) -> Response:
        self.requests.append(request.full_path.rstrip("?"))
        self.times.append(time.monotonic())
        if self.faults.get(request.path):
            return self.faults[request.path].pop(0)
        if request.path == "/latest.json":
            return self._page(self._summaries(), request)
        if match := re.fullmatch(r"/c/([\w-]+)/(\d+)/l/latest\.json", request.path):
            return self._page([t for t in self._summaries() if t["category_id"] == int(match.group(2))], request)
        if request.path == "/categories.json":
            ids = sorted({topic.get("category_id") for topic in self.topics.values()} - {None})
            categories = [{"id": i, "name": f"Category {i}", "slug": f"category-{i}"} for i in ids]
            return _json({"category_list": {"categories": categories}})
        if match := re.fullmatch(r"/t/(\d+)\.json", request.path):
            topic = self.topics.get(int(match.group(1)))
            if topic is None:
                return Response("not found", status=404)
            inlined = copy.deepcopy(topic)
            inlined["post_stream"]["posts"] = topic["post_stream"]["posts"][:INLINED_POSTS]
            return _json(inlined)
        if match := re.fullmatch(r"/raw/(\d+)/(\d+)", request.path):
            text = self.raw.get((int(match.group(1)), int(match.group(2))))
            return Response(text, content_type="text/plain") if text else Response("not found", status=404)
        if match := re.fullmatch(r"/t/(\d+)/posts\.json", request.path):
            wanted = {int(i) for i in request.args.getlist("post_ids[]")}
            posts = [p for p in self.topics[int(match.group(1))]["post_stream"]["posts"] if p["id"] in wanted]
            return _json({"post_stream": {"posts": posts}, "id": int(match.group(1))})
        return Response("not found", status=404)

    def _summaries(self) -> list[dict]:
        summaries = [
            {
                "id": topic["id"], "title": topic["title"], "slug": topic["slug"], "posts_count": topic["posts_count"],
                "bumped_at": _bumped(topic), "last_posted_at": topic.get("last_posted_at"), "pinned": False,
                "has_accepted_answer": bool(topic.get("accepted_answer")), "category_id": topic.get("category_id"),
                "tags": topic.get("tags", []),
            }
            for topic in self.topics.values()
        ]
        return sorted(summaries, key=lambda t: t["bumped_at"], reverse=True)

    def _page(self, summaries: list[dict], request: Request) -> Response:
        page = int(request.args.get("page", 0))
        chunk = summaries[page * PER_PAGE:(page + 1) * PER_PAGE]
        topic_list = {"per_page": PER_PAGE, "topics": chunk}
        if (page + 1) * PER_PAGE < len(summaries):
            topic_list["more_topics_url"] = f"/latest?no_definitions=true&page={page + 1}"
        return _json({"users": [], "primary_groups": [], "topic_list": topic_list})

    def listing_requests(self) -> int:
        return sum(1 for path in self.requests if "latest.json" in path)


def _bumped(topic: dict) -> str:
    return topic.get("bumped_at") or topic.get("last_posted_at") or topic["created_at"]


def _json(payload) -> Response:
    return Response(json.dumps(payload), content_type="application/json")
