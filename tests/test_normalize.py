"""Normalization: data-driven cases, and idempotence on arbitrary text."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.normalize import normalize_text

CASES = json.loads((Path(__file__).parent / "data" / "normalize_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_normalize_cases(case):
    assert normalize_text(case["in"]) == case["out"]


@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_normalized_cases_are_fixed_points(case):
    assert normalize_text(case["out"]) == case["out"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent_on_any_text(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_correct_typography_in_a_seed_is_left_alone(seed_texts):
    raw = seed_texts["002_7399b04018da4533"]
    assert "Dara’a province’s border" in normalize_text(raw)


REAL_TEXTS = [
    json.loads(line)["text"]
    for line in (Path(__file__).parent / "data" / "langid_sample.jsonl").read_text(encoding="utf-8").splitlines()
]


@pytest.mark.parametrize("text", REAL_TEXTS)
def test_the_fast_path_agrees_with_ftfy_on_real_text(text):
    """Text the screen lets past is text ftfy would leave alone (but for NFC).

    The screen knows mojibake made through Windows-1252, Latin-1 and Windows-1251, the web's
    encodings; ftfy also undoes rarer ones (MacRoman, cp437) that the screen lets past.
    """
    import ftfy

    from cleaner.normalize import _FTFY, _FTFY_NEEDED, tidy_whitespace

    text = tidy_whitespace(text)  # as normalize_text does before the screen
    if not _FTFY_NEEDED.search(text):
        assert ftfy.fix_text(text, _FTFY) == unicodedata.normalize("NFC", text)
    assert normalize_text(text) == tidy_whitespace(ftfy.fix_text(text, _FTFY))


@pytest.mark.parametrize("text", ["Ã©tÃ©", "â€™", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "&amp;", "ﬁnal", "a\x85b", "Ã‰"])
def test_the_screen_sends_damage_to_ftfy(text):
    from cleaner.normalize import _FTFY_NEEDED

    assert _FTFY_NEEDED.search(text)


@settings(max_examples=500)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("ab \n\t\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2003\u2028\u202f\u3000\u200b\u00ad\u2060\ufeff\x00\x7fé&")
        )
    )
)
def test_a_plain_text_has_no_odd_space_and_no_invisible_character(text):
    """The shortcut that skips the odd-space and invisible-character searches on printable text
    (`_plain`) skips only texts in which they would find nothing."""
    from cleaner.normalize import _INVISIBLE, _ODD_SPACE, _plain, _tidy

    if _plain(text):
        assert not _ODD_SPACE.search(text) and not _INVISIBLE.search(text)
    assert _tidy(text, _plain(text)) == _tidy(text, False)
