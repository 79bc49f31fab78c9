"""Entries generated for the benchmarks: remixed from the real Stack Exchange dumps in
../shared/data/stackexchange (titles, question and answer paragraphs, code blocks and tags,
seeded: the same N gives the same files), each with as many paragraphs as a real question and
its accepted answer. Used by build_scale.py, and by search_quality.py for its distractors."""

import functools
import itertools
import random
import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from harvester.convert import html_to_markdown
from harvester.model import fingerprint
from harvester.sources.stackexchange_dump import parse_tags
from harvester.xmlstream import rows  # ElementTree iterparse, DTDs and entities refused

DUMPS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "stackexchange"
SOURCE = "bench"
FIRST = ("Ada", "Bilal", "Chen", "Dagny", "Emeka", "Farah", "Goran", "Hana", "Ivan", "Jun", "Kofi", "Lena",
         "Mateo", "Noor", "Olga", "Pavel", "Quinn", "Rosa", "Sanjay", "Tomasz", "Uma", "Vera", "Wei", "Yusuf")
LAST = ("Okafor", "Lindqvist", "Souza", "Raman", "Novak", "Haddad", "Tanaka", "Moreau", "Kowalski", "Nguyen",
        "Petrov", "Mensah", "Costa", "Iyer", "Schmidt", "Alvarez", "Park", "Dubois", "Ferrari", "Kim")
TAG_COUNTS, TAG_WEIGHTS = (1, 2, 3, 4, 5), (15, 30, 30, 15, 10)  # tags per question, as on real sites
START = datetime(2022, 7, 1, tzinfo=UTC)  # dates spread over three years from here
JOIN_WORDS = "of for in with on to and using between from by when without into over vs"
JOINS = frozenset(JOIN_WORDS.split())
FENCE = re.compile(r"^\s*(`{3,}|~{3,})", re.MULTILINE)


@dataclass
class Corpus:
    """Material to remix, each piece as (origin "<dump folder>/<post id>", piece)."""

    titles: list[tuple[str, list[str]]]  # each real title, as words
    prose: list[tuple[str, str]]  # paragraphs that can open a post
    questions: list[tuple[str, str]]  # question paragraphs, code blocks included
    answers: list[tuple[str, str]]
    # (question blocks, accepted answer blocks) of each real question with an accepted answer:
    # generated entries are as long as real ones, so search ranks them against real ones fairly.
    shapes: list[tuple[int, int]]
    tags: list[str]
    tag_cumulative: list[int]  # cumulative question counts: tags drawn as often as sites use them


@functools.cache
def load_corpus() -> Corpus:
    titles, prose, questions, answers, shapes, tags = [], [], [], [], [], Counter()
    for posts in sorted(DUMPS.glob("*/Posts.xml")):
        block_counts, accepted = {}, {}
        for row in rows(posts, "posts"):
            if row.get("PostTypeId") not in ("1", "2"):
                continue
            origin = f"{posts.parent.name}/{row['Id']}"
            blocks = [(origin, block) for block in _blocks(html_to_markdown(row.get("Body", ""), None))]
            (questions if row["PostTypeId"] == "1" else answers).extend(blocks)
            block_counts[row["Id"]] = len(blocks)
            if row.get("AcceptedAnswerId"):
                accepted[row["Id"]] = row["AcceptedAnswerId"]
            prose.extend(block for block in blocks if not FENCE.match(block[1]))
            if row.get("Title"):
                titles.append((origin, row["Title"].split()))
        for row in rows(posts.with_name("Tags.xml"), "tags"):
            if int(row.get("Count", "0")) > 0:
                tags[parse_tags(f"<{row['TagName']}>")[0]] += int(row["Count"])
        shapes += [(max(1, block_counts[question]), max(1, block_counts[answer]))
                   for question, answer in accepted.items() if answer in block_counts]
    if not titles:
        raise SystemExit(f"no Stack Exchange dumps found in {DUMPS}")
    names = sorted(tags)
    return Corpus(titles, prose, questions, answers, shapes, names,
                  list(itertools.accumulate(tags[name] for name in names)))


