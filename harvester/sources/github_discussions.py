"""`github-discussions`: answered discussions of a repository, over GitHub's GraphQL API.

Discussions are listed most recently updated first, so an incremental run stops at the first
one not updated since the cursor. The answer GitHub marks is a comment of its own; with
`min_answer_upvotes` set, unanswered discussions compete on their comments' (and replies')
upvotes, which are paged through in full.
"""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup

from harvester.errors import KbError
from harvester.http import Client
from harvester.model import Post, Thread, utc_iso
from harvester.sources import register

PAGE_SIZE = 50
_POST_FIELDS = "url createdAt bodyHTML upvoteCount author { login }"
LIST_QUERY = """
query($owner: String!, $name: String!, $answered: Boolean, $after: String) {
  repository(owner: $owner, name: $name) {
    discussions(first: %d, after: $after, answered: $answered, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id number title url createdAt updatedAt bodyHTML author { login }
        category { slug name isAnswerable }
        labels(first: 20) { nodes { name } }
        answer { %s }
      }
    }
  }
}""" % (PAGE_SIZE, _POST_FIELDS)
COMMENTS_QUERY = """
query($id: ID!, $after: String) {
  node(id: $id) {
    ... on Discussion {
      comments(first: %d, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id %s replies(first: %d) { pageInfo { hasNextPage endCursor } nodes { %s } } }
      }
    }
  }
}""" % (PAGE_SIZE, _POST_FIELDS, PAGE_SIZE, _POST_FIELDS)
REPLIES_QUERY = """
query($id: ID!, $after: String) {
  node(id: $id) {
    ... on DiscussionComment {
      replies(first: %d, after: $after) { pageInfo { hasNextPage endCursor } nodes { %s } }
    }
  }
}""" % (PAGE_SIZE, _POST_FIELDS)


@dataclass
class GitHubDiscussionsOptions:
    repository: str  # owner/name
    token_env: str  # names the environment variable holding a token (the GraphQL API needs one)
    base_url: str = "https://api.github.com"  # GitHub Enterprise: https://HOST/api
    categories: list[str] = field(default_factory=list)  # category slugs; empty: every answerable one
    min_answer_upvotes: int | None = None  # unanswered? publish the most upvoted comment reaching this

    def __post_init__(self):
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", self.repository):
            raise ValueError(f'"repository" must be owner/name, got {self.repository!r}')


@register("github-discussions")
class GitHubDiscussions:
    Options = GitHubDiscussionsOptions

    def __init__(self, name: str, options: GitHubDiscussionsOptions, http: Client | None = None):
        self.name, self.options = name, options
        self.owner, self.repo = options.repository.split("/")
        self.http = http or Client(options.base_url, headers=_auth_header(options), credential_env=options.token_env)
        self.min_answer_score = options.min_answer_upvotes
        self.cursor: str | None = None
        self.still_at_source = None  # the listing holds answered threads only: absence proves nothing

    def threads(self, since: str | None = None) -> Iterator[Thread]:
        try:
            yield from self._threads(since)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise KbError(f"{self.http.last_url}: not the response GitHub's GraphQL API gives "
                          f"({exc.__class__.__name__}: {exc})") from None

    def _threads(self, since: str | None) -> Iterator[Thread]:
        for discussion in self._listed(since):
            category = discussion.get("category") or {}
            if not category.get("isAnswerable") or (self.options.categories and category.get("slug") not in self.options.categories):
                continue
            answers = [self._post(discussion["answer"], accepted=True)] if discussion.get("answer") else []
            if not answers and self.min_answer_score is not None:
                answers = [self._post(comment, accepted=False) for comment in self._comments(discussion["id"])]
            yield Thread(
                native_id=str(discussion["number"]),
                title=discussion.get("title") or f"Discussion {discussion['number']}",
                question=self._post(discussion, accepted=False),
                answers=answers,
                tags=[*(label["name"] for label in (discussion.get("labels") or {}).get("nodes", [])), category.get("slug", "")],
                url=discussion.get("url"),
                updated_at=utc_iso(discussion.get("updatedAt", "")),
            )

    def _listed(self, since: str | None) -> Iterator[dict]:
        answered = None if self.min_answer_score is not None else True
        after = None
        while True:
            page = self._query(LIST_QUERY, owner=self.owner, name=self.repo, answered=answered, after=after)
            connection = _dig(page, "repository", "discussions")
            for discussion in connection.get("nodes") or []:
                updated = utc_iso(discussion.get("updatedAt", ""))
                if since and updated <= since:
                    return  # ordered by update: everything further down is already harvested
                self.cursor = max(self.cursor or "", updated)
                yield discussion
            if not connection.get("pageInfo", {}).get("hasNextPage"):
                return
            after = connection["pageInfo"]["endCursor"]

    def _comments(self, discussion_id: str) -> Iterator[dict]:
        for comment in self._paged(COMMENTS_QUERY, discussion_id, "comments"):
            yield comment
            replies = comment.get("replies") or {}
            yield from replies.get("nodes") or []
            if replies.get("pageInfo", {}).get("hasNextPage"):
                yield from self._paged(REPLIES_QUERY, comment["id"], "replies", after=replies["pageInfo"]["endCursor"])

    def _paged(self, query: str, node_id: str, connection_name: str, after: str | None = None) -> Iterator[dict]:
        while True:
            connection = _dig(self._query(query, id=node_id, after=after), "node", connection_name)
            yield from connection.get("nodes") or []
            if not connection.get("pageInfo", {}).get("hasNextPage"):
                return
            after = connection["pageInfo"]["endCursor"]

    def _query(self, query: str, **variables) -> dict:
        response = self.http.post_json("/graphql", {"query": query, "variables": variables})
        if not isinstance(response, dict):
            raise KbError(f"{self.http.last_url}: not a GraphQL response")
        if response.get("errors"):
            # GraphQL reports failures with HTTP 200 and an errors list.
            first = response["errors"][0]
            raise KbError(f"{self.http.last_url}: GraphQL error: {first.get('type', '')} {first.get('message', '')}".rstrip())
        return response.get("data") or {}

    def _post(self, node: dict, accepted: bool) -> Post:
        return Post(
            native_id=node.get("url") or "",
            body=_clean_body(node.get("bodyHTML") or ""),
            body_format="html",
            author=(node.get("author") or {}).get("login"),  # null when the account was deleted
            created_at=utc_iso(node.get("createdAt", "")),
            score=node.get("upvoteCount"),
            url=node.get("url"),
            accepted=accepted,
        )


def _auth_header(options: GitHubDiscussionsOptions) -> dict[str, str]:
    token = os.environ.get(options.token_env)
    if not token:
        raise KbError(f"environment variable {options.token_env} is not set (it holds the token for {options.repository})")
    return {"Authorization": f"bearer {token}"}


def _dig(data: dict, *keys: str) -> dict:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
        if data is None:
            raise KbError(f"the GraphQL response has no {'.'.join(keys)} (no such repository, or no access to it?)")
    return data


def _clean_body(body_html: str) -> str:
    """GitHub's highlighted code keeps its language on a wrapper div: move it onto the <pre>."""
    soup = BeautifulSoup(body_html, "html.parser")
    for wrapper in soup.select("div.highlight"):
        language = next((c[len("highlight-source-"):] for c in wrapper.get("class", []) if c.startswith("highlight-source-")), "")
        pre = wrapper.find("pre")
        if pre is not None:
            pre["class"] = [f"lang-{language}"] if language else []
            wrapper.replace_with(pre)
    return str(soup)

