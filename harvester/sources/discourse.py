"""`discourse`: a Discourse forum over its JSON API, with the Solved plugin's accepted answers.

Topics come newest activity first from /latest.json (or each configured category's list);
an incremental run stops at the first topic not bumped since the saved cursor. Only topics
that can yield an entry are fetched: those with an accepted answer, and, when
`min_answer_likes` is set, any topic with replies.
"""

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup

from harvester.errors import KbError
from harvester.http import Client
from harvester.model import Post, Thread, utc_iso
from harvester.sources import register

REGULAR_POST = 1  # post_type; 2 moderator actions, 3 small actions ("closed this topic"), 4 whispers
POSTS_PER_REQUEST = 20  # Discourse inlines 20 posts per topic; the rest are fetched by id, 20 at a time


@dataclass
class DiscourseOptions:
    base_url: str  # https://forum.example.com
    api_key_env: str | None = None  # names the environment variable holding an API key
    api_username_env: str | None = None
    categories: list[str] = field(default_factory=list)  # category slugs or ids; empty: all of /latest
    min_answer_likes: int | None = None  # no accepted answer? publish the most-liked reply reaching this
    raw_bodies: bool = False  # the posts' Markdown source (/raw/...) instead of the rendered HTML


@register("discourse")
class Discourse:
    Options = DiscourseOptions

    def __init__(self, name: str, options: DiscourseOptions, http: Client | None = None):
        self.name, self.options = name, options
        self.http = http or Client(options.base_url, headers=_auth_headers(options), credential_env=options.api_key_env)
        self.min_answer_score = options.min_answer_likes
        self.cursor: str | None = None  # the newest bump seen, once the listing is read
        self.still_at_source: set[str] | None = None  # every topic listed, after a full read
        self._categories: dict[int, dict] | None = None

    def threads(self, since: str | None = None) -> Iterator[Thread]:
        try:
            for listed in self._listed(since):
                if listed.get("has_accepted_answer") or (self.min_answer_score is not None and listed.get("posts_count", 0) > 1):
                    if thread := self._thread(listed["id"]):
                        yield thread
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # Valid JSON in a shape this forum's API does not produce: say where, not a traceback.
            raise KbError(f"{self.http.last_url}: not the response a Discourse forum gives "
                          f"({exc.__class__.__name__}: {exc})") from None

    def _listed(self, since: str | None) -> Iterator[dict]:
        """Topics bumped after `since`, newest first, each once (a topic can be in two categories' lists)."""
        seen: set[int] = set()
        for path in self._list_paths():
            page = 0
            while True:
                listing = self.http.get_json(path, params={"page": page, "no_definitions": "true"}).get("topic_list", {})
                topics = listing.get("topics", [])
                older = False
                for topic in topics:
                    bumped = topic.get("bumped_at") or topic.get("last_posted_at") or ""
                    if since and bumped <= since:
                        older = older or not topic.get("pinned")  # pinned topics sit on top whatever their age
                        continue
                    self.cursor = max(self.cursor or "", bumped)
                    if topic["id"] not in seen:
                        seen.add(topic["id"])
                        yield topic
                if older or not topics or not listing.get("more_topics_url"):
                    break
                page += 1
        if since is None:
            self.still_at_source = {str(topic_id) for topic_id in seen}

    def _list_paths(self) -> list[str]:
        if not self.options.categories:
            return ["/latest.json"]
        by_key = {}
        for category in self._category_index().values():
            by_key[str(category["id"])] = by_key[category["slug"]] = category
        missing = [key for key in self.options.categories if key not in by_key]
        if missing:
            raise KbError(f"{self.options.base_url}: no category {', '.join(missing)} (known: {', '.join(sorted(c['slug'] for c in self._category_index().values()))})")
        return [f"/c/{by_key[key]['slug']}/{by_key[key]['id']}/l/latest.json" for key in self.options.categories]

    def _category_index(self) -> dict[int, dict]:
        if self._categories is None:
            listing = self.http.get_json("/categories.json", params={"include_subcategories": "true"})
            self._categories = {}
            for category in listing.get("category_list", {}).get("categories", []):
                for item in [category, *category.get("subcategory_list", [])]:
                    self._categories[item["id"]] = item
        return self._categories

    def _thread(self, topic_id: int) -> Thread | None:
        topic = self.http.get_json(f"/t/{topic_id}.json")
        posts = self._all_needed_posts(topic)
        regular = [post for post in posts if _readable(post)]
        if not regular or regular[0]["post_number"] != 1:
            return None  # the question itself is hidden or deleted
        accepted_number = _accepted_post_number(topic, posts)
        base = self.options.base_url.rstrip("/")
        topic_url = f"{base}/t/{topic.get('slug', 'topic')}/{topic['id']}"
        category = self._category_index().get(topic.get("category_id")) if topic.get("category_id") else None
        published = self._published_numbers(regular, accepted_number)
        return Thread(
            native_id=str(topic["id"]),
            title=topic.get("title") or f"Topic {topic['id']}",
            question=self._post(regular[0], topic_url, accepted=False, raw_from=topic["id"] if 1 in published else None),
            answers=[self._post(post, topic_url, accepted=post["post_number"] == accepted_number,
                                raw_from=topic["id"] if post["post_number"] in published else None)
                     for post in regular[1:]],
            tags=[*_tag_names(topic.get("tags")), *([category["slug"]] if category else [])],
            url=topic_url,
            updated_at=utc_iso(topic.get("bumped_at") or topic.get("last_posted_at") or topic.get("created_at", "")),
        )

    def _all_needed_posts(self, topic: dict) -> list[dict]:
        stream = topic.get("post_stream", {})
        posts = {post["id"]: post for post in stream.get("posts", [])}
        missing = [post_id for post_id in stream.get("stream", []) if post_id not in posts]
        accepted = (topic.get("accepted_answer") or {}).get("post_number")
        have_accepted = accepted is None or any(p["post_number"] == accepted for p in posts.values())
        # Fetch the rest only when it matters: the accepted reply is beyond the first 20, or
        # every reply competes on likes.
        if missing and (not have_accepted or (accepted is None and self.min_answer_score is not None)):
            for start in range(0, len(missing), POSTS_PER_REQUEST):
                chunk = missing[start:start + POSTS_PER_REQUEST]
                page = self.http.get_json(f"/t/{topic['id']}/posts.json", params=[("post_ids[]", i) for i in chunk])
                posts.update({post["id"]: post for post in page.get("post_stream", {}).get("posts", [])})
        return sorted(posts.values(), key=lambda post: post["post_number"])

    def _published_numbers(self, posts: list[dict], accepted_number: int | None) -> set[int]:
        """Post numbers whose raw Markdown to fetch: only the posts an entry can publish."""
        if not self.options.raw_bodies:
            return set()
        if accepted_number:
            return {1, accepted_number}
        replies = posts[1:]
        return {1, max(replies, key=_likes)["post_number"]} if replies else {1}

    def _post(self, post: dict, topic_url: str, accepted: bool, raw_from: int | None = None) -> Post:
        """`raw_from`: the topic id, when the post's Markdown source is to be fetched."""
        if raw_from is not None:
            markdown = self.http.get(f"/raw/{raw_from}/{post['post_number']}").text
            body, body_format = clean_raw(markdown, self.options.base_url), "markdown"
        else:
            body, body_format = clean_cooked(post.get("cooked", "")), "html"
        return Post(
            native_id=str(post["id"]),
            body=body,
            body_format=body_format,
            author=(post.get("name") or "").strip() or post.get("username"),
            created_at=utc_iso(post.get("created_at", "")),
            score=_likes(post),
            url=f"{topic_url}/{post['post_number']}",
            accepted=accepted,
        )


