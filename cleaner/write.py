"""Write the output folder atomically: corpus, manifest and report appear together or not at all.

Everything is written into a temporary folder beside ``OUT`` and then renamed into place, so an
interrupted run leaves the previous ``OUT`` as it was.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import shutil
import signal
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import xxhash

from . import __version__
from .document import Document, Foreign, Removal
from .errors import InputError, OutputError
from .read import LONE_SURROGATE

log = logging.getLogger(__name__)

CORPUS = "corpus.jsonl"
MANIFEST = "manifest.jsonl"
REPORT = "report.json"
#: A file every output folder gets: what proves that cleaner wrote the folder and may replace it.
MARKER = ".cleaner-output"
#: Everything a cleaner output folder may hold; a folder holding anything else is not ours to replace.
OUTPUT_FILES = (CORPUS, MANIFEST, REPORT, "report.html", "explain", "index.sqlite", "corpus.parquet", "txt", MARKER)
#: Output folders this process has replaced (the CLI says so if a signal comes after the swap).
REPLACED: set[str] = set()


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
        "containment": doc.containment,
        "lang": doc.metadata.get("lang"),
        "lang_prob": doc.metadata.get("lang_prob"),
        "lang_share": doc.metadata.get("lang_share"),
        "chars_in": doc.chars_in,
        "chars_out": len(doc.text) if doc.status in ("kept", "duplicate") else 0,
        "removed": [_removed(r) for r in doc.removals],
        "foreign": [f.as_dict() if isinstance(f, Foreign) else dict(f) for f in doc.foreign],
        "flags": [str(f) for f in doc.flags],
    }


def _removed(removal: Removal) -> dict[str, Any]:
    entry: dict[str, Any] = {"rule": removal.rule, "chars": removal.chars}
    if removal.prob is not None:
        entry["prob"] = removal.prob
    return entry


# Characters that JSON leaves raw but that Python's str.splitlines (and other line readers) take
# for line breaks: escaped, so that one record is always one line.
_LINE_BREAKING = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_LINE_BREAK_FOUND = re.compile("[\x85\u2028\u2029]")


def json_line(record: dict[str, Any]) -> str:
    """One JSONL line: UTF-8 text as is, but nothing a line reader would split on, no bare
    ``NaN`` (not JSON: written as null) and no lone surrogate (not UTF-8: written as U+FFFD).

    >>> json_line({"text": "a\u2028b"})
    '{"text":"a\\\\u2028b"}\\n'
    >>> json_line({"x": float("nan"), "y": "\\udc80"})
    '{"x":null,"y":"\ufffd"}\\n'
    """
    line = json_text(record, separators=(",", ":"))
    if _LINE_BREAK_FOUND.search(line):  # rare, and translating a text that is not ASCII is slow
        line = line.translate(_LINE_BREAKING)
    return line + "\n"


def json_text(value: Any, **options: Any) -> str:
    """``json.dumps`` for what cleaner writes: UTF-8, non-finite numbers as null, lone surrogates as U+FFFD."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str, **options)
    except ValueError:
        text = json.dumps(finite(value), ensure_ascii=False, default=str, **options)
    if LONE_SURROGATE.search(text):
        text = LONE_SURROGATE.sub("\ufffd", text)
    return text


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float (nested in lists and dicts too) as None.

    >>> finite({"a": [1.5, float("inf")], "b": float("nan")})
    {'a': [1.5, None], 'b': None}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def check_paths(raw: Path, out: Path) -> None:
    """Refuse an ``OUT`` that would overwrite ``RAW`` or anything cleaner did not write."""
    raw_abs, out_abs = raw.resolve(), out.resolve()
    if out_abs == raw_abs or raw_abs in out_abs.parents:
        raise OutputError(f"output folder {out} is inside the input {raw}: choose another place")
    if out_abs in raw_abs.parents:
        raise OutputError(f"input {raw} is inside the output folder {out}, which is replaced on every run")
    check_replaceable(out)


