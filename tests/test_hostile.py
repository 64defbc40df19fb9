"""What a hostile-input probe broke (data loss, hangs, tracebacks, wrong results): one test per
finding, each of which failed before its fix. Anything that could hang runs in a subprocess
with a time limit, so a regression fails the suite instead of stalling it."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import OutputError, run_clean
from cleaner.cli import app
from cleaner.config import Settings
from cleaner.dedup import Candidate, fingerprint, near_duplicate_clusters
from cleaner.document import Document
from cleaner.errors import InputError, RuleError
from cleaner.executor import ProcessExecutor
from cleaner.read import decode_bytes, read_file
from cleaner.rules import load_rules
from cleaner.write import MARKER, recover_output, txt_name

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
runner = CliRunner()
ARTICLE = (
    "The town council approved the budget for next year on Tuesday, after a long debate about the "
    "cost of the new library and the repairs the roads need before the winter comes."
)
OTHER = "The hospital opened a new wing on Friday, with forty beds for children and a room for parents to stay."


def rows_of(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def cleaner_command() -> list[str]:
    script = Path(sys.executable).parent / "cleaner"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cleaner"]


def run_cli(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*cleaner_command(), *args], capture_output=True, timeout=timeout, **kwargs)


def cleaned_rows(raw: Path, out: Path, *options: str, timeout: float = 120) -> list[dict]:
    """Clean ``raw`` into ``out`` with the installed command (in a subprocess, bounded in time:
    a hang fails the test instead of stalling the suite) and return the manifest rows."""
    done = run_cli("clean", str(raw), str(out), "-q", *options, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return rows_of(out)


def one_line(stderr: bytes | str) -> str:
    text = stderr.decode() if isinstance(stderr, bytes) else stderr
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


# 1. a folder that merely holds a file named like an output is not ours to replace
def test_user_files_beside_an_output_name_are_never_deleted(make_raw, tmp_path):
    raw = make_raw({"a.txt": ARTICLE})
    project = tmp_path / "proj"
    project.mkdir()
    (project / "precious.txt").write_text("thesis")
    (project / "report.json").write_text("{}")
    result = runner.invoke(app, ["clean", str(raw), str(project)])
    assert result.exit_code == 2 and "'precious.txt', which cleaner did not write" in result.stderr
    assert (project / "precious.txt").read_text() == "thesis"
    (project / "precious.txt").unlink()
    with pytest.raises(OutputError, match="not a cleaner output"):  # report.json alone proves nothing
        run_clean(raw, project)
    out = tmp_path / "out"
    run_clean(raw, out)
    assert (out / MARKER).is_file()
    run_clean(raw, out, full=True)  # our own output is replaced
    (out / MARKER).unlink()  # an output of an older cleaner (no marker) is ours too
    run_clean(raw, out, full=True)


# 2. --manifest never writes over an input or into RAW
def test_a_manifest_path_that_is_an_input_or_inside_raw_is_refused(make_raw, tmp_path):
    raw = make_raw({"in.jsonl": json.dumps({"id": "a", "text": ARTICLE}) + "\n"})
    source = raw / "in.jsonl"
    before = source.read_bytes()
    for manifest in (source, raw / "m.jsonl"):
        result = runner.invoke(
            app, ["clean", str(source if manifest == source else raw), "-", "--manifest", str(manifest)]
        )
        assert result.exit_code == 2 and "--manifest" in result.stderr, result.stderr
    assert source.read_bytes() == before and not (raw / "m.jsonl").exists()
    with open(source, "rb") as stdin:
        done = run_cli("clean", "-", "-", "--manifest", str(source), stdin=stdin)
    assert done.returncode == 2 and "standard input" in one_line(done.stderr)
    assert source.read_bytes() == before
    result = runner.invoke(app, ["clean", str(raw), str(tmp_path / "out"), "--manifest", str(tmp_path / "m.jsonl")])
    assert result.exit_code == 2 and "--manifest is for OUT '-'" in result.stderr


# 3. every record gets exactly one row, however its id clashes
@pytest.mark.parametrize(
    "ids",
    [
        ["dup", "dup", "dup@a.jsonl:2"],
        ["x", "x", "x", "x@a.jsonl:2", "x@a.jsonl:3", "x@a.jsonl:2#2"],
        ["a", "a@a.jsonl:2", "a"],
    ],
)
def test_id_clashes_never_lose_a_record(make_raw, tmp_path, ids):
    lines = [json.dumps({"id": i, "text": f"{ARTICLE} Number {n} of {len(ids)}."}) for n, i in enumerate(ids)]
    raw = make_raw({"a.jsonl": "\n".join(lines) + "\n"})
    run_clean(raw, tmp_path / "out")
    rows = rows_of(tmp_path / "out")
    assert len(rows) == len(ids) == len({r["id"] for r in rows})
    assert sorted(r["line"] for r in rows) == list(range(1, len(ids) + 1))


# 4. one txt file per kept id, whatever the ids
def test_txt_names_are_one_per_id_and_always_writable(make_raw, tmp_path):
    ids = [
        "a//b",
        "a/b",
        ".",
        "..",
        "a:b",
        "a_b",
        "a%3Ab",
        "dir",
        "dir.txt/inner",
        "u" * 300,
        "https://x.org/" + "p" * 250,
    ]
    lines = [
        json.dumps({"id": i, "text": f"Story {n}: " + " ".join(f"word{n}x{k}" for k in range(60))})
        for n, i in enumerate(ids)
    ]
    raw = make_raw({"feed.jsonl": "\n".join(lines) + "\n"})
    result = runner.invoke(app, ["clean", str(raw), str(tmp_path / "out"), "--format", "txt", "-q"])
    assert result.exit_code == 0, result.output
    kept = [r for r in rows_of(tmp_path / "out") if r["status"] == "kept"]
    files = [p for p in (tmp_path / "out" / "txt").rglob("*.txt") if p.is_file()]
    assert len(kept) == len(ids) == len(files)
    assert len({txt_name(i) for i in ids}) == len(ids)
    assert all(len(part.encode()) <= 255 for i in ids for part in txt_name(i).split("/"))


# 5. a run that died between the two renames of the swap: the next run puts OUT back, sweeps leftovers
def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_swap_cut_short_is_recovered_and_leftovers_are_swept(make_raw, tmp_path):
    raw = make_raw({"a.txt": ARTICLE})
    out = tmp_path / "clean"
    run_clean(raw, out)
    before = (out / "manifest.jsonl").read_bytes()
    pid = dead_pid()
    os.rename(out, tmp_path / f".clean.old-{pid}-abc")  # killed after the first rename
    (tmp_path / f".clean.tmp-{pid}-def").mkdir()  # and its staging folder
    (tmp_path / ".clean.tmp-1-alive").mkdir()  # pid 1 is alive: somebody else's, left alone
    recover_output(out)
    assert (out / "manifest.jsonl").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".clean.tmp-1-alive", "clean", "raw"]
    run_clean(raw, out, full=True)
    assert (out / "manifest.jsonl").read_bytes() == before


def test_signals_wait_until_the_swap_is_done():
    import threading

    from cleaner.write import _signals_held

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # even where SIGINT came in ignored
    other = threading.Thread(target=time.sleep, args=(0.5,))  # another thread could take a masked signal
    other.start()
    order = []
    try:
        with pytest.raises(KeyboardInterrupt), _signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # room for the signal to arrive: it must still wait
            order.append("swapped")
    finally:
        signal.signal(signal.SIGINT, previous)
        other.join()
    assert order == ["swapped"]


def test_a_stdin_copy_left_by_a_dead_run_is_swept(tmp_path):
    spool = Path(os.environ.get("TMPDIR", "/tmp")) / f"cleaner-stdin-{dead_pid()}-x"
    spool.mkdir()
    done = run_cli("clean", "-", str(tmp_path / "out"), "-q", input=json.dumps({"text": ARTICLE}).encode())
    assert done.returncode == 0, done.stderr
    assert not spool.exists()


# 6. FIFOs and devices are error rows (or a usage error for rules), never read forever
def test_fifos_and_devices_never_hang_a_run(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(ARTICLE)
    os.mkfifo(raw / "pipe.txt")
    (raw / "zero.txt").symlink_to("/dev/zero")
    rows = {r["id"]: r for r in cleaned_rows(raw, tmp_path / "out", timeout=60)}
    assert rows["a"]["status"] == "kept"
    assert rows["pipe"]["status"] == "error" and "not a regular file (a FIFO)" in rows["pipe"]["reason"]
    assert rows["zero"]["status"] == "error" and "not a regular file (a device)" in rows["zero"]["reason"]
    checked = run_cli("check", str(raw / "pipe.txt"), timeout=60)
    assert checked.returncode == 2, checked.stderr
    checked = run_cli("check", str(raw), "--format", "json", timeout=60)
    assert checked.returncode == 1 and "not a regular file" in checked.stdout.decode()
    rules = tmp_path / "rules"
    rules.mkdir()
    os.mkfifo(rules / "pipe.toml")
    done = run_cli("rules", "test", str(rules), timeout=60)
    assert done.returncode == 2 and "not a regular file" in one_line(done.stderr)


# 7. every pattern is bounded in time: `when`, and inline rules without a literal
CATASTROPHIC = r"(\w|\w\w)+$"


@pytest.mark.parametrize("where", ["when", "inline"])
def test_a_catastrophic_pattern_is_cut_off_and_reported(tmp_path, where):
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = textwrap.dedent(
        f"""
        [[rules]]
        id = "slow"
        kind = "{"inline" if where == "inline" else "line"}"
        why = "a pattern that backtracks for ever on a long word"
        pattern = '{CATASTROPHIC if where == "inline" else "^zz-never$"}'
        remove = ["{"ab" if where == "inline" else "zz-never"}"]
        keep = ["!"]
        """
    )
    when = f"[set]\nwhen = '{CATASTROPHIC}'\n" if where == "when" else ""
    (rules / "slow.toml").write_text(when + rule)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text(ARTICLE + "\n\n" + "a" * 60 + "!")
    (row,) = cleaned_rows(raw, tmp_path / "out", "--rules", str(rules), timeout=90)
    assert any(flag.startswith("rule-timeout:slow") for flag in row["flags"]), row


def _stuck(item: int) -> int:
    if item:
        time.sleep(3600)
    return item


def _wait_until(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_an_interrupted_pool_ends_its_stuck_workers():
    mapped = ProcessExecutor(2).map(_stuck, [0, 1, 1])
    assert next(mapped) == 0
    mapped.close()  # what Ctrl-C does to the run's loop
    assert _wait_until(lambda: not multiprocessing.active_children())


# 8. kill -9 of the parent: its workers go too
def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to see the workers")
def test_workers_exit_when_their_parent_is_killed():
    script = textwrap.dedent(
        """
        import multiprocessing, sys, time
        from cleaner.executor import ProcessExecutor
        from tests.test_hostile import _stuck
        mapped = ProcessExecutor(2).map(_stuck, [1, 1, 1, 1])
        import threading
        threading.Thread(target=lambda: next(mapped), daemon=True).start()
        while len(multiprocessing.active_children()) < 2:
            time.sleep(0.05)
        print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
        time.sleep(3600)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert len(workers) >= 2
    parent.kill()
    parent.wait()
    assert _wait_until(lambda: all(_gone(pid) for pid in workers)), workers


