"""Words: one definition for rules, dedup and titles, with a fast path that must not change it."""

import unicodedata

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from cleaner.words import _TYPOGRAPHY, _WORD, canonical_words, count_words, count_words_per_line, words

#: Dedup's word: a run of word characters, or one ideograph or kana
_CANONICAL = regex.compile(
    r"(?=\w)[\p{Han}\p{Hiragana}\p{Katakana}]|(?:(?!(?=\w)[\p{Han}\p{Hiragana}\p{Katakana}])\w)+"
)

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
    "東京都の人口は1400万人。カタカナのコーヒー、mixed漢字text ⺀ 〆切 々",
    # more kinds of symbols than are replaced one by one (one search instead)
    "a" + "".join(chr(c) + "é" for c in range(0x2190, 0x21D0)) + "z",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_words_are_the_pattern_s_words(text):
    assert not _WORD.search(_TYPOGRAPHY)
    assert words(text) == _WORD.findall(text)
    assert count_words(text) == len(_WORD.findall(text))


@pytest.mark.parametrize("text", TEXTS)
def test_canonical_words_fold_case_and_compatibility_forms(text):
    assert canonical_words(text) == _CANONICAL.findall(unicodedata.normalize("NFKC", text).casefold())


@given(st.text())
def test_any_text_has_the_canonical_pattern_s_words(text):
    assert canonical_words(text) == _CANONICAL.findall(unicodedata.normalize("NFKC", text).casefold())


def test_chinese_and_japanese_are_shingled_by_character_other_scripts_by_word():
    assert canonical_words("我们的新闻。") == ["我", "们", "的", "新", "闻"]
    assert canonical_words("東京のニュース abc") == ["東", "京", "の", "ニ", "ュ", "ー", "ス", "abc"]
    assert canonical_words("한국어 뉴스") == ["한국어", "뉴스"]  # Korean is written with spaces
    assert words("我们的新闻") == ["我们的新闻"]  # rules and the line model count words as before


def test_canonical_words_ignore_punctuation_and_case():
    assert canonical_words("The ARMY’s “attack”") == canonical_words("the army's attack")


@pytest.mark.parametrize("text", [*TEXTS, "\n".join(TEXTS), "a\n\nb c\n", "\n"])
def test_words_per_line_are_each_line_s_count(text):
    assert count_words_per_line(text) == [len(_WORD.findall(line)) for line in text.split("\n")]


@given(st.text())
def test_any_text_has_the_pattern_s_words(text):
    assert words(text) == _WORD.findall(text)
    assert count_words_per_line(text) == [len(_WORD.findall(line)) for line in text.split("\n")]
