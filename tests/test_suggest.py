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


def _feed(path: Path) -> None:
    """A JSONL feed of two sites (by URL), each with a banner of its own on every page, and one
    "share" line on pages of both; every body is its own (no copies)."""
    import json
    import random

    rng = random.Random(5)
    vocabulary = ["".join(rng.choice("abcdefghiklmnoprstu") for _ in range(rng.randint(3, 8))) for _ in range(3000)]
    banners = {
        "alpha.example": "Alpha Times: the morning markets briefing",
        "beta.example": "Beta Post weekend edition, in print and online",
    }
    rows = []
    for n in range(12):
        host = "alpha.example" if n % 2 else "beta.example"
        body = "\n\n".join(" ".join(rng.choice(vocabulary) for _ in range(60)) + "." for _ in range(3))
        share = "\n\nShare this story with your friends and family" if n % 3 == 0 else ""
        text = f"{banners[host]}\n\n{body}{share}\n"
        rows.append({"id": f"d{n}", "text": text, "metadata": {"url": f"https://www.{host}/news/{n}"}})
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def test_drafts_are_per_site_and_limited_to_their_site(tmp_path):
    from cleaner.document import Document
    from cleaner.pipeline import Pipeline

    _feed(tmp_path / "feed.jsonl")
    suggestions, total = suggest_rules(read_documents(tmp_path / "feed.jsonl"), Rules())
    assert total == 12
    by_example = {s.examples[0]: (s.site, len(s.documents), s.of) for s in suggestions}
    assert by_example == {
        "Alpha Times: the morning markets briefing": ("alpha.example", 6, 6),
        "Beta Post weekend edition, in print and online": ("beta.example", 6, 6),
        # 2 pages of each site: a draft for any site
        "Share this story with your friends and family": (None, 4, 12),
    }
    empty = tmp_path / "none.toml"
    empty.write_text("")
    out = tmp_path / "drafts"
    result = CliRunner().invoke(
        app, ["rules", "suggest", str(tmp_path / "feed.jsonl"), "--rules", str(empty), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["suggested-alpha-example.toml", "suggested-any-site.toml", "suggested-beta-example.toml"]
    for name in names:
        assert run_rule_examples(load_rules(out / name)) == []
    # alpha's rules run on alpha's pages only: the same line on another site's page stays
    alpha = Pipeline(rules=load_rules(out / "suggested-alpha-example.toml")).until("boilerplate")
    line = "Alpha Times: the morning markets briefing"
    on_alpha = Document("a", f"{line}\n\nText of the page.", "x", metadata={"url": "https://alpha.example/1"})
    on_gamma = Document("g", f"{line}\n\nText of the page.", "x", metadata={"url": "https://gamma.example/1"})
    assert alpha.clean(on_alpha).text == "Text of the page."
    assert alpha.clean(on_gamma).text.startswith(line)
    # drafts are never written over
    again = CliRunner().invoke(
        app, ["rules", "suggest", str(tmp_path / "feed.jsonl"), "--rules", str(empty), "--out", str(out)]
    )
    assert again.exit_code == 2 and "exists" in again.stderr


def test_a_site_named_by_a_rule_set_gets_that_sets_when(tmp_path):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "alpha.toml").write_text(
        "[set]\nwhy = 'Alpha'\nwhen = 'Alpha Times'\n\n[[rules]]\nid = 'alpha-x'\nkind = 'line'\nwhy = 'x'\n"
        "pattern = '^never here$'\nremove = ['never here']\nkeep = ['a sentence.']\n"
    )
    _feed(tmp_path / "feed.jsonl")
    rows = (tmp_path / "feed.jsonl").read_text().splitlines()
    (tmp_path / "feed.jsonl").write_text("\n".join(r.replace('"url"', '"where"') for r in rows) + "\n")  # no URLs
    suggestions, _ = suggest_rules(read_documents(tmp_path / "feed.jsonl"), load_rules(rules_dir))
    alpha = next(s for s in suggestions if s.examples[0].startswith("Alpha Times"))
    assert alpha.site == "rules:alpha" and not alpha.host
    result = CliRunner().invoke(app, ["rules", "suggest", str(tmp_path / "feed.jsonl"), "--rules", str(rules_dir)])
    assert result.exit_code == 0, result.output
    assert "--out DIR" in result.stdout  # several sites in one listing
    out = tmp_path / "drafts"
    args = ["rules", "suggest", str(tmp_path / "feed.jsonl"), "--rules", str(rules_dir), "--out", str(out)]
    assert CliRunner().invoke(app, args).exit_code == 0
    text = (out / "suggested-rules-alpha.toml").read_text()
    assert "when = 'Alpha Times'" in text and "add these rules to it" in text


def test_sites_whose_names_fold_alike_get_files_of_their_own():
    from cleaner.suggest import site_file_names

    assert site_file_names(["a.b", "a-b", None, "."]) == [
        "suggested-a-b.toml",
        "suggested-a-b-2.toml",
        "suggested-any-site.toml",
        "suggested-top.toml",
    ]
