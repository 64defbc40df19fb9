"""Explain a document: its text with every removed span marked by the rule that removed it."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import Settings
from .dedup import Profile, jaccard, overlap, signature_text
from .document import Document
from .errors import CleanerError, InputError
from .index import INDEX, CorpusIndex
from .pipeline import Pipeline
from .read import read_file
from .rules import Rules
from .write import MANIFEST, REPORT


@dataclass(frozen=True, slots=True)
class Span:
    """A removed span of the normalized text."""

    start: int
    end: int
    rule: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """What happened to one document, re-derived from its raw file and the rules."""

    row: dict[str, Any]
    text: str  # the normalized text, before any removal
    spans: tuple[Span, ...]
    metadata: dict[str, Any]
    #: for a duplicate: ``{"of", "similarity", "containment", "jaccard"}``, measured again on the
    #: two texts cleaned anew (the manifest's figures where the kept copy cannot be read)
    duplicate: dict[str, Any] | None = None

    @property
    def removed_chars(self) -> int:
        return sum(s.end - s.start for s in self.spans)


def manifest_row(out: Path, doc_id: str) -> dict[str, Any]:
    """The manifest row of ``doc_id`` in the output folder ``out``."""
    path = out / MANIFEST
    if not path.is_file():
        raise InputError(f"no manifest at {path}: run `cleaner clean` first or pass --out")
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    row = json.loads(line)
                except (ValueError, RecursionError):
                    row = None
                if not isinstance(row, dict) or not isinstance(row.get("id"), str) or "source" not in row:
                    raise InputError(f"{path} line {number} is not a manifest row (run `cleaner clean` again)")
                if row["id"] == doc_id:
                    return dict(row)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the manifest {path}: {getattr(exc, 'strerror', None) or exc}") from exc
    raise InputError(f"no document with id {doc_id!r} in {path}")


def run_context(out: Path) -> dict[str, Any]:
    """Where the run that wrote ``out`` read its documents and rules, from its report."""
    try:
        return dict(json.loads((out / REPORT).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def run_settings(out: Path | None, settings: Settings | None = None) -> Settings:
    """``settings`` if given, else those the run that wrote ``out`` used (from its report)."""
    if settings is not None:
        return settings
    used = run_context(out).get("settings", {}) if out else {}
    known = set(Settings.__dataclass_fields__)
    try:
        return Settings().with_overrides(
            **{k: tuple(v) if isinstance(v, list) else v for k, v in used.items() if k in known}
        )
    except CleanerError:  # a report from another version: its settings are a guide, not a contract
        return Settings()


def _read_document(row: dict[str, Any], raw: Path) -> Document | None:
    root = raw if raw.is_dir() else raw.parent
    source = root / row["source"]
    if not source.exists():
        raise InputError(f"cannot find {row['source']} under {raw} (pass --raw)")
    line = row.get("line")
    wanted = frozenset([line]) if isinstance(line, int) else None  # a JSONL record: only its line is parsed
    return next((d for d in read_file(source, root, wanted) if d.line == line), None)


def explain(
    doc_id: str,
    out: Path,
    rules: Rules,
    raw: Path | None = None,
    settings: Settings | None = None,
    pipeline: Pipeline | None = None,
) -> Explanation:
    """Re-run the per-document stages on one document of a finished run, keeping every span
    (corpus-level stages of ``pipeline`` bound to the state the run saved in ``out``)."""
    row = manifest_row(out, doc_id)
    context = run_context(out)
    settings = run_settings(out, settings)
    raw = raw or Path(context.get("raw_path") or context.get("raw") or "raw")
    pipeline = pipeline or Pipeline(settings, rules)
    if pipeline.needs_fitting:
        index = CorpusIndex.open(out / INDEX)
        pipeline = pipeline.fitted(index.stage_states if index else {})
    return explain_row(row, raw, pipeline, out)


def explain_row(row: dict[str, Any], raw: Path, pipeline: Pipeline, out: Path | None = None) -> Explanation:
    """`explain` for a manifest ``row``, with a fitted ``pipeline``; a duplicate is measured
    against its kept copy when ``out`` (for that copy's row) is given."""
    return explain_read(row, _read_document(row, raw), raw, pipeline, out)


def explain_read(
    row: dict[str, Any], doc: Document | None, raw: Path, pipeline: Pipeline, out: Path | None = None
) -> Explanation:
    """`explain_row` for a document already read."""
    if doc is None or doc.status == "error":
        return Explanation(row, "", (), {})
    settings = pipeline.settings
    normalized = pipeline.until("normalize").clean(doc)
    spans, final = _spans(pipeline, normalized)
    duplicate = None
    if row.get("duplicate_of") and out is not None:
        duplicate = {
            "of": row["duplicate_of"],
            "similarity": row.get("similarity"),
            "containment": row.get("containment"),
            "jaccard": None,
        }
        original = _read_document(manifest_row(out, row["duplicate_of"]), raw)
        if original is not None and original.status != "error":
            a, b = (Profile.of(signature_text(pipeline.clean(d)), settings.ngram) for d in (doc, original))
            measured = overlap(a, b, settings.ngram)
            duplicate |= {"similarity": measured.similarity, "containment": measured.containment}
            duplicate["jaccard"] = jaccard(a, b)
    return Explanation(row, normalized.text, tuple(sorted(spans, key=lambda s: s.start)), final.metadata, duplicate)


def _spans(pipeline: Pipeline, normalized: Document) -> tuple[list[Span], Document]:
    """Every removal the stages after ``normalize`` make, as spans of the normalized text: the
    first stage's as they are, later ones' (the title, a foreign paragraph, a corpus-level
    stage's lines) found where their text sits. Returns them and the document as cleaned."""
    spans: list[Span] = []
    current = normalized
    names = [stage.name for stage in pipeline.steps]
    for position, name in enumerate(names[names.index("normalize") + 1 :]):
        if name == "signature":
            break
        before = current.with_(removals=())
        after = pipeline.stage(name).batch([before])[0]
        for removal in after.removals:
            # a model's removal says how sure it was: the probability it gave the line of being body
            rule = removal.rule if removal.prob is None else f"{removal.rule} p={removal.prob:.2f}"
            if position == 0:
                spans.append(Span(removal.start, removal.end, rule))
            else:
                spans.extend(_located(normalized, spans, before.text[removal.start : removal.end], rule))
        current = after
    return spans, current


def _located(doc: Document, spans: list[Span], removed: str, rule: str) -> list[Span]:
    """Where a later stage's removal (the title, a foreign paragraph) sits in the normalized
    text: its first occurrence outside the spans already marked."""
    start = doc.text.find(removed) if removed else -1
    while start >= 0:
        if not any(s.start <= start < s.end for s in spans):
            return [Span(start, start + len(removed), rule)]
        start = doc.text.find(removed, start + 1)
    return []


def render(explanation: Explanation, color: bool) -> Any:
    """A rich ``Text``: removed spans struck through in colour on a terminal, ``[-rule: ...-]`` otherwise."""
    from rich.text import Text

    row = explanation.row
    out = Text()
    head = f"{row['id']}  {row['source']}" + (f":{row['line']}" if row.get("line") else "")
    out.append(head + "\n", style="bold")
    facts = [f"status: {row['status']}"]
    if row.get("reason"):
        facts.append(f"reason: {row['reason']}")
    if row.get("lang"):
        facts.append(f"lang: {row['lang']}")
    if row.get("flags"):
        facts.append("flags: " + ", ".join(row["flags"]))
    out.append("  ".join(facts) + "\n")
    dup = explanation.duplicate
    if dup:
        figures = [f"{name} {dup[name]:.2f}" for name in ("similarity", "containment") if dup[name] is not None]
        if dup["jaccard"] is not None:
            figures.append(f"Jaccard {dup['jaccard']:.2f}")
        out.append(
            f"duplicate of {dup['of']}: {', '.join(figures) or 'exact copy'} "
            "(shares of the words in word n-grams both texts have: of both, of the shorter; Jaccard of the n-grams)\n"
        )
    for foreign in row.get("foreign") or []:
        out.append(f"paragraph in {foreign['lang']} (p={foreign['prob']:.2f}), {foreign['chars']} characters\n")
    if not explanation.text:
        return out
    total = len(explanation.text)
    read = f"; {row['chars_in']} as read" if isinstance(row.get("chars_in"), int) and row["chars_in"] != total else ""
    out.append(
        f"removed {len(explanation.spans)} spans, {explanation.removed_chars} of {total} characters "
        f"(after normalizing{read})\n\n"
    )
    cursor = 0
    for span in explanation.spans:
        out.append(explanation.text[cursor : span.start])
        removed = explanation.text[span.start : span.end]
        if color:
            out.append(f"[{span.rule}] ", style="bold magenta")
            out.append(removed, style="red strike")
        else:
            out.append(f"[-{span.rule}: {removed}-]")
        cursor = span.end
    out.append(explanation.text[cursor:] + "\n")
    return out


def render_html(explanation: Explanation) -> str:
    """The `render` view as a self-contained page (inline styles, no script)."""
    from rich.console import Console

    console = Console(record=True, width=100, file=io.StringIO(), color_system="truecolor")
    console.print(render(explanation, color=True))
    return console.export_html(inline_styles=True)
