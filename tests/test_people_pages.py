"""The experts directory and contributor pages, checked against the entries themselves, and
privacy.yml's opt-outs honoured at build time."""

import re
from collections import Counter

import pytest
import yaml

from harvester import store


@pytest.fixture
def approved(harvested):
    harvested("approve", "--all", "--by", "ana")
    return harvested


def expert_rows(kb) -> dict[str, list[str]]:
    page = (kb.root / "site" / "experts" / "index.html").read_text()
    rows = re.findall(r"<tr>\s*<td><a href=\"[^\"]+\">([^<]+)</a></td>(.*?)</tr>", page, re.DOTALL)
    return {name: re.findall(r"<td>(\d+)</td>", cells) for name, cells in rows}


def test_experts_and_their_pages_count_what_the_entries_say(approved):
    approved("verify", store.load_all(approved.root)[0].id, "--by", "Vera Curator")
    approved("build")
    entries = store.load_all(approved.root)
    answers = Counter(e.meta["answer"]["author"] for e in entries if (e.meta.get("answer") or {}).get("author"))
    confirmed = Counter(e.meta["answer"]["author"] for e in entries
                        if (e.meta.get("answer") or {}).get("how_chosen") in ("accepted", "marked"))

    rows = expert_rows(approved)
    assert {name: int(cells[0]) for name, cells in rows.items() if int(cells[0])} == dict(answers)
    assert all(int(rows[name][1]) == confirmed[name] for name in answers)
    assert rows["Vera Curator"] == ["0", "0", "1"]

    name, count = answers.most_common(1)[0]
    person = (approved.root / "site" / "people" / name.lower().replace(" ", "-") / "index.html").read_text()
    titles = [e.title for e in entries if (e.meta.get("answer") or {}).get("author") == name]
    assert all(title in person for title in titles) and f"{count} answer" in person
    vera = (approved.root / "site" / "people" / "vera-curator" / "index.html").read_text()
    assert "Entries verified" in vera and entries[0].title in vera


def test_people_who_opt_out_are_never_listed(approved):
    entries = store.load_all(approved.root)
    hidden = next(e.meta["answer"]["author"] for e in entries if (e.meta.get("answer") or {}).get("author"))
    (approved.root / "site_config" / "privacy.yml").write_text(yaml.safe_dump({"hide_names": [hidden]}))
    approved("build")

    site = approved.root / "site"
    assert hidden not in expert_rows(approved)
    assert hidden not in (site / "experts" / "index.html").read_text()
    assert not (site / "people" / hidden.lower().replace(" ", "-")).exists()
