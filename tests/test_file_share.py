"""The site opened from a folder (a file share, file:// addresses), as mkdocs.yml's
`use_directory_urls: false` builds it: every link leads to a file, and a reader can browse
from the home page to an entry with nothing failing and nothing fetched from anywhere else."""

import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from browser import chromium
from harvester.cli import cli

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def folder_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("share") / "kb-demo"
    runner = CliRunner()
    assert runner.invoke(cli, ["demo", str(root)]).exit_code == 0
    config = root / "mkdocs.yml"
    config.write_text(config.read_text() + "use_directory_urls: false\n")
    result = runner.invoke(cli, ["build", "--root", str(root)])
    assert result.exit_code == 0, result.output
    return root / "site"


def test_every_link_leads_to_a_file(folder_site):
    broken = {}
    pages = list(folder_site.rglob("*.html"))
    for page in pages:
        here = page.relative_to(folder_site).as_posix()
        for link in re.findall(r'(?:href|src)="([^"#][^"]*)"', page.read_text()):
            if re.match(r"^([a-z]+:|//)", link):
                continue
            target = folder_site / unquote(urlsplit(urljoin(f"http://site/{here}", link)).path.lstrip("/"))
            if not target.is_file():
                broken.setdefault(link, here)
    assert len(pages) > 40
    assert broken == {}


def test_browsing_from_home_to_an_entry_over_file_addresses(folder_site):
    with chromium() as browser:
        page = browser.new_page()
        errors, requests = [], []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto((folder_site / "index.html").as_uri())
        page.get_by_role("link", name="Access and security", exact=True).click()
        expect(page.locator("h1")).to_have_text("Access and security")
        page.locator("article li a").first.click()
        expect(page.locator("a.kb-source")).to_be_visible()
        assert page.url.startswith("file://") and page.url.endswith(".html")
        page.get_by_role("link", name="Tags", exact=True).first.click()
        expect(page.locator("h1")).to_have_text("Tags")
        assert errors == []
        assert [url for url in requests if not url.startswith("file://")] == []
