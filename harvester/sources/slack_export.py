"""`slack-export`: a Slack workspace export, as its .zip or the unpacked folder.

Two layouts are read:
- Slack's own export: users.json, channels.json (public) and groups.json (private), and one
  folder per channel name holding a file per day; threads by `thread_ts`.
- slack-log archives: users_map.json, slack-log.yaml naming the channels, and one folder per
  channel id holding page files, with each thread in `<page>/<parent ts>.json`: there the file
  path is the only link between a reply and its thread.
Only public channels are read unless `channels` names others. The export is read whole before
anything is yielded, so a broken file fails the source without half a harvest.
"""

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from harvester import chat
from harvester.archives import ExportTree
from harvester.errors import KbError
from harvester.sources import ReadWhole, register
from harvester.sources.slack_messages import is_conversation, native_id, permalink, thread_key, to_chat, user_name

_TS = re.compile(r"^\d+\.\d+$")


@dataclass(kw_only=True)
class SlackExportOptions(chat.ChatConventions):
    path: Path  # the export .zip or its unpacked folder
    channels: list[str] | None = None  # names or ids; default every public channel in the export
    workspace_url: str | None = None  # e.g. https://acme.slack.com, for links back to each thread
    link_channels: list[str] = field(default_factory=list)  # channels for sharing links: each link becomes a resource


@register("slack-export")
class SlackExport(ReadWhole):
    Options = SlackExportOptions

    def threads(self, since: str | None = None):
        tree = ExportTree(self.options.path)
        try:
            conversations, resources = self._read(tree)
        finally:
            tree.close()
        self.still_at_source = {c.native_id for c in conversations} | {r.native_id for r in resources}
        yield from resources
        yield from chat.threads(conversations, self.options)

    def _read(self, tree: ExportTree) -> tuple[list[chat.Conversation], list]:
        """The Q&A threads of the chosen channels, and the links shared in the link channels."""
        names = tree.names()
        users, bots = _users(tree, names)
        public, private = _channels(tree, names)
        everything = {**public, **private}
        conversations, resources = [], []
        link_channels = set(self._resolve(self.options.link_channels, public, private)) if self.options.link_channels else set()
        for channel_id in sorted(set(self._chosen(public, private)) | link_channels):
            channel_name = everything[channel_id]
            folder = next((f for f in (channel_name, channel_id) if any(n.startswith(f + "/") for n in names)), None)
            if folder is None:
                continue  # listed, but the export holds no messages for it
            threads: dict[str, dict[str, dict]] = defaultdict(dict)
            for name in names:
                if name.startswith(folder + "/") and name.endswith(".json"):
                    inner = PurePosixPath(name).relative_to(folder)
                    # slack-log: <page>/<parent ts>.json holds one thread, named by its parent
                    by_file = inner.stem if len(inner.parts) == 2 and _TS.match(inner.stem) else None
                    for message in _messages(tree, name):
                        if is_conversation(message):
                            threads[by_file or thread_key(message)][message["ts"]] = message
            if channel_id in link_channels:
                chats = [to_chat(m, users, bots, everything, permalink(self.options.workspace_url, channel_id, m["ts"], key))
                         for key, messages in threads.items() for m in messages.values()]
                resources.extend(chat.shared_links(chats, [channel_name]))
                continue
            for key, messages in sorted(threads.items()):
                if len(messages) < 2 or key not in messages:
                    continue  # a message nobody replied to, or replies whose parent is not in the export
                chats = [to_chat(m, users, bots, everything, permalink(self.options.workspace_url, channel_id, m["ts"], key))
                         for m in sorted(messages.values(), key=lambda m: float(m["ts"]))]
                conversations.append(chat.Conversation(native_id(channel_id, key), chats, tags=[channel_name]))
        return conversations, resources

    def _chosen(self, public: dict[str, str], private: dict[str, str]) -> list[str]:
        if not self.options.channels:
            return sorted(public)
        return self._resolve(self.options.channels, public, private)

    def _resolve(self, wanted_channels: list[str], public: dict[str, str], private: dict[str, str]) -> list[str]:
        everything = {**public, **private}
        by_name = {name: channel_id for channel_id, name in everything.items()}
        chosen, unknown = [], []
        for wanted in wanted_channels:
            channel_id = wanted if wanted in everything else by_name.get(wanted.lstrip("#"))
            (chosen.append(channel_id) if channel_id else unknown.append(wanted))
        if unknown:
            raise KbError(f"{self.options.path}: no channel {', '.join(unknown)} in the export "
                          f"(it has: {', '.join(sorted(by_name)) or 'none'})")
        return chosen


def _users(tree: ExportTree, names: list[str]) -> tuple[dict[str, str], set[str]]:
    """id -> the name Slack shows, and the ids of bots."""
    if "users.json" in names:
        listed = _json(tree, "users.json", list)
        return ({u["id"]: user_name(u) for u in listed if isinstance(u, dict) and "id" in u},
                {u["id"] for u in listed if isinstance(u, dict) and u.get("is_bot")})
    if "users_map.json" in names:
        return {uid: name for uid, name in _json(tree, "users_map.json", dict).items() if name}, set()
    return {}, set()


def _channels(tree: ExportTree, names: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(public, private) channels, id -> name."""
    public: dict[str, str] = {}
    private: dict[str, str] = {}
    for file, into in (("channels.json", public), ("groups.json", private)):
        if file in names:
            into.update({c["id"]: c["name"] for c in _json(tree, file, list) if isinstance(c, dict) and "id" in c})
    if "slack-log.yaml" in names:
        settings = yaml.safe_load(tree.read_bytes("slack-log.yaml")) or {}
        for channel_id, name in (settings.get("targetChannels") or {}).items():
            (private if str(channel_id).startswith("G") else public)[str(channel_id)] = str(name)
    return public, private


def _messages(tree: ExportTree, name: str) -> list[dict]:
    messages = _json(tree, name, list)
    bad = next((m for m in messages if not isinstance(m, dict) or not isinstance(m.get("ts"), str)), None)
    if bad is not None:
        raise KbError(f"{tree.path}: {name} holds something that is not a Slack message (no \"ts\"): {str(bad)[:80]}")
    return messages


def _json(tree: ExportTree, name: str, shape: type):
    try:
        data = json.loads(tree.read_bytes(name))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KbError(f"{tree.path}: {name} is not valid JSON ({exc}); nothing was harvested from this export") from None
    if not isinstance(data, shape):
        raise KbError(f"{tree.path}: {name} should hold a JSON {'list' if shape is list else 'object'}")
    return data
