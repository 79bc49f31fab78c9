"""The plain data that flows from a source to the content store."""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

BodyFormat = Literal["html", "markdown"]
HowChosen = Literal["accepted", "marked", "top-voted", "suggested"]
# How each way of choosing is named to readers, in entry bodies and on badges.
ANSWER_LABELS: dict[str, str] = {
    "accepted": "Accepted answer",
    "marked": "Marked answer",
    "top-voted": "Top-voted answer",
    "suggested": "Suggested answer",
}

OTHER_ANSWERS = 3  # other upvoted answers an entry keeps, collapsed under the chosen one


def utc_iso(timestamp: str) -> str:
    """An ISO 8601 time as kb stores it: to the second, UTC, "Z" (2018-03-12T17:00:45Z).

    Sources give "2018-03-12T17:00:45.567" (dumps, UTC without zone) or "…45.567Z" (APIs).
    """
    return f"{timestamp[:19]}Z" if timestamp else ""

# The headings entry.md.j2 puts between question and answer ("## Accepted answer {: #answer …}")
# and before the other answers ("## Other answers {: #other-answers }").
_ANSWER_HEADING = re.compile(r"^## .*\{:[^}]*#answer\b.*$", re.MULTILINE)
_OTHER_ANSWERS_HEADING = re.compile(r"^## .*\{:[^}]*#other-answers\b.*$", re.MULTILINE)


def split_body(body: str) -> tuple[str, str]:
    """An entry body's question and chosen answer; the answer is "" if a curator removed its heading."""
    parts = _ANSWER_HEADING.split(body, maxsplit=1)
    answer = split_other_answers(parts[1])[0] if len(parts) > 1 else ""
    return parts[0].strip(), answer.strip()


def split_other_answers(body: str) -> tuple[str, str]:
    """The body before its other answers, and their section from its heading on ("" if none)."""
    heading = _OTHER_ANSWERS_HEADING.search(body)
    return (body[: heading.start()], body[heading.start() :]) if heading else (body, "")


def without_other_answers(body: str) -> str:
    """The body up to its other answers, as entries were harvested before they were kept."""
    return split_other_answers(body)[0].rstrip() + "\n"


def now_iso() -> str:
    """This moment, as kb records it in front matter."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Post:
    """A question or an answer, as the platform gave it."""

    native_id: str
    body: str
    body_format: BodyFormat
    author: str | None
    created_at: str  # ISO 8601, UTC, "Z" suffix
    score: int | None = None
    url: str | None = None
    accepted: bool = False  # the platform marks this answer as the solution
    marked: str | None = None  # chat: why the team's convention marks it as the answer
    confidence: float | None = None  # chat, nothing marked: how likely this reply is the answer (0-1)
    signals: str | None = None  # chat: why that confidence, for the curator
    mentions: list[str] = field(default_factory=list)  # names written as @name in the body


@dataclass
class Thread:
    """One question with the answers worth considering, from one source."""

    native_id: str
    title: str
    question: Post
    answers: list[Post]
    tags: list[str]
    url: str | None
    updated_at: str  # ISO 8601, UTC: the latest activity the source reports
    related: list[str] = field(default_factory=list)  # native ids of linked threads
    duplicate_of: str | None = None  # native id, when the platform closed it as a duplicate
    is_question: bool = True  # chat: False for announcements and chatter, which are skipped


@dataclass
class Resource:
    """A curated link (an article, a guide, a feed item), published as an entry of kind resource."""

    native_id: str
    url: str
    title: str | None  # None: filled from the page when it can be fetched
    description: str  # in `body_format`; "" to fill from the page
    body_format: BodyFormat
    tags: list[str]
    updated_at: str  # ISO 8601, UTC
    curator: str | None = None
    published_at: str | None = None


@dataclass
class Choice:
    """The answer a thread's entry publishes, and why that one."""

    answer: Post
    how_chosen: HowChosen
    why: str | None = None  # marked or suggested: the signals, in words
    confidence: float | None = None  # suggested only


@dataclass
class Entry:
    """One content file: front matter (`meta`) and the Markdown body curators read and edit."""

    meta: dict
    body: str

    @property
    def id(self) -> str:
        return self.meta["id"]

    @property
    def status(self) -> str:
        return self.meta["status"]

    @property
    def title(self) -> str:
        return self.meta["title"]

    @property
    def tags(self) -> list[str]:
        return self.meta.get("tags") or []


def entry_digest(entry: Entry) -> str:
    """Everything the entry holds, hashed: what files derived from it are keyed by."""
    data = json.dumps([entry.meta, entry.body], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def fingerprint(meta: dict, body: str) -> str:
    """What the source said, hashed. A change at the source changes it; so does a curator's
    edit of the harvested parts, which is how an edit is recognised and protected."""
    harvested = {key: meta.get(key) for key in ("title", "tags", "question", "answer")}
    if "resource" in meta:  # only where present, so entries harvested before resources existed keep their print
        harvested["resource"] = meta["resource"]
    # The audience is the workspace's choice, not the source's content: changing it in
    # sources.yml must not look like a change at the source.
    harvested["source"] = {k: v for k, v in (meta.get("source") or {}).items() if k not in ("fingerprint", "audience")}
    payload = json.dumps([harvested, body.strip()], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
