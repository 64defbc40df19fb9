"""The README's examples are tests: its `pycon` blocks run as doctests, and every command has a section."""

from __future__ import annotations

import doctest
import os
import re
import shutil
from pathlib import Path

import typer.main

from cleaner.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_examples_run(tmp_path):
    shutil.copytree(ROOT / "raw", tmp_path / "raw")
    blocks = re.findall(r"```pycon\n(.*?)```", README, re.S)
    assert blocks
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
        for number, block in enumerate(blocks):
            runner.run(parser.get_doctest(block, {}, f"README block {number}", "README.md", 0))
        assert runner.summarize(verbose=False).failed == 0
    finally:
        os.chdir(old)


def test_every_command_is_in_the_readme():
    group = typer.main.get_command(app)
    names = [name for name, cmd in group.commands.items() if not hasattr(cmd, "commands")]
    names += [f"rules {name}" for name in group.commands["rules"].commands]
    for name in names:
        assert f"cleaner {name}" in README, name
