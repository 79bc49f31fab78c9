"""Search as readers use it, in headless Chromium: the search page over a site whose index is
merged from several parts, its filters and shareable URL, typo correction, and an incremental
build that changes what search finds."""

import json
import random
import re
import string
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from playwright.sync_api import expect

from browser import chromium, serving
from conftest import dump_source, edit_post, in_three_parts
from harvester import search, store
from pagefind_index import chunks, made_up_word, merged_alone, metadata, pages_by_word

pytestmark = pytest.mark.browser


@pytest.fixture
def in_parts(harvested, monkeypatch):
    """The demo entries, approved and built into a search index of three parts."""
    harvested("approve", "--all", "--by", "ana")
    in_three_parts(harvested, monkeypatch)
    assert "search: 3 of 3 parts reindexed" in harvested("build").output
    return harvested


@pytest.fixture
def browser_page():
    with chromium() as browser:
        page = browser.new_page()
        page.errors = []
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        yield page


def api(kb) -> list[dict]:
    return json.loads((kb.root / "site" / "api" / "entries.json").read_text())


def found(page, url: str, query: str, limit: int = 50, **filters: str) -> list[str]:
    """Entry URLs (relative to the site root) the search page lists for a search."""
    return page.evaluate(
        """async ([query, filters, limit]) => {
            await window.kbSearch.ready;
            return (await window.kbSearch.run(query, filters, limit)).map(r => r.url.replace(/^(\\.\\.\\/)+/, ""));
        }""", [query, filters, limit])


def searched_alone(site: Path, pages: list[tuple[str, str]]) -> Path:
    """Index `pages` ([(url, html)]) as kb does, in place of the site's index, with no typo
    corrections; return its folder."""
    merged_alone(pages, site / search.SEARCH_DIR, site.parent / "searched-alone")
    return site / search.SEARCH_DIR


def listed(page) -> list[str]:
    page.locator("[data-search-results] a").first.wait_for()
    return [href.removeprefix("../") for href in page.locator("[data-search-results] a").evaluate_all("links => links.map(a => a.getAttribute('href'))")]


def test_a_query_finds_its_entry_across_parts_and_the_url_reproduces_it(in_parts, browser_page):
    page = browser_page
    target = next(r for r in api(in_parts) if "CrashLoopBackOff" in r["title"])
    with serving(in_parts.root / "site") as url:
        page.goto(url + "search/")
        page.locator("#kb-search-input").fill("CrashLoopBackOff")
        expect(page.locator("[data-search-results] a").first).to_have_text(target["title"])
        assert page.url == url + "search/?q=CrashLoopBackOff"

        page.goto(url + "search/?q=CrashLoopBackOff")
        assert listed(page)[0] == target["url"]
        expect(page.locator("#kb-search-input")).to_have_value("CrashLoopBackOff")

        # Every entry is in the index once, whatever its part, and a filter-only search sees all.
        everything = found(page, url, "", answer="accepted") + found(page, url, "", answer="top-voted")
        assert sorted(everything) == sorted(r["url"] for r in api(in_parts))
    assert page.errors == []


def test_a_filter_narrows_the_results_to_what_the_api_lists(in_parts, browser_page):
    page = browser_page
    records = api(in_parts)
    vpn = {r["url"] for r in records if "vpn" in r["tags"]}
    with serving(in_parts.root / "site") as url:
        page.goto(url + "search/?q=how")
        unfiltered = set(found(page, url, "how"))
        assert unfiltered - vpn and unfiltered & vpn  # the filter has something to narrow
        page.locator("#kb-filter-tag").select_option("vpn")
        expect(page).to_have_url(url + "search/?q=how&tag=vpn")
        expect(page.locator("[data-search-results] a")).to_have_count(len(unfiltered & vpn))
        assert set(listed(page)) == unfiltered & vpn

        top_voted = {r["url"] for r in records if r["how_chosen"] == "top-voted"}
        assert set(found(page, url, "", answer="top-voted")) == top_voted
    assert page.errors == []


def test_a_mistyped_word_is_corrected_from_the_site_vocabulary(in_parts, browser_page):
    page = browser_page
    target = next(r for r in api(in_parts) if "CrashLoopBackOff" in r["title"])
    with serving(in_parts.root / "site") as url:
        # Pagefind itself forgives some typos, but not a wrong first letter.
        page.goto(url + "search/?q=vrashloopbackoff")
        assert listed(page)[0] == target["url"]
        expect(page.locator("#kb-search-status")).to_contain_text("Showing results for “crashloopbackoff”")

        # Pagefind finds something for this one (the longest known prefix): still corrected.
        page.goto(url + "search/?q=crashlopbackoff")
        expect(page.locator("#kb-search-status")).to_have_text(
            "Showing results for “crashloopbackoff”: “crashlopbackoff” is not a word on this site.")
        assert listed(page)[0] == target["url"]

        # A word still being typed is not "corrected" under the reader's fingers.
        page.locator("#kb-search-input").fill("")
        page.locator("#kb-search-input").press_sequentially("crashloo")
        expect(page.locator("#kb-search-status")).to_have_text("1 result for “crashloo”.")
    assert page.errors == []


