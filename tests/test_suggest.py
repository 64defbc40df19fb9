"""`cleaner rules suggest`: mining draft rules from recurring lines."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cleaner import Rules, load_rules
from cleaner.cli import app
from cleaner.read import read_documents
from cleaner.rule_tests import test_rules as run_rule_examples
from cleaner.suggest import suggest_rules

ROOT = Path(__file__).resolve().parent.parent


def test_with_no_rules_the_seeds_disclaimers_and_appeal_surface():
    suggestions, total = suggest_rules(read_documents(ROOT / "raw"), Rules())
    assert total == 5
    examples = [s.examples[0] for s in suggestions]
    assert any(e.startswith("Avis de non-responsabilité") for e in examples[:3])
    assert any(e.startswith("Le Centre de recherche sur la mondialisation (CRM)") for e in examples[:3])
    appeal = next(s for s in suggestions if s.examples[0].startswith("If you"))
    assert appeal.prefix and appeal.documents == {"003_241dd8e88d3605cb", "004_95f5e35d27d01612"}


def test_with_the_shipped_rules_nothing_recurs_on_the_seeds(rules):
    assert suggest_rules(read_documents(ROOT / "raw"), rules)[0] == []


def test_drafts_load_and_pass_their_examples(tmp_path):
    empty = tmp_path / "none.toml"  # no rules at all
    empty.write_text("")
    result = CliRunner().invoke(app, ["rules", "suggest", str(ROOT / "raw"), "--rules", str(empty)])
    assert result.exit_code == 0, result.output
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "draft.toml").write_text(result.stdout, encoding="utf-8")
    rules = load_rules(drafts)
    assert len(rules) >= 10
    assert run_rule_examples(rules) == []
    # and the drafts alone remove what they were mined from
    again = suggest_rules(read_documents(ROOT / "raw"), rules)[0]
    assert not any(s.examples[0].startswith("Avis de non-responsabilité") for s in again)


def test_suggest_on_a_missing_folder_is_exit_2(tmp_path):
    result = CliRunner().invoke(app, ["rules", "suggest", str(tmp_path / "none")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
