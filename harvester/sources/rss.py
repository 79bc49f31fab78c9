"""`rss`: RSS and Atom feeds (feedparser), one feed or an OPML list of them.

Each item with a link becomes a resource entry. Feeds are fetched like any page kb does not
control (webpage.py: guarded hosts, bounded size). A feed that fails (an HTTP error, broken
XML, an address refused) does not stop the others: their items are harvested, then the
source reports every feed that failed.
"""

import calendar
import hashlib
import re
import xml.sax
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import defusedxml.ElementTree as SafeET
import feedparser

from harvester.errors import KbError
from harvester.model import Resource
from harvester.sources import ReadWhole, register
from harvester.templating import safe_url
from harvester.webpage import fetch

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass
class RssOptions:
    url: str | None = None  # a feed, or an OPML list of feeds
    path: Path | None = None  # the same, as a file in the workspace
    tags: list[str] = field(default_factory=list)  # added to every item
    allow_hosts: list[str] = field(default_factory=list)  # private hosts (an intranet) feeds and pages may come from

    def __post_init__(self):
        if (self.url is None) == (self.path is None):
            raise ValueError('give exactly one of "url" or "path"')


@register("rss")
class Rss(ReadWhole):
    Options = RssOptions

    def threads(self, since: str | None = None):
        where = self.options.url or str(self.options.path)
        document = self._read(self.options.url, self.options.path)
        feeds = _opml_feeds(where, document)
        failed = []
        for feed_url, body in ([(where, document)] if feeds is None else [(url, None) for url in feeds]):
            try:
                yield from self._items(feed_url, body if body is not None else self._read(feed_url, None))
            except KbError as exc:
                failed.append(str(exc))
        if failed:
            raise KbError("; ".join(failed))

    def _read(self, url: str | None, path: Path | None) -> bytes:
        body = fetch(url, self.options.allow_hosts)[1] if url else path.read_bytes()
        if _ENTITY_DECLARATION.search(body[:4096]):
            raise KbError(f"{url or path}: declares XML entities, which kb refuses to expand")
        return body

    def _items(self, where: str, body: bytes):
        parsed = feedparser.parse(body, sanitize_html=False)  # kb sanitizes every description itself
        # Broken XML (an interrupted response): nothing from it is trusted, as with any cut file.
        if parsed.bozo and (not parsed.entries or isinstance(parsed.bozo_exception, xml.sax.SAXException)):
            raise KbError(f"{where}: not a readable RSS or Atom feed ({parsed.bozo_exception})")
        for item in parsed.entries:
            link = safe_url(item.get("link"))
            if not link:
                continue
            # Looked up only where present: feedparser otherwise maps one date onto the other, with a warning.
            updated = _iso(item["updated_parsed"]) if "updated_parsed" in item else None
            published = (_iso(item["published_parsed"]) if "published_parsed" in item else None) or updated
            content = (item.get("content") or [{}])[0].get("value") if not item.get("summary") else item.get("summary")
            yield Resource(
                native_id=hashlib.sha256(link.encode("utf-8")).hexdigest()[:16], url=link,
                title=(item.get("title") or "").strip() or None, description=content or "", body_format="html",
                tags=[*(tag.get("term") for tag in item.get("tags", []) if tag.get("term")), *self.options.tags],
                updated_at=updated or published or "", published_at=published,
                curator=None,
            )


def _opml_feeds(where: str, document: bytes) -> list[str] | None:
    """The feed URLs an OPML list names; None when the document is a feed itself."""
    if b"<opml" not in document[:2048].lower():
        return None
    try:
        root = SafeET.fromstring(document)
    except Exception as exc:  # defusedxml raises several kinds; all mean the same here
        raise KbError(f"{where}: not a readable OPML list ({exc.__class__.__name__})") from None
    return [url for outline in root.iter("outline") if (url := safe_url(outline.get("xmlUrl")))]


def _iso(moment) -> str | None:
    if not moment:
        return None
    return datetime.fromtimestamp(calendar.timegm(moment), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