def test_an_incremental_build_updates_what_search_finds(in_parts, browser_page):
    page = browser_page
    changed, removed = api(in_parts)[:2]
    path = store.entry_path(in_parts.root, changed["id"])
    text = path.read_text()  # the new words go at the end of the chosen answer, before any other answers
    answer_end = re.search(r"\n*(## Other answers \{: #other-answers \}|\Z)", text).start()
    path.write_text(text[:answer_end] + "\n\nThe fix is the quibblestrand setting.\n" + text[answer_end:])
    in_parts("reject", removed["id"], "--reason", "outdated", "--by", "ana")
    removed_word = next(word for word in removed["title"].split() if len(word) > 5)
    output = in_parts("build").output
    assert "search: 1 of 3 parts reindexed" in output and "all rendered" not in output

    with serving(in_parts.root / "site") as url:
        page.goto(url + "search/")
        assert found(page, url, "quibblestrand")[0] == changed["url"]
        assert removed["url"] not in found(page, url, removed_word)
        assert removed["url"] not in found(page, url, "", answer=removed["how_chosen"])
    assert page.errors == []


def test_the_vocabulary_is_fetched_only_for_a_word_the_results_do_not_show(in_parts, browser_page):
    page = browser_page
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    with serving(in_parts.root / "site") as url:
        page.goto(url + "search/?q=crashloopbackoff")
        listed(page)
        expect(page.locator("#kb-search-status")).to_have_text("1 result for “crashloopbackoff”.")
        assert not [r for r in requests if "/vocabulary/" in r]
        page.goto(url + "search/?q=crashlopbackoff")
        expect(page.locator("#kb-search-status")).to_contain_text("Showing results for “crashloopbackoff”")
        assert [r for r in requests if "/vocabulary/" in r]
    assert page.errors == []


def test_pages_other_than_search_load_no_index(in_parts, browser_page):
    page = browser_page
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    with serving(in_parts.root / "site") as url:
        for path in ("", api(in_parts)[0]["url"], "tags/"):
            page.goto(url + path, wait_until="networkidle")
        assert requests and not [r for r in requests if "pagefind" in r or "search_index" in r]
        assert all(r.startswith(url) for r in requests)
    assert page.errors == []


def test_the_header_search_box_and_the_keyboard(in_parts, browser_page):
    page = browser_page
    with serving(in_parts.root / "site") as url:
        page.goto(url + api(in_parts)[0]["url"])
        page.get_by_role("searchbox", name="Search").fill("vpn")
        page.keyboard.press("Enter")
        expect(page).to_have_url(url + "search/?q=vpn")
        first = page.locator("[data-search-results] a").first
        first.wait_for()
        page.locator("#kb-search-input").press("ArrowDown")
        expect(first).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).not_to_have_url(url + "search/?q=vpn")
        expect(page.locator("h1")).to_contain_text("VPN")
    assert page.errors == []


def test_a_word_finds_every_form_of_it_where_the_index_splits_its_words(in_parts, browser_page):
    # Pagefind keeps its words in chunks, each a stretch of the alphabet, and matches a query by
    # its stem: "simulating" finds "simul" and the words it begins. Pagefind 1.4 loads only the
    # chunk of the word as typed, so a form of it in another chunk goes unfound unless the search
    # page loads the stem's chunk too. Here a thousand pages of made-up "simulat..." words make
    # the chunks split between the forms; the site's search page searches that index alone.
    forms = ["simulate", "simulated", "simulates", "simulating", "simulation", "simulations", "simulator", "simulators"]
    rng = random.Random(0)
    with_forms = [(f"form/{n}/", f"<html><body><h1>Page {n}</h1><p>{form}</p></body></html>")
                  for n, form in enumerate(forms * 2)]
    fillers = [(f"filler/{n}/", "<html><body><p>{}</p></body></html>".format(
        " ".join("simulat" + "".join(rng.choices(string.ascii_lowercase, k=5)) for _ in range(40)))) for n in range(1000)]
    index = searched_alone(in_parts.root / "site", with_forms + fillers)
    assert len(list((index / "index").iterdir())) > 2
    loaded: list[str] = []
    browser_page.on("request", lambda request: ".pf_index" in request.url and loaded.append(request.url))

    with serving(in_parts.root / "site") as url:
        browser_page.goto(url + "search/")
        # Asked for the stem, which stems to itself, Pagefind loads its chunk alone, not also
        # that of "simulating" as typed.
        assert {u for u in found(browser_page, url, "simulating", limit=2000) if u.startswith("form/")} == \
            {u for u, _ in with_forms}
        assert len(set(loaded)) == 1
        for query in ("simulating", "simulation", "simulate", "Simulators"):
            assert {u for u in found(browser_page, url, query, limit=2000) if u.startswith("form/")} == \
                {u for u, _ in with_forms}, query
    assert browser_page.errors == []


