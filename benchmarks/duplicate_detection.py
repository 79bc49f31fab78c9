"""How well kb's duplicate detection finds the duplicates a Stack Exchange site closed.

Ground truth: PostLinks.xml rows with LinkTypeId 3 (closed as a duplicate) whose two questions
are both in the dump. Every question takes part (not only those kb would publish), with the
platform's own duplicate marks hidden from the detector. Prints, for the suggestions a curator
sees (the top 3 per entry) and for several flagging thresholds, how many pairs are found,
how many of them are marked duplicates (precision) and how many marked pairs are found (recall).
Then the time and memory to score SCALE questions (the dump's, repeated with variations).

    python benchmarks/duplicate_detection.py ../shared/data/stackexchange/quantumcomputing-2018 [SCALE]
"""

import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import sklearn.feature_extraction.text  # noqa: F401 (imported before timing: its import is not the work)

from harvester.convert import html_to_markdown
from harvester.duplicates import FLOOR, PER_ENTRY, Question, find_similar
from harvester.sources.stackexchange_dump import parse_tags
from harvester.xmlstream import rows

THRESHOLDS = (0.7, 0.6, 0.5, 0.4, 0.3)


def main(dump: Path, scale: int) -> None:
    questions = [
        Question(row["Id"], row.get("Title", ""), html_to_markdown(row.get("Body", ""), None), tuple(parse_tags(row.get("Tags", ""))))
        for row in rows(dump / "Posts.xml", "posts") if row.get("PostTypeId") == "1"
    ]
    ids = {question.id for question in questions}
    marked = {
        frozenset((row["PostId"], row["RelatedPostId"])) for row in rows(dump / "PostLinks.xml", "postlinks")
        if row.get("LinkTypeId") == "3" and row["PostId"] in ids and row["RelatedPostId"] in ids
    }
    started = time.perf_counter()
    similar = find_similar(questions)
    elapsed = time.perf_counter() - started
    pairs = {frozenset((qid, other.id)): other.score for qid, others in similar.items() for other in others}

    print(f"{dump.name}: {len(questions)} questions, {len(marked)} marked duplicate pairs, detection {elapsed:.2f} s")
    _report(f"suggested (top {PER_ENTRY} per entry, score >= {FLOOR})", set(pairs), marked)
    for threshold in THRESHOLDS:
        _report(f"flagged at >= {threshold}", {pair for pair, score in pairs.items() if score >= threshold}, marked)

    many = [replace(questions[n % len(questions)], id=str(n), title=f"{questions[n % len(questions)].title} (variant {n // len(questions)})")
            for n in range(scale)]
    started = time.perf_counter()
    find_similar(many)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{scale} questions: detection {time.perf_counter() - started:.1f} s, peak memory {peak:.0f} MiB")


def _report(label: str, found: set, marked: set) -> None:
    hits = len(found & marked)
    precision = hits / len(found) if found else 0.0
    print(f"  {label:45} {len(found):5} pairs, {hits:2} marked: precision {precision:.3f}, recall {hits / len(marked):.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 20_000)
