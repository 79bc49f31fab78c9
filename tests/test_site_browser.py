"""The demo, as a new user meets it: built by `kb demo`, browsed and searched in Chromium."""

import json
import re

import pytest
import yaml
from click.testing import CliRunner
from playwright.sync_api import expect

from browser import chromium, serving
from harvester import store
from harvester.cli import cli

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "kb-demo"
    result = CliRunner().invoke(cli, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    assert f"Site built: open {root / 'site' / 'index.html'}" in result.output
    with serving(root / "site") as url:
        yield root, url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def test_demo_rerun_is_a_no_op(demo_site):
    root, _ = demo_site
    result = CliRunner().invoke(cli, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    assert "acme-qa: 11 unchanged" in result.output and "approved 0 entries" in result.output


def test_home_to_topic_to_entry(demo_site, page):
    root, url = demo_site
    records = {r["title"]: r for r in json.loads((root / "site" / "api" / "entries.json").read_text())}
    topic = next(t for t in yaml.safe_load((root / "site_config" / "taxonomy.yml").read_text())["topics"]
                 if t["name"] == "Access and security")
    page.goto(url)
    expect(page.locator("h1")).to_have_text("Acme engineering knowledge base")
    page.get_by_role("link", name=topic["name"], exact=True).click()
    expect(page.locator("h1")).to_have_text(topic["name"])
    in_topic = sorted(title for title, r in records.items() if set(r["tags"]) & set(topic["tags"]))
    assert sorted(page.locator("article li a").all_inner_texts()) == in_topic
    page.get_by_role("link", name="vpn", exact=True).click()
    expect(page.locator("h1")).to_have_text("Tag: vpn")
    vpn_titles = sorted(title for title, r in records.items() if "vpn" in r["tags"])
    assert sorted(page.locator("article li a").all_inner_texts()) == vpn_titles

    page.get_by_role("link", name=vpn_titles[0]).click()
    expect(page.locator("h1")).to_have_text(vpn_titles[0])
    expect(page.locator("a.kb-badge.kb-accepted")).to_have_text("Accepted answer")
    expect(page.locator("#answer")).to_be_visible()
    expect(page.locator("a.kb-source")).to_have_attribute("href", records[vpn_titles[0]]["source_url"])
    assert page.url == url + records[vpn_titles[0]]["url"]
    assert page.errors == []


def test_an_entry_page_shows_trust_badges_other_answers_and_related_entries(demo_site, page):
    root, url = demo_site
    records = json.loads((root / "site" / "api" / "entries.json").read_text())
    official_people = yaml.safe_load((root / "site_config" / "curation.yml").read_text())["official"]
    for record in records:
        meta = yaml.safe_load(store.entry_path(root, record["id"]).read_text().split("---\n")[1])
        assert record["official"] == (meta["answer"].get("author") in official_people), record["id"]
    assert {record["official"] for record in records} == {True, False}
    record = next(r for r in records if r["id"] == "acme-qa:7")
    page.goto(url + record["url"])
    expect(page.locator("a.kb-badge.kb-official" if record["official"] else "a.kb-badge.kb-community")).to_be_visible()
    assert page.locator("a.kb-badge.kb-official, a.kb-badge.kb-community").count() == 1

    others = page.locator("#other-answers ~ details.quote")
    assert others.count() >= 1
    first = others.first
    expect(first.locator("summary")).to_contain_text("10 votes")
    body = first.locator("p").first
    expect(body).to_be_hidden()
    first.locator("summary").click()
    expect(body).to_be_visible()

    related = page.locator("#related + ul a")
    titles = {r["title"] for r in records} - {record["title"]}
    assert 1 <= related.count() <= 5 and set(related.all_inner_texts()) <= titles
    first = related.first.inner_text()
    related.first.click()
    expect(page.locator("h1")).to_have_text(first)
    assert page.errors == []


def test_top_voted_entries_say_so(demo_site, page):
    root, url = demo_site
    top = [r for r in json.loads((root / "site" / "api" / "entries.json").read_text()) if r["how_chosen"] == "top-voted"]
    assert len(top) == 2
    page.goto(url + top[0]["url"])
    expect(page.locator("a.kb-badge.kb-top-voted")).to_have_text("Top-voted answer")


def test_search_finds_an_entry_by_a_word_of_its_answer(demo_site, page):
    root, url = demo_site
    page.goto(url)
    page.get_by_role("searchbox", name="Search", exact=True).fill("CrashLoopBackOff")  # the header's box
    page.keyboard.press("Enter")
    result = page.locator("[data-search-results] li").first
    expect(result).to_contain_text("CrashLoopBackOff")
    assert page.url == url + "search/?q=CrashLoopBackOff"
    result.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text("CrashLoopBackOff")
    assert page.errors == []


def test_the_home_page_opens_with_a_search_form(demo_site, page):
    root, url = demo_site
    page.goto(url)
    form = page.locator("article form[role=search]")
    assert form.bounding_box()["y"] < page.locator("article h2").first.bounding_box()["y"]  # above the listings
    form.get_by_role("searchbox", name="Search the knowledge base").fill("pre-commit")
    form.get_by_role("searchbox").press("Enter")
    expect(page).to_have_url(url + "search/?q=pre-commit")
    expect(page.locator("[data-search-results] a").first).to_contain_text("pre-commit")
    assert page.errors == []


def test_the_missing_page_offers_search_and_the_way_home(demo_site, page):
    root, url = demo_site
    page.goto(url + "404.html")
    expect(page.locator("h1")).to_have_text("Page not found")
    page.get_by_role("searchbox", name="Search the knowledge base").fill("CrashLoopBackOff")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(url + "search/?q=CrashLoopBackOff")
    expect(page.locator("[data-search-results] a").first).to_contain_text("CrashLoopBackOff")
    page.goto(url + "404.html")
    page.get_by_role("link", name="All tags").click()
    expect(page.locator("h1")).to_have_text("Tags")
    assert page.errors == []


def test_the_stats_charts_load_and_the_pages_for_people_link_up(demo_site, page):
    root, url = demo_site
    page.goto(url)
    page.get_by_role("link", name="Stats").first.click()
    expect(page.locator("h1")).to_have_text("Stats")
    images = page.locator("article img")
    expect(images).to_have_count(5)
    # The page may still be fetching its charts when its heading shows: wait for them, and a
    # broken one never gets a width, so the wait fails.
    page.wait_for_function("[...document.querySelectorAll('article img')].every(i => i.complete && i.naturalWidth > 0)")
    page.get_by_role("link", name="Experts").first.click()
    page.locator("article table a").first.click()
    expect(page.locator("article h2").first).to_contain_text("Answers")
    assert page.errors == []


def test_no_page_loads_anything_from_outside_the_site(demo_site, page):
    root, url = demo_site
    outside = []
    page.on("request", lambda request: request.url.startswith(url) or outside.append(request.url))
    pages = sorted(path.relative_to(root / "site").as_posix() for path in (root / "site").rglob("*.html"))
    assert len(pages) > 40
    for path in pages:
        page.goto(url + path, wait_until="load")
    assert outside == []
    assert page.errors == []
    # The demo has an answer with an image on another host: it is shown as a link to it.
    image_page = next(path for path in pages if 'class="kb-outside-image"' in (root / "site" / path).read_text())
    page.goto(url + image_page)
    expect(page.locator("a.kb-outside-image").first).to_have_attribute("href", re.compile(r"^https://example\.com/"))
