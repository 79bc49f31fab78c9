"""`stackexchange-dump`: a Stack Exchange data dump, as a folder or the published .7z.

Two streaming passes over Posts.xml: the first reads every row (so a truncated or corrupt
file fails before anything is yielded) and plans which answer each question publishes; the
second yields those threads, each with its chosen answer and its best upvoted others. Memory
holds a few ids per question, the names of the authors published and the posts still waiting
for the rest of their thread, never the dump.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from harvester.archives import members_of_7z
from harvester.errors import KbError
from harvester.model import OTHER_ANSWERS, Post, Thread, utc_iso
from harvester.sources import register
from harvester.xmlstream import rows

QUESTION, ANSWER = "1", "2"
DUMP_FILES = {"Posts.xml", "Users.xml", "Tags.xml", "Comments.xml", "PostLinks.xml"}
LINK_RELATED, LINK_DUPLICATE = "1", "3"


@dataclass
class StackExchangeDumpOptions:
    path: Path  # the dump folder (Posts.xml, Users.xml, ...) or the site's .7z archive
    site_url: str | None = None  # e.g. https://quantumcomputing.stackexchange.com, for source links
    min_score: int | None = None  # questions scored below this are left out
    min_answer_score: int | None = None  # without an accepted answer, publish the top answer reaching this


@dataclass
class _Plan:
    """What pass one learned about one question: its candidate answers and their authors."""

    accepted_id: str | None
    question_owner: str | None
    accepted_owner: str | None = None
    accepted_seen: bool = False
    top_id: str | None = None
    top_score: int = 0
    top_owner: str | None = None
    upvoted: list[tuple[int, str, str, str | None]] = field(default_factory=list)  # (-score, created, id, owner), best first

    def chosen(self, min_answer_score: int | None) -> tuple[str, str | None] | None:
        """(answer id, its owner's user id) of the answer to publish, if any."""
        if self.accepted_seen:
            return self.accepted_id, self.accepted_owner
        if min_answer_score is not None and self.top_id and self.top_score >= min_answer_score:
            return self.top_id, self.top_owner
        return None

    def note_upvoted(self, score: int, created: str, answer_id: str, owner: str | None) -> None:
        # One more than are kept: the chosen answer may be among them.
        if score > 0:
            self.upvoted = sorted([*self.upvoted, (-score, created, answer_id, owner)])[: OTHER_ANSWERS + 1]

    def others(self, chosen_id: str) -> list[tuple[str, str | None]]:
        """(answer id, owner) of the upvoted answers kept beside the chosen one."""
        return [(answer_id, owner) for _, _, answer_id, owner in self.upvoted if answer_id != chosen_id][:OTHER_ANSWERS]


@register("stackexchange-dump")
class StackExchangeDump:
    Options = StackExchangeDumpOptions

    def __init__(self, name: str, options: StackExchangeDumpOptions):
        self.name, self.options = name, options
        self.min_answer_score = options.min_answer_score
        self.cursor = None  # a dump is read whole every time: nothing to resume from
        self.still_at_source: set[str] | None = None

    def threads(self, since: str | None = None) -> Iterator[Thread]:
        with _dump_folder(self.options.path) as folder:
            posts = folder / "Posts.xml"
            plans = self._plan(posts)
            self.still_at_source = set(plans)  # a dump is a whole snapshot of the site
            chosen = {qid: pick for qid, plan in plans.items() if (pick := plan.chosen(self.options.min_answer_score))}
            answers = {qid: [pick, *plans[qid].others(pick[0])] for qid, pick in chosen.items()}
            authors = {plans[qid].question_owner for qid in chosen} | {owner for picks in answers.values() for _, owner in picks}
            names = _user_names(folder / "Users.xml", authors - {None})
            links = _links(folder / "PostLinks.xml", chosen)
            yield from self._threads(posts, {qid: [answer_id for answer_id, _ in picks] for qid, picks in answers.items()},
                                     names, links)

    def _plan(self, posts: Path) -> dict[str, _Plan]:
        plans: dict[str, _Plan] = {}
        for row in rows(posts, "posts"):
            kind = row.get("PostTypeId")
            if kind == QUESTION and self._keeps(row):
                plans[row["Id"]] = _Plan(accepted_id=row.get("AcceptedAnswerId"), question_owner=row.get("OwnerUserId"))
            elif kind == ANSWER and (plan := plans.get(row.get("ParentId", ""))):
                owner = row.get("OwnerUserId")
                if row["Id"] == plan.accepted_id:
                    plan.accepted_seen, plan.accepted_owner = True, owner
                score = _int(row.get("Score"))
                if plan.top_id is None or score > plan.top_score:
                    plan.top_id, plan.top_score, plan.top_owner = row["Id"], score, owner
                plan.note_upvoted(score, row.get("CreationDate", ""), row["Id"], owner)
        return plans

    def _keeps(self, question: dict) -> bool:
        minimum = self.options.min_score
        return minimum is None or _int(question.get("Score")) >= minimum

    def _threads(self, posts: Path, answers: dict[str, list[str]], names: dict[str, str], links) -> Iterator[Thread]:
        """Pass two: yield each question once it and all its answers to publish (the chosen one
        first) have been read."""
        question_of = {answer_id: qid for qid, answer_ids in answers.items() for answer_id in answer_ids}
        held: dict[str, dict] = {}  # post id -> row, until the rest of its thread arrives
        for row in rows(posts, "posts"):
            post_id = row.get("Id", "")
            question_id = post_id if post_id in answers else question_of.get(post_id)
            if question_id is None:
                continue
            held[post_id] = row
            if question_id in held and all(answer_id in held for answer_id in answers[question_id]):
                yield self._thread(held.pop(question_id), [held.pop(answer_id) for answer_id in answers[question_id]],
                                   names, links)

    def _thread(self, question: dict, answers: list[dict], names: dict[str, str], links) -> Thread:
        qid = question["Id"]
        related, duplicate_of = links.get(qid, ([], None))
        return Thread(
            native_id=qid,
            title=question.get("Title", "").strip() or f"Question {qid}",
            question=self._post(question, names, accepted=False),
            answers=[self._post(answer, names, accepted=answer["Id"] == question.get("AcceptedAnswerId")) for answer in answers],
            tags=parse_tags(question.get("Tags", "")),
            url=self._url("q", qid),
            updated_at=utc_iso(question.get("LastActivityDate") or question.get("CreationDate", "")),
            related=related,
            duplicate_of=duplicate_of,
        )

    def _post(self, row: dict, names: dict[str, str], accepted: bool) -> Post:
        is_answer = row.get("PostTypeId") == ANSWER
        return Post(
            native_id=row["Id"],
            body=row.get("Body", ""),
            body_format="html",
            author=_author(row, names),
            created_at=utc_iso(row.get("CreationDate", "")),
            score=_int(row.get("Score")),
            url=self._url("a", row["Id"]) if is_answer else self._url("q", row["Id"]),
            accepted=accepted,
        )

    def _url(self, kind: str, post_id: str) -> str | None:
        site = self.options.site_url
        return f"{site.rstrip('/')}/{kind}/{post_id}" if site else None


@contextmanager
def _dump_folder(path: Path):
    """The folder holding the dump's XML files: the path itself, or a .7z unpacked safely."""
    if path.is_file() and path.suffix.lower() == ".7z":
        opened = members_of_7z(path, DUMP_FILES)
    elif path.is_dir():
        opened = nullcontext(path)
    else:
        raise KbError(f"{path}: expected a dump folder or a .7z archive")
    with opened as folder:
        if not (folder / "Posts.xml").is_file():
            raise KbError(f"{path}: not a Stack Exchange dump (no Posts.xml)")
        yield folder


def parse_tags(raw: str) -> list[str]:
    """Both encodings in real dumps: `<a><b>` (up to 2023) and `|a|b|` (2024 on)."""
    parts = re.findall(r"<([^<>]+)>", raw) if raw.startswith("<") else raw.split("|")
    return [tag.strip().lower() for tag in parts if tag.strip()]


def _links(path: Path, questions: dict) -> dict[str, tuple[list[str], str | None]]:
    if not path.is_file():
        return {}
    found: dict[str, tuple[list[str], str | None]] = {}
    for row in rows(path, "postlinks"):
        post_id, other = row.get("PostId"), row.get("RelatedPostId")
        if post_id not in questions or not other:
            continue
        related, duplicate_of = found.get(post_id, ([], None))
        if row.get("LinkTypeId") == LINK_DUPLICATE:
            duplicate_of = other
        elif row.get("LinkTypeId") == LINK_RELATED and other not in related:
            related = sorted([*related, other], key=int)
        found[post_id] = (related, duplicate_of)
    return found


def _user_names(path: Path, ids: set[str]) -> dict[str, str]:
    if not path.is_file() or not ids:
        return {}
    return {row["Id"]: row.get("DisplayName", "") for row in rows(path, "users") if row.get("Id") in ids}


def _author(row: dict, names: dict[str, str]) -> str | None:
    # Deleted users leave only OwnerDisplayName; some posts have neither.
    owner = row.get("OwnerUserId")
    return (names.get(owner) if owner else None) or row.get("OwnerDisplayName") or None



def _int(value: str | None) -> int:
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0
