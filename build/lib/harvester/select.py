"""Which answer an entry publishes: accepted > marked > top-voted."""

from harvester.model import Choice, Thread


def best_answer(thread: Thread, min_answer_score: int | None) -> Choice | None:
    """The platform's accepted answer; else, when `min_answer_score` is set, the best-scored
    answer reaching it; else None (the thread is not published)."""
    for answer in thread.answers:
        if answer.accepted:
            return Choice(answer, "accepted")
    if min_answer_score is None:
        return None
    scored = [a for a in thread.answers if a.score is not None and a.score >= min_answer_score]
    if not scored:
        return None
    # Ties go to the earlier answer: it was there first and others built on it.
    top = min(scored, key=lambda a: (-a.score, a.created_at))
    return Choice(top, "top-voted")
