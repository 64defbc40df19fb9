"""Read documents from a folder: text, markdown, HTML (via trafilatura) and JSONL, optionally gzipped.

Reading never raises for a bad document: it yields a `Document` with status ``error`` and a
reason that names the file (and line), so every input is accounted for.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import logging
import math
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
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

    Symbolic links to folders are not followed (no loops); links to files are read. The walk
    keeps its own stack, so a tree of any depth is listed; a folder that cannot be listed is
    returned as it is, and reading it gives an ``error`` document saying why. Anything that is
    not a regular file (a FIFO, a device) is returned too, and read as an ``error`` document.
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
    stack = [str(raw)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    try:
                        is_folder = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        is_folder = False
                    if is_folder:
                        stack.append(entry.path)
                    elif not entry.is_symlink() or not _links_to_folder(entry.path):
                        found.append(Path(entry.path))
        except OSError as exc:
            log.warning("cannot list %s: %s", folder, exc.strerror or exc)
            if folder != str(raw):
                found.append(Path(folder))
    return sorted(found, key=lambda p: relative_name(p, raw))


def _links_to_folder(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False  # dangling: read, and reported


def relative_name(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` as a POSIX string that is valid Unicode (a file name whose
    bytes are not UTF-8 shows them as ``\\xNN``), as ids and the manifest name files.

    >>> relative_name(Path(os.fsdecode(b"raw/a/caf\\xe9.txt")), Path("raw"))
    'a/caf\\\\xe9.txt'
    """
    relative = path.relative_to(root).as_posix()
    if LONE_SURROGATE.search(relative):
        relative = os.fsencode(relative).decode("utf-8", "backslashreplace")
    return relative


#: A lone surrogate: in a str, but not text (no UTF-8 for it); replaced by U+FFFD wherever it is met.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


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


def read_file(path: Path, root: Path, lines: frozenset[int] | None = None) -> Iterator[Document]:
    """Yield the documents of one file; problems become ``error`` documents naming the file.
    ``lines``: of a JSONL file, only the records on these lines (the others are skipped unparsed,
    and reading stops after the last one)."""
    relative = relative_name(path, root)
    doc_id = document_id(relative)
    kind, gzipped = file_format(path)
    try:
        is_folder = stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError as exc:
        yield _error(doc_id, relative, None, f"{relative}: cannot read file ({exc.strerror or exc})")
        return
    if is_folder:
        yield _error(doc_id, relative, None, f"{relative}: cannot list folder ({_listing_problem(path)})")
        return
    if kind is None:
        yield _error(
            doc_id,
            relative,
            None,
            f"{relative}: unsupported file type (expected one of {', '.join(sorted(SUPPORTED))}, optionally .gz)",
        )
        return
    if kind == "jsonl":
        yield from _stream_jsonl(path, gzipped, doc_id, relative, lines)
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
    yield Document(id=doc_id, text=text, source=relative, metadata=metadata, chars_in=len(text), bytes_in=len(data))


def _listing_problem(folder: Path) -> str:
    try:
        os.scandir(folder).close()
    except OSError as exc:
        return str(exc.strerror or exc)
    return "it changed while being read"


def open_regular(path: Path) -> io.BufferedReader:
    """Open a regular file for reading, never blocking: a FIFO or a device (``/dev/zero``), even
    behind a link, is refused with an `OSError` instead of being read forever."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else ""
            raise OSError(0, f"not a regular file{f' ({kind})' if kind else ''}", str(path))
        os.set_blocking(fd, True)
        return open(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise


_TOO_LONG = b"\x00too-long"  # stands for a line over the limit; no JSON line starts with NUL
_BLOCK = 1 << 20
#: A gzip file may unpack to this many bytes, and past that to at most this many times its size.
_GZIP_FREE = 64 << 20
_GZIP_MAX_RATIO = 200
_NOT_BLANK = re.compile(rb"[^ \t\n\r\x0b\x0c]")


def numbered_lines(read: Callable[[int], bytes]) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` of the non-blank lines from ``read(size)`` calls until ``b""``.

    Runs of blank lines are skipped a block at a time, not a line at a time (a gigabyte of
    newlines takes seconds); a line longer than `MAX_DOCUMENT_BYTES` comes as `_TOO_LONG`,
    never held whole.

    >>> import io
    >>> list(numbered_lines(io.BytesIO(b"a\\n\\n  \\nb").read))
    [(1, b'a\\n'), (4, b'b')]
    """
    number = 1
    parts: list[bytes] = []  # the line being read, when it runs over blocks
    size = 0
    too_long = False
    while block := read(_BLOCK):
        start = 0
        while start < len(block):
            if not parts and not too_long:
                found = _NOT_BLANK.search(block, start)
                if found is None:
                    number += block.count(b"\n", start)
                    break
                newline = block.rfind(b"\n", start, found.start())
                line_start = start if newline < 0 else newline + 1
                number += block.count(b"\n", start, line_start)
                start = line_start
            end = block.find(b"\n", start)
            piece = block[start:] if end < 0 else block[start : end + 1]
            if not too_long:
                parts.append(piece)
                size += len(piece)
                if size > MAX_DOCUMENT_BYTES:
                    too_long, parts = True, []
            if end < 0:
                break
            if too_long:
                yield number, _TOO_LONG
            else:
                line = parts[0] if len(parts) == 1 else b"".join(parts)
                if _NOT_BLANK.search(line):
                    yield number, line
            number += 1
            parts, size, too_long = [], 0, False
            start = end + 1
    if too_long:
        yield number, _TOO_LONG
    elif parts and _NOT_BLANK.search(line := b"".join(parts)):
        yield number, line


