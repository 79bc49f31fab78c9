"""Sanitized HTML -> Markdown that renders back to the same content, and nothing more."""

import html
import re
import warnings
from urllib.parse import urljoin, urlsplit

import markdownify
from bs4 import MarkupResemblesLocatorWarning

from harvester.clean import sanitize_html

# A post whose whole body is "setup.py" or a URL is still a post, not a file name: BeautifulSoup's
# hint about that would only reach users as noise on stderr.
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)

# MathJax in Stack Exchange bodies ($...$, $$...$$) must reach the page as written: Markdown
# escaping would turn `a_1` into `a\_1` and break the formula. The opening $ is not followed
# by a space and the closing one not preceded by one, the rule MathJax and arithmatex use, so
# "costs $5 and $10" is left alone.
_MATH = re.compile(r"\$\$[^<$]+?\$\$|\$(?=[^\s$])[^<$\n]*?[^\s\\$]\$|\$[^\s<$]\$")
_PLACEHOLDER = re.compile(r"KBMATH(\d+)X")
# Python-Markdown honours backslash escapes only for its own set; for these we use entities
# (so `<script>` in prose stays text) or the bare character.
_UNSUPPORTED_ESCAPES = re.compile(r"\\([&<>~=])")
_ENTITY_FOR = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "~": "~", "=": "="}
_CODE_LANGUAGE = re.compile(r"\b(?:lang|language)-([\w+#.-]+)")


def html_to_markdown(fragment: str, base_url: str | None = None) -> str:
    protected, maths = _protect_math(sanitize_html(fragment))
    markdown = _Converter(base_url=base_url).convert(protected)
    markdown = _PLACEHOLDER.sub(lambda m: _math_markdown(maths[int(m.group(1))]), markdown)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"


def _protect_math(fragment: str) -> tuple[str, list[str]]:
    maths: list[str] = []

    def hold(match: re.Match) -> str:
        maths.append(html.unescape(match.group(0)))
        return f"KBMATH{len(maths) - 1}X"

    return _MATH.sub(hold, fragment), maths


def _math_markdown(math: str) -> str:
    # Display math gets blank lines around it, as arithmatex needs to see it as a block.
    return f"\n\n{math}\n\n" if math.startswith("$$") else math


def _code_language(pre) -> str:
    for element in (pre, pre.find("code")):
        classes = " ".join(element.get("class", [])) if element is not None else ""
        if match := _CODE_LANGUAGE.search(classes):
            language = match.group(1)
            return "" if language in ("none", "default") else language
    return ""


class _Converter(markdownify.MarkdownConverter):
    def __init__(self, base_url: str | None):
        super().__init__(
            heading_style="ATX",
            bullets="-",
            escape_misc=True,
            code_language_callback=_code_language,
        )
        self.base_url = base_url

    def escape(self, text, parent_tags):
        escaped = super().escape(text, parent_tags)
        return _UNSUPPORTED_ESCAPES.sub(lambda m: _ENTITY_FOR[m.group(1)], escaped)

    def convert_pre(self, el, text, parent_tags):
        block = super().convert_pre(el, text, parent_tags)
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        if longest < 3:
            return block
        # A fence longer than any backtick run inside, so code that shows ``` stays code.
        fence = "`" * (longest + 1)
        inner = block.strip("\n")[3:-3]
        return f"\n\n{fence}{inner}{fence}\n\n"

    def convert_li(self, el, text, parent_tags):
        # markdownify indents an item's later lines by its bullet's width ("- " is 2), but
        # Python-Markdown only nests what is indented by 4: without this, nested lists and
        # code inside list items come out flattened.
        item = super().convert_li(el, text, parent_tags)
        width = item.find(" ") + 1
        if not 0 < width < 4:
            return item
        first, *rest = item.split("\n")
        shift = " " * (4 - width)
        return "\n".join([first, *(shift + line if line.startswith(" " * width) else line for line in rest)])

    def convert_a(self, el, text, parent_tags):
        self._absolute(el, "href")
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el, text, parent_tags):
        self._absolute(el, "src")
        return super().convert_img(el, text, parent_tags)

    def _absolute(self, el, attribute: str) -> None:
        # Relative links in a harvested post point into the source site, not into ours.
        value = el.get(attribute)
        if value and self.base_url and not urlsplit(value).scheme:  # absolute ones stay exactly as written
            el[attribute] = urljoin(self.base_url, value)
