"""The demo, as a new user meets it: built by `kb demo`, browsed and searched in Chromium."""

import json

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from browser import chromium, serving
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
    page.goto(url)
    expect(page.locator("h1")).to_have_text("Acme engineering knowledge base")
    page.get_by_role("link", name="vpn", exact=True).first.click()
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


def test_top_voted_entries_say_so(demo_site, page):
    root, url = demo_site
    top = [r for r in json.loads((root / "site" / "api" / "entries.json").read_text()) if r["how_chosen"] == "top-voted"]
    assert len(top) == 2
    page.goto(url + top[0]["url"])
    expect(page.locator("a.kb-badge.kb-top-voted")).to_have_text("Top-voted answer")


def test_search_finds_an_entry_by_a_word_of_its_answer(demo_site, page):
    root, url = demo_site
    page.goto(url)
    page.get_by_role("searchbox", name="Search").fill("CrashLoopBackOff")
    page.keyboard.press("Enter")
    result = page.locator("[data-search-results] li").first
    expect(result).to_contain_text("CrashLoopBackOff")
    assert page.url == url + "search/?q=CrashLoopBackOff"
    result.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text("CrashLoopBackOff")
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
    expect(images).to_have_count(4)
    assert page.evaluate("[...document.querySelectorAll('article img')].every(i => i.complete && i.naturalWidth > 0)")
    page.get_by_role("link", name="Experts").first.click()
    page.locator("article table a").first.click()
    expect(page.locator("article h2").first).to_contain_text("Answers")
    assert page.errors == []