class _GzipBomb(Exception):
    pass


def _bounded(read: Callable[[int], bytes], packed: int) -> Callable[[int], bytes]:
    """``read`` that stops with `_GzipBomb` once a gzip file has unpacked to more than
    `_GZIP_FREE` bytes and `_GZIP_MAX_RATIO` times its packed size."""
    total = 0

    def bounded_read(size: int) -> bytes:
        nonlocal total
        data = read(size)
        total += len(data)
        if total > _GZIP_FREE and total > _GZIP_MAX_RATIO * max(packed, 1):
            raise _GzipBomb(
                f"unpacks to over {_GZIP_MAX_RATIO} times its size ({total >> 20} MiB from {packed >> 10} KiB): "
                "stopped there (a gzip bomb?)"
            )
        return data

    return bounded_read


def _stream_jsonl(
    path: Path, gzipped: bool, file_id: str, relative: str, only: frozenset[int] | None = None
) -> Iterator[Document]:
    """A JSONL file's documents line by line, never the whole file in memory (of ``only``'s
    lines alone, when given)."""
    failure: list[str] = []
    last = [0]

    def lines() -> Iterator[tuple[int, bytes]]:
        try:
            with open_regular(path) as raw_handle:
                packed = os.fstat(raw_handle.fileno()).st_size
                with gzip.open(raw_handle, "rb") if gzipped else raw_handle as handle:
                    # read1: what is there, so the lines before a break in a gzip stream still come
                    read = _bounded(handle.read1, packed) if gzipped else handle.read1
                    for number, line in numbered_lines(read):
                        last[0] = number
                        if only is None or number in only:
                            yield number, line
                        if only is not None and number >= max(only, default=0):
                            return
        except _GzipBomb as exc:
            failure.append(str(exc))
        except (OSError, EOFError, zlib.error) as exc:
            io_error = isinstance(exc, OSError) and not isinstance(exc, gzip.BadGzipFile) and exc.errno is not None
            readable = not gzipped or io_error
            what = "cannot read file" if readable else "not a valid gzip file"
            failure.append(f"{what} ({getattr(exc, 'strerror', None) or exc})")

    count = 0
    for doc in _jsonl_documents(lines(), file_id, relative):
        count += 1
        yield doc
    if failure:
        where = f"{relative} after line {last[0]}" if last[0] else relative
        yield _error(f"{file_id}:error", relative, None, f"{where}: {failure[0]}")
    elif count == 0 and only is None:
        yield Document(id=file_id, text="", source=relative, status="empty", reason=f"{relative}: no records in it")


def _error(doc_id: str, source: str, line: int | None, reason: str) -> Document:
    return Document(id=doc_id, text="", source=source, line=line, status="error", reason=reason)


def _too_large(size: int) -> _Unreadable:
    return _Unreadable(
        f"too large to be one document ({size / 2**20:.1f} MiB; the limit is {MAX_DOCUMENT_BYTES / 2**20:.0f} MiB)"
    )


def _read_bytes(path: Path, gzipped: bool) -> bytes:
    """A file's bytes (decompressed), at most `MAX_DOCUMENT_BYTES`, never more read into memory."""
    try:
        with open_regular(path) as raw_handle:
            size = os.fstat(raw_handle.fileno()).st_size
            if not gzipped and size > MAX_DOCUMENT_BYTES:
                raise _too_large(size)
            with gzip.open(raw_handle, "rb") if gzipped else raw_handle as handle:
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
    """UTF-16 without a BOM, told by its NUL bytes all falling on one side of each pair, and by
    what it decodes to looking like text (a few bytes of binary data can pass the first test)."""
    if len(data) % 2 or len(data) < _MIN_BOMLESS_UTF16 or data.count(0) < len(data) // 4:
        return None
    for codec, zeros, other in (("utf-16-le", data[1::2], data[0::2]), ("utf-16-be", data[0::2], data[1::2])):
        if zeros.count(0) >= len(zeros) * 0.3 and 0 not in other:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            return (text, codec) if _looks_like_text(text) else None
    return None


_MIN_BOMLESS_UTF16 = 16


def _looks_like_text(text: str) -> bool:
    """Mostly letters and spaces, with no control, unassigned or private-use character."""
    import unicodedata

    letters = 0
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cn", "Co", "Cs") and ch not in "\t\n\r\f":
            return False
        letters += category.startswith("L") or ch.isspace()
    return letters >= len(text) * 0.5