# 9. a gzip bomb of newlines is bounded and recorded; a JSONL without records has its row
def test_a_gzip_bomb_of_newlines_is_bounded_and_recorded(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    block = b"\n" * (1 << 20)
    with open(raw / "bomb.jsonl.gz", "wb") as handle:
        handle.write(packer.compress(json.dumps({"id": "first", "text": ARTICLE}).encode() + b"\n"))
        for _ in range(400):  # 400 MiB unpacked, about 400 KiB packed
            handle.write(packer.compress(block))
        handle.write(packer.flush())
    (raw / "blank.jsonl").write_text("\n\n  \n")
    rows = {r["id"]: r for r in cleaned_rows(raw, tmp_path / "out")}
    assert rows["first"]["status"] == "kept"
    assert rows["bomb:error"]["status"] == "error" and "gzip bomb" in rows["bomb:error"]["reason"]
    assert rows["blank"]["status"] == "empty" and rows["blank"]["reason"] == "blank.jsonl: no records in it"


# 10. text that is not valid Unicode: file names, JSON escapes
def test_invalid_unicode_names_and_escapes_are_written_as_valid_utf8(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    with open(os.path.join(os.fsencode(raw), b"caf\xe9.txt"), "w") as handle:
        handle.write(ARTICLE)
    (raw / "f.jsonl").write_text('{"id": "x\\udc80", "text": "' + OTHER + ' \\ud800", "author": "\\udfff"}\n')
    run_clean(raw, tmp_path / "out")
    for name in ("manifest.jsonl", "corpus.jsonl"):
        (tmp_path / "out" / name).read_bytes().decode("utf-8")  # strict: no surrogate escaped through
    ids = {r["id"] for r in rows_of(tmp_path / "out")}
    assert ids == {"caf\\xe9", "x\ufffd"}
    done = run_cli("clean", "-", "-", input=(raw / "f.jsonl").read_bytes())
    assert done.returncode == 0 and json.loads(done.stdout.decode("utf-8"))["metadata"]["author"] == "\ufffd"


# 11. numbers and nesting that break parsers or writers are error rows
def test_huge_integers_and_deep_nesting_are_error_rows(make_raw, tmp_path):
    lines = [
        '{"id": "big", "text": "x", "n": ' + "9" * 5000 + "}",
        '{"id": "deep", "text": "x", "m": ' + "[" * 700 + "]" * 700 + "}",
        json.dumps({"id": "ok", "text": ARTICLE}),
    ]
    raw = make_raw({"f.jsonl": "\n".join(lines) + "\n"})
    run_clean(raw, tmp_path / "out")
    rows = {r["line"]: r for r in rows_of(tmp_path / "out")}
    assert rows[1]["status"] == "error" and "f.jsonl line 1" in rows[1]["reason"]
    assert rows[2]["status"] == "error" and "nested deeper than" in rows[2]["reason"]
    assert rows[3]["status"] == "kept"


# 12. write failures are one line and exit 2
def test_unwritable_places_are_one_line(tmp_path):
    (tmp_path / "file").write_text("x")
    done = run_cli("clean", str(ROOT / "raw"), str(tmp_path / "file" / "out"))
    assert done.returncode == 2 and "cannot write next to the output folder" in one_line(done.stderr)
    done = run_cli("clean", str(ROOT / "raw"), "-", "--manifest", str(tmp_path / "file" / "m.jsonl"))
    assert done.returncode == 2 and "cannot write the manifest" in one_line(done.stderr)
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [*cleaner_command(), "clean", str(ROOT / "raw"), "-"], stdout=full, stderr=subprocess.PIPE, timeout=120
        )
    assert done.returncode == 2 and "No space left on device" in one_line(done.stderr)


def test_a_full_disk_while_spilling_is_one_line(tmp_path, monkeypatch):
    from cleaner import run as run_module

    full = open("/dev/full", "wb", buffering=0)  # noqa: SIM115 (the run closes it)
    monkeypatch.setattr(run_module.tempfile, "TemporaryFile", lambda **_: full)
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), str(tmp_path / "out")])
    assert result.exit_code == 2 and "No space left on device" in one_line(result.stderr)
    assert not (tmp_path / "out").exists()


