"""`cleaner explain`: a document with each removed span marked by its rule."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import InputError, load_rules, run_clean
from cleaner.cli import app
from cleaner.explain import explain, render

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("explain") / "clean"
    run_clean(ROOT / "raw", out, rules=ROOT / "rules")
    return out


def test_spans_name_their_rules_and_cover_the_removed_text(out, rules):
    found = explain("004_95f5e35d27d01612", out, rules)
    by_rule = {s.rule: found.text[s.start : s.end] for s in found.spans}
    assert by_rule["title"] == "Syrian War Report: ISIS Defenses Collapsing in Aleppo Province"
    assert by_rule["gr-header"].startswith("By South Front") and by_rule["gr-header"].endswith("In-depth Report: SYRIA")
    assert by_rule["gr-contact"] == "For media inquiries: publications@globalresearch.ca"
    spans = list(found.spans)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))  # ordered, no overlap


def test_plain_rendering_marks_spans_with_rule_ids(out, rules):
    text = render(explain("000_6a60fdc25f25da3a", out, rules), color=False).plain
    assert "[-gr-disclaimer-fr: Avis de non-responsabilité" in text
    assert "[-donation-appeal: *If you can, please help South Front!" in text
    assert "status: kept  lang: en" in text
    assert "\x1b[" not in text


def test_cli_explain_is_plain_when_piped(out):
    result = CliRunner().invoke(app, ["explain", "002_7399b04018da4533", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "[-gr-byline-tail: Articles Par : South Front-]" in result.stdout
    assert "\x1b[" not in result.stdout


def test_unknown_ids_and_missing_runs_are_input_errors(out, tmp_path):
    with pytest.raises(InputError, match="no document with id 'nope'"):
        explain("nope", out, load_rules(ROOT / "rules"))
    result = CliRunner().invoke(app, ["explain", "x", "--out", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no manifest at" in result.stderr


def test_a_duplicate_is_explained_with_its_measured_similarity(tmp_path, seed_texts):
    raw = tmp_path / "raw"
    raw.mkdir()
    original = seed_texts["004_95f5e35d27d01612"]
    (raw / "orig.txt").write_text(original, encoding="utf-8")
    (raw / "copy.txt").write_text(
        original.replace("Khafsah", "Khafsa").replace("By [South Front](#)", ""), encoding="utf-8"
    )
    run_clean(raw, tmp_path / "out", rules=ROOT / "rules")
    result = CliRunner().invoke(app, ["explain", "copy", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("duplicate of orig"))
    similarity, containment, jaccard = (float(x) for x in __import__("re").findall(r"\d\.\d\d", line))
    assert 0.9 < similarity < 1 and 0.9 < containment <= 1 and 0.8 < jaccard < similarity
    row = next(r for r in map(json.loads, (tmp_path / "out" / "manifest.jsonl").open()) if r["id"] == "copy")
    assert (round(row["similarity"], 2), round(row["containment"], 2)) == (similarity, containment)  # as measured


def test_explain_shows_paragraphs_dropped_as_foreign(tmp_path):
    from cleaner import Settings

    english = (
        "The town council approved the budget for next year on Tuesday, after a long debate about the cost "
        "of the new library and the repairs the roads need before the winter comes. The mayor said the vote "
        "was the hardest of her term, and that the library would open in the spring if the builders kept pace."
    )
    french = (
        "Avis de la rédaction : les opinions exprimées dans cet article n'engagent que leurs auteurs, et le "
        "journal ne saurait être tenu responsable des propos tenus par les personnes citées dans ses pages."
    )
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(f"{english}\n\n{french}\n", encoding="utf-8")
    run_clean(raw, tmp_path / "out", settings=Settings(drop_foreign=True))
    explanation = explain("a", tmp_path / "out", load_rules())
    (span,) = [s for s in explanation.spans if s.rule.startswith("foreign-language:")]
    assert span.rule == "foreign-language:fr" and explanation.text[span.start : span.end] == french
