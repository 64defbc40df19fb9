"""``report.html``: a run's report as a page people read, one self-contained file.

Everything comes from ``report.json`` (bounded: top lists and histograms, never a row per
document), plus the pages of `explain` for the documents that lost the most. Plots are
matplotlib figures written as inline SVG: no script, no network, it opens from disk.
"""

from __future__ import annotations

import difflib
import html
import io
import logging
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

REPORT_HTML = "report.html"
#: Folder of the explain pages the report links to, inside the output folder.
EXPLAIN_DIR = "explain"
#: Rows in the report's tables.
TOP_RULES = 25
TOP_ERRORS = 20
_EXAMPLE_WORDS = 400


def write_report_html(folder: Path, report: dict[str, Any], explained: Sequence[str] = ()) -> Path:
    """Write ``folder/report.html`` from ``report``; ``explained`` are the ids whose explain page
    was written beside it (`explain_page_name`)."""
    path = folder / REPORT_HTML
    path.write_text(render_report(report, explained), encoding="utf-8")
    return path


def explain_page_name(doc_id: str) -> str:
    """Where the explain page of ``doc_id`` goes, relative to the output folder: its first
    characters for the eye and a hash of it all (ids may be long and hold any character).

    >>> explain_page_name("sub/article 1")
    'explain/sub_article_1-c36392cb2ab137ec.html'
    """
    import re

    import xxhash

    readable = re.sub(r"[^A-Za-z0-9._-]", "_", doc_id)[:60]
    return f"{EXPLAIN_DIR}/{readable}-{xxhash.xxh3_64_hexdigest(doc_id.encode())}.html"


def render_report(report: dict[str, Any], explained: Sequence[str] = ()) -> str:
    """The page, as text."""
    from jinja2 import Environment

    template = resources.files("cleaner").joinpath("report.html.j2").read_text(encoding="utf-8")
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["page"] = explain_page_name
    kept_by_status = report["by_status"]
    rules = list(report["by_rule"].items())
    return env.from_string(template).render(
        report=report,
        plots=_plots(report),
        statuses=kept_by_status,
        rules=[(rule, figures, _kind(rule)) for rule, figures in rules[:TOP_RULES]],
        more_rules=max(0, len(rules) - TOP_RULES),
        by_kind=_by_kind(rules),
        errors=report["errors"][:TOP_ERRORS],
        more_errors=max(0, len(report["errors"]) - TOP_ERRORS),
        explained=set(explained),
        examples=[_example(e) for e in report.get("duplicate_examples", [])],
        largest=sorted(report["clusters"], key=lambda c: (-len(c["duplicates"]), c["kept"]))[:10],
        removed_share=1 - report["chars_out"] / report["chars_in"] if report["chars_in"] else 0.0,
        example_words=_EXAMPLE_WORDS,
    )


def _kind(rule: str) -> str:
    """What made a removal: a rule, a site's template, the line model, the title, a language."""
    if rule.startswith("template:"):
        return f"site template ({rule.removeprefix('template:')})"
    if rule.startswith("model:"):
        return "line model"
    if rule.startswith("foreign-language:"):
        return "foreign paragraph"
    if rule.startswith("title"):
        return "title"
    return "rule"


def _by_kind(rules: list[tuple[str, dict[str, int]]]) -> list[tuple[str, int, int]]:
    """Characters and removals per kind of cause (every site template together)."""
    totals: dict[str, list[int]] = {}
    for rule, figures in rules:
        kind = _kind(rule).split(" (")[0]
        entry = totals.setdefault(kind, [0, 0])
        entry[0] += figures["chars"]
        entry[1] += figures["removals"]
    return sorted(((k, c, n) for k, (c, n) in totals.items()), key=lambda t: (-t[1], t[0]))


def _example(example: dict[str, Any]) -> dict[str, Any]:
    """A duplicate beside its kept copy, the passages only one of them has marked."""
    kept, copy = (str(example[k] or "").split()[:_EXAMPLE_WORDS] for k in ("kept_text", "duplicate_text"))
    matcher = difflib.SequenceMatcher(None, kept, copy, autojunk=False)
    marked_kept, marked_copy = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        same = tag == "equal"
        marked_kept.append(_words(kept[i1:i2], same))
        marked_copy.append(_words(copy[j1:j2], same))
    return {
        **example,
        "kept_html": " ".join(p for p in marked_kept if p),
        "copy_html": " ".join(p for p in marked_copy if p),
    }


def _words(words: list[str], same: bool) -> str:
    text = html.escape(" ".join(words))
    return text if same or not text else f"<mark>{text}</mark>"


#: matplotlib settings of every plot: text kept as text, ids fixed (the same figure, the same bytes)
_RC: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "cleaner", "font.size": 9}


def _plots(report: dict[str, Any]) -> dict[str, str]:
    """Each plot of the page as inline SVG."""
    import matplotlib

    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        return _drawn(report)


def _drawn(report: dict[str, Any]) -> dict[str, str]:
    plots = {}
    statuses = {k: v for k, v in report["by_status"].items()}
    plots["status"] = _barh(list(statuses), list(statuses.values()), "documents")
    top = list(report["by_rule"].items())[:12]
    plots["rules"] = _barh([r for r, _ in top], [v["chars"] for _, v in top], "characters removed")
    languages = list(report["by_language"].items())[:12]
    plots["languages"] = _barh([k for k, _ in languages], [v for _, v in languages], "kept documents")
    bins = report.get("removed_share_bins") or []
    labels = [f"{5 * i}%" for i in range(len(bins))]
    plots["removed"] = _bars(labels, bins, "share of the text removed", "kept documents")
    sizes = report.get("cluster_sizes") or {}
    plots["clusters"] = _bars(list(sizes), list(sizes.values()), "documents in the cluster", "clusters")
    stages = {k: v for k, v in report["seconds"].items() if k not in ("total", "report_html")}  # (the page's own)
    plots["stages"] = _barh(list(stages), list(stages.values()), "seconds")
    return plots


