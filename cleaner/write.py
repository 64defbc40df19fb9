"""Write the output folder atomically: corpus, manifest and report appear together or not at all.

Everything is written into a temporary folder beside ``OUT`` and then renamed into place, so an
interrupted run leaves the previous ``OUT`` as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .document import Document
from .errors import OutputError

CORPUS = "corpus.jsonl"
MANIFEST = "manifest.jsonl"
REPORT = "report.json"
#: Files a cleaner output folder holds; a non-empty folder with none of them is not ours to replace.
OUTPUT_FILES = (CORPUS, MANIFEST, REPORT, "index.sqlite")


def corpus_record(doc: Document) -> dict[str, Any]:
    """The corpus line of a kept document: ``id``, ``text``, ``metadata``."""
    metadata = {**doc.metadata, "source": doc.source}
    if doc.line is not None:
        metadata["line"] = doc.line
    return {"id": doc.id, "text": doc.text, "metadata": dict(sorted(metadata.items()))}


def manifest_record(doc: Document) -> dict[str, Any]:
    """The manifest line of any document: what happened to it and why."""
    return {
        "id": doc.id,
        "source": doc.source,
        "line": doc.line,
        "status": doc.status,
        "reason": doc.reason,
        "duplicate_of": doc.duplicate_of,
        "similarity": doc.similarity,
        "lang": doc.metadata.get("lang"),
        "lang_prob": doc.metadata.get("lang_prob"),
        "lang_share": doc.metadata.get("lang_share"),
        "chars_in": doc.chars_in,
        "chars_out": len(doc.text) if doc.status in ("kept", "duplicate") else 0,
        "removed": [{"rule": r.rule, "chars": r.chars} for r in doc.removals],
        "foreign": list(doc.foreign),
        "flags": list(doc.flags),
    }


# Characters that JSON leaves raw but that Python's str.splitlines (and other line readers) take
# for line breaks: escaped, so that one record is always one line.
_LINE_BREAKING = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_LINE_BREAK_FOUND = re.compile("[\x85\u2028\u2029]")


def json_line(record: dict[str, Any]) -> str:
    """One JSONL line: UTF-8 text as is, but nothing a line reader would split on.

    >>> json_line({"text": "a\u2028b"})
    '{"text":"a\\\\u2028b"}\\n'
    """
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
    if _LINE_BREAK_FOUND.search(line):  # rare, and translating a text that is not ASCII is slow
        line = line.translate(_LINE_BREAKING)
    return line + "\n"


def check_paths(raw: Path, out: Path) -> None:
    """Refuse an ``OUT`` that would overwrite ``RAW`` or something that is not a cleaner output."""
    raw_abs, out_abs = raw.resolve(), out.resolve()
    if out_abs == raw_abs or raw_abs in out_abs.parents:
        raise OutputError(f"output folder {out} is inside the input {raw}: choose another place")
    if out_abs in raw_abs.parents:
        raise OutputError(f"input {raw} is inside the output folder {out}, which is replaced on every run")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not any((out / name).exists() for name in OUTPUT_FILES):
        raise OutputError(f"output folder {out} is not empty and holds no cleaner output: refusing to replace it")


def write_output(
    out: Path,
    manifest_rows: Iterable[dict[str, Any]],
    corpus_records: Iterable[dict[str, Any]],
    report: dict[str, Any],
    extra: dict[str, Callable[[Path], None]] | None = None,
) -> None:
    """Write ``corpus.jsonl``, ``manifest.jsonl``, ``report.json`` (and ``extra`` files, each
    written by its function into the staging folder) to ``out``, atomically."""
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot create the output folder next to {out}: {exc.strerror or exc}") from exc
    try:
        for name, records in ((CORPUS, corpus_records), (MANIFEST, manifest_rows)):
            with open(staging / name, "w", encoding="utf-8") as handle:
                for record in records:
                    handle.write(json_line(record))
                handle.flush()
                os.fsync(handle.fileno())
        (staging / REPORT).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        for name, writer in (extra or {}).items():
            writer(staging / name)
        _swap_into_place(staging, out)
    except (OSError, sqlite3.Error) as exc:
        raise OutputError(f"cannot write the output folder {out}: {getattr(exc, 'strerror', None) or exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_into_place(staging: Path, out: Path) -> None:
    """Replace ``out`` with ``staging``: two renames on one file system, the old copy kept until then."""
    os.chmod(staging, 0o755)
    if not out.exists():
        os.rename(staging, out)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.absolute().parent))
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(old, out)  # put the previous output back
        raise
    shutil.rmtree(old, ignore_errors=True)


#: Extra corpus formats, written beside ``corpus.jsonl`` (which incremental runs read back).
FORMATS = ("jsonl", "parquet", "txt")


def parquet_writer(records: Callable[[], Iterable[dict[str, Any]]]) -> Callable[[Path], None]:
    """A writer of ``corpus.parquet``: columns id, text, metadata (a struct), batch by batch."""

    def write(path: Path) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise OutputError("--format parquet needs pyarrow: pip install 'cleaner[parquet]'") from exc
        rows = list(records())
        table = pa.Table.from_pylist(rows) if rows else pa.table({"id": [], "text": [], "metadata": []})
        pq.write_table(table, path)

    return write


def txt_writer(records: Callable[[], Iterable[dict[str, Any]]]) -> Callable[[Path], None]:
    """A writer of the ``txt/`` folder: one text file per kept document at ``txt/<id>.txt``,
    the title on its first line, mirroring RAW's tree."""

    def write(folder: Path) -> None:
        folder.mkdir()
        for record in records():
            name = _safe_path(record["id"]) + ".txt"
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            title = record["metadata"].get("title")
            target.write_text((f"{title}\n\n" if title else "") + record["text"] + "\n", encoding="utf-8")

    return write


def _safe_path(doc_id: str) -> str:
    """An id as a relative path: no absolute parts, no '..', no characters file systems refuse."""
    parts = [part for part in doc_id.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    return "/".join("".join("_" if ch in '<>:"|?*' or ord(ch) < 32 else ch for ch in part) for part in parts) or "_"
