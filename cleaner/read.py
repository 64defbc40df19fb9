"""Read documents from a folder: text, markdown, HTML (via trafilatura) and JSONL, optionally gzipped.

Reading never raises for a bad document: it yields a `Document` with status ``error`` and a
reason that names the file (and line), so every input is accounted for.
"""

from __future__ import annotations

import codecs
import gzip
import json
import logging
import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from .document import Document
from .errors import InputError

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
#: The largest document read, in bytes (a file, or a JSONL line): a larger one is an ``error``
#: document, not a run that runs out of memory. News articles are a few kilobytes.
MAX_DOCUMENT_BYTES = 16 << 20

# Share of control characters (other than tab, newline, carriage return, form feed) above which
# decoded bytes are taken for binary data rather than text.
_MAX_CONTROL_SHARE = 0.01
_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\f") | {"\x7f"}


class _Unreadable(Exception):
    """A document-level problem, turned into an ``error`` document by the caller."""


def iter_input_files(raw: Path) -> list[Path]:
    """Every file under ``raw`` in a stable order, hidden files and folders left out.

    Symbolic links to folders are not followed (no loops); links to files are read.
    """
    if not raw.exists():
        raise InputError(f"input path does not exist: {raw}")
    if raw.is_file():
        return [raw]
    if not raw.is_dir():
        raise InputError(f"input path is neither a file nor a folder: {raw}")
    if not os.access(raw, os.R_OK | os.X_OK):
        raise InputError(f"input folder is not readable: {raw}")
    found: list[Path] = []

    def walk_error(err: OSError) -> None:
        log.warning("cannot list %s: %s", err.filename, err.strerror)

    for folder, dirs, files in os.walk(raw, onerror=walk_error):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(folder, f) for f in files if not f.startswith("."))
    return sorted(found, key=lambda p: p.relative_to(raw).as_posix())


def document_id(relative: str) -> str:
    """The id of a file's document: its path relative to RAW without its extension(s).

    >>> document_id("sub/a.txt"), document_id("b.jsonl.gz"), document_id("c.d.md")
    ('sub/a', 'b', 'c.d')
    """
    path = PurePosixPath(relative)
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    stem = PurePosixPath(name).stem if PurePosixPath(name).suffix.lower() in SUPPORTED else name
    return str(path.with_name(stem)) if path.parent != PurePosixPath(".") else stem


def file_format(path: Path) -> tuple[str | None, bool]:
    """``("text" | "html" | "jsonl" | None, gzipped)`` from a file name."""
    name = path.name.lower()
    gzipped = name.endswith(".gz")
    suffix = PurePosixPath(name[:-3] if gzipped else name).suffix
    if suffix in TEXT_SUFFIXES:
        return "text", gzipped
    if suffix in HTML_SUFFIXES:
        return "html", gzipped
    if suffix in JSONL_SUFFIXES:
        return "jsonl", gzipped
    return None, gzipped


def read_documents(raw: Path) -> Iterator[Document]:
    """Yield every document under ``raw`` (a folder or one file), in a stable order."""
    root = raw if raw.is_dir() else raw.parent
    for path in iter_input_files(raw):
        yield from read_file(path, root)


def read_file(path: Path, root: Path) -> Iterator[Document]:
    """Yield the documents of one file; problems become ``error`` documents naming the file."""
    relative = path.relative_to(root).as_posix()
    doc_id = document_id(relative)
    kind, gzipped = file_format(path)
    if kind is None:
        yield _error(
            doc_id,
            relative,
            None,
            f"{relative}: unsupported file type (expected one of {', '.join(sorted(SUPPORTED))}, optionally .gz)",
        )
        return
    if kind == "jsonl":
        yield from _stream_jsonl(path, gzipped, doc_id, relative)
        return
    try:
        data = _read_bytes(path, gzipped)
        text, encoding = decode_bytes(data)
        metadata: dict[str, Any] = {} if encoding == "utf-8" else {"encoding": encoding}
        if kind == "html":
            text, found = _extract_html(text)
            metadata.update(found)
    except _Unreadable as exc:
        yield _error(doc_id, relative, None, f"{relative}: {exc}")
        return
    yield Document(id=doc_id, text=text, source=relative, metadata=metadata, chars_in=len(text))