# Without a BOM, UTF-16 and UTF-32 are guesses that turn short Latin-1 text into CJK noise.
_NOT_WITHOUT_BOM = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le"]
# The legacy encodings web pages actually use. On short texts the detector often ranks a rare
# code page (mac_latin2 for French Latin-1, mac_cyrillic for Windows-1251 Russian) a little
# above the right one; one of these within this much chaos of the best is taken instead (on a
# short text, whatever its chaos: a few accented letters are too little evidence for a rare one).
_COMMON = frozenset(
    {
        "cp1250",
        "cp1251",
        "cp1252",
        "cp1253",
        "cp1254",
        "cp1255",
        "cp1256",
        "cp1257",
        "cp1258",
        "latin_1",
        "iso8859_2",
        "iso8859_5",
        "iso8859_7",
        "iso8859_9",
        "iso8859_15",
        "koi8_r",
        "koi8_u",
        "cp874",
        "tis_620",
        "shift_jis",
        "cp932",
        "euc_jp",
        "iso2022_jp",
        "gb2312",
        "gbk",
        "gb18030",
        "big5",
        "cp950",
        "euc_kr",
        "cp949",
    }
)
_COMMON_MARGIN = 0.1
_SHORT_TEXT = 1024


def _detect_encoding(data: bytes, exc: UnicodeDecodeError) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    results = from_bytes(data, cp_exclusion=_NOT_WITHOUT_BOM)
    best = results.best()
    if best is not None and best.encoding not in _COMMON:
        margin = _COMMON_MARGIN if len(data) >= _SHORT_TEXT else 1.0
        common = [m for m in results if m.encoding in _COMMON and m.chaos <= best.chaos + margin]
        if common:
            best = max(common, key=lambda m: (m.coherence, -m.chaos, m.encoding == "cp1252"))
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
    numbered = ((number, line) for number, line in enumerate(lines, start=1) if _NOT_BLANK.search(line))
    yield from _jsonl_documents(numbered, file_id, relative)


#: Objects nested deeper than this in a record are refused (deeper ones break writers' recursion).
MAX_JSON_DEPTH = 64
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _jsonl_documents(lines: Iterable[tuple[int, bytes]], file_id: str, relative: str) -> Iterator[Document]:
    for number, raw_line in lines:
        line_id = f"{file_id}:{number}"
        where = f"{relative} line {number}"
        if raw_line is _TOO_LONG or len(raw_line) > MAX_DOCUMENT_BYTES:
            limit = MAX_DOCUMENT_BYTES / 2**20
            yield _error(line_id, relative, number, f"{where}: longer than the {limit:.0f} MiB one document may have")
            continue
        try:
            record = parse_json(raw_line.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError as exc:
            yield _error(line_id, relative, number, f"{where}: not valid UTF-8 at byte {exc.start}")
            continue
        except json.JSONDecodeError as exc:
            yield _error(line_id, relative, number, f"{where}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        except ValueError as exc:  # an integer of thousands of digits
            yield _error(line_id, relative, number, f"{where}: unusable JSON ({exc})")
            continue
        except RecursionError:
            yield _error(line_id, relative, number, f"{where}: JSON nested too deeply")
            continue
        if not isinstance(record, dict):
            yield _error(line_id, relative, number, f"{where}: expected a JSON object, got {type(record).__name__}")
            continue
        if _depth(record) > MAX_JSON_DEPTH:
            yield _error(line_id, relative, number, f"{where}: JSON nested deeper than {MAX_JSON_DEPTH} levels")
            continue
        if _SURROGATE_ESCAPE.search(raw_line):
            record = _valid_unicode(record)
        record_id = record.get("id")
        doc_id = str(record_id) if isinstance(record_id, (str, int)) and str(record_id).strip() else line_id
        text = record.get("text")
        if not isinstance(text, str):
            problem = "missing 'text'" if text is None else f"'text' is {type(text).__name__}, not a string"
            yield _error(doc_id, relative, number, f"{where}: {problem}")
            continue
        metadata = _record_metadata(record)
        yield Document(doc_id, text, relative, number, metadata, chars_in=len(text), bytes_in=len(raw_line))


def _finite_float(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


def parse_json(text: str) -> Any:
    """``json.loads`` as documents are read: NaN, Infinity and numbers too large for a float
    (``1e400``) become null, so that what is written is JSON again.

    >>> parse_json('{"a": NaN, "b": 1e400, "c": 1.5}')
    {'a': None, 'b': None, 'c': 1.5}
    """
    return json.loads(text, parse_constant=lambda _: None, parse_float=_finite_float)


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (counted without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            if deepest > MAX_JSON_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in item if isinstance(child, (dict, list)))
    return deepest


def _valid_unicode(value: Any) -> Any:
    """``value`` with every lone surrogate (``"\\udc80"`` in JSON: not text) replaced by U+FFFD."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_valid_unicode(k): _valid_unicode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_valid_unicode(v) for v in value]
    return value


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