def test_the_entry_about_the_words_ranks_above_entries_that_mention_them_in_passing(in_parts, browser_page):
    # Forty short entries have the three words in their titles, one long entry is about them.
    # Scored by how often the words come for a page's length (Pagefind's default), the short
    # ones win; the search page weighs how often the words come at all.
    about = ("<h1>Why can't quantum annealing be described by a gate model?</h1>"
             "<p>Quantum annealing evolves a Hamiltonian slowly, while the gate model applies discrete gates. "
             "An annealer has no gate set: annealing schedules replace gates, and any annealing run would need "
             "many gates to simulate. Adiabatic quantum computation is equivalent to the gate model, but "
             "quantum annealing hardware is restricted to stoquastic Hamiltonians, so no gate model "
             "description of annealing in practice. " + "Other text about qubits and couplers. " * 30 + "</p>")
    passing = [(f"passing/{n}/", f"<html><body><h1>Which gate does annealing quantum hardware use, case {n}?</h1>"
                f"<p>See the vendor's manual, chapter {n}.</p></body></html>") for n in range(40)]
    searched_alone(in_parts.root / "site", [("about/", f"<html><body>{about}</body></html>"), *passing])

    with serving(in_parts.root / "site") as url:
        browser_page.goto(url + "search/")
        assert "about/" in found(browser_page, url, "quantum gate annealing", limit=5)
    assert browser_page.errors == []


def test_each_word_joined_by_a_dash_or_a_slash_is_found_and_the_title_shown_as_written(kb, demo_dump, browser_page):
    # Pagefind splits words at a hyphen only: "known/unknown" was indexed as "knownunknown" alone.
    title = "Bernstein–Vazirani circuits on known/unknown hosts"
    edit_post(demo_dump, "1", Title=title, Body="<p>The output lands in /var/log/syslog, 3/4 of the time.</p>")
    kb.set_sources(dump_source(demo_dump, name="acme", site_url="https://qa.acme.example"))
    kb("harvest")
    kb("approve", "--all", "--by", "ana")
    kb("build")
    entry_url = next(r["url"] for r in api(kb) if r["title"] == title)

    with serving(kb.root / "site") as url:
        browser_page.goto(url + "search/?q=vazirani")
        assert listed(browser_page)[0] == entry_url
        expect(browser_page.locator("[data-search-results] a").first).to_have_text(title)
        for query in ("bernstein vazirani", "Bernstein–Vazirani", "unknown", "known/unknown", "syslog"):
            assert found(browser_page, url, query)[:1] == [entry_url], query
    assert browser_page.errors == []


def test_every_word_finds_its_pages_alone_and_beside_another_word(in_parts, browser_page):
    # Pagefind 1.4 stores each chunk's range trimmed ("needl" to "ne", for a chunk ending in
    # "next"), looks a word up in the chunk whose range holds it, and drops from a query of
    # several words a word it finds no chunk for that way. kb writes ranges that hold every
    # word, and the page loads each word's chunk on its own. Made-up words on 1,500 pages, two
    # in three with "common" (too few for the page to leave it out), make dozens of chunks; the
    # words at either end of every fifth are searched, alone and with "common".
    rng = random.Random(1)
    made_up = sorted({"".join(rng.choice("bdfgkmnprtvz") + rng.choice("aiou") for _ in range(rng.randint(2, 4)))
                      + rng.choice("bdgkmnprt") for _ in range(8000)})
    pages = [(f"page/{n}/", "<html><body><p>{} {}</p></body></html>".format("common" if n % 3 else "", " ".join(rng.sample(made_up, 30))))
             for n in range(1500)]
    index = searched_alone(in_parts.root / "site", pages)
    on_pages = pages_by_word(index)
    assert len(chunks(index)) > 5 and "common" not in json.loads((index / search.MANIFEST).read_text())["common"]
    ends = [word for *_, words in chunks(index)[::5] for word in (words[0], words[-1]) if word in made_up]

    with serving(in_parts.root / "site") as url:
        for word in ends:
            # Pagefind matches the words a query word begins too ("gagir" finds "gagirom").
            alone = {u.lstrip("/") for indexed, urls in on_pages.items() if indexed.startswith(word) for u in urls}
            for query, expected in ((word, alone), (f"common {word}", alone & {u.lstrip("/") for u in on_pages["common"]})):
                browser_page.goto(url + "search/")  # afresh: no chunk loaded by an earlier query
                assert set(found(browser_page, url, query, limit=100)) == expected, query
    assert browser_page.errors == []


