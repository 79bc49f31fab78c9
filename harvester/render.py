"""Thread + chosen answer -> the entry as harvested (front matter and Markdown body)."""

import re
from urllib.parse import urlsplit

import jinja2

from harvester.config import SourceConfig
from harvester.clean import neutralize_markdown_html
from harvester.convert import html_to_markdown
from harvester.model import ANSWER_LABELS, OTHER_ANSWERS, Choice, Entry, Post, Resource, Thread, fingerprint
from harvester.people import People
from harvester.redact import Redactor
from harvester.templating import markdown_text

def harvested_entry(source: SourceConfig, thread: Thread, choice: Choice, templates: jinja2.Environment,
                    people: People, redactor: Redactor) -> Entry:
    """The entry as harvested: converted to Markdown, redacted, authors shown as privacy allows."""
    others = other_answers(thread, choice)
    texts = redactor.thread({
        "title": one_line(thread.title),
        "question": _markdown(thread.question, thread.url, people),
        "answer": _markdown(choice.answer, choice.answer.url or thread.url, people),
        **{f"other {number}": _markdown(other, other.url or thread.url, people) for number, other in enumerate(others)},
    })
    body = templates.get_template("entry.md.j2").render(
        question=texts["question"],
        answer=texts["answer"],
        answer_heading=ANSWER_LABELS[choice.how_chosen],
        how_chosen=choice.how_chosen,
        others=[{"text": texts[f"other {number}"], "author": _shown_author(other, people), "score": other.score,
                 "answered_on": other.created_at[:10]} for number, other in enumerate(others)],
    )
    meta = {
        "id": f"{source.name}:{thread.native_id}",
        "title": texts["title"],
        "status": "pending",
        "kind": "faq",
        "tags": _unique(one_line(tag).lower() for tag in thread.tags),
        "source": _without_empty({
            "name": source.name,
            "type": source.type,
            "url": thread.url,
            "updated_at": thread.updated_at,
            "audience": source.audience,
            "related": [f"{source.name}:{native}" for native in thread.related],
            "duplicate_of": f"{source.name}:{thread.duplicate_of}" if thread.duplicate_of else None,
        }),
        "question": _post_meta(thread.question, "asked_at", people),
        "answer": _without_empty({
            "how_chosen": choice.how_chosen,
            "confidence": choice.confidence,
            "why": choice.why,
            **_post_meta(choice.answer, "answered_at", people),
        }),
    }
    meta["source"]["fingerprint"] = fingerprint(meta, body)
    return Entry(meta=meta, body=body)


def other_answers(thread: Thread, choice: Choice) -> list[Post]:
    """The answers besides the chosen one that voters found useful, best first."""
    upvoted = [answer for answer in thread.answers if answer is not choice.answer and (answer.score or 0) > 0]
    return sorted(upvoted, key=lambda answer: (-answer.score, answer.created_at))[:OTHER_ANSWERS]


def resource_entry(source: SourceConfig, resource: Resource, redactor: Redactor) -> Entry:
    """A curated link as an entry of kind resource: its description is the body."""
    description = _to_markdown(resource.description, resource.body_format, resource.url)
    texts = redactor.thread({"title": one_line(resource.title or _readable_url(resource.url)), "description": description})
    meta = {
        "id": f"{source.name}:{resource.native_id}",
        "title": texts["title"],
        "status": "pending",
        "kind": "resource",
        "tags": _unique(one_line(tag).lower() for tag in resource.tags),
        "source": _without_empty({"name": source.name, "type": source.type, "url": resource.url,
                                  "updated_at": resource.updated_at, "audience": source.audience}),
        "resource": _without_empty({"url": resource.url, "curator": resource.curator, "published_at": resource.published_at}),
    }
    body = texts["description"].strip() + "\n"
    meta["source"]["fingerprint"] = fingerprint(meta, body)
    return Entry(meta=meta, body=body)


def _readable_url(url: str) -> str:
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/")


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _to_markdown(body: str, body_format: str, base_url: str | None) -> str:
    if body_format == "markdown":
        return neutralize_markdown_html(body).strip()
    return html_to_markdown(body, base_url).strip()


def _markdown(post: Post, base_url: str | None, people: People) -> str:
    text = _to_markdown(post.body, post.body_format, base_url)
    for name in sorted(set(post.mentions), key=len, reverse=True):  # @mentions obey the author privacy settings
        shown = people.shown(name) or "someone"
        if shown != name:  # sources write mentions as @ and the name escaped for Markdown
            text = re.sub(rf"@{re.escape(markdown_text(name))}(?!\w)", lambda _, shown=shown: f"@{markdown_text(shown)}", text)
    return text


def _shown_author(post: Post, people: People) -> str | None:
    return people.shown(one_line(post.author)) if post.author else None


def _post_meta(post: Post, date_key: str, people: People) -> dict:
    return _without_empty({
        "author": _shown_author(post, people),
        date_key: post.created_at,
        "score": post.score,
        "url": post.url,
    })


def _without_empty(mapping: dict) -> dict:
    return {key: value for key, value in mapping.items() if value not in (None, "", [])}


def _unique(items) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))
