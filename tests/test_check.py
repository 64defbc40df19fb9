"""`cleaner check`: additions to a corpus, judged without writing anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import run_clean
from cleaner.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
NEW = (
    "Council Approves Budget\n\nThe town council approved the budget for next year on Tuesday, after a long "
    "debate about the cost of the new library and the repairs the roads need before the winter comes. The "
    "mayor said the vote showed that the town could plan ahead, while two members warned that the money for "
    "the library would run out within three years unless the county helped.\n"
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "clean"
    run_clean(ROOT / "raw", out, rules=ROOT / "rules")
    return out


@pytest.fixture
def additions(tmp_path, seed_texts):
    folder = tmp_path / "additions"
    folder.mkdir()
    original = seed_texts["004_95f5e35d27d01612"]
    body = original.split("In-depth Report: [SYRIA](#)")[1].split("If you're able")[0]
    (folder / "republished.txt").write_text(
        "Syrian War Report: ISIS Defenses Collapsing in Aleppo Province\n\nPar South Front\n\n"
        + body
        + "\n\nLa source originale de cet article est South Front\n\nTous droits réservés.",
        encoding="utf-8",
    )
    (folder / "new.txt").write_text(NEW, encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    return folder


def test_check_names_the_duplicates_original_and_the_bad_file(corpus, additions):
    result = runner.invoke(app, ["check", str(additions), "--against", str(corpus)])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    dup = next(line for line in lines if "republished.txt" in line)
    assert "duplicate" in dup and "of 004_95f5e35d27d01612 (in the corpus)" in dup
    bad = next(line for line in lines if "broken.txt" in line)
    assert "error" in bad and "binary content" in bad
    assert not any("new.txt" in line for line in lines)


def test_a_clean_addition_passes(corpus, additions):
    result = runner.invoke(app, ["check", str(additions / "new.txt"), "--against", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "no findings" in result.stdout


def test_a_missing_path_is_a_usage_error(corpus, tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope"), "--against", str(corpus)])
    assert result.exit_code == 2 and result.stderr.startswith("cleaner: error: path does not exist")


def test_duplicates_among_additions_and_languages(corpus, tmp_path):
    folder = tmp_path / "adds"
    folder.mkdir()
    (folder / "a.txt").write_text(NEW, encoding="utf-8")
    (folder / "b.txt").write_text(NEW.replace("Tuesday", "Wednesday"), encoding="utf-8")
    (folder / "c.txt").write_text(
        "Le conseil municipal a adopté mardi le budget de l'année prochaine, après un "
        "long débat sur le coût de la nouvelle bibliothèque.",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check", str(folder), "--against", str(corpus), "--lang", "en", "--format", "json"])
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    kinds = {Path(f["path"]).name: f for f in findings}
    dup = kinds.get("a.txt") or kinds["b.txt"]  # the longer one stays
    assert dup["kind"] == "duplicate" and Path(dup["duplicate_of"]).name in {"a.txt", "b.txt"} - {
        Path(dup["path"]).name
    }
    assert "(another addition)" in dup["message"]
    assert kinds["c.txt"]["kind"] == "language" and "language fr" in kinds["c.txt"]["message"]


def test_github_format_is_workflow_annotations(corpus, additions):
    result = runner.invoke(app, ["check", str(additions), "--against", str(corpus), "--format", "github"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert all(line.startswith("::error file=") for line in lines) and len(lines) == 2
    assert any("title=cleaner duplicate::" in line for line in lines)


def test_check_writes_nothing(corpus, additions):
    before = sorted(p.name for p in corpus.parent.rglob("*"))
    runner.invoke(app, ["check", str(additions), "--against", str(corpus)])
    assert sorted(p.name for p in corpus.parent.rglob("*")) == before
    assert sorted(p.name for p in additions.iterdir()) == ["broken.txt", "new.txt", "republished.txt"]


def test_without_a_corpus_index_check_says_so(tmp_path, additions):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["check", str(additions), "--against", str(tmp_path / "empty")])
    assert result.exit_code == 2 and "no usable corpus index" in result.stderr


def test_an_excerpt_of_a_corpus_article_is_measured_on_the_corpus_text(corpus, seed_texts, tmp_path):
    body = seed_texts["004_95f5e35d27d01612"].split("In-depth Report: [SYRIA](#)")[1].split("If you're able")[0]
    (tmp_path / "excerpt.txt").write_text(max(body.split("\n\n"), key=len) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(tmp_path / "excerpt.txt"), "--against", str(corpus)])
    assert result.exit_code == 1, result.output
    (line,) = [x for x in result.stdout.splitlines() if "excerpt.txt" in x]
    assert "of the shorter inside" in line and "of 004_95f5e35d27d01612 (in the corpus)" in line
