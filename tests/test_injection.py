"""An XSS corpus pushed through every way text enters kb, built, and opened page by page in
Chromium: no dialog fires and the DOM holds no handler or script URL.

The ways in: a Stack Exchange dump (HTML bodies, titles, tags, author names), a Discourse
forum (cooked HTML, titles, tags, names) and Markdown with raw HTML (a Markdown source or a
curator's edit). With the page sanitizer switched off, the same corpus fires dialogs, so
these checks are known to bite."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from browser import chromium, serving
from conftest import dump_source
from fake_discourse import FakeDiscourse
from harvester import clean, frontmatter
from harvester.model import Entry

pytestmark = pytest.mark.browser
PAYLOADS = (Path(__file__).parent / "fixtures" / "xss-payloads.txt").read_text().splitlines()
TEMPLATE_PAYLOAD = "{{ 7*7 }}"

# Every attribute that can hold a URL, and every URL scheme that runs code.
FIND_UNSAFE_DOM = """() => {
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'background', 'poster', 'srcdoc'];
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\s\\x00-\\x1f]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push(`${element.tagName} ${name}`);
      if (urlAttributes.includes(name) && /^(javascript|vbscript|data:text\\/html)/.test(value)) {
        found.push(`${element.tagName} ${name}=${attribute.value}`);
      }
    }
  }
  for (const meta of document.querySelectorAll('meta[http-equiv]')) found.push('META http-equiv');
  for (const base of document.querySelectorAll('base')) found.push('BASE');
  return found;
}"""


def test_the_corpus_is_big_enough():
    assert len(PAYLOADS) >= 40 and TEMPLATE_PAYLOAD in PAYLOADS[-1]


def write_dump(folder: Path) -> Path:
    """A Stack Exchange dump whose titles, bodies, tags and author names are all payloads."""
    folder.mkdir()
    posts = ET.Element("posts")
    for number, payload in enumerate(PAYLOADS, start=1):
        question, answer = str(2 * number - 1), str(2 * number)
        ET.SubElement(posts, "row", Id=question, PostTypeId="1", AcceptedAnswerId=answer, Score="1",
                      CreationDate="2024-01-01T00:00:00.000", LastActivityDate="2024-01-02T00:00:00.000",
                      Title=f"Q{number} {payload}", Body=f"<p>Question {number}</p>{payload}",
                      Tags=f"|t{number}|{payload}|", OwnerDisplayName=payload)
        ET.SubElement(posts, "row", Id=answer, PostTypeId="2", ParentId=question, Score="1",
                      CreationDate="2024-01-01T01:00:00.000", Body=f"<p>Answer {number}</p>{payload}",
                      OwnerDisplayName=f"A{number} {payload}")
    ET.ElementTree(posts).write(folder / "Posts.xml", encoding="utf-8", xml_declaration=True)
    return folder


def discourse_topics() -> list[dict]:
    """Forum topics whose titles, tags, author names and cooked bodies are all payloads."""
    topics = []
    for number, payload in enumerate(PAYLOADS, start=1):
        posts = [
            {"id": number * 10 + i, "post_number": i, "post_type": 1, "username": f"u{i}", "name": payload,
             "created_at": "2024-01-01T00:00:00.000Z", "cooked": f"<p>Post {number}.{i}</p>{payload}",
             "accepted_answer": i == 2}
            for i in (1, 2)
        ]
        topics.append({"id": number, "title": f"D{number} {payload}", "slug": f"d-{number}", "posts_count": 2,
                       "created_at": "2024-01-01T00:00:00.000Z", "bumped_at": f"2024-01-01T00:{number:02d}:00.000Z",
                       "tags": [payload], "accepted_answer": {"post_number": 2},
                       "post_stream": {"posts": posts, "stream": [p["id"] for p in posts]}})
    return topics


def add_markdown_entries(root: Path) -> None:
    """The same payloads as raw HTML and links inside Markdown: a Markdown source or a curator's edit."""
    for number, payload in enumerate(PAYLOADS, start=1):
        meta = {"id": f"md:{number}", "title": f"Markdown {number}", "status": "approved", "kind": "faq",
                "tags": ["markdown"], "answer": {"how_chosen": "accepted"}}
        body = f"Payload {number}, inline: {payload}\n\n{payload}\n\n## Accepted answer {{: #answer }}\n\nDone.\n"
        path = root / "content" / "md" / f"{number}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(frontmatter.dumps(Entry(meta, body)))


