"""Normalization: data-driven cases, and idempotence on arbitrary text."""

from __future__ import annotations

import json
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