def _auth_headers(options: DiscourseOptions) -> dict[str, str]:
    headers = {}
    for header, variable in (("Api-Key", options.api_key_env), ("Api-Username", options.api_username_env)):
        if variable:
            value = os.environ.get(variable)
            if not value:
                raise KbError(f"environment variable {variable} is not set (it holds the {header} for {options.base_url})")
            headers[header] = value
    return headers


def _accepted_post_number(topic: dict, posts: list[dict]) -> int | None:
    # Solved keeps the answer on the topic (accepted_answer.post_number) and mirrors it as a
    # per-post flag. Real forums show both flags on two posts at once (plugin upgrades); the
    # topic-level record is the one the plugin updates, so it wins. Older versions have only
    # the per-post flag, sometimes named topic_accepted_answer.
    number = (topic.get("accepted_answer") or {}).get("post_number")
    if number:
        return number
    flagged = [post["post_number"] for post in posts if post.get("accepted_answer") is True]
    return flagged[0] if flagged else None


def _readable(post: dict) -> bool:
    return (post.get("post_type", REGULAR_POST) == REGULAR_POST and not post.get("hidden")
            and not post.get("deleted_at") and not post.get("user_deleted") and not post.get("cooked_hidden"))


def _likes(post: dict) -> int:
    if "like_count" in post:
        return int(post["like_count"] or 0)
    return sum(action.get("count", 0) for action in post.get("actions_summary", []) if action.get("id") == 2)


