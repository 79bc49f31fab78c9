"""The foundation, end to end, on real Stack Exchange dumps nobody here wrote."""

import html
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import py7zr
import pytest

from conftest import CONLANG_DUMP, QC_DUMP, dump_source

pytestmark = pytest.mark.shared_data
QC_SITE = "https://quantumcomputing.stackexchange.com"


def independent_parse(dump):
    """Questions and answers straight from Posts.xml with the standard library."""
    rows = [row.attrib for row in ET.parse(dump / "Posts.xml").getroot()]
    answers = {row["Id"]: row for row in rows if row["PostTypeId"] == "2"}
    questions = {row["Id"]: row for row in rows if row["PostTypeId"] == "1"}
    return questions, answers


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def visible_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    return re.sub(r"\s+", " ", "".join(parser.parts))


def without_math(text: str) -> str:
    """Page text without math (arithmatex writes \\( \\) and \\[ \\]; $ spans it does not take stay
    as written) and heading anchors (¶)."""
    return re.sub(r"\s+", " ", re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]|\$[^$]*\$|¶", " ", text))


def opening_words(body_html: str, count: int = 6) -> str:
    """The first words of a post's prose (code and math left aside), as a reader sees them."""
    text = re.sub(r"<pre.*?</pre>|\$\$.*?\$\$|\$[^$]*\$", " ", body_html, flags=re.DOTALL)
    words = visible_text(html.unescape(text)).split()
    return " ".join(words[:count])


@pytest.fixture(scope="module")
def qc_site(tmp_path_factory):
    from conftest import Kb
    from click.testing import CliRunner
    from harvester.cli import cli

    root = tmp_path_factory.mktemp("qc") / "ws"
    CliRunner().invoke(cli, ["init", str(root)])
    kb = Kb(root)
    kb.set_sources(dump_source(QC_DUMP, site_url=QC_SITE))
    kb("harvest")
    kb("approve", "--all", "--by", "tester")
    kb("build")
    return kb


def test_every_accepted_answer_is_published_with_its_text(qc_site):
    questions, answers = independent_parse(QC_DUMP)
    accepted = {qid: q["AcceptedAnswerId"] for qid, q in questions.items() if "AcceptedAnswerId" in q}
    assert len(accepted) == 389

    records = json.loads((qc_site.root / "site" / "api" / "entries.json").read_text())
    assert sorted(r["id"] for r in records) == sorted(f"qc:{qid}" for qid in accepted)
    assert {r["how_chosen"] for r in records} == {"accepted"}

    for record in records:
        qid = record["id"].split(":")[1]
        page = (qc_site.root / "site" / record["url"] / "index.html").read_text()
        assert questions[qid]["Title"].split()[0] in without_math(visible_text(page))
        # The chosen answer's section: from its heading to the other answers, if any.
        chosen = page.split('id="answer"', 1)[1].split('id="other-answers"', 1)[0]
        words = opening_words(answers[accepted[qid]]["Body"])
        assert words in without_math(visible_text(chosen)), f"{record['id']}: accepted answer text {words!r} not on its page"
        assert record["source_url"] == f"{QC_SITE}/q/{qid}"
        assert record["url"] == f"entries/qc/{qid}/"


def test_entry_pages_show_title_badge_tags_and_source_link(qc_site):
    questions, _ = independent_parse(QC_DUMP)
    page = (qc_site.root / "site" / "entries" / "qc" / "1" / "index.html").read_text()
    assert f"<h1>{html.escape(questions['1']['Title'], quote=False)}" in page
    assert 'class="kb-badge kb-accepted"' in page
    assert 'id="answer"' in page and "Accepted answer" in page
    assert f'href="{QC_SITE}/q/1"' in page
    for tag in re.findall(r"<([^>]+)>", questions["1"]["Tags"]):
        assert f'href="../../../tags/{tag}/"' in page


def test_tag_pages_list_every_entry_with_the_tag(qc_site):
    records = json.loads((qc_site.root / "site" / "api" / "entries.json").read_text())
    qiskit = sorted(r["url"] for r in records if "qiskit" in r["tags"])
    page = (qc_site.root / "site" / "tags" / "qiskit" / "index.html").read_text()
    linked = sorted(set(re.findall(r'href="\.\./\.\./(entries/qc/\d+/)"', page)))
    assert linked == qiskit and qiskit


