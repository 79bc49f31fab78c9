"""The stats page: its tables agree with api/entries.json and content/, and its charts are
self-contained SVG (no script, nothing fetched)."""

import json
import re
from collections import Counter

import defusedxml.ElementTree as SafeET
import pytest

from harvester import store


@pytest.fixture
def stats(harvested):
    harvested("approve", "--all", "--by", "ana")
    first = store.load_all(harvested.root)[0]
    harvested("reject", first.id, "--reason", "duplicate", "--by", "ana")
    harvested("build")
    return harvested


def table(page: str, heading: str) -> dict[str, str]:
    section = page.split(f">{heading}<", 1)[1].split("<h2", 1)[0]
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(\d+)</td>\s*</tr>", section, re.DOTALL)
    return {re.sub(r"<[^>]+>", "", name).strip(): count for name, count in rows}


def test_tables_agree_with_the_entries(stats):
    page = (stats.root / "site" / "stats" / "index.html").read_text()
    records = json.loads((stats.root / "site" / "api" / "entries.json").read_text())
    everything = store.load_all(stats.root)

    assert f"{len(records)} published entries" in page
    assert table(page, "Coverage") == {status: str(n) for status, n in Counter(e.status for e in everything).items()}
    tags = Counter(tag for r in records for tag in r["tags"])
    assert {tag: int(n) for tag, n in table(page, "Top tags").items()} == dict(tags.most_common(10))
    assert sum(int(n) for n in table(page, "Time to answer").values()) == len(records)
    answers = Counter(e.meta["answer"]["author"] for e in everything if e.status == "approved")
    assert {name: int(n) for name, n in table(page, "Top contributors").items()} == dict(answers.most_common(10))


def test_the_top_tags_over_time_table_counts_questions_by_year(stats):
    page = (stats.root / "site" / "stats" / "index.html").read_text()
    section = page.split(">Top tags over time<", 1)[1].split("<h2", 1)[0]
    header = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<th>(.*?)</th>", section, re.DOTALL)]
    rows = {cells[0]: [int(n) for n in cells[1:]] for cells in
            (re.findall(r"<td>(.*?)</td>", row, re.DOTALL) for row in re.findall(r"<tr>(.*?)</tr>", section, re.DOTALL)) if cells}
    approved = [e for e in store.load_all(stats.root) if e.status == "approved"]
    top = [tag for tag, _ in Counter(tag for e in approved for tag in e.tags).most_common(5)]
    assert header == ["Year", *top]
    years = Counter((str(e.meta["question"]["asked_at"])[:4], tag) for e in approved for tag in e.tags)
    assert rows == {year: [years[(year, tag)] for tag in top] for year in {y for y, _ in years}}
    assert 'src="tags-by-month.svg"' in page


def test_charts_are_self_contained_svg(stats):
    charts = sorted((stats.root / "site" / "stats").glob("*.svg"))
    assert [c.name for c in charts] == ["entries-by-month.svg", "tags-by-month.svg", "time-to-answer.svg",
                                        "top-contributors.svg", "top-tags.svg"]
    for chart in charts:
        root = SafeET.fromstring(chart.read_bytes(), forbid_dtd=False)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert not root.findall(".//{http://www.w3.org/2000/svg}script")
        links = [value for element in root.iter() for key, value in element.attrib.items() if key.endswith("href")]
        assert all(link.startswith("#") for link in links), chart.name
    page = (stats.root / "site" / "stats" / "index.html").read_text()
    assert all(f'src="{chart.name}"' in page for chart in charts)
