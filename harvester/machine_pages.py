"""What the site says to programs rather than readers: Atom and RSS feeds of new entries (the
whole site and each tag), robots.txt, and each entry page's summary and QAPage structured data.
"""

import json
import posixpath
from datetime import datetime
from email.utils import format_datetime

import jinja2

from harvester.model import Entry, split_body
from harvester.templating import plain_text

FEEDS_DIR = "feeds"
FEED_SIZE = 50  # newest entries per feed
SUMMARY_LENGTH = 300  # characters of the question in a feed item or a page description
# How each way of choosing is said in schema.org terms: only a confirmed answer is "accepted".
_SCHEMA_ANSWER = {"accepted": "acceptedAnswer", "marked": "acceptedAnswer",
                  "top-voted": "suggestedAnswer", "suggested": "suggestedAnswer"}


def feed_pages(newest_first: list[Entry], tags: list, templates: jinja2.Environment,
               site_name: str, site_url: str | None, href) -> dict[str, str]:
    """Atom and RSS feeds of the newest entries, for the whole site and for each tag.
    `href(entry_id)` is an entry page's address relative to the site root."""
    pages = {}
    newest_by_tag: dict[str, list[Entry]] = {tag.name: [] for tag in tags}
    for entry in newest_first:  # one pass, not one per tag: a site has hundreds of tags
        for name in entry.tags:
            if name in newest_by_tag and len(newest_by_tag[name]) < FEED_SIZE:
                newest_by_tag[name].append(entry)
    feeds = [("", site_name, newest_first)] + [
        (f"tags/{tag.slug}/", f"{site_name}: {tag.name}", newest_by_tag[tag.name]) for tag in tags]
    for folder, title, entries in feeds:
        base = f"{FEEDS_DIR}/{folder}"
        items = [_item(entry, _link(base, href(entry.id), site_url)) for entry in entries[:FEED_SIZE]]
        context = {"title": title, "items": items, "updated": items[0]["updated"] if items else "1970-01-01T00:00:00Z",
                   "id": f"urn:kb:feed:{folder or 'all'}", "home": _link(base, "", site_url)}
        pages[f"{base}atom.xml"] = templates.get_template("pages/atom.xml.j2").render(**context)
        pages[f"{base}rss.xml"] = templates.get_template("pages/rss.xml.j2").render(**context)
    return pages


def robots(site_url: str | None) -> str:
    sitemap = f"Sitemap: {site_url.rstrip('/')}/sitemap.xml\n" if site_url else ""
    return f"User-agent: *\nAllow: /\n{sitemap}"


def description(entry: Entry) -> str:
    """The question in a few plain sentences: the page's meta description and feed summary."""
    question = plain_text(split_body(entry.body)[0])
    return question if len(question) <= SUMMARY_LENGTH else question[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def structured_data(entry: Entry) -> str | None:
    """The entry as schema.org QAPage JSON-LD, ready to sit inside a <script> element: "<",
    ">" and "&" are escaped so harvested text can never close the element. None for entries
    without a question and answer (curated resources)."""
    answer_meta = entry.meta.get("answer") or {}
    question_meta = entry.meta.get("question") or {}
    how = answer_meta.get("how_chosen")
    if how not in _SCHEMA_ANSWER:
        return None
    question, answer = split_body(entry.body)
    answer_data = {"@type": "Answer", "text": plain_text(answer), "url": "#answer",
                   **_dated_by(answer_meta.get("answered_at"), answer_meta.get("author"))}
    if answer_meta.get("score") is not None:
        answer_data["upvoteCount"] = answer_meta["score"]
    data = {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": {
        "@type": "Question", "name": entry.title, "text": plain_text(question), "answerCount": 1,
        **_dated_by(question_meta.get("asked_at"), question_meta.get("author")),
        _SCHEMA_ANSWER[how]: answer_data,
    }}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _dated_by(when, who) -> dict:
    found = {}
    if when:
        found["dateCreated"] = str(when)
    if who:
        found["author"] = {"@type": "Person", "name": str(who)}
    return found


def _item(entry: Entry, link: str) -> dict:
    updated = str((entry.meta.get("source") or {}).get("updated_at") or entry.meta.get("reviewed_at") or "1970-01-01T00:00:00Z")
    return {"title": entry.title, "link": link, "id": f"urn:kb:entry:{entry.id}", "updated": updated,
            "rfc822": format_datetime(datetime.fromisoformat(updated)),
            "summary": description(entry), "tags": entry.tags}


def _link(feed_folder: str, target: str, site_url: str | None) -> str:
    # Absolute where the site's address is known; otherwise relative to the feed, which feed
    # readers resolve against the feed's own address.
    if site_url:
        return site_url.rstrip("/") + "/" + target
    return posixpath.relpath(target or ".", feed_folder) + ("/" if target.endswith("/") or not target else "")
