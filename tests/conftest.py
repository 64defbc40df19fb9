"""Shared fixtures: the repository's raw/ and rules/, and helpers to build small corpora."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

from cleaner import Rules, load_rules

# Property tests: a bounded run by default (CI), a long one with HYPOTHESIS_PROFILE=fuzz.
settings.register_profile("default", max_examples=80, deadline=None)
settings.register_profile("fuzz", max_examples=3000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
RULES = ROOT / "rules"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules(RULES)


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(RAW.glob("*.txt"))}


@pytest.fixture
def make_raw(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """Write ``{relative path: text or bytes}`` into a fresh raw folder and return it."""

    def make(files: dict[str, str | bytes]) -> Path:
        raw = tmp_path / "raw"
        raw.mkdir(exist_ok=True)
        for name, content in files.items():
            path = raw / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return raw

    return make


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def read_jsonl() -> Callable[[Path], list[dict]]:
    return _read_jsonl
