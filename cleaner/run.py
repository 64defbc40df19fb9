"""A whole cleaning run, as the CLI and library users start it: read, clean, dedup, write.

A run over a folder whose previous output (with its index) was made with the same settings and
rules is incremental: files whose content did not change keep their rows, new and changed files
are cleaned and deduplicated against the documents already kept, which stay kept.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Settings
from .dedup import Candidate
from .document import Document
from .errors import InputError
from .executor import Executor
from .index import INDEX, CorpusIndex, IndexedDocument, file_digest, indexed, run_fingerprint, write_index
from .pipeline import CorpusResult, Pipeline, clean_documents
from .read import iter_input_files, read_file
from .report import build_report
from .rules import Rules, load_rules
from .write import CORPUS, MANIFEST, check_paths, corpus_record, manifest_record, write_output

log = logging.getLogger(__name__)


@dataclass
class _Previous:
    """What the previous run left in ``OUT`` that can be reused."""

    index: CorpusIndex
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by source
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # corpus records by id

    @classmethod
    def load(cls, out: Path, fingerprint: str) -> _Previous | None:
        index = CorpusIndex.open(out / INDEX)
        if index is None or index.fingerprint != fingerprint:
            return None
        previous = cls(index)
        try:
            with open(out / MANIFEST, encoding="utf-8") as handle:
                for line in handle:
                    row = json.loads(line)
                    previous.rows.setdefault(row["source"], []).append(row)
            with open(out / CORPUS, encoding="utf-8") as handle:
                for line in handle:
                    record = json.loads(line)
                    previous.records[record["id"]] = record
        except (OSError, ValueError, KeyError):
            return None  # an output we cannot read back is rebuilt from scratch
        return previous

    def reusable(self, digests: dict[str, str]) -> set[str]:
        """Sources whose content is unchanged and whose duplicates still have their original."""
        sources = {s for s, d in digests.items() if s in self.rows and self.index.files.get(s) == d}
        while True:
            kept = {row["id"] for s in sources for row in self.rows[s] if row["status"] == "kept"}
            orphaned = {
                s
                for s in sources
                for row in self.rows[s]
                if row["status"] == "duplicate" and row["duplicate_of"] not in kept
            }
            if not orphaned:
                return sources
            sources -= orphaned


def _digests(files: list[Path], root: Path) -> dict[str, str]:
    digests = {}
    for path in files:
        with contextlib.suppress(OSError):  # unreadable: it is read again, and reported as an error
            digests[path.relative_to(root).as_posix()] = file_digest(path)
    return digests


def run_clean(
    raw: Path | str = "raw",
    out: Path | str = "clean",
    *,
    settings: Settings | None = None,
    rules: Rules | Path | str | None = None,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    full: bool = False,
) -> tuple[CorpusResult, dict[str, Any]]:
    """Clean ``raw`` into ``out`` (corpus, manifest, report, index) and return what was cleaned
    in this run and the report of the whole corpus. ``full`` ignores a previous output."""
    raw, out = Path(raw), Path(out)
    if not raw.exists():
        raise InputError(f"input path does not exist: {raw}")
    check_paths(raw, out)
    if not isinstance(rules, Rules):
        rules = load_rules(rules)
    settings = settings or Settings()
    started = time.perf_counter()
    fingerprint = run_fingerprint(settings, rules)
    files = iter_input_files(raw)
    root = raw if raw.is_dir() else raw.parent
    digests = _digests(files, root)
    previous = None if full else _Previous.load(out, fingerprint)
    reused = previous.reusable(digests) if previous else set()
    old_rows = [row for source in sorted(reused) for row in previous.rows[source]] if previous else []
    anchors: list[Candidate] = []
    if previous:
        anchors = [
            previous.index.documents[row["id"]].candidate(order)
            for order, row in enumerate(old_rows)
            if row["status"] == "kept" and row["id"] in previous.index.documents
        ]

    def new_documents() -> Iterator[Document]:
        for path in files:
            if path.relative_to(root).as_posix() not in reused:
                yield from read_file(path, root)

    taken = {row["id"]: row["source"] for row in old_rows}
    result = clean_documents(new_documents(), Pipeline(settings, rules), executor, progress, anchors, taken)
    result.seconds["total"] = time.perf_counter() - started  # writing not included

    rows = sorted(old_rows + [manifest_record(d) for d in result.documents], key=lambda r: r["id"])
    new_records = {d.id: corpus_record(d) for d in result.documents if d.status == "kept"}
    records = [
        new_records.get(row["id"]) or previous.records[row["id"]]  # type: ignore[union-attr]
        for row in rows
        if row["status"] == "kept"
    ]
    report = build_report(
        rows,
        settings,
        result.seconds,
        raw=str(raw),
        raw_path=str(raw.resolve()),
        out=str(out),
        rules=rules.folder,
        rules_loaded=len(rules),
        incremental={"reused_files": len(reused), "cleaned_files": len(files) - len(reused)},
    )
    index_rows: list[IndexedDocument] = [
        previous.index.documents[row["id"]] for row in old_rows if previous and row["id"] in previous.index.documents
    ]
    index_rows += [indexed(d) for d in result.documents]
    write_output(out, rows, records, report, {INDEX: lambda path: write_index(path, fingerprint, digests, index_rows)})
    log.info("cleaned %s into %s in %.2fs", raw, out, time.perf_counter() - started)
    return result, report
