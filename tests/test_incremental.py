"""Incremental runs: unchanged files are reused, new ones are deduplicated against the corpus."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cleaner import Settings, run_clean
from cleaner import run as run_module
from cleaner.index import INDEX, CorpusIndex

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def corpus(tmp_path, seed_texts):
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "raw", raw)
    out = tmp_path / "clean"
    run_clean(raw, out, rules=ROOT / "rules")
    return raw, out


def rows(out):
    return {r["id"]: r for r in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())}


def republished(seed_texts, extra=""):
    body = seed_texts["004_95f5e35d27d01612"].split("In-depth Report: [SYRIA](#)")[1].split("If you're able")[0]
    return (
        "Syrian War Report: ISIS Defenses Collapsing in Aleppo Province\n\nBy South Front\n\n"
        + body
        + extra
        + "\n\nThe original source of this article is South Front"
    )


NEW_ARTICLE = (
    "Council Approves Budget\n\n" + "The town council approved the budget for next year on Tuesday, "
    "after a long debate about the cost of the new library and the repairs the roads need. " * 3
)


def test_the_index_holds_every_document_and_file(corpus):
    _, out = corpus
    index = CorpusIndex.open(out / INDEX)
    assert len(index.files) == 5 and len(index.documents) == 5
    assert all(len(d.signature) == 128 * 4 and d.shingles > 100 for d in index.kept())


def test_a_second_run_cleans_only_new_files_and_keeps_earlier_decisions(corpus, seed_texts, monkeypatch):
    raw, out = corpus
    before = rows(out)
    # a longer republished copy of 004 and a new article
    (raw / "copy.txt").write_text(
        republished(
            seed_texts,
            "\n\nA closing paragraph the original does not have, added by the republisher at the end of the article.",
        )
    )
    (raw / "new.txt").write_text(NEW_ARTICLE)
    read = []
    real = run_module.read_file
    monkeypatch.setattr(run_module, "read_file", lambda path, root: read.append(path.name) or real(path, root))
    report = run_clean(raw, out, rules=ROOT / "rules")
    # site templates learn from every file (read once, normalized); only new files are cleaned
    counts = {name: read.count(name) for name in sorted(set(read))}
    assert counts == {**{f"{id_}.txt": 1 for id_ in before}, "copy.txt": 2, "new.txt": 2}
    assert report["incremental"] == {"reused_files": 5, "cleaned_files": 2}
    after = rows(out)
    assert {k: after[k] for k in before} == before  # earlier rows unchanged
    assert after["copy"]["status"] == "duplicate" and after["copy"]["duplicate_of"] == "004_95f5e35d27d01612"
    assert after["new"]["status"] == "kept"
    assert report["by_status"]["kept"] == 6 and report["by_status"]["duplicate"] == 1


def test_an_unchanged_folder_gives_byte_identical_output(corpus):
    raw, out = corpus
    first = {n: (out / n).read_bytes() for n in ("corpus.jsonl", "manifest.jsonl")}
    report = run_clean(raw, out, rules=ROOT / "rules")
    assert report["incremental"]["cleaned_files"] == 0
    assert {n: (out / n).read_bytes() for n in first} == first


def test_changed_and_deleted_files_are_cleaned_again_or_dropped(corpus):
    raw, out = corpus
    (raw / "000_6a60fdc25f25da3a.txt").write_text("Short Title\n\nA new body for this document, rewritten.")
    (raw / "001_d49beb34632bf2ff.txt").unlink()
    report = run_clean(raw, out, rules=ROOT / "rules")
    after = rows(out)
    assert "001_d49beb34632bf2ff" not in after
    assert after["000_6a60fdc25f25da3a"]["chars_out"] < 100
    assert report["incremental"] == {"reused_files": 3, "cleaned_files": 1}


def test_other_settings_or_full_rebuild_everything(corpus):
    raw, out = corpus
    report = run_clean(raw, out, rules=ROOT / "rules", settings=Settings(threshold=0.9))
    assert report["incremental"]["reused_files"] == 0
    report = run_clean(raw, out, rules=ROOT / "rules", settings=Settings(threshold=0.9))
    assert report["incremental"]["reused_files"] == 5
    report = run_clean(raw, out, rules=ROOT / "rules", settings=Settings(threshold=0.9), full=True)
    assert report["incremental"]["reused_files"] == 0


def test_a_duplicate_whose_original_changed_is_judged_again(corpus, seed_texts):
    raw, out = corpus
    (raw / "copy.txt").write_text(republished(seed_texts))
    run_clean(raw, out, rules=ROOT / "rules")
    assert rows(out)["copy"]["duplicate_of"] == "004_95f5e35d27d01612"
    (raw / "004_95f5e35d27d01612.txt").unlink()
    report = run_clean(raw, out, rules=ROOT / "rules")
    assert rows(out)["copy"]["status"] == "kept"
    assert report["incremental"]["cleaned_files"] == 1


def test_an_index_from_another_schema_is_rebuilt_not_mixed_in(corpus, monkeypatch):
    """Signatures from another shingle hashing (schema 1) cannot be compared with today's."""
    from cleaner import index as index_module

    raw, out = corpus
    monkeypatch.setattr(index_module, "SCHEMA_VERSION", index_module.SCHEMA_VERSION - 1)
    report = run_clean(raw, out, rules=ROOT / "rules")
    assert report["incremental"]["reused_files"] == 0
    monkeypatch.undo()
    assert run_clean(raw, out, rules=ROOT / "rules")["incremental"]["reused_files"] == 0
    assert run_clean(raw, out, rules=ROOT / "rules")["incremental"]["reused_files"] == 5


def test_an_excerpt_added_later_is_verified_on_the_corpus_text(corpus, seed_texts):
    """The kept document of an earlier run is read back from the corpus (not estimated) when a
    new document is proposed as its copy: an excerpt is found, with its measured figures."""
    raw, out = corpus
    body = seed_texts["004_95f5e35d27d01612"].split("In-depth Report: [SYRIA](#)")[1].split("If you're able")[0]
    paragraph = max(body.split("\n\n"), key=len)
    (raw / "excerpt.txt").write_text(f"{paragraph}\n")
    run_clean(raw, out, rules=ROOT / "rules")
    row = rows(out)["excerpt"]
    assert row["status"] == "duplicate" and row["duplicate_of"] == "004_95f5e35d27d01612"
    assert row["containment"] >= 0.95 and row["similarity"] < 0.5
    assert "inside" in row["reason"] and "estimated" not in row["reason"]
