"""The run's report: counts by status, rule and language, duplicate clusters, time per stage."""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import __version__
from .config import Settings
from .document import STATUSES
from .pipeline import CorpusResult


def build_report(result: CorpusResult, settings: Settings, **context: Any) -> dict[str, Any]:
    """Everything a person or a dashboard wants to know about a run, as plain JSON data."""
    docs = result.documents
    by_rule: dict[str, dict[str, int]] = {}
    for doc in docs:
        for removal in doc.removals:
            entry = by_rule.setdefault(removal.rule, {"removals": 0, "chars": 0, "documents": 0})
            entry["removals"] += 1
            entry["chars"] += removal.chars
        for rule in {r.rule for r in doc.removals}:
            by_rule[rule]["documents"] += 1
    statuses = Counter(doc.status for doc in docs)
    clusters: dict[str, list[dict[str, Any]]] = {}
    for dup in result.duplicates:
        clusters.setdefault(dup.of, []).append({"id": dup.id, "similarity": dup.similarity, "exact": dup.exact})
    return {
        "cleaner": __version__,
        **context,
        "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in _settings_dict(settings).items()},
        "documents": len(docs),
        "by_status": {status: statuses.get(status, 0) for status in STATUSES},
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1]["chars"], kv[0]))),
        "by_language": dict(
            sorted(
                Counter(str(d.metadata.get("lang")) for d in docs if d.status == "kept").items(),
                key=lambda kv: (-kv[1], kv[0]),
            )
        ),
        "foreign_paragraphs": dict(
            sorted(Counter(f["lang"] for d in docs if d.status == "kept" for f in d.foreign).items())
        ),
        "chars_in": sum(d.chars_in for d in docs),
        "chars_out": sum(len(d.text) for d in docs if d.status == "kept"),
        "flagged": [{"id": d.id, "flags": list(d.flags)} for d in docs if d.flags],
        "rule_timeouts": dict(
            sorted(Counter(f.split(":", 1)[1] for d in docs for f in d.flags if f.startswith("rule-timeout:")).items())
        ),
        "errors": [{"id": d.id, "reason": d.reason} for d in docs if d.status == "error"],
        "clusters": [{"kept": kept, "duplicates": members} for kept, members in sorted(clusters.items())],
        "seconds": {name: round(value, 4) for name, value in result.seconds.items()},
    }


def _settings_dict(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in settings.__dataclass_fields__}


def summary(report: dict[str, Any]) -> str:
    """A short human summary of a report, for stderr."""
    counts = ", ".join(f"{n} {status}" for status, n in report["by_status"].items() if n or status == "kept")
    lines = [f"{report['documents']} documents: {counts}"]
    top = list(report["by_rule"].items())[:5]
    if top:
        lines.append(
            "most removed: " + ", ".join(f"{rule} ({v['chars']} chars in {v['documents']} docs)" for rule, v in top)
        )
    if report["flagged"]:
        lines.append(f"{len(report['flagged'])} flagged for a look (see the manifest's flags)")
    for error in report["errors"][:5]:
        lines.append(f"error: {error['reason']}")
    if len(report["errors"]) > 5:
        lines.append(f"... and {len(report['errors']) - 5} more errors (see the manifest)")
    return "\n".join(lines)
