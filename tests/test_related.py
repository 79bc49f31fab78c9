"""Related questions: the source's own links first, then the most shared rare words and tags."""

from harvester import related
from harvester.model import Entry
from harvester.related import RELATED, related_entries


def entry(entry_id: str, title: str, tags: list[str], linked: tuple[str, ...] = ()) -> Entry:
    return Entry({"id": entry_id, "title": title, "tags": tags, "source": {"related": list(linked)}}, "")


def test_more_shared_rare_features_rank_higher_and_source_links_come_first():
    entries = [
        entry("a", "Kubelet keeps restarting pods", ["k8s"]),
        entry("b", "Kubelet certificate rotation", ["security"]),
        entry("c", "Pods pending forever", ["k8s"]),
        entry("d", "Printer offline", ["office"]),
        entry("e", "Where is the office printer", ["office"], linked=("a", "missing", "e")),
    ]
    found = related_entries(entries)
    assert found["a"] == ["c", "b"]  # c shares a word and a tag, b one word
    assert found["e"] == ["a", "d"]  # its source's link (published ones only, never itself), then alike
    assert found["d"] == ["e"]
    assert "a" not in found["d"]


def test_at_most_five_and_the_most_common_features_are_ignored():
    many = [entry(f"q{n:03}", f"Question {n} about widgets", ["widgets"]) for n in range(250)]
    found = related_entries(many + [entry("x", "Sprocket alignment", ["sprockets"]),
                                    entry("y", "Sprocket lubrication", ["gears"])])
    assert found["q000"] == []  # "widgets" is in more than COMMON entries: it relates nothing
    assert found["x"] == ["y"] and found["y"] == ["x"]
    few = [entry(f"p{n}", f"Gizmo part {n}", ["gizmo"]) for n in range(10)]
    others = [entry(f"o{n}", f"Unrelated thing {n}", ["other"]) for n in range(10)]
    found = related_entries(few + others)
    assert all(len(found[e.id]) == RELATED and set(found[e.id]) < {f.id for f in few} for e in few)


def test_scoring_a_block_of_entries_at_a_time_finds_what_scoring_all_at_once_finds(monkeypatch):
    words = ["kubelet", "printer", "vpn", "certificate", "backup", "latency"]
    entries = [entry(f"e{n:02}", f"{words[n % 6]} {words[n % 4]} {words[n % 5]} case {n}", [f"t{n % 3}"]) for n in range(23)]
    at_once = related_entries(entries)
    monkeypatch.setattr(related, "BLOCK_ROWS", 2)  # blocks that start at every second entry
    in_blocks = related_entries(entries)
    assert in_blocks == at_once
    assert all(found and entry_id not in found for entry_id, found in in_blocks.items())
