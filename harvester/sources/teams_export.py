"""`teams-export`: Microsoft Teams channel messages as Microsoft Graph returns them.

The input is what `GET /teams/{id}/channels/{id}/messages?$expand=replies` (and, for long
threads, `.../messages/{id}/replies`) return, saved as JSON: one file or a folder of pages,
each `{"value": [chatMessage, ...]}` or a bare list. A thread is a root message and the
replies that name it in `replyToId`, wherever they were saved. HTML bodies are sanitized and
turned into Markdown; `<at>` mentions become @names; the channel post's subject is its title.
System events and deleted messages are left out.
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from harvester import chat
from harvester.convert import html_to_markdown
from harvester.errors import KbError
from harvester.sources import ReadWhole, register
from harvester.templating import markdown_text, safe_url

_AT = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)


@dataclass(kw_only=True)
class TeamsExportOptions(chat.ChatConventions):
    path: Path  # a Graph chatMessage JSON file, or a folder of them
    channel: str | None = None  # the channel's name, kept as a tag
    shares_links: bool = False  # a channel for sharing links: each link becomes a resource, not Q&A


@register("teams-export")
class TeamsExport(ReadWhole):
    Options = TeamsExportOptions

    def threads(self, since: str | None = None):
        files = sorted(self.options.path.rglob("*.json")) if self.options.path.is_dir() else [self.options.path]
        messages: dict[str, dict] = {}
        for path in files:  # every file read before anything is yielded
            for message in _messages(path):
                messages[message["id"]] = message
        tags = [self.options.channel] if self.options.channel else []
        live = [m for m in messages.values() if m.get("messageType", "message") == "message" and not m.get("deletedDateTime")]
        if self.options.shares_links:
            resources = chat.shared_links([_chat(m) for m in live], tags)
            self.still_at_source = {resource.native_id for resource in resources}
            yield from resources
            return
        roots: dict[str, list[dict]] = {}
        for message in messages.values():
            if message.get("messageType", "message") == "message" and not message.get("deletedDateTime"):
                roots.setdefault(message.get("replyToId") or message["id"], []).append(message)
        conversations = [
            chat.Conversation(root, [_chat(m) for m in thread], tags=tags,
                              title=(messages[root].get("subject") or "").strip() or None)
            for root, thread in sorted(roots.items()) if root in messages and len(thread) > 1
        ]
        self.still_at_source = {root for root in roots if root in messages}
        yield from chat.threads(conversations, self.options)


def _messages(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KbError(f"{path}: not valid JSON ({exc}); nothing was harvested from this source") from None
    listed = data.get("value") if isinstance(data, dict) else data
    if not isinstance(listed, list):
        raise KbError(f'{path}: expected Graph chat messages ({{"value": [...]}} or a list)')
    found = []
    for message in listed:
        if not isinstance(message, dict) or not isinstance(message.get("id"), str):
            raise KbError(f"{path}: holds something that is not a chatMessage (no \"id\"): {str(message)[:80]}")
        found.append(message)
        found.extend(reply for reply in message.get("replies") or [] if isinstance(reply, dict) and "id" in reply)
    return found


def _chat(message: dict) -> chat.ChatMessage:
    body = message.get("body") or {}
    content = body.get("content") or ""
    mentions = [(m.get("mentioned") or {}).get("user", {}) or {} for m in message.get("mentions", [])]
    names = [m.get("displayName") for m in mentions if m.get("displayName")]
    if (body.get("contentType") or "text").lower() == "html":
        content = _AT.sub(lambda match: "@" + re.sub(r"<[^>]+>", "", match.group(1)), content)
        text = html_to_markdown(content).strip()
    else:
        text = markdown_text(content)
    files = [f"[{markdown_text(a.get('name') or 'file')}]({url})" for a in message.get("attachments", [])
             if (url := safe_url(a.get("contentUrl")))]
    if files:
        text = (text + "\n\n" if text else "") + "Files: " + ", ".join(files)
    author = ((message.get("from") or {}).get("user")) or {}
    application = (message.get("from") or {}).get("application")
    reactions: dict[str, chat.Reaction] = {}
    for reaction in message.get("reactions", []):
        kind = reaction.get("reactionType") or ""
        who = ((reaction.get("user") or {}).get("user")) or {}
        entry = reactions.setdefault(kind, chat.Reaction(kind, 0))
        entry.count += 1
        entry.users += [who["id"]] if who.get("id") else []
        entry.user_names += [who["displayName"]] if who.get("displayName") else []
    edited = message.get("lastEditedDateTime")
    return chat.ChatMessage(
        id=message["id"],
        author_id=author.get("id"),
        author=author.get("displayName"),
        text=text,
        created_at=_utc(message["createdDateTime"]),
        edited_at=_utc(edited) if edited else None,
        reactions=list(reactions.values()),
        is_bot=bool(application) and not author,
        url=safe_url(message.get("webUrl")) or None,
        mentions=names,
    )


def _utc(timestamp: str) -> str:
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