def _blocks(markdown: str) -> list[str]:
    """Paragraphs, each code fence or $$ display formula kept whole; no images or headings."""
    blocks, pending = [], []
    for chunk in markdown.split("\n\n"):
        pending.append(chunk)
        text = "\n\n".join(pending).strip()
        if len(FENCE.findall(text)) % 2 or text.count("$$") % 2:
            continue  # inside a fence or a formula: the blank line belongs to it
        pending = []
        if len(text) >= 40 and "![" not in text and not text.startswith(("#", "---", "***", "* * *")):
            blocks.append(text)
    return blocks


def generate(root: Path, n: int, seed: int = 0, source: str = SOURCE, exclude: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Write n approved entries to root/content/<source>/<k>.md; return their (id, title).
    Nothing is taken from the posts in `exclude` ("<dump folder>/<post id>")."""
    corpus, rng = load_corpus(), random.Random(seed)
    if exclude:
        def kept(pieces: list[tuple]) -> list[tuple]:
            return [piece for piece in pieces if piece[0] not in exclude]

        corpus = replace(corpus, titles=kept(corpus.titles), prose=kept(corpus.prose),
                         questions=kept(corpus.questions), answers=kept(corpus.answers))
    folder = root / "content" / source
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for k in range(1, n + 1):
        meta, body = _entry(corpus, rng, source, k)
        header = yaml.dump(meta, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
                           allow_unicode=True, width=100)
        (folder / f"{k}.md").write_text(f"---\n{header}---\n\n{body.strip()}\n", encoding="utf-8")
        made.append((meta["id"], meta["title"]))
    return made


def _entry(corpus: Corpus, rng: random.Random, source: str, k: int) -> tuple[dict, str]:
    title = _title(corpus, rng)
    tags, count = [], rng.choices(TAG_COUNTS, TAG_WEIGHTS)[0]
    while len(tags) < count:
        tag = rng.choices(corpus.tags, cum_weights=corpus.tag_cumulative)[0]
        tags += [tag] * (tag not in tags)
    question_blocks, answer_blocks = rng.choice(corpus.shapes)
    question = [rng.choice(corpus.prose)[1]] + [block for _, block in rng.sample(corpus.questions, question_blocks - 1)]
    answer = [rng.choice(corpus.prose)[1]] + [block for _, block in rng.sample(corpus.answers, answer_blocks - 1)]
    body = ("\n\n".join(question) + "\n\n## Accepted answer {: #answer .kb-answer .kb-accepted }\n\n"
            + "\n\n".join(answer) + "\n")
    asked = START + timedelta(seconds=rng.randrange(3 * 365 * 86400))
    answered = asked + timedelta(seconds=int(rng.expovariate(1 / 86400)) + 60)
    updated = answered + timedelta(seconds=int(rng.expovariate(1 / (20 * 86400))))
    reviewed = updated + timedelta(seconds=rng.randrange(14 * 86400))
    url = f"https://{source}.example/q/{k}"
    meta = {
        "id": f"{source}:{k}", "title": title[:1].upper() + title[1:], "status": "approved", "kind": "faq",
        "tags": tags,
        "source": {"name": source, "type": "stackexchange-dump", "url": url, "updated_at": _iso(updated),
                   "audience": "public"},
        "question": {"author": _person(rng), "asked_at": _iso(asked), "score": int(rng.paretovariate(1.5)) - 1,
                     "url": url},
        "answer": {"how_chosen": "accepted", "author": _person(rng), "answered_at": _iso(answered),
                   "score": int(rng.paretovariate(1.2)), "url": f"https://{source}.example/a/{k}"},
        "reviewed_by": _person(rng), "reviewed_at": _iso(reviewed),
    }
    meta["source"]["fingerprint"] = fingerprint(meta, body)
    return meta, body


def _title(corpus: Corpus, rng: random.Random) -> str:
    """One real title up to a joining word ("of", "in", ...), another from one; never a real title whole."""
    while True:
        first, second = rng.choice(corpus.titles)[1], rng.choice(corpus.titles)[1]
        cuts = [i for i, word in enumerate(first) if i >= 2 and word.lower() in JOINS]
        starts = [i for i, word in enumerate(second) if i >= 1 and word.lower() in JOINS]
        if cuts and starts and first is not second:
            return " ".join(first[: rng.choice(cuts)] + second[rng.choice(starts):])


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