# 13. every threshold / num-perm / containment LSH can be asked for works
@pytest.mark.parametrize("num_perm", [16, 32, 128])
@pytest.mark.parametrize("threshold", [0.3, 0.7, 0.87, 0.95, 0.99, 1.0])
@pytest.mark.parametrize("containment", [0.5, 0.8, 1.0])
def test_the_dedup_grid_never_fails(num_perm, threshold, containment):
    from cleaner.dedup import Profile, is_copy, overlap

    texts = [ARTICLE, ARTICLE + " And more.", OTHER]
    docs = [fingerprint(Document(id=str(i), text=t, source=""), 5, num_perm) for i, t in enumerate(texts)]
    candidates = [
        Candidate(d.id, len(d.text), d.digest, d.signature, d.shingles, i, sample=d.sample) for i, d in enumerate(docs)
    ]
    near_duplicate_clusters(candidates, threshold, num_perm, containment)  # on the estimate
    by_id = {str(i): t for i, t in enumerate(texts)}
    found = near_duplicate_clusters(candidates, threshold, num_perm, containment, texts=by_id.get)
    measured = overlap(Profile.of(ARTICLE, 5), Profile.of(ARTICLE + " And more.", 5), 5)
    assert [(d.id, d.of) for d in found] == ([("0", "1")] if is_copy(measured, threshold, containment) else [])
    settings = Settings(threshold=threshold, num_perm=num_perm, containment=containment)
    from cleaner.pipeline import Pipeline
    from cleaner.stream import clean_to_stream

    docs_in = [Document(id=str(i), text=t, source="", chars_in=len(t)) for i, t in enumerate(texts)]
    clean_to_stream(docs_in, Pipeline(settings, load_rules(RULES)), lambda line: None)


