"""Hostile input, interruption, write failures: every document accounted for, no traceback."""

from __future__ import annotations

import errno
import gzip
import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import OutputError, run_clean
from cleaner import read as read_module
from cleaner import write as write_module
from cleaner.cli import app

ROOT = Path(__file__).resolve().parent.parent
BIG = read_module.MAX_DOCUMENT_BYTES + 1024
ARTICLE = (
    "The town council approved the budget for next year on Tuesday, after a long debate about the "
    "cost of the new library and the repairs the roads need before the winter comes."
)

CASES = {
    "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "error", "binary content"),
    "nul.txt": (ARTICLE.encode() + b"\x00" + ARTICLE.encode(), "error", "binary content (NUL byte"),
    "latin1.txt": (("Le député a déclaré que l'été serait très chaud. " * 5).encode("cp1252"), "kept", None),
    "utf16.txt": (
        (
            "Die Stadt hat am Dienstag den Haushalt beschlossen, nach einer langen Debatte über die "
            "Kosten der neuen Bibliothek und die Straßen."
        ).encode("utf-16"),
        "kept",
        None,
    ),
    "empty.txt": (b"", "empty", "empty input"),
    "spaces.md": (b"  \n\n\t\n", "empty", "no text left"),
    "huge.txt": (b"word " * (BIG // 5), "error", "too large to be one document"),
    "huge2.txt.gz": (gzip.compress(b"word " * (BIG // 5)), "error", "too large to be one document"),
    "bad.html": (b"<html><body><div><p>unclosed " + ARTICLE.encode() + b"<b><i>", "kept", None),
    "nested.html": (b"<div>" * 200_000 + ARTICLE.encode() + b"</div>" * 10, None, None),
    "controls.txt": (bytes(range(1, 9)) * 200, "error", "binary content"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    raw = tmp_path_factory.mktemp("hostile") / "raw"
    raw.mkdir()
    for name, (content, _, _) in CASES.items():
        (raw / name).write_bytes(content)
    other = "The hospital opened a new wing on Friday, with forty beds for children and a room for parents."
    lines = [json.dumps({"id": "ok", "text": other}), "x" * BIG, json.dumps({"id": "ok2", "text": other[::-1]})]
    (raw / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(raw / "sparse100mb.txt", "wb") as handle:  # a 100 MB document, written in no time
        handle.truncate(100 << 20)
    (raw / "oneline50mb.txt").write_bytes(b"word " * ((50 << 20) // 5))
    (raw / "loop").symlink_to(raw, target_is_directory=True)  # a loop: never followed
    (raw / "dangling.txt").symlink_to(raw / "nowhere.txt")
    out = raw.parent / "out"
    run_clean(raw, out, rules=ROOT / "rules")
    rows = {r["id"]: r for r in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())}
    return raw, out, rows


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_file_has_its_row(hostile, name):
    _, _, rows = hostile
    _, status, reason = CASES[name]
    row = rows[read_module.document_id(name)]
    if status is not None:
        assert row["status"] == status, row
    if reason is not None:
        assert reason in row["reason"], row
    if row["status"] == "error":
        assert row["reason"].startswith(name), row  # an error names its file
    assert row["status"] in ("kept", "empty", "error")


def test_jsonl_lines_over_the_limit_and_links(hostile):
    _, _, rows = hostile
    assert rows["ok"]["status"] == rows["ok2"]["status"] == "kept"
    assert rows["feed:2"]["reason"] == "feed.jsonl line 2: longer than the 16 MiB one document may have"
    assert rows["dangling"]["status"] == "error" and "cannot read file" in rows["dangling"]["reason"]
    assert not any(r["source"].startswith("loop/") for r in rows.values())
    for name in ("sparse100mb", "oneline50mb"):
        assert rows[name]["status"] == "error" and "too large to be one document" in rows[name]["reason"]


def test_encodings_are_recorded(hostile):
    _, out, _ = hostile
    meta = {r["id"]: r["metadata"] for r in map(json.loads, (out / "corpus.jsonl").read_text().splitlines())}
    assert meta["latin1"]["encoding"] == "cp1252" and meta["utf16"]["encoding"] == "utf-16"


def test_an_unreadable_file_is_an_error_row(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "locked.txt").write_text(ARTICLE)
    (raw / "fine.txt").write_text(ARTICLE + " Fine.")
    real = read_module.open_regular

    def guarded(path):
        if str(path).endswith("locked.txt"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(read_module, "open_regular", guarded)
    run_clean(raw, tmp_path / "out")
    rows = {r["id"]: r for r in map(json.loads, (tmp_path / "out" / "manifest.jsonl").read_text().splitlines())}
    assert rows["locked"]["reason"] == "locked.txt: cannot read file (Permission denied)"
    assert rows["fine"]["status"] == "kept"


def test_a_full_disk_is_one_line_and_the_old_output_stays(tmp_path, monkeypatch):
    out = tmp_path / "out"
    run_clean(ROOT / "raw", out, rules=ROOT / "rules")
    before = (out / "manifest.jsonl").read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(write_module.os, "rename", full)
    with pytest.raises(OutputError, match="No space left on device"):
        run_clean(ROOT / "raw", out, rules=ROOT / "rules", full=True)
    result = CliRunner().invoke(app, ["clean", str(ROOT / "raw"), str(out), "--full"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "No space left" in result.stderr
    assert (out / "manifest.jsonl").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def tree(folder: Path) -> dict[str, str]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupted_run_leaves_the_previous_output(tmp_path, sig):
    from bench.corpus import generate

    generate(tmp_path, 3000, ROOT / "raw", seed=9)
    raw, out = tmp_path / "raw", tmp_path / "clean"
    (tmp_path / "raw2").mkdir()
    (tmp_path / "raw2" / "a.txt").write_text(ARTICLE)
    run_clean(tmp_path / "raw2", out)
    before = tree(out)
    script = Path(sys.executable).parent / "cleaner"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "cleaner"]
    proc = subprocess.Popen(
        [*command, "-v", "clean", str(raw), str(out), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # wait for the run to say it is cleaning (an event, not a guess at how fast this machine is)
    seen = []
    while not any("cleaning" in line for line in seen):
        line = proc.stderr.readline()
        assert line, f"the run ended before it started cleaning: {seen}"
        seen.append(line)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode in (130, 143), stderr
    (line,) = [x for x in stderr.strip().splitlines() if not x.startswith("cleaner: INFO")]  # one line, no traceback
    assert line.startswith("cleaner: error: ") and "left as it was" in line
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean", "pairs.tsv", "raw", "raw2"]
    # and a rerun completes
    rerun = subprocess.run(
        [*command, "clean", str(tmp_path / "raw2"), str(out), "-q", "--full"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr


def test_stdin_garbage_is_rows_not_a_crash():
    result = CliRunner().invoke(app, ["clean", "-", "-", "-q"], input=b'\xff\xfe garbage\n[1,2]\n{"text": 5}\n')
    assert result.exit_code == 0 and result.stdout == ""


def test_line_separators_inside_strings_never_split_a_jsonl_record(tmp_path):
    """Found by the property tests: U+0085 in an id made a manifest row two lines for splitlines()."""
    raw = tmp_path / "raw"
    raw.mkdir()
    records = [{"id": "a\x85b", "text": ARTICLE + "\u2028second line"}, {"id": "c\u2029", "text": None}]
    (raw / "f.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    run_clean(raw, tmp_path / "out")
    for name in ("manifest.jsonl", "corpus.jsonl"):
        lines = (tmp_path / "out" / name).read_text(encoding="utf-8").splitlines()
        assert all(json.loads(line) for line in lines)
    rows = (tmp_path / "out" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(r)["id"] for r in rows] == ["a\x85b", "c\u2029"]
