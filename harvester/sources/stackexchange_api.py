"""`stackexchange`: a Stack Exchange site, or Stack Overflow for Teams, over the API (v2.3).

Questions come most recently active first (`sort=activity`, `min=` the cursor), with bodies.
Their answers are fetched in batches of up to 100 questions, best-voted first (the accepted
one and the others kept beside it). The API's `backoff` field is obeyed before the next
request, and an exhausted daily quota is a clear error.
"""

import html
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

from harvester.errors import KbError
from harvester.http import Client
from harvester.model import Post, Thread
from harvester.sources import register

PAGE_SIZE = 100  # the API's maximum, for lists and for ids in one request
FILTER = "withbody"  # a built-in filter: the default fields plus question and answer bodies


@dataclass
class StackExchangeOptions:
    site: str = "stackoverflow"  # the API's site parameter (ignored for Teams)
    team: str | None = None  # Stack Overflow for Teams: the team's slug
    key_env: str | None = None  # public API: an app key raises the daily quota
    token_env: str | None = None  # Teams: a personal access token
    tags: list[str] = field(default_factory=list)  # only questions with one of these tags
    base_url: str = "https://api.stackexchange.com/2.3"  # Teams: https://api.stackoverflowteams.com/2.3
    min_answer_score: int | None = None  # no accepted answer? publish the top answer reaching this

    def __post_init__(self):
        if self.team and not self.token_env:
            raise ValueError('a "team" needs "token_env" (a personal access token for Stack Overflow for Teams)')


@register("stackexchange")
class StackExchangeApi:
    Options = StackExchangeOptions

    def __init__(self, name: str, options: StackExchangeOptions, http: Client | None = None):
        self.name, self.options = name, options
        self.http = http or Client(options.base_url, headers=_auth_header(options), credential_env=options.token_env or options.key_env)
        self.min_answer_score = options.min_answer_score
        self.cursor: str | None = None
        self.still_at_source: set[str] | None = None  # every question listed, after a full read
        self._backoff = 0.0

    def threads(self, since: str | None = None) -> Iterator[Thread]:
        seen: set[int] = set()
        try:
            for page in self._question_pages(since):
                page = [question for question in page if question["question_id"] not in seen]
                seen.update(question["question_id"] for question in page)
                answers = self._answers_for(page)
                for question in page:
                    if picked := answers.get(question["question_id"]):
                        yield self._thread(question, picked)
            if since is None:
                self.still_at_source = {str(question_id) for question_id in seen}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise KbError(f"{self.http.last_url}: not the response the Stack Exchange API gives "
                          f"({exc.__class__.__name__}: {exc})") from None

    def _question_pages(self, since: str | None) -> Iterator[list[dict]]:
        params = {"sort": "activity", "order": "desc", "pagesize": PAGE_SIZE, "filter": FILTER}
        if since:
            params["min"] = int(datetime.fromisoformat(since.replace("Z", "+00:00")).timestamp()) + 1
        # The API's `tagged` means "all of these": one listing per tag gives "any of these".
        for tag in self.options.tags or [None]:
            tagged = {"tagged": tag} if tag else {}
            page = 1
            while True:
                payload = self._get("/questions", {**params, **tagged, "page": page})
                questions = payload.get("items", [])
                for question in questions:
                    self.cursor = max(self.cursor or "", _from_epoch(question["last_activity_date"]))
                yield questions
                if not payload.get("has_more"):
                    break
                page += 1

    def _answers_for(self, questions: list[dict]) -> dict[int, list[dict]]:
        """Question id -> its answers, best-voted first: the accepted one is among them (the API
        flags it), and the others are kept beside it. Without `min_answer_score`, questions with
        no accepted answer are not asked about."""
        found: dict[int, list[dict]] = {}
        wanted = [q["question_id"] for q in questions
                  if q.get("answer_count") and (q.get("accepted_answer_id") or self.min_answer_score is not None)]
        for answer in self._batched("/questions/{ids}/answers", wanted, {"sort": "votes", "order": "desc"}):
            found.setdefault(answer["question_id"], []).append(answer)
        return found

    def _batched(self, route: str, ids: list[int], params: dict) -> Iterator[dict]:
        for start in range(0, len(ids), PAGE_SIZE):
            chunk = ";".join(str(i) for i in ids[start:start + PAGE_SIZE])
            page = 1
            while True:
                payload = self._get(route.format(ids=chunk), {**params, "pagesize": PAGE_SIZE, "filter": FILTER, "page": page})
                yield from payload.get("items", [])
                if not payload.get("has_more"):
                    break
                page += 1

    def _get(self, path: str, params: dict) -> dict:
        if self._backoff:
            # The API asked for a pause before the next request; ignoring it gets the app blocked.
            self.http.sleep(self._backoff)
            self._backoff = 0.0
        query = {**params, **self._site_params()}
        if self.options.key_env and not self.options.team:
            query["key"] = os.environ.get(self.options.key_env, "")
        payload = self.http.get_json(path, params=query)
        if not isinstance(payload, dict):
            raise KbError(f"{self.http.last_url}: not a Stack Exchange API response")
        self._backoff = float(payload.get("backoff") or 0)
        if payload.get("quota_remaining") == 0 and payload.get("has_more"):
            raise KbError(f"{self.http.last_url}: the daily API quota is used up (resets at midnight UTC); "
                          f"set {self.options.key_env or 'key_env'} to an app key for a larger one")
        return payload

    def _site_params(self) -> dict:
        return {"team": self.options.team} if self.options.team else {"site": self.options.site}

    def _thread(self, question: dict, answers: list[dict]) -> Thread:
        site_root = _root_of(question.get("link", ""))
        return Thread(
            native_id=str(question["question_id"]),
            title=html.unescape(question.get("title", "")),  # the API sends titles HTML-escaped
            question=self._post(question, site_root, "q", question["question_id"], accepted=False),
            answers=[self._post(a, site_root, "a", a["answer_id"], accepted=bool(a.get("is_accepted"))) for a in answers],
            tags=list(question.get("tags", [])),
            url=question.get("link") or (f"{site_root}/q/{question['question_id']}" if site_root else None),
            updated_at=_from_epoch(question["last_activity_date"]),
        )

    def _post(self, item: dict, site_root: str, kind: str, post_id: int, accepted: bool) -> Post:
        owner = item.get("owner") or {}
        return Post(
            native_id=str(post_id),
            body=item.get("body", ""),
            body_format="html",
            author=html.unescape(owner["display_name"]) if owner.get("display_name") else None,
            created_at=_from_epoch(item.get("creation_date", 0)),
            score=item.get("score"),
            url=f"{site_root}/{kind}/{post_id}" if site_root else None,
            accepted=accepted,
        )


def _auth_header(options: StackExchangeOptions) -> dict[str, str]:
    variable = options.token_env
    if options.key_env and not os.environ.get(options.key_env):
        raise KbError(f"environment variable {options.key_env} is not set (it holds the Stack Exchange app key)")
    if not variable:
        return {}
    token = os.environ.get(variable)
    if not token:
        raise KbError(f"environment variable {variable} is not set (it holds the access token)")
    return {"X-API-Access-Token": token}


def _root_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _from_epoch(epoch) -> str:
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if epoch else ""
