"""Listings a reader browses: tag pages split into pages, and what's new by week, checked
against api/entries.json."""

import json
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

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


TAXONOMY = {"topics": [
    {"name": "Python & tooling", "description": "Environments *and* checks.", "tags": ["python", "pre-commit", "no-such-tag"]},
    {"name": "Remote access", "tags": ["VPN"]},
    {"name": "Unused", "tags": ["no-such-tag"]},
]}


def test_topics_list_the_entries_of_their_tags_across_pages(approved, monkeypatch):
    (approved.root / "site_config" / "taxonomy.yml").write_text(yaml.safe_dump(TAXONOMY))
    monkeypatch.setattr(site, "TAG_PAGE_SIZE", 2)
    approved("build")
    records, site_dir = api(approved), approved.root / "site"

    index = (site_dir / "topics" / "index.html").read_text()
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a> \((\d+)\)', index) == [
        ("python-tooling/", "Python &amp; tooling", str(sum(bool({"python", "pre-commit"} & set(r["tags"])) for r in records))),
        ("remote-access/", "Remote access", str(sum("vpn" in r["tags"] for r in records))),
    ]  # a topic none of whose tags is used is left out
    assert "Environments <em>and</em> checks." not in index and "Environments *and* checks." in index  # text, not markup
    for slug, tags in (("python-tooling", {"python", "pre-commit"}), ("remote-access", {"vpn"})):
        url, seen = f"topics/{slug}/", []
        while url:
            page = site_dir / url / "index.html"
            seen += [urljoin(url, href) for href in article_links(page) if "/entries/" in urljoin("/" + url, href)]
            following = re.search(r'<a href="([^"]+)">Next page</a>', page.read_text())
            url = urljoin(url, following.group(1)) if following else None
        assert sorted(seen) == sorted(r["url"] for r in records if tags & set(r["tags"]))
    home = (site_dir / "index.html").read_text()
    assert 'href="topics/python-tooling/"' in home and 'href="tags/vpn/"' not in home
    assert "Topics" in (site_dir / "tags" / "index.html").read_text()  # in the navigation


def test_without_topics_the_home_page_lists_the_most_used_tags(approved):
    approved("build")
    home = (approved.root / "site" / "index.html").read_text()
    assert 'href="tags/vpn/"' in home and not (approved.root / "site" / "topics").exists()


def test_the_home_page_lists_the_most_helpful_answers_by_votes(approved):
    approved("build")
    home = (approved.root / "site" / "index.html").read_text()
    helpful = re.findall(r'<a href="(entries/[^"]+)">[^<]*</a> · (\d+) votes?', home.split('id="most-helpful"', 1)[1])
    votes = {}
    for path in (approved.root / "content" / "acme").glob("*.md"):
        meta = yaml.safe_load(path.read_text().split("---\n")[1])
        if meta["status"] == "approved":
            votes[f"entries/acme/{path.stem}/"] = meta["answer"]["score"]
    assert [int(count) for _, count in helpful] == sorted(votes.values(), reverse=True)[: site.HOME_HELPFUL]
    assert all(votes[url] == int(count) for url, count in helpful)


def test_official_answers_are_badged_by_author_and_a_curator_can_decide(approved):
    author = yaml.safe_load((approved.root / "content" / "acme" / "1.md").read_text().split("---\n")[1])["answer"]["author"]
    (approved.root / "site_config" / "curation.yml").write_text(yaml.safe_dump({"official": [author.upper()]}))
    other = approved.root / "content" / "acme" / "4.md"
    other.write_text(other.read_text().replace("status: approved\n", "status: approved\nofficial: true\n", 1))
    approved("build")
    records = {r["id"]: r for r in api(approved)}
    for entry_id, record in records.items():
        meta = yaml.safe_load((approved.root / "content" / "acme" / f"{entry_id.split(':')[1]}.md").read_text().split("---\n")[1])
        assert record["official"] == (entry_id == "acme:4" or meta["answer"].get("author") == author), entry_id
        page = (approved.root / "site" / record["url"] / "index.html").read_text()
        assert ("kb-badge kb-official" in page) == record["official"] and ("kb-badge kb-community" in page) != record["official"]
    assert sum(r["official"] for r in records.values()) >= 2


def test_related_entries_are_linked_at_source_or_share_words_or_tags(approved):
    approved("build")
    records = {r["url"]: r for r in api(approved)}
    linked_at_source = {f"acme:{path.stem}": yaml.safe_load(path.read_text().split("---\n")[1])["source"].get("related", [])
                        for path in (approved.root / "content" / "acme").glob("*.md")}
    linked_somewhere = 0
    for url, record in records.items():
        page = approved.root / "site" / url / "index.html"
        text = page.read_text()
        if 'id="related"' not in text:
            continue
        related_block = text.split('id="related"', 1)[1].split("</ul>", 1)[0]
        targets = [urljoin(url, href) for href in re.findall(r'<a href="([^"]+)"', related_block)]
        assert targets and url not in targets and len(targets) <= 5
        source_links = [t for t in targets if records[t]["id"] in linked_at_source[record["id"]]]
        assert source_links == targets[: len(source_links)]  # the source's own links come first
        for target in targets[len(source_links):]:
            other = records[target]
            shared_tags = set(record["tags"]) & set(other["tags"])
            shared_words = words(record["title"]) & words(other["title"])
            assert shared_tags or shared_words, (record["title"], other["title"])
        linked_somewhere += 1
    assert linked_somewhere >= len(records) // 2


def words(title: str) -> set[str]:
    return {word.rstrip("s") for word in re.findall(r"[a-z0-9]+", title.lower()) if len(word) > 2}
