"""Words: one definition for rules, dedup and titles, with a fast path that must not change it."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cleaner.words import _TYPOGRAPHY, _WORD, canonical_words, count_words, count_words_per_line, words

TEXTS = [
    "Plain ASCII: it's 3 o'clock, x_y & z-w!",
    "Ça coûte 5 €, l'été",
    "ＦＵＬＬ width",
    "Straße STRASSE",
    "“Quoted” — the army’s ‘attack’… «guillemets» „so“ no\u00a0break",
    "हिन्दी में समाचार",  # combining vowel signs are part of the word
    "tab\tand\x1fcontrol\x00chars",
    "lone \ud800 surrogate and a\u0301b combining, © 2024 € 5 × 3",
    "line\u2028separator\x85next",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_words_are_the_pattern_s_words(text):
    assert not _WORD.search(_TYPOGRAPHY)
    assert words(text) == _WORD.findall(text)
    assert count_words(text) == len(_WORD.findall(text))


@pytest.mark.parametrize("text", TEXTS)
def test_canonical_words_fold_case_and_compatibility_forms(text):
    assert canonical_words(text) == _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def test_canonical_words_ignore_punctuation_and_case():
    assert canonical_words("The ARMY’s “attack”") == canonical_words("the army's attack")


@pytest.mark.parametrize("text", [*TEXTS, "\n".join(TEXTS), "a\n\nb c\n", "\n"])
def test_words_per_line_are_each_line_s_count(text):
    assert count_words_per_line(text) == [len(_WORD.findall(line)) for line in text.split("\n")]


@given(st.text())
def test_any_text_has_the_pattern_s_words(text):
    assert words(text) == _WORD.findall(text)
    assert count_words_per_line(text) == [len(_WORD.findall(line)) for line in text.split("\n")]
