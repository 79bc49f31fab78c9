"""The Jinja environment: the workspace's templates/ first, then the packaged ones."""

import html
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
    return env


def markdown_text(text: str) -> str:
    """Plain text (a title, a name, a tag) as Markdown that shows exactly that text."""
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(str(text), quote=False))
    return escaped.translate(_BRACKET_ENTITIES)


def safe_url(url: str | None) -> str:
    """An http(s) URL usable as a Markdown link target, or "" for anything else."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return ""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~")