def _tag_names(tags) -> list[str]:
    # Plain names in most versions; {"name": ...} objects in newer ones.
    return [tag["name"] if isinstance(tag, dict) else str(tag) for tag in tags or []]



def clean_cooked(cooked: str) -> str:
    """Discourse's rendered HTML, reduced to what reads well as Markdown: quotes as block
    quotes with their author, emoji as their name, oneboxes and lightboxes as plain links and
    images."""
    soup = BeautifulSoup(cooked, "html.parser")
    for quote in soup.select("aside.quote"):
        replacement = soup.new_tag("blockquote")
        if author := quote.get("data-username"):
            said = soup.new_tag("p")
            said.string = f"{author} wrote:"
            replacement.append(said)
        inner = quote.find("blockquote")
        for child in list(inner.children) if inner else []:
            replacement.append(child)
        quote.replace_with(replacement)
    for emoji in soup.select("img.emoji"):
        emoji.replace_with(emoji.get("alt") or emoji.get("title") or "")
    for box in soup.select("aside.onebox"):
        url = box.get("data-onebox-src") or (box.find("a") or {}).get("href")
        title = box.find(["h3", "h4"])
        link = soup.new_tag("a", href=url) if url else None
        if link:
            link.string = title.get_text(" ", strip=True) if title else url
            paragraph = soup.new_tag("p")
            paragraph.append(link)
            box.replace_with(paragraph)
        else:
            box.decompose()
    for wrapper in soup.select("div.lightbox-wrapper"):
        anchor = wrapper.find("a", class_="lightbox")
        image = wrapper.find("img")
        if anchor and image:
            full = soup.new_tag("img", src=anchor.get("href") or image.get("src"), alt=image.get("alt") or anchor.get("title") or "image")
            wrapper.replace_with(full)
    for avatar in soup.select("img.avatar"):
        avatar.decompose()
    return str(soup)


_QUOTE = re.compile(r'\[quote(?:="([^,"\]]+)[^\]]*)?\]\s*(.*?)\s*\[/quote\]', re.DOTALL | re.IGNORECASE)
_IMAGE_SIZE = re.compile(r"!\[([^\]|]*)\|[^\]]*\]")


def clean_raw(markdown: str, base_url: str) -> str:
    """A post's Markdown source, made readable off the forum: [quote] blocks as block quotes,
    upload:// references as links the forum resolves, image size hints dropped."""
    def quote(match: re.Match) -> str:
        said = f"**{match.group(1)} wrote:**\n\n" if match.group(1) else ""
        return "\n".join(f"> {line}" if line else ">" for line in (said + match.group(2)).splitlines()) + "\n"

    markdown = _QUOTE.sub(quote, markdown.replace("\r\n", "\n"))
    markdown = _IMAGE_SIZE.sub(r"![\1]", markdown)
    return markdown.replace("upload://", f"{base_url.rstrip('/')}/uploads/short-url/")
