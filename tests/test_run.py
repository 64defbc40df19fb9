"""Whole runs: the shipped raw/ against gold, the output contract, determinism, atomic writes."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner import OutputError, run_clean
from cleaner import write as write_module

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
DATA = Path(__file__).resolve().parent / "data"
MANIFEST_KEYS = {
    "id",
    "source",
    "line",
    "status",
    "reason",
    "duplicate_of",
    "containment",
    "similarity",
    "lang",
    "lang_prob",
    "lang_share",
    "chars_in",
    "chars_out",
    "removed",
    "foreign",
    "flags",
}


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "clean"
    before = tree_digest(RAW)
    report = run_clean(RAW, out, rules=ROOT / "rules")
    return out, None, report, before


def test_seeds_pass_the_gold_scorer(seed_run):
    out = seed_run[0]
    score = subprocess.run(
        [
            sys.executable,
            str(DATA / "score_boilerplate.py"),
            str(RAW),
            str(DATA / "gold"),
            str(out / "corpus.jsonl"),
            "--manifest",
            str(out / "manifest.jsonl"),
        ],
        capture_output=True,
        text=True,
    )
    summary = score.stdout.strip().splitlines()[-1]
    assert score.returncode == 0, score.stdout
    assert "missing=0 titles=5/5" in summary and summary.endswith("PASS")


def test_corpus_follows_the_contract(seed_run, read_jsonl):
    records = read_jsonl(seed_run[0] / "corpus.jsonl")
    assert [r["id"] for r in records] == sorted(p.stem for p in RAW.glob("*.txt"))
    for record in records:
        assert list(record) == ["id", "text", "metadata"]
        meta = record["metadata"]
        assert meta["source"] == f"{record['id']}.txt"
        assert meta["lang"] == "en" and meta["author"] == "South Front"
        assert meta["title"] and meta["title"] not in record["text"]
    by_id = {r["id"]: r for r in records}
    assert by_id["000_6a60fdc25f25da3a"]["metadata"]["date"] == "2016-03-09"
    assert by_id["004_95f5e35d27d01612"]["metadata"]["date"] == "2017-03-09"


def test_manifest_accounts_for_every_document_with_reasons(seed_run, read_jsonl):
    rows = read_jsonl(seed_run[0] / "manifest.jsonl")
    assert len(rows) == 5 and all(set(r) == MANIFEST_KEYS for r in rows)
    row = next(r for r in rows if r["id"] == "000_6a60fdc25f25da3a")
    assert row["status"] == "kept" and row["lang"] == "en"
    rules = [r["rule"] for r in row["removed"]]
    assert {"gr-header", "gr-disclaimer-fr", "donation-appeal", "copyright-line", "title"} <= set(rules)
    assert row["chars_in"] - row["chars_out"] >= sum(r["chars"] for r in row["removed"]) - 10


def test_report_counts(seed_run):
    report = json.loads((seed_run[0] / "report.json").read_text())
    assert report["by_status"] == {"kept": 5, "duplicate": 0, "language": 0, "empty": 0, "error": 0}
    assert report["by_language"] == {"en": 5}
    assert report["by_rule"]["gr-disclaimer-fr"]["documents"] == 4
    assert {"read", "normalize", "boilerplate", "language", "signature", "dedup", "total"} <= set(report["seconds"])


def test_raw_is_never_modified(seed_run):
    assert tree_digest(RAW) == seed_run[3]


def test_two_runs_are_byte_identical(seed_run, tmp_path):
    run_clean(RAW, tmp_path / "again", rules=ROOT / "rules")
    for name in ("corpus.jsonl", "manifest.jsonl"):
        assert (tmp_path / "again" / name).read_bytes() == (seed_run[0] / name).read_bytes()


def test_cleaning_the_clean_corpus_changes_no_text(seed_run, tmp_path, read_jsonl):
    raw2 = tmp_path / "raw2"
    raw2.mkdir()
    shutil.copy(seed_run[0] / "corpus.jsonl", raw2 / "corpus.jsonl")
    run_clean(raw2, tmp_path / "out2", rules=ROOT / "rules")
    first = {r["id"]: r for r in read_jsonl(seed_run[0] / "corpus.jsonl")}
    second = {r["id"]: r for r in read_jsonl(tmp_path / "out2" / "corpus.jsonl")}
    assert {k: v["text"] for k, v in second.items()} == {k: v["text"] for k, v in first.items()}
    assert all(second[k]["metadata"]["title"] == first[k]["metadata"]["title"] for k in first)


def test_bad_documents_are_errors_and_the_run_goes_on(make_raw, tmp_path, read_jsonl, seed_texts):
    raw = make_raw(
        {
            "good.txt": seed_texts["004_95f5e35d27d01612"],
            "bin.txt": b"\x00\x01\x02binary",
            "feed.jsonl": '{"id": "r1", "text": "A fine record about the council budget vote."}\n{oops\n',
            "blank.txt": "   \n\n",
        }
    )
    report = run_clean(raw, tmp_path / "out")
    rows = {r["id"]: r for r in read_jsonl(tmp_path / "out" / "manifest.jsonl")}
    assert rows["good"]["status"] == "kept" and rows["r1"]["status"] == "kept"
    assert rows["bin"]["status"] == "error" and rows["bin"]["reason"].startswith("bin.txt: binary content")
    assert rows["feed:2"]["reason"].startswith("feed.jsonl line 2: invalid JSON")
    assert rows["blank"]["status"] == "empty"
    assert report["by_status"]["error"] == 2 and len(rows) == 5


def test_a_republished_copy_is_a_duplicate_of_the_original(make_raw, tmp_path, read_jsonl, seed_texts):
    original = seed_texts["004_95f5e35d27d01612"]
    body = original.split("In-depth Report: [SYRIA](#)")[1].split("If you're able")[0]
    copy = (
        "Syrian War Report: ISIS Defenses Collapsing in Aleppo Province\n\nBy South Front\n\n"
        + body
        + "\n\nThe original source of this article is South Front\n\nCopyright © South Front, 2017\n\n"
        "Subscribe to our newsletter for updates"
    )
    raw = make_raw({"orig.txt": original, "copy.txt": copy, "other.txt": seed_texts["000_6a60fdc25f25da3a"]})
    run_clean(raw, tmp_path / "out")
    rows = {r["id"]: r for r in read_jsonl(tmp_path / "out" / "manifest.jsonl")}
    dup = rows["copy"] if rows["copy"]["status"] == "duplicate" else rows["orig"]
    assert dup["status"] == "duplicate" and dup["duplicate_of"] in {"orig", "copy"} - {dup["id"]}
    assert dup["similarity"] >= 0.9 and dup["reason"].endswith(f"of {dup['duplicate_of']}")
    assert rows["other"]["status"] == "kept"
    kept = read_jsonl(tmp_path / "out" / "corpus.jsonl")
    assert len(kept) == 2


def test_ids_taken_twice_are_errors_not_silent_overwrites(make_raw, tmp_path, read_jsonl):
    raw = make_raw({"a.txt": "Alpha text about things.", "a.md": "Another alpha about other things."})
    run_clean(raw, tmp_path / "out")
    rows = read_jsonl(tmp_path / "out" / "manifest.jsonl")
    assert [r["status"] for r in rows] == ["kept", "error"]
    assert rows[1]["id"] == "a@a.txt" and rows[1]["reason"] == "a.txt: id 'a' is already used by a.md"


def test_an_interrupted_write_leaves_the_previous_output(seed_run, tmp_path, monkeypatch):
    out = tmp_path / "clean"
    shutil.copytree(seed_run[0], out)
    before = tree_digest(out)
    calls = {"n": 0}
    real = write_module.json_line

    def failing(record):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(record)

    monkeypatch.setattr(write_module, "json_line", failing)
    with pytest.raises(KeyboardInterrupt):
        run_clean(RAW, out, rules=ROOT / "rules")
    assert tree_digest(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["clean"]  # no staging folder left behind


def test_a_run_collects_garbage_less_often_and_puts_the_setting_back(seed_run, tmp_path, monkeypatch):
    import gc

    from cleaner.pipeline import YOUNG_COLLECTION

    seen = []
    real = write_module.json_line

    def recording(record):
        seen.append(gc.get_threshold()[0])  # while the run writes (after its shards)
        return real(record)

    before = gc.get_threshold()
    monkeypatch.setattr(write_module, "json_line", recording)
    try:
        gc.set_threshold(700, 10, 10)
        run_clean(RAW, tmp_path / "clean", rules=ROOT / "rules")
        assert seen and set(seen) == {YOUNG_COLLECTION}
        assert gc.get_threshold() == (700, 10, 10)
        seen.clear()

        def failing(record):
            raise KeyboardInterrupt

        monkeypatch.setattr(write_module, "json_line", failing)
        with pytest.raises(KeyboardInterrupt):
            run_clean(RAW, tmp_path / "again", rules=ROOT / "rules")
        assert gc.get_threshold() == (700, 10, 10)  # an interrupted run puts it back too
    finally:
        gc.set_threshold(*before)


@pytest.mark.parametrize("where", ["inside", "same"])
def test_output_inside_the_input_is_refused(make_raw, where):
    raw = make_raw({"a.txt": "x"})
    with pytest.raises(OutputError, match="inside the input"):
        run_clean(raw, raw / "out" if where == "inside" else raw)


def test_a_folder_that_is_not_cleaner_output_is_not_replaced(make_raw, tmp_path):
    raw = make_raw({"a.txt": "Some text here."})
    precious = tmp_path / "docs"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(OutputError, match=r"holds 'thesis\.tex', which cleaner did not write"):
        run_clean(raw, precious)
    assert (precious / "thesis.tex").read_text() == "years of work"