def check_replaceable(out: Path) -> None:
    """Refuse an ``OUT`` that is a file, or a folder holding anything cleaner did not write.

    A folder is ours when it holds the marker file and only names cleaner writes (or, written by
    an older cleaner without the marker, exactly its corpus, manifest and report).
    """
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out} exists and is not a folder")
    if not out.is_dir():
        return
    try:
        names = sorted(entry.name for entry in os.scandir(out))
    except OSError as exc:
        raise OutputError(f"cannot read the output folder {out}: {exc.strerror or exc}") from exc
    if not names:
        return
    foreign = [name for name in names if name not in OUTPUT_FILES]
    if foreign:
        raise OutputError(
            f"output folder {out} holds {foreign[0]!r}, which cleaner did not write: refusing to replace it "
            "(choose a new or empty folder)"
        )
    older_output = {CORPUS, MANIFEST, REPORT} <= set(names)
    if MARKER not in names and not older_output:
        raise OutputError(
            f"output folder {out} holds {names[0]!r} but is not a cleaner output (no {MARKER}): refusing to replace it"
        )


@dataclass(frozen=True, slots=True)
class Entry:
    """One document as the output has it: its manifest row, its corpus record (kept documents
    only) and its index row."""

    row: dict[str, Any]
    record: dict[str, Any] | None
    indexed: Any = None  # an `IndexedDocument`, or None when the index has no row for it
    #: for a duplicate decided in this run: whether it is an exact copy (None: not decided now)
    exact: bool | None = None


class Sink(Protocol):
    """A file (or folder) of the output, written entry by entry in one pass over the documents."""

    def add(self, entry: Entry) -> None: ...

    def close(self) -> None: ...


class _JsonlSink:
    """``corpus.jsonl`` (the records) or ``manifest.jsonl`` (the rows)."""

    def __init__(self, path: Path, field: str) -> None:
        self._handle = open(path, "w", encoding="utf-8")  # noqa: SIM115 (closed in close)
        self._field = field

    def add(self, entry: Entry) -> None:
        value = getattr(entry, self._field)
        if value is not None:
            self._handle.write(json_line(value))

    def close(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()


def write_output(
    out: Path,
    entries: Iterable[Entry],
    report: Callable[[], dict[str, Any]],
    sinks: dict[str, Callable[[Path], Sink]] | None = None,
    pages: Callable[[Path, dict[str, Any]], None] | None = None,
) -> None:
    """Write ``out`` atomically, in one pass over ``entries``: ``corpus.jsonl``,
    ``manifest.jsonl`` and each of ``sinks`` (a name in ``out`` and what writes it), then
    ``report.json`` from ``report()`` once every entry is written, then ``pages(folder, report)``
    (report.html)."""
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot create the output folder next to {out}: {exc.strerror or exc}") from exc
    try:
        opened: list[Sink] = []
        try:
            opened.append(_JsonlSink(staging / CORPUS, "record"))
            opened.append(_JsonlSink(staging / MANIFEST, "row"))
            opened.extend(make(staging / name) for name, make in (sinks or {}).items())
            for entry in entries:
                for sink in opened:
                    sink.add(entry)
        finally:
            for sink in opened:
                sink.close()
        result = report()
        if pages is not None:  # (before report.json: a page may add to the report, its own time say)
            pages(staging, result)
        (staging / REPORT).write_text(json_text(result, indent=2) + "\n", encoding="utf-8")
        (staging / MARKER).write_text(json.dumps({"cleaner": __version__}) + "\n", encoding="utf-8")
        _swap_into_place(staging, out)
    except (OSError, sqlite3.Error) as exc:
        raise OutputError(f"cannot write the output folder {out}: {getattr(exc, 'strerror', None) or exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done: they are noted, then delivered after it
    to the handlers as they were. (Python runs signal handlers in the main thread only, so a
    handler swap holds them whatever other threads the process has, where a signal mask would not.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[signal.Signals] = []
    previous = {sig: signal.signal(sig, lambda number, _: caught.append(signal.Signals(number))) for sig in _HELD}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        for sig in caught:
            signal.raise_signal(sig)


_HELD = (signal.SIGINT, signal.SIGTERM)


def _swap_into_place(staging: Path, out: Path) -> None:
    """Replace ``out`` with ``staging``: two renames on one file system, the old copy kept until
    then, with signals held so that no Ctrl-C falls between them. Should the process die there
    all the same (``kill -9``), the next run puts the old copy back (`recover_output`)."""
    os.chmod(staging, 0o755)
    with _signals_held():
        if not out.exists():
            os.rename(staging, out)
        else:
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.absolute().parent))
            os.rmdir(old)
            os.rename(out, old)
            try:
                os.rename(staging, out)
            except OSError:
                os.rename(old, out)  # put the previous output back
                raise
            shutil.rmtree(old, ignore_errors=True)
        REPLACED.add(str(out.absolute()))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def leftovers(folder: Path, prefix: str) -> list[tuple[Path, str]]:
    """``(path, kind)`` of what a run that died left in ``folder``: entries named
    ``<prefix><kind>-<pid>-...`` that this user owns and whose process is gone."""
    pattern = re.compile(re.escape(prefix) + r"(tmp|old|stdin|candidates)-(\d+)-")
    found = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        match = pattern.match(entry.name)
        if not match:
            continue
        with contextlib.suppress(OSError):
            if entry.stat(follow_symlinks=False).st_uid == os.getuid() and not _alive(int(match.group(2))):
                found.append((Path(entry.path), match.group(1)))
    return sorted(found)


def recover_output(out: Path) -> None:
    """Finish what a run that died while replacing ``out`` left: put the previous output back
    if ``out`` is missing, and remove staging folders nobody is writing any more."""
    parent = out.absolute().parent
    found = leftovers(parent, f".{out.name}.")
    olds = [path for path, kind in found if kind == "old"]
    if olds and not out.exists():
        newest = max(olds, key=lambda p: p.stat().st_mtime)
        os.rename(newest, out)
        log.warning("put back the previous output %s, left aside by a run that did not finish", out)
    for path, _ in found:
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)


