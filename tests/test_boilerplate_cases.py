"""Hard cases beyond the seeds: what the shipped rules must remove and must keep, in seven languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaner import Settings, clean_text

CASES = json.loads((Path(__file__).parent / "data" / "boilerplate_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("model", ["on", "off"])
@pytest.mark.parametrize("case", CASES, ids=[c["label"] for c in CASES])
def test_shipped_rules_on_hard_cases(case, model, rules):
    """With the line model and without: what the cases remove is the rules' work."""
    doc = clean_text(case["text"], rules, Settings(model=model))
    if model == "on":
        assert doc.metadata.get("title") == case["title"]
    missing = [k for k in case["kept"] if k not in doc.text]
    leaked = [r for r in case["removed"] if r in doc.text]
    assert not missing, f"body lost: {missing}\n---\n{doc.text}"
    assert not leaked, f"boilerplate kept: {leaked}\n---\n{doc.text}"
