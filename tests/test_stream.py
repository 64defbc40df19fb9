"""`cleaner clean - -`: JSONL in, cleaned JSONL out, inside a shell pipe."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cleaner.cli import app

ROOT = Path(__file__).resolve().parent.parent


def documents(seed_texts, copies=1):
    lines = [
        json.dumps({"id": name, "text": text, "url": f"https://example.org/{name}"})
        for name, text in sorted(seed_texts.items())
    ] * copies
    lines.append(json.dumps({"id": "copy-of-004", "text": seed_texts["004_95f5e35d27d01612"]}))
    lines.append("{not json")
    return "\n".join(lines) + "\n"


def test_stdin_to_stdout_keeps_stdout_pure_data(seed_texts, tmp_path):
    result = CliRunner().invoke(
        app, ["clean", "-", "-", "--manifest", str(tmp_path / "m.jsonl")], input=documents(seed_texts)
    )
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in out] == sorted(seed_texts)  # input order, copy dropped
    assert all(set(r) == {"id", "text", "metadata"} for r in out)
    assert out[0]["metadata"]["url"] == "https://example.org/000_6a60fdc25f25da3a"
    assert "Avis de non-responsabilité" not in out[0]["text"]
    rows = {r["id"]: r for r in map(json.loads, (tmp_path / "m.jsonl").read_text().splitlines())}
    assert (
        rows["copy-of-004"]["status"] == "duplicate" and rows["copy-of-004"]["duplicate_of"] == "004_95f5e35d27d01612"
    )
    assert rows["stdin:7"]["status"] == "error" and rows["stdin:7"]["reason"].startswith("<stdin> line 7: invalid JSON")
    assert "5 kept" in result.stderr


def test_a_reader_that_stops_early_gets_no_traceback(seed_texts, tmp_path):
    source = tmp_path / "docs.jsonl"
    source.write_text(documents(seed_texts, copies=1) * 30, encoding="utf-8")
    script = Path(sys.executable).parent / "cleaner"
    command = f'cat "{source}" | "{script if script.exists() else "cleaner"}" clean - - | head -1'
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    (line,) = proc.stdout.splitlines()
    assert json.loads(line)["id"] == "000_6a60fdc25f25da3a"


def test_stdin_into_a_folder(seed_texts, tmp_path):
    result = CliRunner().invoke(app, ["clean", "-", str(tmp_path / "out"), "-q"], input=documents(seed_texts))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert len(rows) == 7 and {r["source"] for r in rows} == {"stdin.jsonl"}


def test_a_folder_to_stdout(tmp_path):
    result = CliRunner().invoke(app, ["clean", str(ROOT / "raw"), "-", "-q"])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 5 and result.stderr == ""


def test_a_stream_drops_an_excerpt_of_a_document_it_wrote(seed_texts, tmp_path):
    """Online dedup verifies on the texts too: one paragraph of an article written earlier is
    dropped as its excerpt; the article stays."""
    body = seed_texts["004_95f5e35d27d01612"].split("In-depth Report: [SYRIA](#)")[1].split("If you're able")[0]
    paragraph = max(body.split("\n\n"), key=len)
    lines = [
        json.dumps({"id": "article", "text": seed_texts["004_95f5e35d27d01612"]}),
        json.dumps({"id": "excerpt", "text": paragraph}),
    ]
    where = tmp_path / "m.jsonl"
    result = CliRunner().invoke(app, ["clean", "-", "-", "--manifest", str(where)], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["article"]
    manifest = {r["id"]: r for r in map(json.loads, where.read_text().splitlines())}
    assert manifest["excerpt"]["duplicate_of"] == "article" and manifest["excerpt"]["containment"] >= 0.95
