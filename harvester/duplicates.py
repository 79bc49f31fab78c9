"""Questions that read alike, across every source: merges for a curator to consider.

Similarity is TF-IDF cosine (scikit-learn) over three views of a question, weighted: the
title as character n-grams (robust to word forms and any language), the question's words,
and its tags. Rows are compared a block at a time against sparse matrices, so memory stays
flat as content grows. A source that itself closed one question as a duplicate of the other
is taken at its word (score 1).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from harvester.errors import KbError
from harvester.files import write_atomic
from harvester.model import Entry, split_body

DUPLICATES_FILE = "content/duplicates.yml"
PER_ENTRY = 3  # suggestions kept for each entry
FLOOR = 0.2  # below this, two questions are not worth showing side by side
_BLOCK_ROWS = 256  # rows scored at once: 256 x 20,000 entries is 20 MB per view
_HEADER = """\
# Written by kb harvest: for each entry, the entries whose question reads most alike
# (score from 0 to 1; 1 and marked: the source closed one as a duplicate of the other).
# kb queue flags pairs scoring at least curation.yml's duplicate_threshold.
"""


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    text: str
    tags: tuple[str, ...] = ()
    duplicate_of: str | None = None  # as the source marked it


@dataclass(frozen=True)
class Similar:
    id: str
    score: float
    marked: bool = False


def question_of(entry: Entry) -> Question:
    """The parts of an entry that say what is asked: title, question text, tags."""
    return Question(entry.id, entry.title, split_body(entry.body)[0], tuple(entry.tags),
                    (entry.meta.get("source") or {}).get("duplicate_of"))


def find_similar(questions: list[Question]) -> dict[str, list[Similar]]:
    """For each question, the few others most alike (scoring at least FLOOR), best first."""
    found: dict[str, dict[str, Similar]] = {question.id: {} for question in questions}
    if len(questions) > 1:
        views = _views(questions)
        for start in range(0, len(questions), _BLOCK_ROWS):
            scores = _block_scores(views, start, min(start + _BLOCK_ROWS, len(questions)))
            for offset, row in enumerate(scores):
                row[start + offset] = 0.0
                for other in np.argpartition(-row, min(PER_ENTRY, len(row) - 1))[:PER_ENTRY]:
                    if row[other] >= FLOOR:
                        found[questions[start + offset].id][questions[other].id] = Similar(questions[other].id, round(float(row[other]), 3))
    for question in questions:
        if question.duplicate_of in found and question.duplicate_of != question.id:
            found[question.id][question.duplicate_of] = Similar(question.duplicate_of, 1.0, marked=True)
            found[question.duplicate_of][question.id] = Similar(question.id, 1.0, marked=True)
    return {qid: sorted(others.values(), key=lambda s: (-s.score, s.id))
            for qid, others in sorted(found.items()) if others}


@dataclass
class _View:
    weight: float
    vectors: sparse.csr_matrix  # one unit-length row per question (all zero when it is empty)
    present: np.ndarray  # whether each question has anything in this view


def _views(questions: list[Question]) -> list[_View]:
    specs = [
        (1.0, TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True), [q.title for q in questions]),
        (1.0, TfidfVectorizer(stop_words="english", sublinear_tf=True), [q.text for q in questions]),
        (0.5, TfidfVectorizer(token_pattern=r"\S+"), [" ".join(q.tags) for q in questions]),
    ]
    views = []
    for weight, vectorizer, texts in specs:
        try:
            vectors = vectorizer.fit_transform(texts).astype(np.float32).tocsr()
        except ValueError:  # not one word in this view (no entry has tags, say)
            continue
        views.append(_View(weight, vectors, np.diff(vectors.indptr) > 0))
    return views


def _block_scores(views: list[_View], start: int, stop: int) -> np.ndarray:
    """Rows start..stop against all: the weighted mean of each view's cosine, over the views
    both questions have, so a chat question without tags is not marked down for it."""
    total = weights = None
    for view in views:
        cosine = (view.vectors[start:stop] @ view.vectors.T).toarray()
        both = np.outer(view.present[start:stop], view.present).astype(np.float32) * view.weight
        total = cosine * view.weight if total is None else total + cosine * view.weight
        weights = both if weights is None else weights + both
    if total is None:
        return np.zeros((stop - start, len(views[0].present) if views else 0), dtype=np.float32)
    return np.divide(total, weights, out=np.zeros_like(total), where=weights > 0)


def save(root: Path, similar: dict[str, list[Similar]]) -> bool:
    """Write the suggestions (only when they changed); none at all means no file."""
    path = root / DUPLICATES_FILE
    if not similar:
        existed = path.is_file()
        path.unlink(missing_ok=True)
        return existed
    records = {qid: [_record(s) for s in others] for qid, others in similar.items()}
    return write_atomic(path, _HEADER + yaml.safe_dump(records, sort_keys=True, allow_unicode=True, width=100))


def load(root: Path) -> dict[str, list[Similar]]:
    path = root / DUPLICATES_FILE
    if not path.is_file():
        return {}
    try:
        records = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return {qid: [Similar(r["id"], float(r["score"]), bool(r.get("marked"))) for r in others]
                for qid, others in records.items()}
    except (yaml.YAMLError, AttributeError, KeyError, TypeError, ValueError):
        raise KbError(f"{DUPLICATES_FILE}: not as kb harvest writes it; delete it and run kb harvest again") from None


def _record(similar: Similar) -> dict:
    record = {"id": similar.id, "score": similar.score}
    if similar.marked:
        record["marked"] = True
    return record
