"""Listings a reader browses: tag pages split into pages, and what's new by week, checked
against api/entries.json."""

import json
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urljoin

import pytest

from harvester import site


@pytest.fixture
def approved(harvested):
    harvested("approve", "--all", "--by", "ana")
    return harvested


def api(kb) -> list[dict]:
    return json.loads((kb.root / "site" / "api" / "entries.json").read_text())


def article_links(page: Path) -> list[str]:
    article = re.search(r"<article.*?</article>", page.read_text(), re.DOTALL).group(0)
    return re.findall(r'<a href="([^"#]+)"', article)


def test_a_popular_tag_is_split_into_linked_pages(approved, monkeypatch):
    monkeypatch.setattr(site, "TAG_PAGE_SIZE", 2)
    approved("build")
    records = api(approved)
    tag = max({t for r in records for t in r["tags"]}, key=lambda t: sum(t in r["tags"] for r in records))
    expected = {r["url"] for r in records if tag in r["tags"]}
    assert len(expected) > 2

    site_dir, url, seen, pages = approved.root / "site", f"tags/{tag}/", [], 0
    while url:
        page = site_dir / url / "index.html"
        entries = [urljoin(url, href) for href in article_links(page) if "/entries/" in urljoin("/" + url, href)]
        assert 0 < len(entries) <= 2
        seen += entries
        pages += 1
        following = re.search(r'<a href="([^"]+)">Next page</a>', page.read_text())
        url = urljoin(url, following.group(1)) if following else None
    assert sorted(seen) == sorted(expected) and pages == -(-len(expected) // 2)
    last = site_dir / f"tags/{tag}/{pages}/index.html"
    assert f"(page {pages} of {pages})" in last.read_text() and ">Previous page</a>" in last.read_text()


def test_whats_new_lists_every_entry_under_the_week_it_was_published(approved):
    approved("build")
    page = (approved.root / "site" / "new" / "index.html").read_text()
    sections = re.split(r'<h2 id="[^"]*">Week of (\d{4}-\d{2}-\d{2})', page)[1:]
    listed = {}
    for start, body in zip(sections[::2], sections[1::2]):
        for href in re.findall(r'<a href="\.\./(entries/[^"]+)"', body):
            listed[href] = start
    for record in api(approved):
        day = date.fromisoformat(record["reviewed_at"][:10])
        assert listed.pop(record["url"]) == (day - timedelta(days=day.weekday())).isoformat()
    assert listed == {}
