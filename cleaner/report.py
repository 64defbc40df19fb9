"""The run's report: counts by status, rule and language, duplicate clusters, time per stage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from . import __version__
from .config import Settings
from .document import STATUSES


def build_report(
    rows: Sequence[dict[str, Any]], settings: Settings, seconds: dict[str, float], **context: Any
) -> dict[str, Any]:
    """Everything a person or a dashboard wants to know about a run, from its manifest rows."""
    by_rule: dict[str, dict[str, int]] = {}
    for row in rows:
        for removal in row["removed"]:
            entry = by_rule.setdefault(removal["rule"], {"removals": 0, "chars": 0, "documents": 0})
            entry["removals"] += 1
            entry["chars"] += removal["chars"]
        for rule in {r["rule"] for r in row["removed"]}:
            by_rule[rule]["documents"] += 1
    statuses = Counter(row["status"] for row in rows)
    kept = [row for row in rows if row["status"] == "kept"]
    clusters: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["duplicate_of"] is not None:
            clusters.setdefault(row["duplicate_of"], []).append(
                {
                    "id": row["id"],
                    "similarity": row["similarity"],
                    "exact": str(row["reason"] or "").startswith("exact"),
                }
            )
    flags = [(row["id"], flag) for row in rows for flag in row["flags"]]
    return {
        "cleaner": __version__,
        **context,
        "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(settings).items()},
        "documents": len(rows),
        "by_status": {status: statuses.get(status, 0) for status in STATUSES},
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1]["chars"], kv[0]))),
        "by_language": dict(sorted(Counter(str(row["lang"]) for row in kept).items(), key=lambda kv: (-kv[1], kv[0]))),
        "foreign_paragraphs": dict(sorted(Counter(f["lang"] for row in kept for f in row["foreign"]).items())),
        "chars_in": sum(row["chars_in"] for row in rows),
        "chars_out": sum(row["chars_out"] for row in kept),
        "flagged": [{"id": row["id"], "flags": row["flags"]} for row in rows if row["flags"]],
        "rule_timeouts": dict(
            sorted(Counter(f.split(":", 1)[1] for _, f in flags if f.startswith("rule-timeout:")).items())
        ),
        "errors": [{"id": row["id"], "reason": row["reason"]} for row in rows if row["status"] == "error"],
        "clusters": [{"kept": k, "duplicates": members} for k, members in sorted(clusters.items())],
        "seconds": {name: round(value, 4) for name, value in seconds.items()},
    }


def summary(report: dict[str, Any]) -> str:
    """A short human summary of a report, for stderr."""
    counts = ", ".join(f"{n} {status}" for status, n in report["by_status"].items() if n or status == "kept")
    lines = [f"{report['documents']} documents: {counts}"]
    reuse = report.get("incremental")
    if reuse and reuse["reused_files"]:
        lines.append(
            f"{reuse['reused_files']} unchanged files reused from the previous run, {reuse['cleaned_files']} cleaned"
        )
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
