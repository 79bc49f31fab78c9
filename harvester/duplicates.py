"""Questions that read alike, across every source: merges for a curator to consider.

Similarity is TF-IDF cosine (scikit-learn) over three views of a question, weighted: the
title as character n-grams (robust to word forms and any language), the question's words,
and its tags. Rows are compared a block at a time against sparse matrices, so memory stays
flat as content grows. A source that itself closed one question as a duplicate of the other
is taken at its word (score 1).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from harvester.errors import KbError
from harvester.files import write_atomic
from harvester.model import Entry, split_body

if TYPE_CHECKING:  # imported where used: scikit-learn and friends take a second to load
    import numpy
    import scipy.sparse

DUPLICATES_FILE = "content/duplicates.yml"
PER_ENTRY = 3  # suggestions kept for each entry
FLOOR = 0.2  # below this, two questions are not worth showing side by side
_NEVER_COMMON = 50  # a term in fewer entries than this is never dropped as too common
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
    import numpy as np  # here, not at the top: scikit-learn costs every kb command a second to import

    found: dict[str, dict[str, Similar]] = {question.id: {} for question in questions}
    count = len(questions)
    if count > 1:
        views = _views(questions)
        keep = min(PER_ENTRY, count - 1)
        for start in range(0, count, _BLOCK_ROWS):
            stop = min(start + _BLOCK_ROWS, count)
            scores = _block_scores(views, start, stop, count)
            scores[np.arange(stop - start), np.arange(start, stop)] = 0.0  # not its own duplicate
            best = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
            best_scores = np.take_along_axis(scores, best, axis=1)
            for offset, (others, values) in enumerate(zip(best, best_scores)):
                for other, score in zip(others, values):
                    if score >= FLOOR:
                        found[questions[start + offset].id][questions[other].id] = Similar(questions[other].id, round(float(score), 3))
    for question in questions:
        if question.duplicate_of in found and question.duplicate_of != question.id:
            found[question.id][question.duplicate_of] = Similar(question.duplicate_of, 1.0, marked=True)
            found[question.duplicate_of][question.id] = Similar(question.id, 1.0, marked=True)
    return {qid: sorted(others.values(), key=lambda s: (-s.score, s.id))
            for qid, others in sorted(found.items()) if others}


@dataclass
class _View:
    weight: float
    rows: "scipy.sparse.csr_matrix"  # one unit-length row per question (all zero when it is empty)
    columns: "scipy.sparse.csc_matrix"  # the same, transposed once for every block's product
    present: "numpy.ndarray"  # whether each question has anything in this view


def _views(questions: list[Question]) -> list[_View]:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Terms most questions share say little (their weight is low) but make every block's product
    # nearly dense: dropping them halves the time at 20,000 entries with the same suggestions on
    # real data. Small collections keep every term.
    def common(share: float) -> float:
        return min(1.0, max(share, _NEVER_COMMON / len(questions)))

    specs = [
        (1.0, TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, max_df=common(0.1)), [q.title for q in questions]),
        (1.0, TfidfVectorizer(stop_words="english", sublinear_tf=True, max_df=common(0.3)), [q.text for q in questions]),
        (0.5, TfidfVectorizer(token_pattern=r"\S+"), [" ".join(q.tags) for q in questions]),
    ]
    views = []
    for weight, vectorizer, texts in specs:
        try:
            rows = vectorizer.fit_transform(texts).astype(np.float32).tocsr()
        except ValueError:  # not one word in this view (no entry has tags, say)
            continue
        views.append(_View(weight, rows, rows.T.tocsc(), np.diff(rows.indptr) > 0))
    return views


def _block_scores(views: list[_View], start: int, stop: int, count: int) -> "numpy.ndarray":
    """Rows start..stop against all: the weighted mean of each view's cosine, over the views
    both questions have, so a chat question without tags is not marked down for it."""
    import numpy as np

    total = np.zeros((stop - start, count), dtype=np.float32)
    weights = np.zeros_like(total)
    for view in views:
        total += (view.rows[start:stop] @ view.columns).toarray() * view.weight
        if view.present.all():
            weights += view.weight
        else:
            weights += np.outer(view.present[start:stop], view.present).astype(np.float32) * view.weight
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
