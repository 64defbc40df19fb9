"""Defaults from cleaner.toml / pyproject.toml, and the parquet and txt corpus formats."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner import InputError
from cleaner.cli import app
from cleaner.config import load_config

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def in_folder(tmp_path):
    old = Path.cwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


def test_pyproject_tool_cleaner_sets_defaults_and_flags_win(in_folder):
    (in_folder / "pyproject.toml").write_text(
        '[project]\nname = "corpus"\n\n[tool.cleaner]\nlang = ["fr"]\nnum-perm = 64\nthreshold = 0.9\n',
        encoding="utf-8",
    )
    values, path = load_config()
    assert path.name == "pyproject.toml" and values == {"lang": "fr", "num_perm": 64, "threshold": 0.9}
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), "out", "-q", "--threshold", "0.8"])
    assert result.exit_code == 0, result.output
    report = json.loads((in_folder / "out" / "report.json").read_text())
    assert report["settings"]["lang"] == ["fr"] and report["settings"]["num_perm"] == 64
    assert report["settings"]["threshold"] == 0.8  # the flag wins over the file
    assert report["by_status"]["language"] == 5


def test_cleaner_toml_comes_first_and_unknown_keys_are_errors(in_folder):
    (in_folder / "cleaner.toml").write_text("thresold = 0.9\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"cleaner.toml: unknown key\(s\) thresold"):
        load_config()
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), "out"])
    assert result.exit_code == 2 and "unknown key(s) thresold" in result.stderr


def test_wrong_types_in_configuration_are_errors(in_folder):
    (in_folder / "cleaner.toml").write_text('num_perm = "many"\n', encoding="utf-8")
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), "out"])
    assert result.exit_code == 2 and "setting num_perm must be int" in result.stderr


def test_parquet_has_the_jsonl_schema(tmp_path):
    import pyarrow.parquet as pq

    result = runner.invoke(app, ["clean", str(ROOT / "raw"), str(tmp_path / "out"), "--format", "parquet", "-q"])
    assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "out" / "corpus.parquet")
    assert table.column_names == ["id", "text", "title", "lang", "source", "line", "metadata"]
    rows = table.to_pylist()
    jsonl = [json.loads(line) for line in (tmp_path / "out" / "corpus.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [r["id"] for r in jsonl] and rows[0]["text"] == jsonl[0]["text"]
    assert rows[0]["title"] == jsonl[0]["metadata"]["title"] and rows[0]["lang"] == "en"
    assert [json.loads(r["metadata"]) for r in rows] == [r["metadata"] for r in jsonl]


def test_txt_writes_one_file_per_document_mirroring_raw(tmp_path):
    raw = tmp_path / "raw"
    (raw / "sub").mkdir(parents=True)
    (raw / "sub" / "a.txt").write_text("A Headline Here\n\nThe body of the first article, long enough to keep.")
    (raw / "feed.jsonl").write_text(json.dumps({"id": "../x:1", "text": "A record body about the weather."}) + "\n")
    result = runner.invoke(app, ["clean", str(raw), str(tmp_path / "out"), "--format", "txt", "-q"])
    assert result.exit_code == 0, result.output
    files = sorted(
        p.relative_to(tmp_path / "out" / "txt").as_posix() for p in (tmp_path / "out" / "txt").rglob("*.txt")
    )
    assert files == ["%%2E%2E/x%3A1.txt", "sub/a.txt"]  # '..' and ':' escaped, never outside txt/
    assert (tmp_path / "out" / "txt" / "sub" / "a.txt").read_text().startswith("A Headline Here\n\nThe body")


def test_an_unknown_format_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), str(tmp_path / "out"), "--format", "xml"])
    assert result.exit_code == 2 and "unknown format 'xml'" in result.stderr
