"""Slack message objects (the same in exports and in the Web API) as chat messages.

Shared by `slack-export` and `slack`: which messages are people talking (not joins, topic
changes or bots), how threads are keyed, names, reactions, files and permalinks.
"""

import re
from collections.abc import Mapping
from datetime import datetime, timezone

from harvester.chat import ChatMessage, Reaction
from harvester.chatmarkup import slack_to_markdown
from harvester.templating import markdown_text, safe_url

# Messages Slack writes about the channel rather than people writing in it.
SYSTEM_SUBTYPES = {
    "channel_join", "channel_leave", "channel_purpose", "channel_topic", "channel_name", "channel_archive",
    "channel_unarchive", "group_join", "group_leave", "group_purpose", "group_topic", "group_name",
    "group_archive", "group_unarchive", "bot_add", "bot_remove", "pinned_item", "unpinned_item",
    "reminder_add", "tombstone", "file_comment", "joiner_notification", "huddle_thread", "channel_convert_to_private",
}
# Archivers that strip subtypes still leave the join notice's words.
_JOIN_NOTICE = re.compile(r"^<@\w+(\|[^>]*)?> has (joined|left) the (channel|group)$")


def is_conversation(message: dict) -> bool:
    """A message people wrote (or a bot posted), not a notice about the channel."""
    if message.get("type", "message") != "message" or message.get("subtype") in SYSTEM_SUBTYPES:
        return False
    return not _JOIN_NOTICE.match(message.get("text", "").strip())


def thread_key(message: dict) -> str:
    return message.get("thread_ts") or message["ts"]


def to_chat(message: dict, users: Mapping[str, str], bots: set[str], channels: Mapping[str, str],
            permalink: str | None) -> ChatMessage:
    text, mentions = slack_to_markdown(message.get("text", ""), users, channels)
    files = [*message.get("files", []), *([message["file"]] if isinstance(message.get("file"), dict) else [])]
    links = [f"[{markdown_text(f.get('name') or f.get('title') or 'file')}]({url})" for f in files
             if (url := safe_url(f.get("permalink") or f.get("url_private")))]
    if links:
        text = (text + "\n\n" if text else "") + "Files: " + ", ".join(links)
    user = message.get("user") or message.get("bot_id")
    reactions = [
        Reaction(r.get("name", ""), int(r.get("count") or len(r.get("users", []))), list(r.get("users", [])),
                 [users[u] for u in r.get("users", []) if u in users])
        for r in message.get("reactions", [])
    ]
    edited = (message.get("edited") or {}).get("ts")
    return ChatMessage(
        id=message["ts"],
        author_id=user,
        author=users.get(user or "") or message.get("username") or (message.get("bot_profile") or {}).get("name"),
        text=text,
        created_at=from_ts(message["ts"]),
        edited_at=from_ts(edited) if edited else None,
        reactions=reactions,
        is_bot=bool(message.get("bot_id")) or message.get("subtype") == "bot_message" or user in bots,
        url=permalink,
        mentions=mentions,
    )


def user_name(user: dict) -> str:
    """How Slack shows a person: display name, else real name, else handle."""
    profile = user.get("profile") or {}
    return (profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name") or "").strip()


def permalink(workspace_url: str | None, channel_id: str, ts: str, thread_ts: str | None = None) -> str | None:
    if not workspace_url:
        return None
    link = f"{workspace_url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
    return link + (f"?thread_ts={thread_ts}&cid={channel_id}" if thread_ts and thread_ts != ts else "")


def native_id(channel_id: str, ts: str) -> str:
    return f"{channel_id}-{ts.replace('.', '-')}"


def from_ts(ts: str) -> str:
    return datetime.fromtimestamp(float(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
