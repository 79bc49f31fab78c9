"""Property-based fuzzing: truncated and random input gives clean errors, never a crash."""

import html
import re
from pathlib import Path

import markdown
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from harvester import frontmatter
from harvester.config import load_privacy, load_sources
from harvester.convert import html_to_markdown
from harvester.demo import DEMO_DATA
from harvester.errors import KbError
from harvester.redact import Redactor
from harvester.sources.stackexchange_dump import StackExchangeDump, StackExchangeDumpOptions, parse_tags
from harvester.templating import markdown_text

POSTS = (DEMO_DATA / "stackexchange" / "Posts.xml").read_bytes()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def harvest_dump(folder: Path, posts: bytes) -> list:
    (folder / "Posts.xml").write_bytes(posts)
    return list(StackExchangeDump("f", StackExchangeDumpOptions(path=folder)).threads())


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len(POSTS) - 1))
def test_truncated_posts_xml_is_a_clean_error(tmp_path, cut):
    try:
        harvest_dump(tmp_path, POSTS[:cut])
    except KbError as error:
        assert "Posts.xml" in str(error)
    else:
        raise AssertionError("a truncated Posts.xml was accepted")


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_as_posts_xml(tmp_path, data):
    try:
        harvest_dump(tmp_path, data)
    except KbError:
        pass


@FUZZ
@given(position=st.integers(min_value=0, max_value=len(POSTS) - 1), junk=st.binary(min_size=1, max_size=20))
@example(position=34, junk=b"-")  # declares encoding "u-f-8", which Python has no codec for
def test_corrupted_posts_xml(tmp_path, position, junk):
    try:
        threads = harvest_dump(tmp_path, POSTS[:position] + junk + POSTS[position + len(junk):])
    except KbError:
        return
    assert all(thread.native_id for thread in threads)


@FUZZ
@given(text=st.text(max_size=500))
def test_front_matter_parser_reports_never_raises(text):
    entry, problems = frontmatter.loads(text, "content/x/1.md")
    assert (entry is None) == bool(problems)
    assert all(problem.startswith("content/x/1.md: ") for problem in problems)


@FUZZ
@given(document=st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
))
def test_config_files_of_any_shape_are_clean_errors(tmp_path, document):
    (tmp_path / "site_config").mkdir(exist_ok=True)
    for name, load in (("sources.yml", load_sources), ("privacy.yml", load_privacy)):
        for content in (yaml.safe_dump(document), yaml.safe_dump({"sources": document})):
            (tmp_path / "site_config" / name).write_text(content)
            try:
                load(tmp_path)
            except KbError as error:
                assert str(error).startswith(f"site_config/{name}: ")


@FUZZ
@given(fragment=st.text(max_size=400) | st.from_regex(r"(<[a-z]{1,6}( [a-z]{1,8}=\"[^\"]{0,20}\")?>|[^<]{0,20}|</[a-z]{1,6}>){0,12}", fullmatch=True))
def test_html_to_markdown_never_yields_markup(fragment):
    rendered = markdown.markdown(html_to_markdown(fragment), extensions=["tables", "pymdownx.superfences"])
    assert not re.search(r"<(script|iframe|object|embed|form|style)\b", rendered, re.IGNORECASE)
    assert not re.search(r"\son\w+\s*=", re.sub(r"<code>.*?</code>", "", rendered, flags=re.DOTALL))


@FUZZ
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80))
def test_escaped_text_renders_as_exactly_that_text(text):
    assume(text == text.strip() and "\n" not in text)
    rendered = markdown.markdown(markdown_text(text), extensions=["attr_list", "tables"])
    inner = re.fullmatch(r"<p>(.*)</p>", rendered, re.DOTALL)
    assume(inner is not None)  # text that is only spaces or a horizontal-rule-like run renders no paragraph
    assert html.unescape(inner.group(1)) == text


@FUZZ
@given(raw=st.text(max_size=60))
def test_tag_parser(raw):
    assert all(tag and tag == tag.strip() for tag in parse_tags(raw))


@FUZZ
@given(texts=st.dictionaries(st.sampled_from(["title", "question", "answer"]), st.text(max_size=300), min_size=1))
def test_redaction_never_raises_and_is_idempotent(texts):
    once = Redactor().thread(texts)
    assert Redactor().thread(once) == once
