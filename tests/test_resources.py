"""Curated links and feeds over real HTTP: harvested, enriched from their pages, curated, built."""

import json

import pytest
import yaml
from werkzeug import Response

from conftest import front_matter

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Platform team blog</title><link>{base}/blog</link>
<item><title>Zero-downtime database migrations</title><link>{base}/blog/migrations</link>
  <description>&lt;p&gt;How we ship &lt;b&gt;schema changes&lt;/b&gt; safely.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description>
  <category>databases</category><pubDate>Mon, 03 Mar 2025 09:00:00 GMT</pubDate></item>
<item><title>No link here</title><description>skipped</description></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>SRE notes</title><id>urn:sre</id><updated>2025-03-05T10:00:00Z</updated>
<entry><title>Reading a flame graph</title><link href="{base}/sre/flame-graphs"/><id>urn:sre:1</id>
  <updated>2025-03-05T10:00:00Z</updated><summary>Wide bars are where the time goes.</summary><category term="profiling"/></entry>
</feed>"""
OPML = """<?xml version="1.0"?><opml version="2.0"><head><title>Feeds</title></head><body>
<outline text="blog" xmlUrl="{base}/rss.xml"/><outline text="sre" xmlUrl="{base}/atom.xml"/>
<outline text="down" xmlUrl="{base}/down.xml"/><outline text="broken" xmlUrl="{base}/broken.xml"/></body></opml>"""
PAGE = """<html><head><title>Ignored when Open Graph says</title>
<meta property="og:title" content="The on-call handbook"><meta name="description" content="Who to page, and when.">
</head><body>…</body></html>"""


@pytest.fixture
def web(httpserver):
    base = httpserver.url_for("").rstrip("/")
    routes = {
        "/rss.xml": Response(RSS.format(base=base), content_type="application/rss+xml"),
        "/atom.xml": Response(ATOM.format(base=base), content_type="application/atom+xml"),
        "/feeds.opml": Response(OPML.format(base=base), content_type="text/x-opml"),
        "/down.xml": Response("upstream error", status=500),
        "/broken.xml": Response("<rss><channel><item><title>cut off", content_type="application/rss+xml"),
        "/bomb.xml": Response('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><rss><channel>&lol;</channel></rss>'),
        "/handbook": Response(PAGE, content_type="text/html"),
        "/moved": Response("", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
    }
    requests = []

    def handle(request):
        requests.append(request.path)
        return routes.get(request.path) or Response("not found", status=404)

    httpserver.expect_request(__import__("re").compile(".*")).respond_with_handler(handle)
    return base, requests


def test_feeds_from_an_opml_list_and_the_failures_named(kb, web):
    base, _ = web
    kb.set_sources({"name": "feeds", "type": "rss", "url": f"{base}/feeds.opml", "allow_hosts": ["localhost"], "tags": ["reading"]})
    result = kb("harvest", ok=False)
    assert result.exit_code == 1
    assert "feeds: 2 new; FAILED" in result.output  # the healthy feeds' items are kept
    assert f"{base}/down.xml: HTTP 500" in result.stderr and f"{base}/broken.xml: not a readable RSS or Atom feed" in result.stderr
    entries = {path.stem: front_matter(kb, f"feeds:{path.stem}") for path in (kb.root / "content" / "feeds").glob("*.md")}
    by_title = {meta["title"]: meta for meta in entries.values()}
    migrations = by_title["Zero-downtime database migrations"]
    assert migrations["kind"] == "resource" and migrations["tags"] == ["databases", "reading"]
    assert migrations["resource"] == {"url": f"{base}/blog/migrations", "published_at": "2025-03-03T09:00:00Z"}
    body = (kb.root / "content" / "feeds").glob("*.md")
    text = "".join(path.read_text() for path in body)
    assert "How we ship **schema changes** safely." in text and "alert" not in text
    assert by_title["Reading a flame graph"]["tags"] == ["profiling", "reading"]


def test_a_feed_declaring_entities_is_refused(kb, web):
    base, _ = web
    kb.set_sources({"name": "feeds", "type": "rss", "url": f"{base}/bomb.xml", "allow_hosts": ["localhost"]})
    assert "declares XML entities, which kb refuses to expand" in kb("harvest", ok=False).stderr


def test_links_are_enriched_from_their_pages_guarded_and_built(kb, web, tmp_path):
    base, requests = web
    (kb.root / "links.yml").write_text(yaml.safe_dump({"links": [
        {"url": f"{base}/handbook", "tags": ["on-call"], "curator": "Ada"},
        {"url": f"{base}/moved", "title": "Cloud metadata (redirects inward)"},
        {"url": "https://peps.python.org/pep-0008/", "title": "PEP 8", "description": "How we format *Python*.", "tags": "python; style"},
    ]}))
    kb.set_sources({"name": "reading", "type": "links", "path": "links.yml", "allow_hosts": ["localhost"]})
    result = kb("harvest")
    assert "reading: 3 new; 1 warning" in result.output
    assert "169.254.169.254 is a private or local address" in result.stderr  # refused, and the link still kept
    by_title = {front_matter(kb, f"reading:{p.stem}")["title"]: p for p in (kb.root / "content" / "reading").glob("*.md")}
    assert set(by_title) == {"The on-call handbook", "Cloud metadata (redirects inward)", "PEP 8"}
    assert "Who to page, and when" in by_title["The on-call handbook"].read_text()
    assert "peps.python.org" not in "".join(requests)  # public pages with a title and description are not fetched

    requests.clear()
    kb("harvest")
    assert requests == ["/moved"]  # fetched pages come from the cache; a failed one is tried again

    kb("approve", "--all")
    kb("build")
    index = (kb.root / "site" / "resources" / "index.html").read_text()
    assert "The on-call handbook" in index and "PEP 8" in index
    api = json.loads((kb.root / "site" / "api" / "entries.json").read_text())
    handbook = next(record for record in api if record["title"] == "The on-call handbook")
    page = (kb.root / "site" / handbook["url"] / "index.html").read_text()
    assert f'href="{base}/handbook"' in page and "Recommended by <strong>Ada</strong>" in page


def test_offline_fetches_nothing_and_a_private_page_needs_allowing(kb, web):
    base, requests = web
    (kb.root / "links.csv").write_text(f"url,title,description,tags,curator\n{base}/handbook,,,on-call,Ada\n")
    kb.set_sources({"name": "reading", "type": "links", "path": "links.csv"})
    kb("harvest", "--offline")
    assert requests == []
    kb("harvest")  # not offline, but localhost is not allowed
    assert requests == [] and "add it to the source's allow_hosts" in kb("harvest").stderr


def test_a_bad_link_list_names_every_problem(kb):
    (kb.root / "links.csv").write_text("url,title,colour\njavascript:alert(1),x,red\nhttps://ok.example/,y,blue\n")
    kb.set_sources({"name": "reading", "type": "links", "path": "links.csv"})
    result = kb("harvest", ok=False)
    assert 'links.csv: row 2: "url" must be an http or https address' in result.stderr
    assert "links.csv: row 3: unknown key colour" in result.stderr
    assert not list((kb.root / "content").rglob("*.md"))