#: Extra corpus formats, written beside ``corpus.jsonl`` (which incremental runs read back).
FORMATS = ("jsonl", "parquet", "txt")


def corpus_formats(asked: str | Iterable[str]) -> tuple[str, ...]:
    """The corpus formats asked for (``"parquet"``, ``["parquet", "txt"]``), checked, once each.

    >>> corpus_formats(["txt", "parquet", "txt"])
    ('txt', 'parquet')
    """
    names = (asked,) if isinstance(asked, str) else tuple(asked)
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise InputError(f"unknown format {unknown[0]!r} (expected {', '.join(FORMATS)})")
    return tuple(dict.fromkeys(names))


#: Columns of ``corpus.parquet``: fixed types, so that no record's metadata can break the file.
#: The record's whole ``metadata`` object is the ``metadata`` column, as JSON text.
PARQUET_COLUMNS = {
    "id": "string",
    "text": "string",
    "title": "string",
    "lang": "string",
    "source": "string",
    "line": "int64",
    "metadata": "string",
}


class ParquetSink:
    """``corpus.parquet``, written batch by batch: id, text, title, lang, source, line, and the
    metadata object as JSON text (its fields' types vary from record to record)."""

    def __init__(self, path: Path, batch: int = 2048) -> None:
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise OutputError("--format parquet needs pyarrow: pip install 'cleaner[parquet]'") from exc
        self._pa = pa
        self._schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in PARQUET_COLUMNS.items()])
        self._writer = pq.ParquetWriter(path, self._schema)
        self._rows: list[dict[str, Any]] = []
        self._batch = batch

    def add(self, entry: Entry) -> None:
        if entry.record is not None:
            self._rows.append(_parquet_row(entry.record))
            if len(self._rows) >= self._batch:
                self._flush()

    def _flush(self) -> None:
        self._writer.write_table(self._pa.Table.from_pylist(self._rows, schema=self._schema))
        self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


def _parquet_row(record: dict[str, Any]) -> dict[str, Any]:
    metadata = record["metadata"]

    def text(key: str) -> str | None:
        value = metadata.get(key)
        return value if isinstance(value, str) or value is None else json_text(value)

    line = metadata.get("line")
    return {
        "id": record["id"],
        "text": record["text"],
        "title": text("title"),
        "lang": text("lang"),
        "source": text("source"),
        "line": line if isinstance(line, int) and not isinstance(line, bool) else None,
        "metadata": json_text(metadata),
    }


