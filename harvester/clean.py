"""Harvested text is untrusted. HTML is sanitized by an allowlist twice: each harvested
fragment before it becomes Markdown, and every rendered page body before it is written, which
also covers raw HTML in Markdown (from Markdown sources or a curator's edit)."""

import html as html_module
import re

import nh3

SAFE_URL_SCHEMES = {"http", "https", "mailto"}


def _allowed_attributes(**extra: set[str]) -> dict[str, set[str]]:
    attributes = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag, names in extra.items():
        attributes.setdefault(tag, set()).update(names)
    return attributes


# Ammonia's default tags; classes only where they carry a code block's language.
_FRAGMENT_ATTRIBUTES = _allowed_attributes(pre={"class"}, code={"class"}, span={"class"})
# A rendered page also needs the ids and classes Markdown extensions give headings, code
# highlighting, math and badges. Neither can carry script: no style, no on*, no unsafe URL.
_PAGE_ATTRIBUTES = _allowed_attributes(**{"*": {"class", "id", "title"}})


def sanitize_html(html: str) -> str:
    """Keep structure and text; drop scripts, handlers, frames, forms, styles and unsafe URLs."""
    return nh3.clean(html, attributes=_FRAGMENT_ATTRIBUTES, url_schemes=SAFE_URL_SCHEMES, link_rel=None)


def sanitize_page(html: str) -> str:
    return _outside_images_as_links(nh3.clean(html, attributes=_PAGE_ATTRIBUTES, url_schemes=SAFE_URL_SCHEMES, link_rel=None))


_IMAGE = re.compile(r'<img\b(?:[^>"]|"[^"]*")*>')
_ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')
_OUTSIDE = re.compile(r"^(https?:)?//", re.IGNORECASE)


def _outside_images_as_links(html: str) -> str:
    """Images from other hosts become links to them: a page must load nothing from outside the
    site (intranets often have no internet, and an outside image tells its host who reads what)."""
    def as_link(match: re.Match) -> str:
        attributes = dict(_ATTRIBUTE.findall(match.group(0)))
        source = attributes.get("src", "")
        if not _OUTSIDE.match(source):
            return match.group(0)
        label = html_module.escape(html_module.unescape(attributes.get("alt") or "") or "image", quote=False)
        return f'<a class="kb-outside-image" href="{source}">Image: {label}</a>'

    return _IMAGE.sub(as_link, html)


# A code span as Python-Markdown reads one: a run of backticks, not escaped, closed by a run of
# the same length. Anything this takes for code must be code there, or its "<" would run.
_CODE = re.compile(r"(^(?P<fence>`{3,}|~{3,}).*?^(?P=fence)[ \t]*$|(?<![\\`])(?P<ticks>`+)(?!`)[^\n]+?(?<!`)(?P=ticks)(?!`))",
                   re.DOTALL | re.MULTILINE)


def neutralize_markdown_html(markdown: str) -> str:
    """Markdown from a source, with any raw HTML outside code shown as text rather than run.

    Code spans and fenced blocks are left exactly as written: there `<` is already literal.
    """
    pieces, last = [], 0
    for match in _CODE.finditer(markdown):
        pieces.append(_escape_tags(markdown[last:match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(_escape_tags(markdown[last:]))
    return "".join(pieces)


def _escape_tags(text: str) -> str:
    return text.replace("<", "&lt;")