_TOO_LONG = b"\x00too-long"  # stands for a line over the limit; no JSON line starts with NUL


def _stream_jsonl(path: Path, gzipped: bool, file_id: str, relative: str) -> Iterator[Document]:
    """A JSONL file's documents line by line, never the whole file in memory."""
    failure: list[str] = []

    def lines() -> Iterator[bytes]:
        try:
            with gzip.open(path, "rb") if gzipped else open(path, "rb") as handle:
                while line := handle.readline(MAX_DOCUMENT_BYTES + 1):
                    if len(line) > MAX_DOCUMENT_BYTES and not line.endswith(b"\n"):
                        while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                            pass  # skip the rest of an over-long line without holding it
                        yield _TOO_LONG
                    else:
                        yield line
        except (OSError, EOFError, zlib.error) as exc:
            what = "not a valid gzip file" if gzipped and not isinstance(exc, FileNotFoundError) else "cannot read file"
            failure.append(f"{what} ({getattr(exc, 'strerror', None) or exc})")

    count = 0
    for doc in read_jsonl_lines(lines(), file_id, relative):
        count = doc.line or count
        yield doc
    if failure:
        where = f"{relative} after line {count}" if count else relative
        yield _error(f"{file_id}:error", relative, None, f"{where}: {failure[0]}")


def _error(doc_id: str, source: str, line: int | None, reason: str) -> Document:
    return Document(id=doc_id, text="", source=source, line=line, status="error", reason=reason)


def _too_large(size: int) -> _Unreadable:
    return _Unreadable(
        f"too large to be one document ({size / 2**20:.1f} MiB; the limit is {MAX_DOCUMENT_BYTES / 2**20:.0f} MiB)"
    )


def _read_bytes(path: Path, gzipped: bool) -> bytes:
    """A file's bytes (decompressed), at most `MAX_DOCUMENT_BYTES`, never more read into memory."""
    try:
        size = path.stat().st_size
        if not gzipped and size > MAX_DOCUMENT_BYTES:
            raise _too_large(size)
        with gzip.open(path, "rb") if gzipped else open(path, "rb") as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _Unreadable(f"not a valid gzip file ({exc})") from exc
    except OSError as exc:
        raise _Unreadable(f"cannot read file ({exc.strerror or exc})") from exc
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _too_large(len(data))
    return data


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a file's bytes: UTF-8 (with or without BOM), UTF-16 with a BOM, else detected.

    >>> decode_bytes("café".encode("cp1252"))[0]
    'café'
    """
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError as exc:
                raise _Unreadable(f"invalid {codec} at byte {exc.start}") from exc
    nul = data.find(b"\x00")
    if nul >= 0:
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise _Unreadable(f"binary content (NUL byte at offset {nul})")
        return utf16
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        text, encoding = _detect_encoding(data, exc)
    controls = sum(1 for ch in text if ch in _CONTROL)
    if text and controls / len(text) > _MAX_CONTROL_SHARE:
        raise _Unreadable(f"binary content ({controls} control characters in {len(text)})")
    return text, encoding


def _bomless_utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a BOM, told by its NUL bytes all falling on one side of each pair."""
    if len(data) % 2 or data.count(0) < len(data) // 4:
        return None
    for codec, zeros, other in (("utf-16-le", data[1::2], data[0::2]), ("utf-16-be", data[0::2], data[1::2])):
        if zeros.count(0) >= len(zeros) * 0.3 and 0 not in other:
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                return None
    return None


