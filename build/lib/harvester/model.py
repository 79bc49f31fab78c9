"""The plain data that flows from a source to the content store."""

from dataclasses import dataclass, field
from typing import Literal

BodyFormat = Literal["html", "markdown"]
HowChosen = Literal["accepted", "marked", "top-voted", "suggested"]


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


@dataclass
class Choice:
    """The answer a thread's entry publishes, and why that one."""

    answer: Post
    how_chosen: HowChosen


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
