"""`slack`: channels read live over Slack's Web API.

conversations.history lists a channel's messages (cursor-paged); conversations.replies reads
each thread; users.info names the people in them, once each. Incremental runs ask history
only for messages after the saved cursor, less `lookback_days`: a reply does not bring an old
parent back into history, so threads started in that window are re-read for new replies.
Rate limits (HTTP 429 with Retry-After, per method tier) are waited out by the HTTP client.
"""

import os
import re
from dataclasses import dataclass, field

from harvester import chat
from harvester.errors import KbError
from harvester.http import Client
from harvester.sources import register
from harvester.sources.slack_messages import is_conversation, native_id, permalink, to_chat, user_name

PAGE_SIZE = 200
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


@dataclass(kw_only=True)
class SlackOptions(chat.ChatConventions):
    channels: list[str]  # names or ids
    token_env: str  # names the environment variable holding a bot or user token (xoxb-/xoxp-)
    base_url: str = "https://slack.com/api"
    workspace_url: str | None = None  # e.g. https://acme.slack.com, for links back to each thread
    lookback_days: int = 14  # incremental runs re-read threads started this long before the cursor
    link_channels: list[str] = field(default_factory=list)  # channels for sharing links: each link becomes a resource


@register("slack")
class Slack:
    Options = SlackOptions

    def __init__(self, name: str, options: SlackOptions, http: Client | None = None):
        self.name, self.options = name, options
        self.http = http or Client(options.base_url, headers=_auth_header(options), credential_env=options.token_env)
        self.min_answer_score = None
        self.cursor: str | None = None  # the newest message ts seen
        self.still_at_source = None  # history is read from a point in time: absence proves nothing
        self._users: dict[str, str] = {}
        self._bots: set[str] = set()
        self._known_channels: dict[str, str] = {}  # name -> id, from conversations.list, once

    def threads(self, since: str | None = None):
        oldest = f"{max(0.0, float(since) - self.options.lookback_days * 86400):.6f}" if since else None
        conversations = []
        link_channels = self._channel_ids(self.options.link_channels) if self.options.link_channels else {}
        channel_names = {**self._channel_ids(self.options.channels), **link_channels}
        shared: dict[str, list[chat.ChatMessage]] = {channel_id: [] for channel_id in link_channels}
        for channel_id, channel_name in channel_names.items():
            for parent in self._history(channel_id, oldest):
                self.cursor = max(self.cursor or "0", parent["ts"], key=float)
                if channel_id in shared:  # a channel for sharing links: its messages are not Q&A
                    link = permalink(self.options.workspace_url, channel_id, parent["ts"])
                    shared[channel_id].append(to_chat(parent, self._users, self._bots, channel_names, link))
                    continue
                if parent.get("reply_count") and parent.get("thread_ts", parent["ts"]) == parent["ts"]:
                    replies = [m for m in self._replies(channel_id, parent["ts"]) if is_conversation(m)]
                    self._learn_users(replies)
                    chats = [to_chat(m, self._users, self._bots, channel_names,
                                     permalink(self.options.workspace_url, channel_id, m["ts"], parent["ts"])) for m in replies]
                    conversations.append(chat.Conversation(native_id(channel_id, parent["ts"]), chats, tags=[channel_name]))
        for channel_id, messages in shared.items():
            yield from chat.shared_links(messages, [channel_names[channel_id]])
        yield from chat.threads(conversations, self.options)

    def _channel_ids(self, channels: list[str]) -> dict[str, str]:
        """id -> name for these channels, in order; names are looked up in conversations.list."""
        wanted = [channel.lstrip("#") for channel in channels]
        if all(_CHANNEL_ID.match(channel) for channel in wanted):
            return {channel: channel for channel in wanted}
        known = self._known_channels
        for page in [] if known else self._pages("conversations.list", {"types": "public_channel,private_channel", "exclude_archived": "true"}):
            known.update({c["name"]: c["id"] for c in page.get("channels", [])})
        missing = [channel for channel in wanted if channel not in known and not _CHANNEL_ID.match(channel)]
        if missing:
            raise KbError(f"no channel named {', '.join(missing)} visible to the token in ${self.options.token_env} "
                          "(invite the app to the channel, or use the channel id)")
        return {known.get(channel, channel): channel for channel in wanted}

    def _history(self, channel_id: str, oldest: str | None):
        params = {"channel": channel_id, **({"oldest": oldest} if oldest else {})}
        for page in self._pages("conversations.history", params):
            messages = [m for m in page.get("messages", []) if is_conversation(m)]
            self._learn_users(messages)
            yield from messages

    def _replies(self, channel_id: str, ts: str) -> list[dict]:
        return [m for page in self._pages("conversations.replies", {"channel": channel_id, "ts": ts}) for m in page.get("messages", [])]

    def _learn_users(self, messages: list[dict]) -> None:
        """Name every author, reactor and mention not met before (users.info, once per person)."""
        ids = set()
        for message in messages:
            ids.add(message.get("user"))
            ids.update(user for reaction in message.get("reactions", []) for user in reaction.get("users", []))
            ids.update(re.findall(r"<@(U\w+)", message.get("text", "")))
        for user_id in sorted(ids - set(self._users) - {None}):
            user = self._call("users.info", {"user": user_id}, tolerate={"user_not_found"}).get("user") or {}
            self._users[user_id] = user_name(user) or user_id
            if user.get("is_bot"):
                self._bots.add(user_id)

    def _pages(self, method: str, params: dict):
        cursor = None
        while True:
            page = self._call(method, {**params, "limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})})
            yield page
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def _call(self, method: str, params: dict, tolerate: set[str] = frozenset()) -> dict:
        payload = self.http.get_json(f"/{method}", params)
        if not isinstance(payload, dict):
            raise KbError(f"{self.http.last_url}: not the response Slack's Web API gives")
        if not payload.get("ok") and payload.get("error") in tolerate:
            return {}
        if not payload.get("ok"):
            error = payload.get("error", "unknown error")
            hint = f"; check the token in ${self.options.token_env}" if error in ("not_authed", "invalid_auth", "token_revoked", "missing_scope") else ""
            raise KbError(f"{self.http.last_url}: Slack says {error}{hint}")
        return payload


def _auth_header(options: SlackOptions) -> dict[str, str]:
    token = os.environ.get(options.token_env)
    if not token:
        raise KbError(f"environment variable {options.token_env} is not set (it holds the Slack token)")
    return {"Authorization": f"Bearer {token}"}
