"""kb digest: what the knowledge base gained in a period, for a chat channel or an e-mail."""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jinja2

from harvester import engine, site, store
from harvester.frontmatter import parse_time
from harvester.workspace import MKDOCS_FILE

FORMATS = ("md", "slack", "html")
TOP_CONTRIBUTORS = 5


@dataclass
class Item:
    id: str
    title: str
    url: str
    tags: list[str]


@dataclass
class Digest:
    since: str  # dates, YYYY-MM-DD
    until: str
    new: list[Item] = field(default_factory=list)
    updated: list[Item] = field(default_factory=list)
    resources: list[Item] = field(default_factory=list)
    contributors: list[tuple[str, int]] = field(default_factory=list)  # answer authors, as the site shows them


def collect(root: Path, days: int, at: datetime | None = None) -> Digest:
    """Approved entries new or updated in the last `days` days (up to `at`)."""
    until = at or datetime.now(timezone.utc)
    since = until - timedelta(days=days)
    base = (engine.site_url(root / MKDOCS_FILE, root / store.CONTENT_DIR) or "").rstrip("/")
    digest = Digest(since.strftime("%Y-%m-%d"), until.strftime("%Y-%m-%d"))
    authors: Counter = Counter()
    for entry in sorted(store.load_all(root), key=lambda e: e.title.lower()):
        if entry.status != "approved" or entry.meta["kind"] == "playbook":
            continue
        approved = _when(entry.meta.get("reviewed_at"))
        touched = max(filter(None, [_when(entry.meta.get("edited_at")), _when(entry.meta.get("verified_at")),
                                    _when((entry.meta.get("source_change") or {}).get("at"))]), default=None)
        item = Item(entry.id, entry.title, f"{base}/{site.entry_url(entry.id)}" if base else site.entry_url(entry.id), entry.tags)
        if approved and since <= approved <= until:
            (digest.resources if entry.meta["kind"] == "resource" else digest.new).append(item)
        elif touched and since <= touched <= until:
            digest.updated.append(item)
        else:
            continue
        if author := (entry.meta.get("answer") or {}).get("author"):
            authors[author] += 1
    digest.contributors = sorted(authors.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP_CONTRIBUTORS]
    return digest


def render(digest: Digest, form: str, templates: jinja2.Environment) -> str:
    if form == "slack":
        return json.dumps(slack_blocks(digest), indent=2, ensure_ascii=False) + "\n"
    return templates.get_template(f"digest.{form}.j2").render(digest=digest)


def slack_blocks(digest: Digest) -> dict:
    """A Block Kit message: post it to an incoming webhook as is."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": f"Knowledge base: {digest.since} to {digest.until}"}}]
    for heading, items in (("New answers", digest.new), ("Updated", digest.updated), ("New resources", digest.resources)):
        if items:
            lines = "\n".join(f"• <{_slack(item.url)}|{_slack(item.title)}>" for item in items[:20])
            more = f"\n…and {len(items) - 20} more" if len(items) > 20 else ""
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{heading}* ({len(items)})\n{lines}{more}"}})
    if digest.contributors:
        thanks = ", ".join(f"{_slack(name)} ({count})" for name, count in digest.contributors)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Thanks to {thanks}"}]})
    if len(blocks) == 1:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "Nothing new this time."}})
    return {"text": f"Knowledge base digest, {digest.since} to {digest.until}", "blocks": blocks}


def _slack(text: str) -> str:
    """Slack's own escaping: the three characters its markup gives meaning to."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _when(value) -> datetime | None:
    return parse_time(value) if value else None