def _figure(height: float, labels: Sequence[str] = ()) -> Any:
    """A figure with margins set from its labels (a layout engine would draw it twice)."""
    from matplotlib.figure import Figure

    width = 6.4
    left = min(0.45, (0.3 + 0.065 * max((len(label) for label in labels), default=4)) / width)
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(left=left, right=0.97, top=1 - 0.15 / height, bottom=0.55 / height)
    return figure, figure.subplots()


def _barh(labels: list[str], values: list[float], xlabel: str) -> str:
    if not values:
        return ""
    figure, axes = _figure(0.3 * len(values) + 0.8, labels)
    axes.barh(range(len(values)), values, color="#4c72b0")
    axes.set_yticks(range(len(values)), labels)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _bars(labels: list[str], values: list[int], xlabel: str, ylabel: str) -> str:
    if not values:
        return ""
    figure, axes = _figure(2.6, ["0000"])
    axes.bar(range(len(values)), values, color="#4c72b0")
    step = max(1, len(labels) // 10)
    axes.set_xticks(range(0, len(labels), step), labels[::step])
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)


def _svg(figure: Any) -> str:
    """A figure as an inline ``<svg>`` element."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def write_explain_pages(folder: Path, ids: Sequence[str], raw: Path, pipeline: Any) -> list[str]:
    """Write the explain page (`explain.render_html`) of each of ``ids`` under ``folder``, from
    the manifest there and the input at ``raw`` cleaned again with the fitted ``pipeline``; return
    the ids written (a document whose input is gone is left out, with a log line)."""
    import json

    from .errors import CleanerError
    from .explain import explain_read, render_html
    from .write import MANIFEST, json_line

    if not ids:
        return []
    # rows are written {"id": ..., first: only the lines that start so for a wanted id are parsed
    starts = tuple(json_line({"id": doc_id})[:-2].encode() + b"," for doc_id in ids)
    rows = {}
    with open(folder / MANIFEST, "rb") as handle:
        for line in handle:
            if line.startswith(starts):
                row = json.loads(line)
                rows[row["id"]] = row
    written = []
    for doc_id, doc in _documents(rows, raw):  # each input file read once
        if doc is None:
            log.warning("no explain page for %s: its input is gone from %s", doc_id, raw)
            continue
        try:
            page = render_html(explain_read(rows[doc_id], doc, raw, pipeline))
        except CleanerError as exc:
            log.warning("no explain page for %s: %s", doc_id, exc)
            continue
        path = folder / explain_page_name(doc_id)
        path.parent.mkdir(exist_ok=True)
        path.write_text(page, encoding="utf-8")
        written.append(doc_id)
    return written


def rebuild_report(out: Path, raw: Path | None = None, rules: Path | None = None) -> Path:
    """Write ``out/report.html`` (and its explain pages) again from ``out/report.json``: for an
    output written before there was a page, or after the page was deleted. The explain pages
    need the input the run read (``raw``, by default the one the report names); without it the
    page is written without them."""
    import json
    import os

    from .errors import InputError
    from .explain import run_settings
    from .index import INDEX, CorpusIndex
    from .pipeline import Pipeline
    from .rules import load_rules
    from .write import REPORT

    try:
        report = json.loads((out / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"no readable report at {out / REPORT}: run `cleaner clean` into {out} first") from exc
    if not isinstance(report, dict) or "by_status" not in report or "most_removed" not in report:
        raise InputError(f"{out / REPORT} was written by another version: run `cleaner clean` into {out} again")
    raw = raw or Path(report.get("raw_path") or report.get("raw") or "raw")
    explained: list[str] = []
    if raw.exists():
        rules = rules or Path(report.get("rules") or "rules")
        pipeline = Pipeline(run_settings(out), load_rules(rules))
        if pipeline.needs_fitting:
            index = CorpusIndex.open(out / INDEX)
            pipeline = pipeline.fitted(index.stage_states if index else {})
        explained = write_explain_pages(out, [d["id"] for d in report["most_removed"]], raw, pipeline)
    else:
        log.warning("the input %s is gone: report.html is written without explain pages", raw)
    staged = out.parent / f".{out.name}.{REPORT_HTML}.tmp-{os.getpid()}"  # beside OUT: never a stray file in it
    staged.write_text(render_report(report, explained), encoding="utf-8")
    os.replace(staged, out / REPORT_HTML)
    return out / REPORT_HTML


def _documents(rows: dict[str, dict[str, Any]], raw: Path) -> list[tuple[str, Any]]:
    """The documents of manifest ``rows`` read from ``raw``, each file once (of a JSONL file,
    only the wanted lines are parsed), in the order of ``rows``; a file that is gone gives None."""
    from .read import read_file

    root = raw if raw.is_dir() else raw.parent
    by_source: dict[str, dict[Any, str]] = {}
    for doc_id, row in rows.items():
        by_source.setdefault(row["source"], {})[row.get("line")] = doc_id
    found: dict[str, Any] = {}
    for source, wanted in by_source.items():
        lines = frozenset(line for line in wanted if isinstance(line, int)) or None
        path = root / source
        for doc in read_file(path, root, lines) if path.exists() else ():
            if doc.line in wanted:
                found[wanted[doc.line]] = doc
    return [(doc_id, found.get(doc_id)) for doc_id in rows]