def test_a_query_leaves_its_stop_words_out_when_it_has_other_words(in_parts, browser_page):
    # "the", 20 times on each of 1,500 pages, fills a chunk of its own: a query that has other
    # words finds what they find without loading it.
    rng = random.Random(2)
    pages = [(f"page/{n}/", "<html><body><p>{}{}</p></body></html>".format(
        " ".join(f"the {made_up}" for made_up in (made_up_word(rng) for _ in range(20))), " quasar" * (n % 7 == 0)))
        for n in range(1500)]
    index = searched_alone(in_parts.root / "site", pages)
    holding_the = {f"index/{name}.pf_index" for start, end, name in metadata(index)[2] if start <= "the" <= end}
    quasar_pages = {f"page/{n}/" for n in range(0, 1500, 7)}
    loaded: list[str] = []
    browser_page.on("request", lambda request: ".pf_index" in request.url and loaded.append(request.url))

    with serving(in_parts.root / "site") as url:
        browser_page.goto(url + "search/")
        assert set(found(browser_page, url, "the quasar", limit=500)) == quasar_pages
        assert loaded and not any(requested.endswith(chunk) for requested in loaded for chunk in holding_the)
        assert len(found(browser_page, url, "the", limit=5)) == 5  # nothing else: searched as it is
        assert any(requested.endswith(chunk) for requested in loaded for chunk in holding_the)
        # Quotes keep every word, and search them as words: an exact phrase would need each
        # position of "the", which kb keeps only in part. No page has "the quasar" side by side.
        assert set(found(browser_page, url, '"the quasar"', limit=500)) == quasar_pages
    assert browser_page.errors == []


def test_a_word_on_almost_every_entry_is_left_out_of_a_query_that_has_others(kb, demo_dump, browser_page):
    tree = ET.parse(demo_dump / "Posts.xml")
    for row in tree.getroot():
        if row.get("PostTypeId") == "1":
            row.set("Body", row.get("Body") + "<p>Asked on the widget forum.</p>")
    tree.write(demo_dump / "Posts.xml", encoding="utf-8", xml_declaration=True)
    kb.set_sources(dump_source(demo_dump, name="acme", site_url="https://qa.acme.example"))
    kb("harvest")
    kb("approve", "--all", "--by", "ana")
    kb("build")
    site = kb.root / "site"
    assert "widget" in json.loads((site / "pagefind" / search.MANIFEST).read_text())["common"]
    holding_widget = {f"index/{name}.pf_index" for start, end, name in metadata(site / "pagefind")[2]
                      if start <= "widget" <= end}
    loaded: list[str] = []
    browser_page.on("request", lambda request: ".pf_index" in request.url and loaded.append(request.url))
    target = next(r["url"] for r in api(kb) if "CrashLoopBackOff" in r["title"])

    with serving(site) as url:
        browser_page.goto(url + "search/")
        assert found(browser_page, url, "widget CrashLoopBackOff") == [target]
        assert loaded and not any(requested.endswith(chunk) for requested in loaded for chunk in holding_widget)
        assert sorted(found(browser_page, url, "widget")) == sorted(r["url"] for r in api(kb))  # alone: searched
    assert browser_page.errors == []


def test_a_word_on_every_page_finds_them_all_those_where_it_weighs_most_first(in_parts, browser_page):
    # kb keeps such a word's positions on its heaviest pages only (pagefind_merge.py): it
    # still finds every page, ranked by where it is in a heading.
    rng = random.Random(3)
    pages = [(f"page/{n}/", "<html><body>{}<p>plain {}</p></body></html>".format(
        "<h1>plain heading</h1>" * (n % 75 == 0), " ".join(made_up_word(rng) for _ in range(20)))) for n in range(1500)]
    searched_alone(in_parts.root / "site", pages)
    headed = {f"page/{n}/" for n in range(0, 1500, 75)}

    with serving(in_parts.root / "site") as url:
        browser_page.goto(url + "search/?q=plain")
        listed(browser_page)
        expect(browser_page.locator("#kb-search-status")).to_have_text("1500 results for “plain”.")
        assert set(found(browser_page, url, "plain", limit=len(headed))) == headed
    assert browser_page.errors == []
