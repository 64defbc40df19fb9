"""Check additions to a corpus without writing anything: what a CI job runs on a pull request.

Each given file or folder is read and cleaned in memory, then deduplicated against the corpus
at ``against`` (through its index: no texts are read) and against the other additions. Every
problem becomes a `Finding` naming the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings
from .dedup import Duplicate
from .document import Document, Flag
from .errors import InputError
from .explain import run_settings
from .index import INDEX, CorpusIndex
from .pipeline import Pipeline, clean_documents, duplicate_kind, fit_corpus_stages
from .read import read_documents
from .rules import Rules
from .write import StoredTexts

#: Kinds of finding, in the order a report lists them.
KINDS = ("error", "duplicate", "language", "empty", "removed-share", "rule-timeout")
#: Findings that make an addition wrong (they fail a check); the others are warnings worth a look.
ERRORS = frozenset({"error", "duplicate", "language", "empty"})
SEVERITIES = ("error", "warning")
_PREFIX = "+"  # ids of additions, kept apart from the corpus's own ids


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem with one added document."""

    path: str
    line: int | None
    id: str
    kind: str
    message: str
    duplicate_of: str | None = None
    similarity: float | None = None

    @property
    def severity(self) -> str:
        """``error`` (the addition is wrong: a duplicate, unreadable, empty, wrong language) or
        ``warning`` (worth a look: rules removed much of it, a rule timed out)."""
        return "error" if self.kind in ERRORS else "warning"

    def as_dict(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in self.__slots__}, "severity": self.severity}  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class CheckResult:
    documents: int
    findings: tuple[Finding, ...]

    def fails(self, fail_on: str = "error") -> bool:
        """Whether the check fails: on any error finding, or with ``fail_on="warning"`` on any finding."""
        if fail_on not in SEVERITIES:
            raise InputError(f"--fail-on must be error or warning, got {fail_on!r}")
        return any(f.severity == "error" or fail_on == "warning" for f in self.findings)


def _additions(paths: Sequence[Path]) -> list[tuple[Document, str]]:
    found = []
    for path in paths:
        if not path.exists():
            raise InputError(f"path does not exist: {path}")
        root = path if path.is_dir() else path.parent
        for doc in read_documents(path):
            where = (root / doc.source).as_posix() if path.is_dir() else path.as_posix()
            found.append((doc.with_(id=f"{_PREFIX}{where}" + (f":{doc.line}" if doc.line else "")), where))
    return found


def check(
    paths: Sequence[Path | str],
    rules: Rules,
    against: Path | str | None = None,
    settings: Settings | None = None,
    pipeline: Pipeline | None = None,
) -> CheckResult:
    """Clean ``paths`` in memory and report what would be wrong with adding them. Corpus-level
    stages of ``pipeline`` use the state the corpus at ``against`` was cleaned with."""
    folders = [Path(p) for p in paths]
    against = Path(against) if against is not None else None
    settings = run_settings(against, settings)
    anchors = []
    pipeline = pipeline or Pipeline(settings, rules)
    states: dict[str, Any] = {}
    if against is not None:
        index = CorpusIndex.open(against / INDEX)
        if index is None:
            raise InputError(
                f"no usable corpus index at {against / INDEX} (missing or damaged): "
                f"run `cleaner clean` into {against} again"
            )
        anchors = [d.candidate(order) for order, d in enumerate(index.kept())]
        states = index.stage_states
    additions = _additions(folders)
    where = {doc.id: path for doc, path in additions}
    if pipeline.needs_fitting:
        if states:
            pipeline = pipeline.fitted(states)
        else:  # no corpus to learn from: the additions alone
            pipeline, _ = fit_corpus_stages(pipeline, lambda: (doc for doc, _ in additions))
    texts = StoredTexts(against) if against is not None else None  # a proposed pair's corpus text
    result = clean_documents((doc for doc, _ in additions), pipeline, anchors=anchors, anchor_texts=texts)
    findings = [f for doc in result.documents for f in _findings(doc, where.get(doc.id, doc.source), settings)]
    findings.sort(key=lambda f: (f.path, f.line or 0, KINDS.index(f.kind)))
    return CheckResult(len(result.documents), tuple(findings))


def _findings(doc: Document, path: str, settings: Settings) -> list[Finding]:
    """What is wrong with one cleaned addition."""
    line, show = doc.line, doc.id.removeprefix(_PREFIX)
    found = []
    if doc.status == "duplicate" and doc.duplicate_of:
        of = doc.duplicate_of
        named = f"{of.removeprefix(_PREFIX)} (another addition)" if of.startswith(_PREFIX) else f"{of} (in the corpus)"
        copy = Duplicate(doc.id, of, doc.similarity or 0.0, doc.exact, doc.containment, doc.containment is not None)
        kind = duplicate_kind(copy)
        message = f"{kind} of {named}"
        found.append(Finding(path, line, show, "duplicate", message, of.removeprefix(_PREFIX), doc.similarity))
    elif doc.status in ("language", "empty", "error"):
        found.append(Finding(path, line, show, doc.status, doc.reason or doc.status))
    for flag in map(Flag, doc.flags):
        if flag.kind == "rule-timeout":
            found.append(Finding(path, line, show, "rule-timeout", f"rule {flag.detail} timed out and was skipped"))
        elif flag.share is not None:
            message = f"rules removed {flag.share:.0%} of the text (over {settings.max_removed_share:.0%})"
            found.append(Finding(path, line, show, "removed-share", message))
    return found


def as_json(result: CheckResult) -> str:
    return json.dumps(
        {"documents": result.documents, "findings": [f.as_dict() for f in result.findings]},
        ensure_ascii=False,
        indent=2,
    )


def as_github(result: CheckResult) -> str:
    """GitHub Actions workflow commands: one ``::error`` annotation per finding."""

    def escape(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    lines = []
    for f in result.findings:
        place = f"file={escape(f.path).replace(',', '%2C').replace(':', '%3A')}"
        if f.line:
            place += f",line={f.line}"
        lines.append(f"::{f.severity} {place},title=cleaner {f.kind}::{escape(f.message)}")
    return "\n".join(lines)


def as_table(result: CheckResult) -> str:
    checked = f"{result.documents} document{'s' if result.documents != 1 else ''} checked"
    if not result.findings:
        return f"{checked}: no findings"
    rows = [(f"{f.path}" + (f":{f.line}" if f.line else ""), f.severity, f.kind, f.message) for f in result.findings]
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{a:<{width[0]}}  {b:<{width[1]}}  {c:<{width[2]}}  {d}" for a, b, c, d in rows]
    errors = sum(f.severity == "error" for f in result.findings)
    warnings = len(result.findings) - errors
    lines.append(
        f"{checked}: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    )
    return "\n".join(lines)
