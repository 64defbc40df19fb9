"""A whole cleaning run, as the CLI and library users start it: read, clean, dedup, write."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import InputError
from .executor import Executor
from .pipeline import CorpusResult, Pipeline, clean_corpus
from .report import build_report
from .rules import Rules, load_rules
from .write import check_paths, write_output

log = logging.getLogger(__name__)


def run_clean(
    raw: Path | str = "raw",
    out: Path | str = "clean",
    *,
    settings: Settings | None = None,
    rules: Rules | Path | str | None = None,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[CorpusResult, dict[str, Any]]:
    """Clean ``raw`` into ``out`` (corpus, manifest, report) and return the result and report."""
    raw, out = Path(raw), Path(out)
    if not raw.exists():
        raise InputError(f"input path does not exist: {raw}")
    check_paths(raw, out)
    if not isinstance(rules, Rules):
        rules = load_rules(rules)
    settings = settings or Settings()
    started = time.perf_counter()
    result = clean_corpus(raw, Pipeline(settings, rules), executor, progress)
    result.seconds["total"] = time.perf_counter() - started  # writing not included
    report = build_report(result, settings, raw=str(raw), out=str(out), rules=rules.folder, rules_loaded=len(rules))
    write_output(out, result.documents, report)
    log.info("cleaned %s into %s in %.2fs", raw, out, time.perf_counter() - started)
    return result, report
