"""The command line, through typer's CliRunner and as a real installed command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cleaner.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def command_paths(group=None, prefix=()):
    """Every command and sub-command of the app, as argument lists."""
    import typer.main

    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        yield [*prefix, name]
        if hasattr(command, "commands"):
            yield from command_paths(command, (*prefix, name))


def test_every_command_has_help():
    paths = list(command_paths())
    assert ["clean"] in paths and ["rules", "test"] in paths
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Usage:" in result.output and len(result.output) > 100, path


def test_clean_writes_the_output_and_a_summary(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), str(out), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 0, result.output
    assert "5 documents: 5 kept" in result.stderr
    assert result.stdout == ""  # stdout stays free for data
    assert len((out / "corpus.jsonl").read_text().splitlines()) == 5


def test_a_missing_input_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["clean", str(tmp_path / "nope"), str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr == f"cleaner: error: input path does not exist: {tmp_path / 'nope'}\n"


def test_a_broken_rule_file_is_one_line_and_exit_2(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "bad.toml").write_text('[[rules]]\nid = "x"\nkind = "lines"\n', encoding="utf-8")
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), str(tmp_path / "out"), "--rules", str(rules)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "bad.toml: rule 'x': unknown kind 'lines'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_bad_settings_are_usage_errors(tmp_path):
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), str(tmp_path / "out"), "--threshold", "1.5"])
    assert result.exit_code == 2 and "threshold must be in (0, 1]" in result.stderr


def test_strict_turns_unreadable_documents_into_exit_1(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ok.txt").write_text("A perfectly good document about the weather.")
    (raw / "bad.txt").write_bytes(b"\x00\xff\x00")
    loose = runner.invoke(app, ["clean", str(raw), str(tmp_path / "a")])
    assert loose.exit_code == 0 and "error: bad.txt: binary content" in loose.stderr
    strict = runner.invoke(app, ["clean", str(raw), str(tmp_path / "b"), "--strict"])
    assert strict.exit_code == 1 and "1 document(s) could not be read" in strict.stderr


def test_lang_keeps_only_the_listed_languages(tmp_path):
    result = runner.invoke(app, ["clean", str(ROOT / "raw"), str(tmp_path / "out"), "--lang", "fr", "-q"])
    assert result.exit_code == 0 and result.stderr == ""
    rows = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert {r["status"] for r in rows} == {"language"}


def test_rules_test_passes_on_the_shipped_rules_and_fails_naming_a_rule(tmp_path):
    ok = runner.invoke(app, ["rules", "test", str(ROOT / "rules")])
    assert ok.exit_code == 0 and ", 0 failing" in ok.stderr
    bad = tmp_path / "rules"
    bad.mkdir()
    (bad / "x.toml").write_text(
        '[[rules]]\nid = "greedy"\nkind = "line"\nwhy = "too broad"\npattern = "news"\n'
        'remove = ["news flash"]\nkeep = ["the news today"]\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["rules", "test", str(bad)])
    assert result.exit_code == 1
    assert "rule 'greedy' wrongly removes its keep example: 'the news today'" in result.stdout


def test_rules_list_names_every_rule():
    result = runner.invoke(app, ["rules", "list", str(ROOT / "rules")])
    assert result.exit_code == 0 and "gr-disclaimer-fr" in result.stdout and "globalresearch.toml" in result.stdout


def installed_cleaner() -> list[str]:
    script = Path(sys.executable).parent / "cleaner"
    found = str(script) if script.exists() else shutil.which("cleaner")
    return [found] if found else [sys.executable, "-m", "cleaner"]


def test_the_installed_command_runs_from_any_folder(tmp_path):
    """A real process: default rules found from outside the repository, output where asked."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [*installed_cleaner(), "clean", str(ROOT / "raw"), "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "5 documents: 5 kept" in proc.stderr
    rows = (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()
    assert len(rows) == 5 and all(json.loads(r)["lang"] == "en" for r in rows)


def test_the_installed_command_fails_cleanly(tmp_path):
    proc = subprocess.run(
        [*installed_cleaner(), "clean", "missing-folder"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr == "cleaner: error: input path does not exist: missing-folder\n"
    assert "Traceback" not in proc.stderr


def test_language_options_reach_the_pipeline(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    english = (
        "The council approved the new budget on Tuesday after a long debate about schools, roads and "
        "the cost of the new library, which several members said the town could not afford this year."
    )
    french = (
        "Le Sénat a adopté dans la nuit de samedi à dimanche le projet de réforme des retraites, après des "
        "semaines de débats houleux et plusieurs journées de grève dans tout le pays."
    )
    (raw / "a.txt").write_text(f"{english}\n\n{english}\n\n{french}", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "clean",
            str(raw),
            str(tmp_path / "out"),
            "--drop-foreign",
            "--lang-backend",
            "langdetect-sampled",
            "--lang-chars",
            "500",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    (row,) = [json.loads(line) for line in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert row["lang"] == "en" and row["removed"] == [{"rule": "foreign-language:fr", "chars": len(french)}]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["settings"]["lang_backend"] == "langdetect-sampled" and report["settings"]["drop_foreign"]
    bad = runner.invoke(app, ["clean", str(raw), str(tmp_path / "o2"), "--lang-backend", "nope"])
    assert bad.exit_code == 2 and "unknown language backend 'nope'" in bad.stderr


def test_every_setting_is_an_option_of_clean_with_its_declared_help():
    import typer

    from cleaner import Settings
    from cleaner.config import setting_help

    command = typer.main.get_command(app).commands["clean"]
    options = {param.name: param for param in command.params}
    for name in Settings.__dataclass_fields__:
        assert name in options, f"Settings.{name} has no --{name.replace('_', '-')} option"
        assert options[name].opts == [f"--{name.replace('_', '-')}"]
        assert options[name].help == setting_help(name)
