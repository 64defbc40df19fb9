"""The run's report: counts by status, rule and language, duplicate clusters, time per stage."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from . import __version__
from .config import Settings
from .document import STATUSES


def build_report(
    rows: Iterable[dict[str, Any]], settings: Settings, seconds: dict[str, float], **context: Any
) -> dict[str, Any]:
    """Everything a person or a dashboard wants to know about a run, from its manifest rows (one pass)."""
    by_rule: dict[str, dict[str, int]] = {}
    statuses: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    foreign: Counter[str] = Counter()
    timeouts: Counter[str] = Counter()
    clusters: dict[str, list[dict[str, Any]]] = {}
    flagged, errors = [], []
    documents = chars_in = chars_out = 0
    for row in rows:
        documents += 1
        chars_in += row["chars_in"]
        statuses[row["status"]] += 1
        for removal in row["removed"]:
            entry = by_rule.setdefault(removal["rule"], {"removals": 0, "chars": 0, "documents": 0})
            entry["removals"] += 1
            entry["chars"] += removal["chars"]
        for rule in {r["rule"] for r in row["removed"]}:
            by_rule[rule]["documents"] += 1
        if row["status"] == "kept":
            chars_out += row["chars_out"]
            languages[str(row["lang"])] += 1
            foreign.update(f["lang"] for f in row["foreign"])
        if row["duplicate_of"] is not None:
            exact = str(row["reason"] or "").startswith("exact")
            clusters.setdefault(row["duplicate_of"], []).append(
                {"id": row["id"], "similarity": row["similarity"], "exact": exact}
            )
        if row["flags"]:
            flagged.append({"id": row["id"], "flags": row["flags"]})
            timeouts.update(f.split(":", 1)[1] for f in row["flags"] if f.startswith("rule-timeout:"))
        if row["status"] == "error":
            errors.append({"id": row["id"], "reason": row["reason"]})
    return {
        "cleaner": __version__,
        **context,
        "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(settings).items()},
        "documents": documents,
        "by_status": {status: statuses.get(status, 0) for status in STATUSES},
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: (-kv[1]["chars"], kv[0]))),
        "by_language": dict(sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        "foreign_paragraphs": dict(sorted(foreign.items())),
        "chars_in": chars_in,
        "chars_out": chars_out,
        "flagged": flagged,
        "rule_timeouts": dict(sorted(timeouts.items())),
        "errors": errors,
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
