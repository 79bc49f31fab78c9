"""The search page's stemmer stems words as Pagefind does: Pagefind's own index, one page per
word, says what each word's stem is, and Chromium runs the page's stem.js on the same words."""

import re
from pathlib import Path

import pytest
from defusedxml import ElementTree

from browser import chromium, serving
from conftest import QC_DUMP
from harvester import pagefind
from pagefind_index import pages_by_word

pytestmark = pytest.mark.browser

SCRIPTS = Path(__file__).resolve().parents[1] / "templates" / "overrides" / "assets" / "kb"

# Words for each rule of the algorithm, and for the exceptions to its rules.
RULE_CASES = """
    a at ow oak aim the
    skis skies dying lying tying idly gently ugly early only singly sky news howe atlas cosmos bias andes
    inning innings outing outings canning herring earring proceed proceeds exceed exceeded succeed
    generate generously general communism communication arsenic arsenal
    yelling youth yes sayyid eyyy ayy boy boys toying enjoyed
    caresses ponies ties cries gas gaps kiwis this us gus bus focus focuses class classes
    feed agreed agreedly bleed bleeding hoping hopping hoped filing failing bedded added owed owing
    conflated troubled sized tanned falling hissing fizzed luxuriated hopefully visiting remembering
    cry crying by say happy happily
    relational conditional valenci hesitanci digitizer conformabli radicalli differentli vileli
    analogousli vietnamization predication operator feudalism decisiveness hopefulness
    callousness formaliti sensitiviti sensibiliti archaeology analogi fulli cheerlessli
    triplicate formative formalize electriciti electrical hopeful goodness activate activative
    revival allowance inference airliner gyroscopic adjustable defensible irritant replacement
    adjustment dependent adoption dissension complexion homologous effective bowdlerize angulariti
    probate rate cease controll roll rolled
    simulate simulated simulates simulating simulation simulations simulator simulators
""".split()


def pagefind_stems(words: list[str], folder: Path) -> dict[str, str]:
    """{word: the word Pagefind indexes it as}, read from an index of one page per word."""
    with pagefind.Indexer() as indexer:
        indexer.index([(f"/{n}/", f"<html><body><p>{word}</p></body></html>") for n, word in enumerate(words)],
                      folder, "en")
    stems = {words[int(url.strip("/"))]: indexed for indexed, urls in pages_by_word(folder).items() for url in urls}
    assert len(stems) == len(words), "every page holds one word"
    return stems


def page_stems(words: list[str]) -> dict[str, str]:
    with chromium() as browser, serving(SCRIPTS) as url:
        page = browser.new_page()
        page.goto(url + "stem.js")
        stems = page.evaluate("""async (words) => {
            const { stem } = await import("/stem.js");
            return words.map(stem);
        }""", words)
    return dict(zip(words, stems))


def differences(words: list[str], folder: Path) -> list[tuple[str, str, str]]:
    expected, actual = pagefind_stems(words, folder), page_stems(words)
    return [(word, expected[word], actual[word]) for word in words if expected[word] != actual[word]]


def test_the_stem_of_every_rule_and_exception_is_pagefinds(tmp_path):
    assert differences(RULE_CASES, tmp_path) == []


@pytest.mark.shared_data
def test_the_stem_of_every_word_of_a_real_dump_is_pagefinds(tmp_path):
    posts = ElementTree.parse(QC_DUMP / "Posts.xml").getroot()
    text = " ".join(f"{row.get('Title', '')} {row.get('Body', '')}" for row in posts)
    words = sorted(set(re.findall(r"[a-z]+", re.sub(r"<[^>]+>", " ", text).lower())))
    assert len(words) > 10_000
    assert differences(words, tmp_path) == []
