"""Chat threads have no accepted answer: find the one the team marked, or suggest one.

Chat sources (Slack, Discord, Teams) turn their messages into `ChatMessage`s grouped by
thread and hand them here. This module knows nothing of any platform: it merges the asker's
opening messages into the question, derives a readable title, tells questions from chatter,
applies the team's marking conventions, and otherwise scores each reply so a curator can
confirm the likeliest one.
"""

import hashlib
import html
import re
from collections import Counter
from dataclasses import dataclass, field

import emoji

from harvester.model import Post, Resource, Thread

DEFAULT_ANSWER_REACTIONS = ["white_check_mark", "heavy_check_mark", "ballot_box_with_check"]
DEFAULT_SOLVED_WORDS = ["solved", "that worked", "this worked", "it worked", "works now", "fixed it", "that fixed it", "resolved"]
_THANKS = re.compile(r"\b(thanks?|thank you|thx|ty|cheers|perfect|awesome|worked|works)\b|ありがと|助かり", re.IGNORECASE)
_QUESTION_OPENING = re.compile(
    r"^(how|what|why|when|where|which|who|can|could|does|do|did|is|are|should|would|will|has|have|any|anyone|anybody|is there)\b",
    re.IGNORECASE)
_PROBLEM = re.compile(
    r"\b(error|exception|fails?|failing|failed|crash\w*|doesn'?t work|not working|broken|stuck|trying to|wondering|"
    r"unable|can'?t|cannot|how to|confused|help)\b|ですか|ますか|でしょうか|教えて|わかりません|分かりません|できません|エラー",
    re.IGNORECASE)
_NEGATED = re.compile(r"\b(not|never|no longer|still|hasn'?t|haven'?t|isn'?t|wasn'?t|didn'?t|doesn'?t)\b[^.!?]*$|\bun$", re.IGNORECASE)
_SELF_SOLVED = re.compile(r"\b(i|i'?ve|we|we'?ve)\s+(have\s+|just\s+|finally\s+)?(solved|fixed|figured)|\b(myself|my own)\b|already been solved", re.IGNORECASE)
_GREETING = re.compile(r"^(hi|hello|hey|howdy|good (morning|afternoon|evening)|greetings)\b[^,.!?\n]{0,30}[,.!:]*\s+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|\n+")
TITLE_LENGTH = 100


@dataclass(kw_only=True)
class ChatConventions:
    """Options every chat source takes: how this team marks an answer."""

    answer_reactions: list[str] = field(default_factory=lambda: list(DEFAULT_ANSWER_REACTIONS))  # from the asker or an expert
    experts: list[str] = field(default_factory=list)  # names, user ids or groups (roles) whose reply or reaction marks the answer
    solved_words: list[str] = field(default_factory=lambda: list(DEFAULT_SOLVED_WORDS))  # the asker saying so marks the reply before


@dataclass
class Reaction:
    name: str  # a shortcode name (white_check_mark) or the emoji itself (✅)
    count: int
    users: list[str] = field(default_factory=list)  # who reacted (ids), as far as the export lists them
    user_names: list[str] = field(default_factory=list)  # their names, where known


@dataclass
class ChatMessage:
    id: str
    author_id: str | None
    author: str | None
    text: str  # Markdown
    created_at: str  # ISO 8601, UTC, "Z"
    edited_at: str | None = None
    reactions: list[Reaction] = field(default_factory=list)
    is_bot: bool = False
    url: str | None = None
    mentions: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # the author's roles or groups (Discord roles)


@dataclass
class Conversation:
    """One thread as a chat source found it."""

    native_id: str
    messages: list[ChatMessage]
    tags: list[str] = field(default_factory=list)
    title: str | None = None  # a forum post's own title; otherwise derived from the question
    solved: bool = False  # the platform tags the thread solved, without saying by which reply


def threads(conversations: list[Conversation], conventions: ChatConventions) -> list[Thread]:
    """Each conversation as a Thread, its answers marked or scored.

    Two passes: the first learns whose replies this team marks, a track record the second
    pass uses when it has to suggest.
    """
    shaped = [(conversation, shape, _marked(shape[0], shape[2], conventions))
              for conversation in conversations if (shape := _shape(conversation.messages))]
    record = Counter(marked.author_id for _, _, (marked, _) in shaped if marked is not None)
    return [_thread(conversation, shape, mark, record) for conversation, shape, mark in shaped]


def _shape(messages: list[ChatMessage]):
    """(asker id, opening messages, replies), without bots; None for a thread of bots only."""
    people = sorted({m.id: m for m in messages if not m.is_bot}.values(), key=lambda m: m.created_at)
    if not people:
        return None
    asker = people[0].author_id
    count = next((i for i, m in enumerate(people) if m.author_id != asker), len(people))
    return asker, people[:count], people[count:]


