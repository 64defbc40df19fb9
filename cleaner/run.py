"""A whole cleaning run, as the CLI and library users start it: read, clean, dedup, write.

A run over a folder whose previous output (with its index) was made with the same settings and
rules is incremental: files whose content did not change keep their rows, new and changed files
are cleaned and deduplicated against the documents already kept, which stay kept.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Settings
from .dedup import Candidate
from .distributed import CandidateChunks, dask_duplicates
from .document import STATUSES, Document
from .errors import InputError, OutputError
from .executor import DaskExecutor, Executor, executor_for
from .index import INDEX, CorpusIndex, IndexedDocument, file_digest, run_fingerprint, write_index
from .pipeline import Pipeline, candidate, clean_stream, duplicate_reason, find_duplicates
from .read import iter_input_files, read_file, relative_name
from .report import build_report
from .rules import Rules, load_rules
from .write import (
    CORPUS,
    FORMATS,
    MANIFEST,
    check_paths,
    corpus_record,
    manifest_record,
    parquet_writer,
    recover_output,
    txt_writer,
    write_output,
)

log = logging.getLogger(__name__)


@dataclass
class _Previous:
    """What the previous run left in ``OUT`` that can be reused."""

    index: CorpusIndex
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by source
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # corpus records by id

    @classmethod
    def load(cls, out: Path, fingerprint: str, num_perm: int) -> _Previous | None:
        """What ``out`` can lend, or None when it has nothing (another fingerprint) or what it has
        does not hold together (hand-edited, truncated): then everything is cleaned again."""
        index = CorpusIndex.open(out / INDEX)
        if index is None or index.fingerprint != fingerprint:
            return None
        previous = cls(index)
        try:
            with open(out / MANIFEST, encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    row = json.loads(line)
                    if not _valid_row(row):
                        raise ValueError(f"{MANIFEST} line {number} is not a manifest row")
                    previous.rows.setdefault(row["source"], []).append(row)
            with open(out / CORPUS, encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    record = json.loads(line)
                    if not _valid_record(record):
                        raise ValueError(f"{CORPUS} line {number} is not a corpus record")
                    previous.records[record["id"]] = record
            previous._check(num_perm)
        except (OSError, ValueError, RecursionError) as exc:
            log.warning("the previous output in %s cannot be reused (%s): cleaning everything again", out, exc)
            return None
        return previous

    def _check(self, num_perm: int) -> None:
        """Manifest, corpus and index must tell the same story, document by document."""
        by_source: dict[str, set[str]] = {}
        for doc in self.index.documents.values():
            by_source.setdefault(doc.source, set()).add(doc.id)
            if doc.status == "kept" and (not isinstance(doc.signature, bytes) or len(doc.signature) != num_perm * 4):
                raise ValueError(f"the index has no usable signature for {doc.id}")
        for source, rows in self.rows.items():
            if {row["id"] for row in rows} != by_source.get(source, set()):
                raise ValueError(f"the manifest and the index disagree on the documents of {source}")
            for row in rows:
                if (row["status"] == "kept") != (row["id"] in self.records):
                    raise ValueError(f"the manifest and the corpus disagree on {row['id']}")
                if row["status"] != self.index.documents[row["id"]].status:
                    raise ValueError(f"the manifest and the index disagree on {row['id']}")
        if set(by_source) - set(self.rows):
            raise ValueError("the index has documents the manifest does not list")

    def reusable(self, digests: dict[str, str]) -> set[str]:
        """Sources whose content is unchanged and whose duplicates still have their original."""
        sources = {s for s, d in digests.items() if s in self.rows and self.index.files.get(s) == d}
        while True:
            kept = {row["id"] for s in sources for row in self.rows[s] if row["status"] == "kept"}
            orphaned = {
                s
                for s in sources
                for row in self.rows[s]
                if row["status"] == "duplicate" and row["duplicate_of"] not in kept
            }
            if not orphaned:
                return sources
            sources -= orphaned


def _valid_row(row: Any) -> bool:
    return (
        isinstance(row, dict)
        and isinstance(row.get("id"), str)
        and isinstance(row.get("source"), str)
        and row.get("status") in STATUSES
        and (row["status"] != "duplicate" or isinstance(row.get("duplicate_of"), str))
        and set(row) >= _ROW_KEYS
    )


def _valid_record(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and isinstance(record.get("id"), str)
        and isinstance(record.get("text"), str)
        and isinstance(record.get("metadata"), dict)
    )


_ROW_KEYS = frozenset(manifest_record(Document(id="", text="", source="")))


def _digests(files: list[Path], root: Path) -> dict[str, str]:
    digests = {}
    for path in files:
        with contextlib.suppress(OSError):  # unreadable: it is read again, and reported as an error
            digests[relative_name(path, root)] = file_digest(path)
    return digests


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


class _Spill:
    """Cleaned documents on disk, one pickled entry each, read back by id in any order.

    A run keeps in memory only an offset and the dedup candidate of each document, never the
    texts, so a corpus larger than memory can be cleaned; the output is written in id order
    from here once dedup has decided.
    """

    def __init__(self, folder: Path) -> None:
        self._handle = tempfile.TemporaryFile(dir=folder, prefix=".cleaner-spill-")  # noqa: SIM115 (closed in run_clean)
        self._where: dict[str, tuple[int, int]] = {}

    def add(self, doc: Document) -> None:
        record = corpus_record(doc) if doc.status == "kept" else None
        fingerprint = None
        if doc.signature is not None:
            fingerprint = [doc.digest, base64.b64encode(doc.signature).decode(), len(doc.text), doc.shingles]
        # pickle, not JSON: this file is the run's own scratch space, and pickling is ten times faster
        entry = pickle.dumps({"row": manifest_record(doc), "record": record, "fingerprint": fingerprint}, protocol=5)
        if doc.id in self._where:
            raise ValueError(f"two documents with the id {doc.id!r} reached the spill")  # a bug: ids are made unique
        try:
            self._where[doc.id] = (self._handle.tell(), len(entry))
            self._handle.write(entry)
        except OSError as exc:
            raise OutputError(f"cannot write the run's scratch file: {exc.strerror or exc}") from exc

    def ids(self) -> Iterable[str]:
        return self._where.keys()

    def get(self, doc_id: str) -> dict[str, Any]:
        offset, size = self._where[doc_id]
        self._handle.seek(offset)
        entry = pickle.loads(self._handle.read(size))
        self._handle.seek(0, 2)  # back to the end for the next add
        return dict(entry)

    def close(self) -> None:
        self._handle.close()


def _formats(output_format: str | Iterable[str]) -> tuple[str, ...]:
    """The corpus formats asked for (``"parquet"``, ``["parquet", "txt"]``), checked."""
    asked = (output_format,) if isinstance(output_format, str) else tuple(output_format)
    unknown = [f for f in asked if f not in FORMATS]
    if unknown:
        raise InputError(f"unknown format {unknown[0]!r} (expected {', '.join(FORMATS)})")
    return tuple(dict.fromkeys(asked))


def run_clean(
    raw: Path | str = "raw",
    out: Path | str = "clean",
    *,
    settings: Settings | None = None,
    rules: Rules | Path | str | None = None,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    full: bool = False,
    output_format: str | Iterable[str] = "jsonl",
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> dict[str, Any]:
    """Clean ``raw`` into ``out`` (corpus, manifest, report, index) and return the report.

    Documents stream through the stages to a spill file beside ``out``; only their signatures
    stay in memory for dedup. ``full`` ignores what a previous output could lend. ``workers``
    processes clean in parallel (default: all cores for inputs over a few megabytes); with
    ``engine="dask"`` the stages run on the Dask cluster at ``scheduler`` (an address or a
    scheduler file; none: a local cluster). The output is the same whatever runs it.
    """
    raw, out = Path(raw), Path(out)
    if not raw.exists():
        raise InputError(f"input path does not exist: {raw}")
    formats = _formats(output_format)
    try:
        recover_output(out)
    except OSError as exc:
        raise OutputError(f"cannot recover the output folder {out}: {exc.strerror or exc}") from exc
    check_paths(raw, out)
    if not isinstance(rules, Rules):
        rules = load_rules(rules)
    settings = settings or Settings()
    started = time.perf_counter()
    fingerprint = run_fingerprint(settings, rules)
    files = iter_input_files(raw)
    root = raw if raw.is_dir() else raw.parent
    digests = _digests(files, root)
    previous = None if full else _Previous.load(out, fingerprint, settings.num_perm)
    reused = previous.reusable(digests) if previous else set()
    old_rows = {row["id"]: row for source in sorted(reused) for row in previous.rows[source]} if previous else {}
    old_index = previous.index.documents if previous else {}
    anchors = [
        old_index[i].candidate(n)
        for n, (i, row) in enumerate(old_rows.items())
        if row["status"] == "kept" and i in old_index
    ]

    def new_documents() -> Iterator[Document]:
        for path in files:
            if relative_name(path, root) not in reused:
                yield from read_file(path, root)

    try:
        out.absolute().parent.mkdir(parents=True, exist_ok=True)
        spill = _Spill(out.absolute().parent)
    except OSError as exc:
        raise OutputError(f"cannot write next to the output folder {out}: {exc.strerror or exc}") from exc
    cleanup: list[Callable[[], Any]] = [spill.close]
    try:
        seconds: dict[str, float] = {}
        taken = {i: row["source"] for i, row in old_rows.items()}
        if executor is None:
            todo = [p for p in files if relative_name(p, root) not in reused]
            size = sum(_size(p) for p in todo)
            executor = executor_for(workers, size, engine=engine, scheduler=scheduler)
        if isinstance(executor, DaskExecutor):
            # signatures go to chunk files that the cluster groups; none stay here
            executor.open()
            chunk_folder = Path(
                tempfile.mkdtemp(prefix=f".{out.name}.candidates-{os.getpid()}-", dir=out.absolute().parent)
            )
            cleanup.append(lambda: shutil.rmtree(chunk_folder, ignore_errors=True))
            cleanup.append(executor.close)
            chunks = CandidateChunks(chunk_folder)
            for anchor in anchors:
                chunks.add(anchor)
            add: Callable[[Candidate], None] = chunks.add
        else:
            candidates: list[Candidate] = list(anchors)
            add = candidates.append
        stream = clean_stream(new_documents(), Pipeline(settings, rules), executor, progress, taken, seconds)
        log.info("cleaning %d files (%d reused), %s executor", len(files) - len(reused), len(reused), executor.name)
        for order, doc in enumerate(stream, start=len(anchors)):
            spill.add(doc)
            found = candidate(doc, order)
            if found is not None:
                add(found)
        dedup_started = time.perf_counter()
        if isinstance(executor, DaskExecutor):
            chunks.flush()
            s = settings
            found_duplicates = dask_duplicates(chunks.paths, s.threshold, s.num_perm, s.containment, s.keep)
        else:
            found_duplicates = find_duplicates(candidates, settings)
        duplicates = {d.id: d for d in found_duplicates}
        seconds["dedup"] = time.perf_counter() - dedup_started
        seconds["total"] = time.perf_counter() - started  # writing not included
        ids = sorted([*old_rows, *spill.ids()])

        def entries() -> Iterator[tuple[dict[str, Any], dict[str, Any] | None, list[Any] | None]]:
            """Every document's manifest row, corpus record and fingerprint, in id order, decisions applied."""
            for doc_id in ids:
                if doc_id in old_rows:
                    row, fingerprint = old_rows[doc_id], None
                    record = previous.records.get(doc_id) if previous else None
                else:
                    entry = spill.get(doc_id)
                    row, record, fingerprint = entry["row"], entry["record"], entry["fingerprint"]
                dup = duplicates.get(doc_id)
                if dup is not None:
                    row |= {
                        "status": "duplicate",
                        "reason": duplicate_reason(dup),
                        "duplicate_of": dup.of,
                        "similarity": dup.similarity,
                    }
                yield row, record if row["status"] == "kept" else None, fingerprint

        def rows() -> Iterator[dict[str, Any]]:
            return (row for row, _, _ in entries())

        def records() -> Iterator[dict[str, Any]]:
            return (record for _, record, _ in entries() if record is not None)

        def index_rows() -> Iterator[IndexedDocument]:
            for row, _, fingerprint in entries():
                doc_id = row["id"]
                if doc_id in old_rows:
                    if doc_id in old_index:
                        yield old_index[doc_id]
                    continue
                digest, signature, chars, shingles = fingerprint or (None, None, 0, 0)
                signature_bytes = base64.b64decode(signature) if signature else None
                yield IndexedDocument(
                    doc_id, row["source"], row["status"], row["duplicate_of"], digest, signature_bytes, chars, shingles
                )

        report = build_report(
            rows(),
            settings,
            seconds,
            raw=str(raw),
            raw_path=str(raw.resolve()),
            out=str(out),
            rules=rules.folder,
            rules_loaded=len(rules),
            incremental={"reused_files": len(reused), "cleaned_files": len(files) - len(reused)},
        )
        extra = {INDEX: lambda path: write_index(path, fingerprint, digests, index_rows())}
        if "parquet" in formats:
            extra["corpus.parquet"] = parquet_writer(records)
        if "txt" in formats:
            extra["txt"] = txt_writer(records)
        write_output(out, rows(), records(), report, extra)
    finally:
        for step in reversed(cleanup):
            step()
    log.info("cleaned %s into %s in %.2fs", raw, out, time.perf_counter() - started)
    return report