# 14. a replacement naming a group the pattern lacks is refused when loaded
@pytest.mark.parametrize("replace", [r"\9", r"\g<nope>", r"\g<3>"])
def test_a_replacement_with_a_missing_group_is_refused(tmp_path, replace):
    (tmp_path / "r.toml").write_text(
        "[[rules]]\nid = 'x'\nkind = 'inline'\nwhy = 'w'\npattern = '(a)(?P<b>b)'\n"
        f"replace = '{replace}'\nremove = ['ab']\nkeep = ['c']\n"
    )
    with pytest.raises(RuleError, match="'replace' refers to group"):
        load_rules(tmp_path)


# 15. parquet takes metadata of any shape
def test_parquet_with_metadata_of_mixed_types(make_raw, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    records = [
        {"id": "a", "text": ARTICLE, "author": "Ann", "n": 1, "title": "A"},
        {"id": "b", "text": OTHER, "author": ["Ann", "Bob"], "n": "one", "title": 5},
    ]
    raw = make_raw({"f.jsonl": "\n".join(map(json.dumps, records)) + "\n"})
    result = runner.invoke(app, ["clean", str(raw), str(tmp_path / "out"), "--format", "parquet", "-q"])
    assert result.exit_code == 0, result.output
    rows = pq.read_table(tmp_path / "out" / "corpus.parquet").to_pylist()
    assert [json.loads(r["metadata"])["author"] for r in rows] == ["Ann", ["Ann", "Bob"]]
    assert [r["title"] for r in rows] == ["A", "5"]


# 16. configuration values are checked, naming the file; strict is honoured
@pytest.mark.parametrize(
    "line", ["lang = 5", "lang = [1, 2]", "lang = {a = 1}", 'threshold = "high"', 'lang = "xx"', "format = 3"]
)
def test_bad_configuration_values_name_the_file(tmp_path, monkeypatch, line):
    (tmp_path / "cleaner.toml").write_text(line + "\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), str(tmp_path / "out")])
    assert result.exit_code == 2 and "cleaner.toml" in one_line(result.stderr)


def test_strict_in_the_configuration_is_honoured(make_raw, tmp_path, monkeypatch):
    raw = make_raw({"a.txt": ARTICLE, "b.txt": b"\x00\x01\x02binary"})
    (tmp_path / "cleaner.toml").write_text("strict = true\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["clean", str(raw), str(tmp_path / "out"), "-q"])
    assert result.exit_code == 1 and "--strict" in result.stderr


# 17. outputs edited by hand are validated before they are reused
def _corpus(make_raw):
    return make_raw(
        {
            "a.txt": ARTICLE,
            "feed.jsonl": json.dumps({"id": "r1", "text": OTHER})
            + "\n"
            + json.dumps({"id": "r2", "text": ARTICLE + " Again."})
            + "\n",
        }
    )


def _edit_index(out: Path, sql: str) -> None:
    with sqlite3.connect(out / "index.sqlite") as db:
        db.execute(sql)


EDITS = {
    "signature as text": lambda out: _edit_index(out, "UPDATE documents SET signature = 'abc' WHERE status = 'kept'"),
    "signature too short": lambda out: _edit_index(
        out, "UPDATE documents SET signature = x'0000' WHERE status = 'kept'"
    ),
    "signature NULL": lambda out: _edit_index(out, "UPDATE documents SET signature = NULL"),
    "documents emptied": lambda out: _edit_index(out, "DELETE FROM documents"),
    "manifest row []": lambda out: (out / "manifest.jsonl").write_text("[]\n" + (out / "manifest.jsonl").read_text()),
    "manifest row without status": lambda out: (out / "manifest.jsonl").write_text('{"id": "a", "source": "a.txt"}\n'),
    "corpus line [1]": lambda out: (out / "corpus.jsonl").write_text("[1]\n"),
    "one manifest row deleted": lambda out: (out / "manifest.jsonl").write_text(
        "".join(line for line in (out / "manifest.jsonl").read_text().splitlines(keepends=True) if '"r1"' not in line)
    ),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_hand_edited_outputs_are_rebuilt_not_trusted(make_raw, tmp_path, edit):
    raw = _corpus(make_raw)
    out = tmp_path / "out"
    run_clean(raw, out)
    expected = (out / "manifest.jsonl").read_bytes()
    EDITS[edit](out)
    run_clean(raw, out)
    assert (out / "manifest.jsonl").read_bytes() == expected
    (raw / "copy.txt").write_text(ARTICLE)  # a later copy is still found against the rebuilt index
    run_clean(raw, out)
    assert {r["id"]: r["status"] for r in rows_of(out)}["copy"] == "duplicate"


def test_explain_on_a_malformed_manifest_is_one_line(make_raw, tmp_path):
    out = tmp_path / "out"
    run_clean(make_raw({"a.txt": ARTICLE}), out)
    (out / "manifest.jsonl").write_text("[]\n")
    result = runner.invoke(app, ["explain", "a", "--out", str(out)])
    assert result.exit_code == 2 and "line 1 is not a manifest row" in one_line(result.stderr)


# 18. depth: a deep tree, a path over PATH_MAX, deeply nested TOML
def _deep(root: Path, levels: int, name: str) -> None:
    here = os.getcwd()
    os.chdir(root)  # relative steps: an absolute path this long could not be made
    try:
        for _ in range(levels):
            os.mkdir(name)
            os.chdir(name)
        Path("deep.txt").write_text(ARTICLE)
    finally:
        os.chdir(here)


def test_a_very_deep_tree_is_read_and_overlong_paths_are_rows(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    _deep(raw, 1000, "d")  # 2,000 characters: deep, but a path the system takes
    _deep(raw, 2100, "e")  # over PATH_MAX (4,096) somewhere down the tree
    (raw / "shallow.txt").write_text(OTHER)
    try:
        run_clean(raw, tmp_path / "out")
    finally:
        subprocess.run(["rm", "-rf", str(raw)], check=True)  # pytest's own clean-up recurses too deep
    rows = {r["id"].split("/")[0]: r for r in rows_of(tmp_path / "out")}
    assert rows["shallow"]["status"] == "kept"
    assert rows["d"]["status"] == "kept" and rows["d"]["id"].endswith("/deep")
    assert rows["e"]["status"] == "error" and "File name too long" in rows["e"]["reason"], rows["e"]


def test_deeply_nested_toml_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "r.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(RuleError):
        load_rules(tmp_path)
    (tmp_path / "cleaner.toml").write_text("lang = " + "[" * 5000 + "]" * 5000 + "\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), str(tmp_path / "out")])
    assert result.exit_code == 2 and "cleaner.toml" in one_line(result.stderr)


# 19. non-finite numbers are written as JSON (null)
def test_nan_and_infinity_in_metadata_are_written_as_null(make_raw, tmp_path):
    raw = make_raw({"f.jsonl": '{"id": "a", "text": "' + ARTICLE + '", "x": NaN, "y": -Infinity, "z": 1e400}\n'})
    run_clean(raw, tmp_path / "out")

    def refuse(name):
        raise ValueError(name)

    (record,) = [json.loads(line, parse_constant=refuse) for line in (tmp_path / "out" / "corpus.jsonl").open()]
    assert record["metadata"]["x"] is record["metadata"]["y"] is record["metadata"]["z"] is None


# 20. short Latin-1 is Latin-1; a few bytes of binary are not UTF-16
def test_short_latin1_and_tiny_binary():
    assert decode_bytes("Le café était fermé.".encode("latin-1")) == ("Le café était fermé.", "cp1252")
    assert decode_bytes("Привет, как дела? Мы пошли в магазин.".encode("cp1251"))[1] == "cp1251"


def test_six_bytes_of_binary_are_not_text(tmp_path):
    (tmp_path / "b.txt").write_bytes(b"\x9a\x00\x9b\x00\x9c\x00")
    (doc,) = read_file(tmp_path / "b.txt", tmp_path)
    assert doc.status == "error" and "binary content" in doc.reason


# 21. values that cannot mean anything are refused
@pytest.mark.parametrize("args", [["--lang", "xx"], ["--lang", "english"], ["--rules", "EMPTY"]])
def test_meaningless_values_are_refused(tmp_path, args):
    (tmp_path / "EMPTY").mkdir()
    args = [str(tmp_path / a) if a == "EMPTY" else a for a in args]
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), str(tmp_path / "out"), *args])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "out").exists()
    if "--rules" in args:
        assert runner.invoke(app, ["rules", "test", args[1]]).exit_code == 2


def test_two_formats_write_both(tmp_path):
    result = runner.invoke(
        app, ["clean", str(ROOT / "raw"), str(tmp_path / "out"), "--format", "parquet", "--format", "txt"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "corpus.parquet").is_file() and (tmp_path / "out" / "txt").is_dir()
    assert "corpus.parquet" in result.stderr and "txt/" in result.stderr  # 26: the summary says so


# 22. standard input that is not JSONL says which line and why
def test_plain_text_on_stdin_says_what_is_expected():
    done = run_cli("clean", "-", "-", input=b"plain text\n")
    text = done.stderr.decode()
    assert done.returncode == 0 and "<stdin> line 1: invalid JSON" in text and "must be JSONL" in text


# 23. check: warnings do not fail unless asked
def test_check_warnings_fail_only_on_request(tmp_path):
    wrapper = "\n\n".join(
        [
            "Republished with permission. Originally published at example.org.",
            "Copyright © 2024 Example News. All rights reserved.",
        ]
    )
    addition = tmp_path / "add"
    addition.mkdir()
    (addition / "a.txt").write_text(ARTICLE + "\n\n" + wrapper)
    result = runner.invoke(app, ["check", str(addition), "--format", "json"])
    found = json.loads(result.stdout)["findings"]
    warnings = [f for f in found if f["severity"] == "warning"]
    assert result.exit_code == (1 if any(f["severity"] == "error" for f in found) else 0)
    if warnings:
        assert runner.invoke(app, ["check", str(addition), "--fail-on", "warning"]).exit_code == 1
    table = runner.invoke(app, ["check", str(addition)]).stdout
    assert "1 document checked" in table


def test_removed_share_is_a_warning(make_raw):
    from cleaner.check import CheckResult, Finding

    warning = Finding("a.txt", None, "a", "removed-share", "rules removed 75%")
    assert not CheckResult(1, (warning,)).fails() and CheckResult(1, (warning,)).fails("warning")
    error = Finding("a.txt", None, "a", "duplicate", "copy")
    assert CheckResult(1, (warning, error)).fails()


# 24. suggest counts copies of one article once
def test_suggest_does_not_turn_republished_bodies_into_rules(make_raw):
    from cleaner.read import read_documents
    from cleaner.suggest import suggest_rules

    body = "\n\n".join(
        f"Paragraph {n} of the same article, long enough to be a paragraph of news text." for n in range(6)
    )
    raw = make_raw({f"site{n}.txt": f"Headline\n\n{body}" for n in range(5)} | {"other.txt": OTHER})
    suggestions, _ = suggest_rules(read_documents(raw), load_rules(RULES))
    assert suggestions == []


# 25. usage mistakes are one line; flags show no placeholder
@pytest.mark.parametrize(
    "args", [["clean", "--threshold", "abc"], ["clean", "--nope"], ["check"], ["clean", "-j", "0"], ["explain"]]
)
def test_usage_errors_are_one_line(args):
    done = run_cli(*args)
    assert done.returncode == 2 and one_line(done.stderr).startswith("cleaner: error: ")


def test_help_shows_no_bool_placeholder():
    for command in (["--help"], ["clean", "--help"], ["check", "--help"]):
        assert "<bool>" not in runner.invoke(app, command).stdout


# 26. explain's character count says which text it counts
def test_explain_names_both_character_counts(tmp_path):
    out = tmp_path / "out"
    run_clean(ROOT / "raw", out, rules=RULES)
    row = next(r for r in rows_of(out) if r["id"] == "000_6a60fdc25f25da3a")
    shown = runner.invoke(app, ["explain", row["id"], "--out", str(out), "--rules", str(RULES)]).stdout
    assert f"{row['chars_in']} as read" in shown or f"of {row['chars_in']} characters" in shown


def test_the_library_raises_its_own_errors(make_raw, tmp_path):
    raw = make_raw({"a.txt": ARTICLE})
    with pytest.raises(InputError):
        run_clean(raw, tmp_path / "out", output_format="xml")
    with pytest.raises(InputError):
        Settings(lang=("xx",))
