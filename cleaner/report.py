"""The run's report: counts by status, rule and language, duplicate clusters, time per stage."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import asdict
from typing import Any

from . import __version__
from .config import Settings
from .document import STATUSES


class ReportBuilder:
    """Everything a person or a dashboard wants to know about a run, gathered row by row from
    its manifest as the output is written (one pass), then `result`."""

    def __init__(self) -> None:
        self.by_rule: dict[str, dict[str, int]] = {}
        self.statuses: Counter[str] = Counter()
        self.languages: Counter[str] = Counter()
        self.foreign: Counter[str] = Counter()
        self.timeouts: Counter[str] = Counter()
        self.clusters: dict[str, list[dict[str, Any]]] = {}
        self.flagged: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.documents = self.chars_in = self.chars_out = 0
        #: kept documents by the share of their text removed, in `SHARE_BINS` bins
        self.removed_shares = [0] * SHARE_BINS
        self._most_removed: list[tuple[float, str, dict[str, Any]]] = []  # a heap of the top `TOP`

    def add(self, row: dict[str, Any], exact: bool | None = None) -> None:
        """Count one manifest row; ``exact`` says whether a duplicate is an exact copy (when not
        given, as for rows read back from a previous manifest, its reason says)."""
        self.documents += 1
        self.chars_in += row["chars_in"]
        self.statuses[row["status"]] += 1
        for removal in row["removed"]:
            entry = self.by_rule.setdefault(removal["rule"], {"removals": 0, "chars": 0, "documents": 0})
            entry["removals"] += 1
            entry["chars"] += removal["chars"]
        for rule in {r["rule"] for r in row["removed"]}:
            self.by_rule[rule]["documents"] += 1
        if row["status"] == "kept":
            self._removed_share(row)
            self.chars_out += row["chars_out"]
            self.languages[str(row["lang"])] += 1
            self.foreign.update(f["lang"] for f in row["foreign"])
        if row["duplicate_of"] is not None:
            if exact is None:
                exact = str(row["reason"] or "").startswith("exact")
            self.clusters.setdefault(row["duplicate_of"], []).append(
                {"id": row["id"], "similarity": row["similarity"], "exact": exact}
            )
        if row["flags"]:
            self.flagged.append({"id": row["id"], "flags": row["flags"]})
            self.timeouts.update(f.split(":", 1)[1] for f in row["flags"] if f.startswith("rule-timeout:"))
        if row["status"] == "error":
            self.errors.append({"id": row["id"], "reason": row["reason"]})

    def _removed_share(self, row: dict[str, Any]) -> None:
        share = 1 - row["chars_out"] / row["chars_in"] if row["chars_in"] else 0.0
        share = min(1.0, max(0.0, share))
        self.removed_shares[min(SHARE_BINS - 1, int(share * SHARE_BINS))] += 1
        entry = {"id": row["id"], "share": round(share, 4), "chars_in": row["chars_in"], "chars_out": row["chars_out"]}
        entry["flags"] = row["flags"]
        item = (share, row["id"], entry)
        if len(self._most_removed) < TOP:
            heapq.heappush(self._most_removed, item)
        elif item[:2] > self._most_removed[0][:2]:
            heapq.heapreplace(self._most_removed, item)

    def result(self, settings: Settings, seconds: dict[str, float], **context: Any) -> dict[str, Any]:
        return {
            "cleaner": __version__,
            **context,
            "settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(settings).items()},
            "documents": self.documents,
            "by_status": {status: self.statuses.get(status, 0) for status in STATUSES},
            "by_rule": dict(sorted(self.by_rule.items(), key=lambda kv: (-kv[1]["chars"], kv[0]))),
            "by_language": dict(sorted(self.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
            "foreign_paragraphs": dict(sorted(self.foreign.items())),
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "flagged": self.flagged,
            "rule_timeouts": dict(sorted(self.timeouts.items())),
            "errors": self.errors,
            "clusters": [{"kept": k, "duplicates": members} for k, members in sorted(self.clusters.items())],
            "cluster_sizes": _sizes(self.clusters),
            "removed_share_bins": self.removed_shares,
            "most_removed": [entry for *_, entry in sorted(self._most_removed, key=lambda i: (-i[0], i[1]))],
            "seconds": {name: round(value, 4) for name, value in seconds.items()},
        }


#: Bins of the removed-share histogram (each 5% wide) and the length of the report's top lists.
SHARE_BINS = 20
TOP = 20


def _sizes(clusters: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """How many clusters have each size (the kept copy and its duplicates), as JSON keys."""
    counts = Counter(len(members) + 1 for members in clusters.values())
    return {str(size): counts[size] for size in sorted(counts)}


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
