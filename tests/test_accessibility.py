"""axe-core, injected into the demo site's pages in Chromium, in the light and the dark palette:
no serious or critical violation anywhere a reader goes."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from browser import chromium, serving
from harvester.cli import cli

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "accessibility" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    "home": "",
    "entry with other answers and related entries": "entries/acme-qa/7/",
    "verified entry": "entries/acme-qa/1/",
    "topic": "topics/access-and-security/",
    "tag": "tags/python/",
    "tags": "tags/",
    "what's new": "new/",
    "experts": "experts/",
    "stats": "stats/",
    "search with results": "search/?q=vpn",
    "missing page": "no-such-page/",
}


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    root = tmp_path_factory.mktemp("a11y") / "kb-demo"
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", str(root)]).exit_code == 0
    for command in (["verify", "acme-qa:1", "--by", "Priya Raman"], ["build"]):
        result = runner.invoke(cli, [*command, "--root", str(root)])
        assert result.exit_code == 0, result.output
    with serving(root / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    assert AXE.is_file(), f"{AXE} is missing: ./install.sh installs axe-core (npm ci in tests/accessibility)"
    with chromium() as browser:
        yield browser


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']}: " + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violation(demo_url, browser, scheme):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    found = {}
    for name, path in PAGES.items():
        page.goto(demo_url + path, wait_until="load")
        if path.startswith("search/"):
            page.locator("[data-search-results] li").first.wait_for()
        if "other answers" in name:
            page.locator("details.quote summary").first.click()  # opened, its text is checked too
        found[name] = serious_violations(page)
    context.close()
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_the_checker_finds_a_violation_when_there_is_one(demo_url, browser):
    page = browser.new_page()
    page.goto(demo_url)
    page.evaluate("document.querySelector('article p').style.color = '#ddd';"
                  "document.querySelector('article').append(document.createElement('img'))")
    found = {problem.split(" ", 1)[0] for problem in serious_violations(page)}
    assert {"color-contrast", "image-alt"} <= found
    page.close()
