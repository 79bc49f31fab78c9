"""The Jinja environment: the workspace's templates/ first, then the packaged ones."""

import html
import json
import re
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2

PACKAGED_TEMPLATES = Path(str(files("harvester.templates")))
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}#+\-.!|])")
# Brackets and parentheses as entities, not backslash escapes: `\(` and `\[` open math
# for arithmatex.
_BRACKET_ENTITIES = str.maketrans({"[": "&#91;", "]": "&#93;", "(": "&#40;", ")": "&#41;"})
_ATTRIBUTE_LIST = re.compile(r"\{:[^}]*\}")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_TAG = re.compile(r"<[^>]+>")


def environment(root: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([root / "templates", PACKAGED_TEMPLATES]),
        # These templates produce Markdown and YAML, not HTML: harvested values go through
        # the `md` and `url` filters below instead, which escape for that context.
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = markdown_text
    env.filters["url"] = safe_url
    env.filters["html"] = html.escape
    env.filters["yaml_string"] = yaml_string
    return env


def yaml_string(text: str) -> str:
    """A string as a front-matter value that reads back as exactly that string: JSON's quoted
    form, which YAML accepts, but with characters beyond U+FFFF written as themselves; JSON
    escapes them as surrogate pairs, which YAML reads back as two broken characters."""
    return json.dumps(str(text), ensure_ascii=False)


def markdown_text(text: str) -> str:
    """Plain text (a title, a name, a tag) as Markdown that shows exactly that text."""
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(str(text), quote=False))
    return escaped.translate(_BRACKET_ENTITIES)


def safe_url(url: str | None) -> str:
    """An http(s) URL usable as a Markdown link target, or "" for anything else."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return ""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~")


def plain_text(markdown: str) -> str:
    """Markdown as the words a reader sees (for search and summaries): link targets, URLs,
    HTML tags, attribute lists and code fences' backticks out, whitespace folded."""
    text = _ATTRIBUTE_LIST.sub(" ", markdown).replace("`", "")
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    return " ".join(_TAG.sub(" ", text).split())


def numbered_slugs(bases: list[str], taken: set[str]) -> list[str]:
    """Each base slug, numbered ("docker-2") where an earlier one or `taken` has it already:
    two names can slug alike, and no page may overwrite another."""
    slugs = []
    for base in bases:
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        slugs.append(slug)
    return slugs