def test_entry_pages_stay_out_of_the_navigation(qc_site):
    """With 389 entries in the nav, every page would carry 389 nav links (quadratic output)."""
    page = (qc_site.root / "site" / "entries" / "qc" / "1" / "index.html").read_text()
    assert page.count('class="md-nav__link') < 20
    assert len(page.encode()) < 60_000


def test_math_survives_to_the_page(qc_site):
    _, answers = independent_parse(QC_DUMP)
    # Answer 18 (accepted for question 1) holds display math with subscripts and \left| ... \right>.
    assert "\\left| \\psi \\right&gt; = \\alpha" in (qc_site.root / "site" / "entries" / "qc" / "1" / "index.html").read_text()
    entry = (qc_site.root / "content" / "qc" / "1.md").read_text()
    assert "\\left| \\psi \\right> = \\alpha \\left| 0 \\right> + \\beta \\left| 1 \\right>, \\tag{1}" in entry


def test_second_harvest_and_build_change_nothing(qc_site):
    before = qc_site.content_files()
    mtimes = {p: p.stat().st_mtime_ns for p in (qc_site.root / "content").rglob("*.md")}
    result = qc_site("harvest")
    assert "389 unchanged" in result.output
    assert qc_site.content_files() == before
    assert {p: p.stat().st_mtime_ns for p in (qc_site.root / "content").rglob("*.md")} == mtimes
    assert "0 changed" in qc_site("build").output


def test_conlang_meta_dump(kb):
    questions, _ = independent_parse(CONLANG_DUMP)
    accepted = sorted(f"conlang:{qid}" for qid, q in questions.items() if "AcceptedAnswerId" in q)
    kb.set_sources(dump_source(CONLANG_DUMP, name="conlang", site_url="https://conlang.meta.stackexchange.com"))
    assert "11 new" in kb("harvest").output
    kb("approve", "--all")
    kb("build")
    records = json.loads((kb.root / "site" / "api" / "entries.json").read_text())
    assert sorted(r["id"] for r in records) == accepted


def test_top_voted_fallback_matches_an_independent_count(kb):
    questions, answers = independent_parse(CONLANG_DUMP)
    best: dict[str, int] = {}
    for answer in answers.values():
        best[answer["ParentId"]] = max(best.get(answer["ParentId"], -10**9), int(answer["Score"]))
    top_voted = {qid for qid, q in questions.items() if "AcceptedAnswerId" not in q and best.get(qid, -10**9) >= 2}
    assert top_voted, "the dump should have unaccepted questions with a well-scored answer"
    kb.set_sources(dump_source(CONLANG_DUMP, name="conlang", min_answer_score=2))
    kb("harvest")
    queued = json.loads(kb("queue", "--json").output)
    chosen = {item["id"].split(":")[1] for item in queued}
    assert chosen == top_voted | {qid for qid, q in questions.items() if "AcceptedAnswerId" in q}
    entry = (kb.root / "content" / "conlang" / f"{sorted(top_voted)[0]}.md").read_text()
    assert "how_chosen: top-voted" in entry and "## Top-voted answer" in entry


def test_the_published_7z_archive_gives_the_same_entries(kb, tmp_path):
    archive = tmp_path / "quantumcomputing.stackexchange.com.7z"
    with py7zr.SevenZipFile(archive, "w") as seven:
        for name in ("Posts.xml", "Users.xml", "Tags.xml", "Comments.xml", "PostLinks.xml"):
            seven.write(QC_DUMP / name, name)
    kb.set_sources(dump_source(archive, site_url=QC_SITE))
    assert "389 new" in kb("harvest").output

    folder = type(kb)(tmp_path / "from-folder")
    from click.testing import CliRunner
    from harvester.cli import cli
    CliRunner().invoke(cli, ["init", str(folder.root)])
    folder.set_sources(dump_source(QC_DUMP, site_url=QC_SITE))
    folder("harvest")
    assert kb.content_files() == folder.content_files()
