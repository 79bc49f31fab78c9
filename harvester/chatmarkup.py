"""Slack mrkdwn and Discord markdown to the Markdown entries are written in.

Both keep code exactly as typed (only Slack's &lt; &gt; &amp; escaping undone inside it), turn
platform tokens (mentions, channel links, labelled URLs, custom emoji) into plain Markdown,
and keep the line breaks chat users typed. Each returns the text and the names it mentions,
so mentions can follow the same privacy settings as authors.
"""

import html
import re
from collections.abc import Mapping
from datetime import datetime, timezone

import emoji

from harvester.templating import markdown_text, safe_url

_FENCE = re.compile(r"```(.*?)```", re.DOTALL)
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")
_SLACK_TOKEN = re.compile(r"<([^<>\s][^<>]*)>")
_SLACK_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_SHORTCODE = re.compile(r":[a-z0-9_+\-']+:")
_DISCORD_TOKEN = re.compile(r"<(a?:(\w+):\d+|t:(\d+)(?::\w)?|#(\d+)|@[!&]?(\d+))>")


def slack_to_markdown(text: str, users: Mapping[str, str], channels: Mapping[str, str]) -> tuple[str, list[str]]:
    mentions: list[str] = []
    text = text.replace("\x00", "")  # NUL marks tokens held aside below; it has no place in a message
    pieces, last = [], 0
    for fence in _FENCE.finditer(text):
        pieces.append(_slack_prose(text[last:fence.start()], users, channels, mentions))
        pieces.append(_fenced(html.unescape(fence.group(1))))
        last = fence.end()
    pieces.append(_slack_prose(text[last:], users, channels, mentions))
    return _tidy("".join(pieces)), mentions


def _slack_prose(text: str, users, channels, mentions: list[str]) -> str:
    parts = _CODE_SPAN.split(text)
    for index, part in enumerate(parts):
        if index % 2:  # a code span: literal, but Slack's escaping undone
            parts[index] = html.unescape(part)
            continue
        # Tokens become Markdown first, held aside so bold and emoji rules never reach inside them.
        held: list[str] = []
        part = _SLACK_TOKEN.sub(lambda match, held=held: _hold(held, _slack_token(match.group(1), users, channels, mentions)), part)
        part = _SLACK_BOLD.sub(r"**\1**", part)
        part = re.sub(r"(?m)^&gt;\s?", "> ", part)  # quotes; other &lt; &gt; &amp; render as written
        part = _line_starts(_emojize(part))
        parts[index] = re.sub(r"\x00(\d+)\x00", lambda match, held=held: held[int(match.group(1))], part)
    return "".join(parts)


def _hold(held: list[str], markdown: str) -> str:
    held.append(markdown)
    return f"\x00{len(held) - 1}\x00"


def _slack_token(token: str, users, channels, mentions: list[str]) -> str:
    target, _, label = token.partition("|")
    if target.startswith("@"):
        name = users.get(target[1:]) or label or "someone"
        mentions.append(name)
        return "@" + markdown_text(name)
    if target.startswith("#"):
        return "#" + markdown_text(label or channels.get(target[1:]) or "channel")
    if target.startswith("!"):
        special = target[1:].split("^", 1)[0]
        return markdown_text(label or (f"@{special}" if special in ("here", "channel", "everyone") else ""))
    url = safe_url(html.unescape(target))
    if not url:
        return markdown_text(html.unescape(label or target))
    return f"[{markdown_text(html.unescape(label or target))}]({url})"


def discord_to_markdown(content: str, mentioned: list[str], channels: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """DiscordChatExporter content: already CommonMark-like, with @names resolved by the exporter."""
    pieces, last = [], 0
    for fence in _FENCE.finditer(content):
        pieces.append(_discord_prose(content[last:fence.start()], mentioned, channels or {}))
        pieces.append(_fenced(fence.group(1)))
        last = fence.end()
    pieces.append(_discord_prose(content[last:], mentioned, channels or {}))
    return _tidy("".join(pieces)), list(mentioned)


def _discord_prose(text: str, mentioned: list[str], channels: Mapping[str, str]) -> str:
    parts = _CODE_SPAN.split(text)
    for index in range(0, len(parts), 2):
        part = _DISCORD_TOKEN.sub(lambda match: _discord_token(match, channels), parts[index])
        part = re.sub(r"\|\|(.+?)\|\|", r"\1", part)  # spoilers: a static page shows them
        for name in sorted(set(mentioned), key=len, reverse=True):
            part = re.sub(rf"@{re.escape(name)}(?!\w)", lambda _, name=name: "@" + markdown_text(name), part)
        parts[index] = _line_starts(_emojize(part))
    return "".join(parts)


def _discord_token(match: re.Match, channels: Mapping[str, str]) -> str:
    if match.group(2):  # a custom emoji
        return f":{match.group(2)}:"
    if match.group(3):  # a timestamp
        return datetime.fromtimestamp(int(match.group(3)), tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    if match.group(4):
        return "#" + markdown_text(channels.get(match.group(4), "channel"))
    return "@someone"  # an unresolved user or role id: never a bare snowflake


def _fenced(code: str) -> str:
    language, _, rest = code.partition("\n")
    if rest and re.fullmatch(r"[\w+#.-]{1,20}", language.strip()):
        code = rest  # ```python on its own first line names the language
    else:
        language = ""
    fence = "~~~~" if "~~~" in code else "```"
    return f"\n\n{fence}{language.strip()}\n{code.strip(chr(10))}\n{fence}\n\n"


def _emojize(text: str) -> str:
    return _SHORTCODE.sub(lambda match: emoji.emojize(match.group(0), language="alias"), text)


def _line_starts(text: str) -> str:
    """Chat bullets as Markdown lists; a leading # or a numbered line stays text, not markup."""
    text = re.sub(r"(?m)^[ \t]*[•◦▪]\s*", "- ", text)
    return re.sub(r"(?m)^(#+)(?=\s)", lambda match: "\\" + match.group(1), text)


def _tidy(markdown: str) -> str:
    """A single newline in chat is a line break: keep it one, outside code blocks, and end a
    quote or a list where the text after it is neither."""
    blocks = re.split(r"(\n*(?:```|~~~~)[^\n]*\n.*?\n(?:```|~~~~)\n*)", markdown, flags=re.DOTALL)
    for index in range(0, len(blocks), 2):
        lines = blocks[index].strip("\n").split("\n")
        text = lines[0]
        for previous, line in zip(lines, lines[1:]):
            if not line.strip() or not previous.strip():
                text += "\n" + line
            elif _kind(previous) != _kind(line):
                text += "\n\n" + line
            else:
                text += "  \n" + line
        blocks[index] = text
    return re.sub(r"\n{3,}", "\n\n", "\n\n".join(block.strip("\n") for block in blocks if block.strip())).strip()


def _kind(line: str) -> str:
    return "quote" if line.startswith(">") else "list" if re.match(r"\s*([-*+]|\d+[.)])\s", line) else "text"