def visit_every_page(site: Path) -> tuple[list[str], dict[str, list[str]], str]:
    """Open each page of the built site; return dialogs fired, unsafe DOM per page, all page text."""
    dialogs: list[str] = []
    unsafe: dict[str, list[str]] = {}
    text = []
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    with chromium() as browser, serving(site) as url:
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in pages:
            page.goto(url + path, wait_until="load")
            page.wait_for_timeout(50)  # onerror/onload handlers of broken images
            if found := page.evaluate(FIND_UNSAFE_DOM):
                unsafe[path] = found
            text.append(page.inner_text("body"))
        # Search results render titles and excerpts too.
        page.goto(url + "search/?q=alert")
        page.locator("[data-search-results] a").first.wait_for()
        page.wait_for_timeout(200)
        if found := page.evaluate(FIND_UNSAFE_DOM):
            unsafe["search results"] = found
    return dialogs, unsafe, "\n".join(text)


@pytest.fixture
def corpus_workspace(kb, tmp_path, httpserver):
    forum = FakeDiscourse(httpserver, discourse_topics())
    kb.set_sources(dump_source(write_dump(tmp_path / "dump"), name="xss"),
                   {"name": "forum", "type": "discourse", "base_url": forum.url})
    assert f"forum: {len(PAYLOADS)} new" in kb("harvest").output
    kb("approve", "--all")
    add_markdown_entries(kb.root)
    return kb


def test_no_payload_runs_anywhere(corpus_workspace):
    corpus_workspace("build")
    site = corpus_workspace.root / "site"
    dialogs, unsafe, text = visit_every_page(site)
    assert dialogs == []
    assert unsafe == {}
    # Harvested text is never evaluated as a template: it stays literal.
    assert TEMPLATE_PAYLOAD in text and "{% if true %}template{% endif %}" in text
    # Titles, tags and author names arrive as text a reader can see, not as markup.
    assert "Q45 </title><script>alert(45)</script>" in text
    assert "A9 <img src=x onerror=alert(9)>" in text
    titles = re.findall(r"<title>(.*?)</title>", (site / "entries" / "xss" / "89" / "index.html").read_text(), re.DOTALL)
    assert titles == ["Q45 &lt;/title&gt;&lt;script&gt;alert(45)&lt;/script&gt; - Knowledge base"]


def test_without_the_page_sanitizer_the_corpus_fires(corpus_workspace, monkeypatch):
    monkeypatch.setattr(clean, "sanitize_page", lambda html: html)
    corpus_workspace("build")
    dialogs, unsafe, _ = visit_every_page(corpus_workspace.root / "site")
    assert len(dialogs) >= 20, dialogs
    assert len(unsafe) >= 30


def test_images_from_other_hosts_become_links_and_stay_text():
    page = clean.sanitize_page('<p><img src="https://tracker.example/p.gif" alt="a &quot;b&quot; <script>x</script>">'
                               '<img alt="y>z" src="//cdn.example/i.png"><img src="../local.png" alt="here"></p>')
    assert "<img" in page and 'src="../local.png"' in page
    assert page.count("<img") == 1 and "<script>" not in page
    assert '<a class="kb-outside-image" href="https://tracker.example/p.gif">Image: a "b" &lt;script&gt;x&lt;/script&gt;</a>' in page
    assert '<a class="kb-outside-image" href="//cdn.example/i.png">Image: y&gt;z</a>' in page
