"""What the site says to programs: feeds that parse, robots.txt, and each entry's QAPage
structured data, Open Graph tags and canonical address, checked against api/entries.json."""

import json
import re

import feedparser
import pytest

from harvester import machine_pages
from harvester.model import Entry

SITE_URL = "https://kb.example.com/"


@pytest.fixture
def published(harvested):
    config = harvested.root / "mkdocs.yml"
    config.write_text(config.read_text() + f"site_url: {SITE_URL}\n")
    harvested("approve", "--all", "--by", "ana")
    harvested("build")
    return harvested


def api(kb) -> list[dict]:
    return json.loads((kb.root / "site" / "api" / "entries.json").read_text())


def test_feeds_list_the_newest_entries_site_wide_and_per_tag(published):
    site = published.root / "site"
    records = sorted(api(published), key=lambda r: r["updated"], reverse=True)
    for name in ("atom.xml", "rss.xml"):
        feed = feedparser.parse((site / "feeds" / name).read_bytes())
        assert not feed.bozo, feed.bozo_exception
        assert [item.title for item in feed.entries] == [r["title"] for r in records]
        assert [item.link for item in feed.entries] == [SITE_URL + r["url"] for r in records]
    tag = next(t for r in records for t in r["tags"] if sum(t in o["tags"] for o in records) > 1)
    tag_feed = feedparser.parse((site / "feeds" / "tags" / tag / "atom.xml").read_bytes())
    assert [item.title for item in tag_feed.entries] == [r["title"] for r in records if tag in r["tags"]]
    assert 'href="feeds/atom.xml"' in (site / "index.html").read_text()
    assert f'href="../../feeds/tags/{tag}/atom.xml"' in (site / "tags" / tag / "index.html").read_text()


def test_robots_txt_points_at_the_sitemap(published):
    assert (published.root / "site" / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {SITE_URL}sitemap.xml\n"


def test_entry_pages_carry_qapage_data_canonical_and_open_graph(published):
    site = published.root / "site"
    kinds = {"accepted": "acceptedAnswer", "top-voted": "suggestedAnswer"}
    for record in api(published):
        page = (site / record["url"] / "index.html").read_text()
        data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL).group(1))
        question = data["mainEntity"]
        assert data["@type"] == "QAPage" and question["name"] == record["title"]
        assert kinds[record["how_chosen"]] in question and question[kinds[record["how_chosen"]]]["text"]
        assert f'<link rel="canonical" href="{SITE_URL}{record["url"]}">' in page
        assert f'<meta property="og:url" content="{SITE_URL}{record["url"]}">' in page
        assert '<meta property="og:description" content="' in page and '<meta property="og:type" content="article">' in page


def test_structured_data_cannot_close_its_script_element():
    entry = Entry({"id": "x:1", "title": "</script><script>alert(1)</script>", "answer": {"how_chosen": "accepted"}},
                  "Q & <b>A</b>?\n\n## Accepted answer {: #answer }\n\n</script> done\n")
    text = machine_pages.structured_data(entry)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["mainEntity"]["name"] == "</script><script>alert(1)</script>"


@pytest.mark.parametrize("text", ["Deploy 🚀 fails on 𝞍-nodes", 'quotes " and \\ backslash', "line\u2028separator", "<b>&amp;</b>"])
def test_front_matter_strings_read_back_exactly(text):
    import mkdocs.utils.meta

    from harvester.templating import yaml_string

    _, meta = mkdocs.utils.meta.get_data(f"---\ntitle: {yaml_string(text)}\n---\nbody\n")
    assert meta == {"title": text}
