"""kb links check against a loopback server with live, dead, slow and redirecting links."""

import re
import threading
import time

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Response

from conftest import queue


@pytest.fixture
def site_server():
    server = HTTPServer(threaded=True)  # slow links must not hold up the others
    server.start()
    state = {"now": 0, "most": 0, "lock": threading.Lock(), "paths": []}

    def handle(request):
        with state["lock"]:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
            state["paths"].append(request.path)
        try:
            time.sleep(0.05)  # long enough for requests to overlap
            if request.path == "/slow":
                time.sleep(3)
            if request.path.startswith("/live") or (request.path == "/gone" and state.get("revived")):
                return Response("ok")
            if request.path == "/moved":
                return Response("", status=301, headers={"Location": "/live/target"})
            if request.path == "/moved-to-nothing":
                return Response("", status=302, headers={"Location": "/gone"})
            if request.path == "/no-head" and request.method == "HEAD":
                return Response("", status=405)
            if request.path == "/no-head":
                return Response("fine")
            if request.path == "/login":
                return Response("sign in", status=401)
            return Response("not found", status=404)
        finally:
            with state["lock"]:
                state["now"] -= 1

    server.expect_request(re.compile(".*")).respond_with_handler(handle)
    yield server.url_for("").rstrip("/"), state
    server.clear()
    server.stop()


def test_broken_links_are_recorded_flagged_and_forgiven(kb, site_server):
    base, state = site_server
    live = [f"{base}/live/{n}" for n in range(6)]
    links = [*live, f"{base}/gone", f"{base}/slow", f"{base}/moved", f"{base}/moved-to-nothing", f"{base}/no-head", f"{base}/login"]
    (kb.root / "links.yml").write_text(yaml.safe_dump({"links": [{"url": url, "title": f"Link {n}", "description": "x"}
                                                                 for n, url in enumerate(links)]}))
    kb.set_sources({"name": "reading", "type": "links", "path": "links.yml", "allow_hosts": ["localhost"]})
    kb("harvest", "--offline")
    kb("approve", "--all")

    result = kb("links", "check", "--timeout", "1", "--allow-host", "localhost")
    assert "Checked 12 links on 1 hosts: 3 broken (3 new)" in result.output
    assert state["most"] <= 2  # two at a time per host, however many links wait
    recorded = yaml.safe_load((kb.root / "content" / "link-check.yml").read_text())
    assert {url.rsplit("/", 1)[1]: record["reason"] for url, record in recorded.items()} == {
        "gone": "HTTP 404", "slow": "timed out", "moved-to-nothing": "HTTP 404"}
    first_seen = recorded[f"{base}/gone"]["since"]
    broken_ids = {entry for record in recorded.values() for entry in record["entries"]}
    assert {entry_id: reason for entry_id, reason in queue(kb).items()} == dict.fromkeys(broken_ids, "broken link")

    kb("build")
    gone_id = recorded[f"{base}/gone"]["entries"][0].split(":")[1]
    page = (kb.root / "site" / "entries" / "reading" / gone_id / "index.html").read_text()
    assert "This link seems broken" in page and f"since {first_seen}" in page
    index = (kb.root / "site" / "resources" / "index.html").read_text()
    assert index.count("(link broken)") == 3
    assert len(list((kb.root / "content" / "reading").glob("*.md"))) == 12  # nothing deleted

    state["revived"] = True  # the page is back: the record forgets it, the rest keep their date
    result = kb("links", "check", "--timeout", "1", "--allow-host", "localhost")
    assert "1 broken (0 new)" in result.output  # /gone, and /moved-to-nothing which lands there, work again
    after = yaml.safe_load((kb.root / "content" / "link-check.yml").read_text())
    assert set(after) == {f"{base}/slow"} and after[f"{base}/slow"]["since"] == recorded[f"{base}/slow"]["since"]


def test_private_hosts_are_not_probed_unless_allowed(kb, site_server):
    base, state = site_server
    (kb.root / "links.yml").write_text(yaml.safe_dump({"links": [{"url": f"{base}/live/1", "title": "t", "description": "d"}]}))
    kb.set_sources({"name": "reading", "type": "links", "path": "links.yml"})
    kb("harvest", "--offline")
    assert "1 on private hosts not checked" in kb("links", "check").output
    assert state["paths"] == []