class TxtSink:
    """The ``txt/`` folder: one text file per kept document at ``txt/<id>.txt`` (`txt_name`),
    the title on its first line, mirroring RAW's tree."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self._folder = folder

    def add(self, entry: Entry) -> None:
        record = entry.record
        if record is None:
            return
        target = self._folder / txt_name(record["id"])
        target.parent.mkdir(parents=True, exist_ok=True)
        title = record["metadata"].get("title")
        title = title if isinstance(title, str) else None
        target.write_text((f"{title}\n\n" if title else "") + record["text"] + "\n", encoding="utf-8")

    def close(self) -> None:
        pass


# What a file name may hold as it is; anything else is %-escaped (and so is "%").
_SAFE_NAME = re.compile(r"[^\w\-.,@+=~ ()\[\]{}!#$&';]")
_MAX_NAME_BYTES = 200  # well under the usual 255, room for ".txt"
_MAX_PATH_BYTES = 1000


def txt_name(doc_id: str) -> str:
    """The relative file name of a document's text in ``txt/``: one name per id, never two ids
    on one name, and always a name the file system takes.

    Each ``/``-separated part of the id is a folder or the file; characters that are not plain
    are %-escaped (``%`` too, so escaping cannot collide), parts that are empty, ``.`` or ``..``
    are escaped whole, a folder named like a text file gets its dot escaped, and a part too long
    for a file name is cut and given a hash of the whole part.

    >>> txt_name("sub/a"), txt_name("a:b"), txt_name("a//b"), txt_name(".."), txt_name("x.txt/y")
    ('sub/a.txt', 'a%3Ab.txt', 'a/%/b.txt', '%%2E%2E.txt', 'x%2Etxt/y.txt')
    """
    parts = doc_id.split("/")
    names = []
    for number, part in enumerate(parts, start=1):
        if part in ("", ".", ".."):
            name = "%" + "%2E" * len(part)
        else:
            name = _SAFE_NAME.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8", "replace")), part)
        if number < len(parts) and name.lower().endswith(".txt"):
            name = name[:-4] + "%2Etxt"  # a folder never looks like one of the files
        if len(name.encode()) > _MAX_NAME_BYTES:
            name = f"{name[:100]}~{xxhash.xxh3_128_hexdigest(part.encode('utf-8', 'replace'))}"
        names.append(name)
    path = "/".join(names)
    if len(path.encode()) > _MAX_PATH_BYTES:
        path = f"{names[-1][:100]}~{xxhash.xxh3_128_hexdigest(doc_id.encode('utf-8', 'replace'))}"
    return path + ".txt"


class StoredTexts:
    """The texts of a finished output's kept documents, as dedup compares them (`signature_text`:
    the corpus text without its foreign paragraphs, which the manifest lists), read by id.

    The first request reads where each record and row starts (one pass over both files, keeping
    offsets only); each text is then read when asked for. A document that is not there gives None.
    """

    def __init__(self, out: Path) -> None:
        self._files = (out / CORPUS, out / MANIFEST)
        self._offsets: tuple[dict[str, int], dict[str, int]] | None = None

    def __call__(self, doc_id: str) -> str | None:
        from .dedup import signature_text

        try:
            if self._offsets is None:
                self._offsets = (_line_offsets(self._files[0]), _line_offsets(self._files[1]))
            where = [offsets.get(doc_id) for offsets in self._offsets]
            if where[0] is None:
                return None
            record = _line_at(self._files[0], where[0])
            row = _line_at(self._files[1], where[1]) if where[1] is not None else {}
        except (OSError, ValueError) as exc:
            log.warning(
                "cannot read %s from %s (%s): its pairs are decided on the estimate", doc_id, self._files[0], exc
            )
            return None
        foreign = tuple(row.get("foreign") or ())
        return signature_text(Document(doc_id, str(record.get("text", "")), "", foreign=foreign))


def _line_offsets(path: Path) -> dict[str, int]:
    """Where each record of a JSONL file the writer wrote starts, by id (read from the start of
    each line: the id comes first, and the rest of the record is not parsed)."""
    offsets, position = {}, 0
    decoder = json.JSONDecoder()
    with open(path, "rb") as handle:
        for line in handle:
            text = line.decode("utf-8")
            doc_id = decoder.raw_decode(text, 6)[0] if text.startswith('{"id":') else json.loads(text)["id"]
            offsets[doc_id] = position
            position += len(line)
    return offsets


def _line_at(path: Path, offset: int) -> dict[str, Any]:
    with open(path, "rb") as handle:
        handle.seek(offset)
        return dict(json.loads(handle.readline()))