# Without a BOM, UTF-16 and UTF-32 are guesses that turn short Latin-1 text into CJK noise.
_NOT_WITHOUT_BOM = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]


def _detect_encoding(data: bytes, exc: UnicodeDecodeError) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    results = from_bytes(data, cp_exclusion=_NOT_WITHOUT_BOM)
    best = results.best()
    if best is not None:
        # Equally plausible single-byte decodings tie often on short texts; the web's most common
        # legacy encoding (what browsers read "latin-1" as) is the better bet.
        ties = [m for m in results if m.chaos <= best.chaos and m.coherence >= best.coherence]
        western = next((m for m in ties if "cp1252" in m.could_be_from_charset), None)
        if western is not None:
            return str(western), "cp1252"
    if best is None or best.encoding is None:
        raise _Unreadable(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}) and no other encoding fits"
        ) from exc
    return str(best), best.encoding


def read_jsonl_lines(lines: Iterable[bytes], file_id: str = "stdin", relative: str = "<stdin>") -> Iterator[Document]:
    """Documents from JSONL lines as they come (a file's, or standard input's); bad lines become
    ``error`` documents naming ``relative`` and the line number."""
    for number, raw_line in enumerate(lines, start=1):
        if not raw_line.strip():
            continue
        line_id = f"{file_id}:{number}"
        where = f"{relative} line {number}"
        if raw_line is _TOO_LONG or len(raw_line) > MAX_DOCUMENT_BYTES:
            limit = MAX_DOCUMENT_BYTES / 2**20
            yield _error(line_id, relative, number, f"{where}: longer than the {limit:.0f} MiB one document may have")
            continue
        try:
            record = json.loads(raw_line.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError as exc:
            yield _error(line_id, relative, number, f"{where}: not valid UTF-8 at byte {exc.start}")
            continue
        except json.JSONDecodeError as exc:
            yield _error(line_id, relative, number, f"{where}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        except RecursionError:
            yield _error(line_id, relative, number, f"{where}: JSON nested too deeply")
            continue
        if not isinstance(record, dict):
            yield _error(line_id, relative, number, f"{where}: expected a JSON object, got {type(record).__name__}")
            continue
        record_id = record.get("id")
        doc_id = str(record_id) if isinstance(record_id, (str, int)) and str(record_id).strip() else line_id
        text = record.get("text")
        if not isinstance(text, str):
            problem = "missing 'text'" if text is None else f"'text' is {type(text).__name__}, not a string"
            yield _error(doc_id, relative, number, f"{where}: {problem}")
            continue
        yield Document(
            id=doc_id, text=text, source=relative, line=number, metadata=_record_metadata(record), chars_in=len(text)
        )


def _record_metadata(record: dict[str, Any]) -> dict[str, Any]:
    """A record's fields besides id and text, with a nested ``metadata`` object flattened in."""
    metadata: dict[str, Any] = {}
    nested = record.get("metadata")
    if isinstance(nested, dict):
        metadata.update(nested)
    metadata.update((k, v) for k, v in record.items() if k not in ("id", "text", "metadata"))
    if "source" in metadata:
        # metadata.source always names where cleaner read the document; keep the record's own.
        metadata["record_source"] = metadata.pop("source")
    return metadata


def _extract_html(html: str) -> tuple[str, dict[str, Any]]:
    """Main text and metadata of an HTML page, by trafilatura; paragraphs separated by blank lines."""
    import trafilatura

    try:
        found = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True)
    except Exception as exc:  # trafilatura raises many types on hostile markup
        raise _Unreadable(f"HTML could not be parsed ({type(exc).__name__}: {exc})") from exc
    if found is None:
        return "", {}
    lines = [line.strip() for line in (getattr(found, "text", None) or "").splitlines()]
    text = "\n\n".join(line for line in lines if line)
    metadata = {key: getattr(found, key, None) for key in ("title", "author", "date", "url", "sitename")}
    return text, {k: v for k, v in metadata.items() if v}
