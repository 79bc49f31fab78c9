"""The platform-free chat rules: titles, questions, marks, suggestions, and chat markup."""


import markdown
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from harvester import chat
from harvester.clean import neutralize_markdown_html
from harvester.chatmarkup import discord_to_markdown, slack_to_markdown
from harvester.select import best_answer


def message(ts: int, author: str, text: str, reactions=(), **extra) -> chat.ChatMessage:
    return chat.ChatMessage(id=str(ts), author_id=author, author=author.title(), text=text,
                            created_at=f"2024-01-01T00:00:{ts:02d}Z", reactions=list(reactions), **extra)


def thread(*messages, conventions=None, **options):
    found = chat.threads([chat.Conversation("t1", list(messages), **options)], conventions or chat.ChatConventions())
    return found[0] if found else None


@pytest.mark.parametrize("question, title", [
    ("Hi all, how do I rotate the staging DB password without downtime? tried `kubectl rollout`",
     "How do I rotate the staging DB password without downtime?"),
    ("hey! I have a type instability I do not understand.\n```code```\nAny ideas?", "I have a type instability I do not understand."),
    ("@ann https://x.example/a why does `make test` fail on macOS 14 with libssl errors?",
     "Why does make test fail on macOS 14 with libssl errors?"),
    ("Haskellで型クラスのインスタンスを定義するとき、どうすればいいですか？", "Haskellで型クラスのインスタンスを定義するとき、どうすればいいですか？"),
    ("What " + "really " * 30 + "long question is this?", "What " + "really " * 15 + "long…"),
])
def test_titles_read_like_questions(question, title):
    derived = chat.derive_title(question)
    assert len(derived) <= chat.TITLE_LENGTH + 1
    assert derived == title or (title.endswith("…") and derived.startswith("What really") and derived.endswith("…"))


@pytest.mark.parametrize("text, expected", [
    ("how do I get staging access", True),
    ("the deploy fails with exit code 137", True),
    ("ビルドでエラーが出ます", True),
    ("Pizza in the kitchen at noon!", False),
    ("Reminder: office hours moved to Thursday", False),
])
def test_questions_are_told_from_chatter(text, expected):
    assert chat.looks_like_question(text) is expected


def test_a_check_mark_from_the_asker_beats_every_other_signal():
    found = thread(
        message(1, "ann", "How do I reset the VPN token?"),
        message(2, "bob", "Reinstall the client from the portal, it resets the token as well.", [chat.Reaction("heavy_check_mark", 1, ["ann"])]),
        message(3, "cyd", "Open the portal, go to Tokens, press Reset; takes a minute to sync. " * 2, [chat.Reaction("+1", 5, ["x"])]),
        message(4, "ann", "thanks cyd!"),
    )
    choice = best_answer(found, None)
    assert (choice.how_chosen, choice.answer.author, choice.why) == ("marked", "Bob", "✔️ from the asker")


def test_the_askers_words_mark_the_reply_before_them_unless_negated_or_self_solved():
    def marked(asker_says):
        found = thread(message(1, "ann", "How do I clear the build cache?"),
                       message(2, "bob", "Run `make clean-cache` and rebuild from scratch."),
                       message(3, "ann", asker_says))
        choice = best_answer(found, None)
        return choice.how_chosen if choice else None

    assert marked("that worked, thank you") == "marked"
    assert marked("it still hasn't worked") is None  # nor taken for thanks
    assert marked("I solved it myself by deleting ~/.cache") is None


def test_an_expert_reply_marks_only_when_it_says_something():
    experts = chat.ChatConventions(experts=["Dee"])
    found = thread(message(1, "ann", "Which VPN profile do contractors use?"),
                   message(2, "dee", "The contractors profile from the IT portal, not the staff one."),
                   message(3, "dee", "ok"), conventions=experts)
    choice = best_answer(found, None)
    assert choice.how_chosen == "marked" and "contractors profile" in choice.answer.body


def test_a_suggestion_says_why_and_how_sure():
    found = thread(message(1, "ann", "Why does the deploy fail with exit 137?"),
                   message(2, "bob", "maybe?"),
                   message(3, "cyd", "137 is the OOM killer: raise the memory limit in `values.yaml`, e.g. `resources.limits.memory: 1Gi`."),
                   message(4, "ann", "thanks, that was it"))
    choice = best_answer(found, None)
    assert choice.how_chosen == "suggested" and choice.answer.author == "Cyd"
    assert choice.confidence >= 0.6 and "the asker thanked right after it" in choice.why and "has code" in choice.why
    assert thread(message(1, "ann", "Why does X fail?"), message(2, "bob", "no idea?")) is not None
    assert best_answer(thread(message(1, "ann", "Why does X fail?"), message(2, "bob", "no idea?")), None) is None


def test_bots_and_the_askers_follow_ups_are_not_answers():
    found = thread(message(1, "ann", "How do I get a staging DB account?"),
                   message(2, "ann", "I'm on the payments team if that matters."),
                   message(3, "ci", "Build #412 passed", is_bot=True),
                   message(4, "bob", "File an access request for the `staging-ro` role; it is approved within an hour."))
    assert "payments team" in found.question.body and [a.author for a in found.answers] == ["Bob"]


def test_slack_markup_becomes_markdown():
    text, mentions = slack_to_markdown(
        "Hi <@U1> see <https://wiki.example/x?a=1&amp;b=2|the *wiki*> in <#C1|ops> <!here> :white_check_mark:\n"
        "&gt; quoted\n```if a &lt; b:\n    pass```\n`x -&gt; y` and *bold* and 1 &lt; 2\n# not a heading",
        {"U1": "Ann"}, {})
    assert mentions == ["Ann"]
    assert "Hi @Ann see [the \\*wiki\\*](https://wiki.example/x?a=1&b=2) in #ops @here ✅" in text
    assert "> quoted" in text and "```\nif a < b:\n    pass\n```" in text
    assert "`x -> y` and **bold** and 1 &lt; 2" in text and "\\# not a heading" in text
    assert "javascript" not in slack_to_markdown("<javascript:alert(1)|click>", {}, {})[0].split("(")[-1]
    assert slack_to_markdown("a\x007\x00 <@U1>", {"U1": "Ann"}, {})[0] == "a7 @Ann"  # a stray NUL is not a held token


def test_discord_markup_becomes_markdown():
    text, mentions = discord_to_markdown("@Ann try <:pepe:1234> before <t:0:f> in <#99>\n||spoiler||\n```py\nx = 1\n```", ["Ann"])
    assert mentions == ["Ann"]
    assert text.startswith("@Ann try :pepe: before 1970-01-01 00:00 UTC in #channel  \nspoiler")
    assert "```py\nx = 1\n```" in text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"<>@#!|*_~`:&;/ \nabcU1C2-.htps?", "&lt;", "&gt;", "&amp;", "```", "<@U1>", "<script>", "javascript:"]),
                max_size=40).map("".join))
@example("`<script>```")  # one backtick opens, three do not close it: no code span, so not code
@example("\\`<script>`")  # an escaped backtick opens nothing
def test_chat_markup_never_fails_and_never_lets_a_tag_through(text):
    for converted, _ in (slack_to_markdown(text, {"U1": "Ann"}, {"C2": "ops"}), discord_to_markdown(text, ["Ann"])):
        # Rendered as the site renders Markdown, not judged by a guess at where code spans are:
        # "````<script>`" is a code span to Python-Markdown, which a regex guess called HTML.
        html = markdown.markdown(neutralize_markdown_html(converted), extensions=["pymdownx.superfences"])
        assert "<script" not in html.lower() and 'href="javascript:' not in html
