"""Which answer an entry publishes: accepted > marked > top-voted > suggested."""

from harvester.model import Choice, Thread

# Below this, a chat reply is too unlikely to be the answer to put before a curator.
MIN_SUGGESTION_CONFIDENCE = 0.35


def best_answer(thread: Thread, min_answer_score: int | None) -> Choice | None:
    """The platform's accepted answer; else one the team's convention marked (chat); else, when
    `min_answer_score` is set, the best-scored answer reaching it; else the likeliest reply
    when a chat source scored them; else None (the thread is not published)."""
    for answer in thread.answers:
        if answer.accepted:
            return Choice(answer, "accepted")
    marked = [answer for answer in thread.answers if answer.marked]
    if marked:
        return Choice(marked[-1], "marked", why=marked[-1].marked)  # the last word on it
    if min_answer_score is not None:
        scored = [a for a in thread.answers if a.score is not None and a.score >= min_answer_score]
        if scored:
            # Ties go to the earlier answer: it was there first and others built on it.
            return Choice(min(scored, key=lambda a: (-a.score, a.created_at)), "top-voted")
    likely = [a for a in thread.answers if a.confidence is not None and a.confidence >= MIN_SUGGESTION_CONFIDENCE]
    if likely:
        best = max(likely, key=lambda a: (a.confidence, a.created_at))
        return Choice(best, "suggested", why=best.signals, confidence=best.confidence)
    return None