def _thread(conversation: Conversation, shape, mark: tuple[ChatMessage | None, str | None], record: Counter) -> Thread:
    asker, opening, replies = shape
    question_text = "\n\n".join(m.text.strip() for m in opening if m.text.strip())
    marked_reply, why = mark
    answers = []
    others = [m for m in replies if m.author_id != asker]
    for position, reply in enumerate(others):
        post = _post(reply)
        if reply is marked_reply:
            post.marked = why
        elif marked_reply is None:
            post.confidence, post.signals = _score(reply, position, len(others), asker, replies, record, conversation.solved)
        answers.append(post)
    everything = [*opening, *replies]
    return Thread(
        native_id=conversation.native_id,
        title=conversation.title or derive_title(question_text) or f"Question from {opening[0].created_at[:10]}",
        question=_post(opening[0], text=question_text, mentions=[n for m in opening for n in m.mentions]),
        answers=answers,
        tags=conversation.tags,
        url=opening[0].url,
        updated_at=max(m.edited_at or m.created_at for m in everything),
        # Code pasted without a word of question is still one if the asker marked or thanked a reply.
        is_question=bool(others) and (looks_like_question(question_text) or marked_reply is not None
                                      or any("the asker thanked" in (post.signals or "") for post in answers)),
    )


def _marked(asker, replies: list[ChatMessage], conventions: ChatConventions) -> tuple[ChatMessage | None, str | None]:
    """The reply the team's convention marks as the answer, and how it was marked."""
    experts = {name.casefold() for name in conventions.experts}
    marks = {_emoji_key(name) for name in conventions.answer_reactions}
    others = [m for m in replies if m.author_id != asker]
    for reply in reversed(others):  # the latest mark wins: it is the last word on the question
        for reaction in reply.reactions:
            if _emoji_key(reaction.name) in marks:
                if asker in reaction.users:
                    return reply, f"{_emoji_shown(reaction.name)} from the asker"
                if any(who.casefold() in experts for who in [*reaction.users, *reaction.user_names]):
                    return reply, f"{_emoji_shown(reaction.name)} from an expert"
    for index, message in enumerate(replies):
        if message.author_id == asker and (said := _says_solved(message.text, conventions.solved_words)):
            before = [m for m in replies[:index] if m.author_id != asker]
            if before:
                return before[-1], f"the asker wrote “{said}” after it"
    by_expert = [m for m in others if {(m.author_id or "").casefold(), (m.author or "").casefold(), *(g.casefold() for g in m.groups)} & experts
                 and _substantial(m.text)]
    if by_expert:
        return by_expert[-1], "a reply by a listed expert"
    return None, None


def _score(reply: ChatMessage, position: int, count: int, asker, replies: list[ChatMessage], record: Counter,
           solved: bool) -> tuple[float, str]:
    """How likely this reply is the answer (0-1), and the signals behind it, in words."""
    signals: list[tuple[float, str]] = [(0.15, "the thread is tagged solved")] if solved else []
    after = replies[replies.index(reply) + 1:]
    asker_next = next((m for m in after if m.author_id == asker), None)
    someone_between = asker_next is not None and any(m.author_id != asker for m in after[:after.index(asker_next)])
    if asker_next is not None and not someone_between and _thanks(asker_next.text):
        signals.append((0.35, "the asker thanked right after it"))
    if any(asker in reaction.users for reaction in reply.reactions):
        signals.append((0.25, "the asker reacted to it"))
    others = sum(reaction.count for reaction in reply.reactions) - sum(asker in r.users for r in reply.reactions)
    if others > 0:
        signals.append((min(0.15, 0.05 * others), f"{others} reaction{'s' if others > 1 else ''} from others"))
    if "```" in reply.text or re.search(r"`[^`\n]+`", reply.text):
        signals.append((0.1, "has code"))
    if re.search(r"https?://", reply.text):
        signals.append((0.05, "has a link"))
    length = len(reply.text.strip())
    if length >= 100:
        signals.append((0.1, "a detailed reply"))
    elif length < 20:
        signals.append((-0.15, "very short"))
    if record[reply.author_id]:
        signals.append((0.1, f"its author's replies were marked as answers {record[reply.author_id]} times"))
    if position == 0:
        signals.append((0.05, "the first reply"))
    if position == count - 1 and count > 1:
        signals.append((0.05, "the last reply"))
    if reply.text.rstrip().endswith(("?", "？")):
        signals.append((-0.1, "asks a question back"))
    confidence = round(max(0.0, min(1.0, 0.1 + sum(weight for weight, _ in signals))), 2)
    return confidence, "; ".join(words for _, words in signals) or "no signal beyond being a reply"


def _thanks(text: str) -> bool:
    return any(not _NEGATED.search(text[max(0, match.start() - 25):match.start()]) for match in _THANKS.finditer(text))


