"""`discord-export`: DiscordChatExporter JSON, one channel per file (a file or a folder of them).

In a text channel, a thread is a message and the replies that point to it, directly or
through other replies (`reference.messageId`). A thread or forum post exported as a channel of
its own is one thread, titled by its name. Every file is parsed before anything is yielded:
an export interrupted mid-file fails the source, naming the file, with nothing half-harvested.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from harvester import chat
from harvester.chatmarkup import discord_to_markdown
from harvester.errors import KbError
from harvester.sources import ReadWhole, register
from harvester.templating import markdown_text, safe_url

TALK = {"Default", "Reply", "ThreadStarterMessage"}  # join notices, pins, calls and renames are not
THREAD_CHANNELS = {"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"}
_SOLVED_NAME = re.compile(r"^\s*(\[(solved|resolved|answered)\]|✅|✔️?|solved\s*[:\-])", re.IGNORECASE)


@dataclass(kw_only=True)
class DiscordExportOptions(chat.ChatConventions):
    path: Path  # a DiscordChatExporter .json file, or a folder of them
    link_channels: list[str] = field(default_factory=list)  # channels for sharing links: each link becomes a resource


@register("discord-export")
class DiscordExport(ReadWhole):
    Options = DiscordExportOptions

    def threads(self, since: str | None = None):
        files = sorted(self.options.path.rglob("*.json")) if self.options.path.is_dir() else [self.options.path]
        exports = [(path, _load(path)) for path in files]  # all parsed before anything is yielded
        link_channels = {name.lstrip("#").casefold() for name in self.options.link_channels}
        conversations, resources = [], []
        for path, export in exports:
            if (export["channel"].get("name") or "").casefold() in link_channels:
                resources.extend(chat.shared_links([m for c in _conversations(path, export, every_message=True) for m in c.messages],
                                                   [export["channel"]["name"]]))
            else:
                conversations.extend(_conversations(path, export))
        self.still_at_source = {c.native_id for c in conversations} | {r.native_id for r in resources}
        yield from resources
        yield from chat.threads(conversations, self.options)


def _load(path: Path) -> dict:
    try:
        export = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise KbError(f"{path}: truncated or invalid JSON at line {exc.lineno}, column {exc.colno} "
                      "(an interrupted export?); nothing was harvested from this source") from None
    except UnicodeDecodeError:
        raise KbError(f"{path}: not UTF-8 text") from None
    if not isinstance(export, dict) or not isinstance(export.get("messages"), list) or not isinstance(export.get("channel"), dict):
        raise KbError(f"{path}: not a DiscordChatExporter JSON export (no \"channel\" and \"messages\")")
    return export


def _conversations(path: Path, export: dict, every_message: bool = False) -> list[chat.Conversation]:
    """The export's threads; with `every_message`, lone messages too (each its own)."""
    channel, guild = export["channel"], export.get("guild") or {}
    try:
        messages = [m for m in export["messages"] if m.get("type") in TALK]
        by_id = {m["id"]: m for m in messages}
        chats = {m["id"]: _chat(m, guild.get("id"), channel["id"]) for m in messages}
    except (KeyError, TypeError, AttributeError) as exc:
        raise KbError(f"{path}: a message is missing {exc} (not the shape DiscordChatExporter writes)") from None
    tags = [channel.get("category") or "", channel.get("name") or ""]
    tags = [tag for tag in tags if tag]
    if channel.get("type") in THREAD_CHANNELS:  # a thread or forum post: the whole file is one
        name = channel.get("name") or ""
        return [chat.Conversation(channel["id"], list(chats.values()), tags=tags[:1], title=_SOLVED_NAME.sub("", name).strip() or None,
                                  solved=bool(_SOLVED_NAME.match(name)))] if chats else []
    roots: dict[str, list[str]] = {}
    for message in messages:
        root = _root(message, by_id)
        roots.setdefault(root, []).append(message["id"])
    return [chat.Conversation(root, [chats[i] for i in ids], tags=tags)
            for root, ids in roots.items() if len(ids) > 1 or every_message]


def _root(message: dict, by_id: dict[str, dict]) -> str:
    """The first message of the reply chain this one belongs to (within this export)."""
    seen = {message["id"]}
    while (parent := (message.get("reference") or {}).get("messageId")) in by_id and parent not in seen:
        seen.add(parent)
        message = by_id[parent]
    return message["id"]


def _chat(message: dict, guild_id: str | None, channel_id: str) -> chat.ChatMessage:
    mentioned = [m.get("nickname") or m.get("name") for m in message.get("mentions", []) if m.get("nickname") or m.get("name")]
    text, mentions = discord_to_markdown(message.get("content") or "", mentioned)
    links = [f"[{markdown_text(a.get('fileName') or 'file')}]({url})" for a in message.get("attachments", [])
             if (url := safe_url(a.get("url")))]
    links += [f"[{markdown_text(e.get('title') or url)}]({url})" for e in message.get("embeds", [])
              if (url := safe_url(e.get("url"))) and url not in text]
    if links:
        text = (text + "\n\n" if text else "") + "Links: " + ", ".join(links)
    author = message.get("author") or {}
    return chat.ChatMessage(
        id=message["id"],
        author_id=author.get("id"),
        author=author.get("nickname") or author.get("name"),
        text=text,
        created_at=_utc(message["timestamp"]),
        edited_at=_utc(message["timestampEdited"]) if message.get("timestampEdited") else None,
        reactions=[chat.Reaction((r.get("emoji") or {}).get("name") or "", int(r.get("count") or 0),
                                 [u.get("id") for u in r.get("users", []) if u.get("id")],
                                 [u.get("nickname") or u.get("name") for u in r.get("users", []) if u.get("nickname") or u.get("name")])
                   for r in message.get("reactions", [])],
        is_bot=bool(author.get("isBot")),
        url=f"https://discord.com/channels/{guild_id}/{channel_id}/{message['id']}" if guild_id else None,
        mentions=mentions,
        groups=[role.get("name") for role in author.get("roles", []) if isinstance(role, dict) and role.get("name")],
    )


def _utc(timestamp: str) -> str:
    """DiscordChatExporter writes local offsets and 1-7 fractional digits; kb stores UTC seconds."""
    moment = datetime.fromisoformat(timestamp)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
