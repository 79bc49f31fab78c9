"""HTML bodies become Markdown that renders back to the same content, and nothing more."""

import markdown
import pytest

from harvester.convert import html_to_markdown

EXTENSIONS = ["attr_list", "tables", "pymdownx.superfences", "pymdownx.arithmatex"]


def rendered(fragment: str, base_url: str | None = None) -> str:
    return markdown.markdown(html_to_markdown(fragment, base_url), extensions=EXTENSIONS)


def test_code_blocks_keep_content_and_language():
    md = html_to_markdown('<pre class="lang-py prettyprint-override"><code>if a &lt; b and c &amp;&amp; d:\n    print("*x*")\n</code></pre>')
    assert md == '```py\nif a < b and c && d:\n    print("*x*")\n```\n'


def test_code_inside_a_list_item_stays_inside_it():
    out = rendered("<ul><li><p>Run:</p><pre><code>make test\n  --verbose</code></pre></li></ul><p>Done.</p>")
    assert "<li>\n<p>Run:</p>\n<div class=\"highlight\"><pre><span></span><code>make test\n  --verbose\n</code></pre></div>\n</li>" in out


def test_code_language_none_and_unknown():
    assert html_to_markdown('<pre class="lang-none"><code>plain</code></pre>') == "```\nplain\n```\n"
    assert html_to_markdown('<pre><code class="language-rust">fn main() {}</code></pre>') == "```rust\nfn main() {}\n```\n"


def test_code_showing_a_fence_stays_code():
    md = html_to_markdown("<pre><code>```\nnot a fence\n```</code></pre>")
    assert md.startswith("````\n") and md.endswith("\n````\n")
    assert "<code>```\nnot a fence\n```\n</code>" in rendered("<pre><code>```\nnot a fence\n```</code></pre>")


def test_inline_code_links_images_lists_tables_quotes():
    html = (
        "<p>Use <code>git rebase -i</code> and see <a href=\"https://git-scm.com/docs\">the docs</a>.</p>"
        "<p><img src=\"https://example.com/a.png\" alt=\"diagram\"></p>"
        "<ol><li>one</li><li>two<ul><li>nested</li></ul></li></ol>"
        "<table><tr><th>flag</th><th>effect</th></tr><tr><td>-v</td><td>verbose</td></tr></table>"
        "<blockquote><p>quoted</p></blockquote>"
    )
    out = rendered(html)
    assert "<code>git rebase -i</code>" in out
    assert '<a href="https://git-scm.com/docs">the docs</a>' in out
    assert '<img alt="diagram" src="https://example.com/a.png" />' in out
    assert "<ol>\n<li>one</li>\n<li>two<ul>\n<li>nested</li>\n</ul>\n</li>\n</ol>" in out
    assert "<th>flag</th>" in out and "<td>verbose</td>" in out
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in out


@pytest.mark.parametrize(
    "math",
    [r"$a_1 * b_2$", r"$|\psi\rangle = \alpha|0\rangle + \beta|1\rangle$", r"$$\sum_{i=1}^n x_i^2 < \frac{1}{2}$$"],
)
def test_math_text_is_kept_exactly(math):
    import html as html_module

    md = html_to_markdown(f"<p>Then {html_module.escape(math)} holds.</p>")
    assert math in md
    assert "arithmatex" in rendered(f"<p>Then {html_module.escape(math)} holds.</p>")


def test_dollar_amounts_are_not_math():
    assert rendered("<p>It costs $5 and $10 a_month</p>") == "<p>It costs $5 and $10 a_month</p>"


def test_text_that_looks_like_markup_stays_text():
    out = rendered("<p>&lt;script&gt;alert(1)&lt;/script&gt; # not a heading *not em* [not](a link)</p>")
    assert "<script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<em>" not in out and "<a " not in out and "<h1" not in out


def test_unsafe_html_is_dropped_before_conversion():
    out = rendered(
        '<p onclick="x()">hi <a href="javascript:alert(1)">js</a> <img src="x.png" onerror="alert(1)">'
        "<script>alert(2)</script><iframe src=\"https://evil.example\"></iframe></p>"
    )
    assert "alert" not in out and "onclick" not in out and "iframe" not in out and "javascript" not in out


def test_relative_links_point_back_to_the_source_site():
    out = rendered('<p><a href="/q/42">see</a> <img src="/img/x.png" alt="x"></p>', "https://qa.example.com/q/1")
    assert 'href="https://qa.example.com/q/42"' in out and 'src="https://qa.example.com/img/x.png"' in out


def test_absolute_links_stay_exactly_as_written():
    md = html_to_markdown('<p><a href="https://conlang.stackexchange.com/questions/ask/advice?">advice</a></p>', "https://x/q/1")
    assert "(https://conlang.stackexchange.com/questions/ask/advice?)" in md


def test_raw_html_in_source_markdown_is_shown_not_run():
    from harvester.clean import neutralize_markdown_html

    source = "Try <img src=x onerror=alert(1)> or `<br>`:\n\n```\n<script>ok()</script>\n```\n"
    out = markdown.markdown(neutralize_markdown_html(source), extensions=EXTENSIONS)
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "<code>&lt;br&gt;</code>" in out and "&lt;script&gt;ok()&lt;/script&gt;" in out