def _says_solved(text: str, words: list[str]) -> str | None:
    """The solved word the text says, unless it is negated ("not solved", "still hasn't worked")
    or the asker solved it alone ("I solved my own problem"): then no reply earned the mark."""
    if _SELF_SOLVED.search(text):
        return None
    for word in words:
        for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            if not _NEGATED.search(text[max(0, match.start() - 25):match.start()]):
                return word
    return None


def _substantial(text: str) -> bool:
    """Enough to be an answer: not "ok", "+1", or a question back."""
    return len(_plain(text)) >= 20 and not text.rstrip().endswith(("?", "？"))


def shared_links(messages: list[ChatMessage], tags: list[str]) -> list[Resource]:
    """Every link people (not bots) shared, as a resource: the message is its description and
    its author its curator. A link shared twice is one resource, from its first sharing."""
    found: dict[str, Resource] = {}
    for message in sorted(messages, key=lambda m: m.created_at):
        if message.is_bot:
            continue
        for label, url in _links_in(message.text):
            if url not in found:
                found[url] = Resource(
                    native_id=hashlib.sha256(url.encode("utf-8")).hexdigest()[:16], url=url,
                    title=label if label and label != url else None, description=message.text, body_format="markdown",
                    tags=list(tags), updated_at=message.created_at, curator=message.author, published_at=message.created_at)
    return list(found.values())


def _links_in(markdown: str) -> list[tuple[str | None, str]]:
    labelled = [(label.replace("\\", ""), url) for label, url in re.findall(r"\[([^\]]*)\]\((https?://[^)\s]+)\)", markdown)]
    bare = re.sub(r"\[[^\]]*\]\(https?://[^)\s]+\)|`[^`]*`", " ", markdown)
    return labelled + [(None, url.rstrip(".,;:!?)")) for url in re.findall(r"https?://[^\s<>()\[\]]+", bare)]


def looks_like_question(text: str) -> bool:
    plain = _plain(text)
    if "?" in plain or "？" in plain or _PROBLEM.search(plain):
        return True
    return any(_QUESTION_OPENING.match(sentence.strip()) for sentence in _SENTENCE_END.split(plain))


def derive_title(question: str) -> str:
    """A readable title from the question: its first informative question sentence (else its
    first sentence), greetings, mentions, links and code left out, at most ~100 characters."""
    sentences = [s.strip() for s in _SENTENCE_END.split(_plain(question)) if s.strip()]
    sentences = [_GREETING.sub("", s, count=1).strip() or s for s in sentences]
    asking = [s for s in sentences if s.endswith(("?", "？")) and len(s.split()) >= 4]
    # A Japanese sentence has no spaces: count its characters instead of words.
    asking = asking or [s for s in sentences if s.endswith("？") and len(s) >= 8]
    wordy = [s for s in sentences if len(s.split()) >= 3 or len(s) >= 12]
    title = (asking or wordy or sentences or [""])[0]
    title = title[0].upper() + title[1:] if title else ""
    if len(title) <= TITLE_LENGTH:
        return title
    cut = title[:TITLE_LENGTH].rsplit(" ", 1)[0] if " " in title[:TITLE_LENGTH] else title[:TITLE_LENGTH]
    return cut.rstrip(" ,;:") + "…"


def _plain(markdown: str) -> str:
    """Prose as a reader says it: code blocks, links, mentions and Markdown marks taken out,
    inline code kept as words (`make test` is part of the question), entities decoded."""
    text = re.sub(r"```.*?(```|$)", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"`([^`\n]*)`", r"\1", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<?https?://\S+>?", " ", text)
    text = re.sub(r"(?<!\w)[@#][\w.\-]+", " ", text)
    text = re.sub(r"(?m)^\s*(>|#+|[-*+]\s)\s*", "", text)  # quote, heading and list marks
    text = re.sub(r"\*\*|__|~~|\|\||(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)", "", text)
    text = html.unescape(re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>])", r"\1", text))
    return re.sub(r"[ \t\u3000]+", " ", text).strip()


def _post(message: ChatMessage, text: str | None = None, mentions: list[str] | None = None) -> Post:
    return Post(
        native_id=message.id,
        body=message.text if text is None else text,
        body_format="markdown",
        author=message.author,
        created_at=message.created_at,
        url=message.url,
        mentions=message.mentions if mentions is None else mentions,
    )


def _glyph(name: str) -> str | None:
    """The emoji a reaction name stands for (✅ for ✅, :white_check_mark: or white_check_mark);
    None for a custom one."""
    glyph = name if emoji.is_emoji(name) else emoji.emojize(f":{name.strip(':')}:", language="alias")
    return glyph if emoji.is_emoji(glyph) else None


def _emoji_key(name: str) -> str:
    """One key for a reaction however the platform names it."""
    glyph = _glyph(name)
    return glyph.replace("\ufe0f", "") if glyph else name.strip(":").casefold()


def _emoji_shown(name: str) -> str:
    return _glyph(name) or f":{name.strip(':')}:"
