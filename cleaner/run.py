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
from typing import Any, NamedTuple

from .config import Settings
from .dedup import Candidate, Duplicate, Profile, TextsOf
from .distributed import CandidateChunks, dask_duplicates
from .document import STATUSES, Document
from .errors import InputError, OutputError
from .executor import DaskExecutor, Executor, executor_for
from .html import write_explain_pages, write_report_html
from .index import INDEX, CorpusIndex, IndexedDocument, IndexSink, file_digest, run_fingerprint
from .pipeline import (
    Dedup,
    Pipeline,
    candidate,
    clean_stream,
    duplicate_fields,
    fewer_collections,
    fit_corpus_stages,
)
from .progress import Progress, as_progress
from .read import iter_input_files, read_file, relative_name
from .report import ReportBuilder
from .rules import Rules, load_rules
from .write import (
    CORPUS,
    MANIFEST,
    Entry,
    ParquetSink,
    Sink,
    StoredTexts,
    TxtSink,
    check_paths,
    corpus_formats,
    corpus_record,
    manifest_record,
    recover_output,
    write_output,
)

log = logging.getLogger(__name__)


class _Brief(NamedTuple):
    """A previous manifest row in brief: what planning needs of it."""

    id: str
    source: str
    status: str
    duplicate_of: str | None


@dataclass
class _Previous:
    """What the previous run left in ``OUT`` that can be reused."""

    index: CorpusIndex
    corpus: Path
    manifest: Path = Path()
    #: each source's rows, in brief (the full rows stay on disk, read again in id order when written)
    rows: dict[str, list[_Brief]] = field(default_factory=dict)
    recorded: set[str] = field(default_factory=set)  # ids in the corpus (their texts stay on disk)

    @classmethod
    def load(cls, out: Path, fingerprint: str, num_perm: int) -> _Previous | None:
        """What ``out`` can lend, or None when it has nothing (another fingerprint) or what it has
        does not hold together (hand-edited, truncated): then everything is cleaned again."""
        index = CorpusIndex.open(out / INDEX)
        if index is None or index.fingerprint != fingerprint:
            return None
        previous = cls(index, out / CORPUS, out / MANIFEST)
        last_row = None
        try:
            with open(out / MANIFEST, encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    row = json.loads(line)
                    if not _valid_row(row):
                        raise ValueError(f"{MANIFEST} line {number} is not a manifest row")
                    if last_row is not None and row["id"] <= last_row:
                        raise ValueError(f"{MANIFEST} line {number} is out of id order")
                    last_row = row["id"]
                    brief = _Brief(row["id"], row["source"], row["status"], row.get("duplicate_of"))
                    previous.rows.setdefault(row["source"], []).append(brief)
            last = None
            with open(out / CORPUS, encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    record = json.loads(line)
                    if not _valid_record(record) or (last is not None and record["id"] <= last):
                        raise ValueError(f"{CORPUS} line {number} is not the next corpus record")
                    last = record["id"]
                    previous.recorded.add(last)
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
            if {row.id for row in rows} != by_source.get(source, set()):
                raise ValueError(f"the manifest and the index disagree on the documents of {source}")
            for row in rows:
                if (row.status == "kept") != (row.id in self.recorded):
                    raise ValueError(f"the manifest and the corpus disagree on {row.id}")
                if row.status != self.index.documents[row.id].status:
                    raise ValueError(f"the manifest and the index disagree on {row.id}")
        if set(by_source) - set(self.rows):
            raise ValueError("the index has documents the manifest does not list")

    def reusable(self, digests: dict[str, str]) -> set[str]:
        """Sources whose content is unchanged and whose duplicates still have their original."""
        sources = {s for s, d in digests.items() if s in self.rows and self.index.files.get(s) == d}
        while True:
            kept = {row.id for s in sources for row in self.rows[s] if row.status == "kept"}
            orphaned = {
                s for s in sources for row in self.rows[s] if row.status == "duplicate" and row.duplicate_of not in kept
            }
            if not orphaned:
                return sources
            sources -= orphaned


class _SortedLines:
    """A previous output's JSONL file (corpus or manifest, both sorted by id), read forward as
    ids are asked for in increasing order: one line in memory at a time, however large it is."""

    def __init__(self, path: Path) -> None:
        self._handle = open(path, encoding="utf-8")  # noqa: SIM115 (closed in close)
        self._next: dict[str, Any] | None = None

    def get(self, doc_id: str) -> dict[str, Any] | None:
        while True:
            if self._next is None:
                line = self._handle.readline()
                if not line:
                    return None
                self._next = json.loads(line)
            found = self._next["id"]
            if found >= doc_id:
                if found > doc_id:
                    return None
                record, self._next = self._next, None
                return record
            self._next = None  # a record of a file that is not reused

    def close(self) -> None:
        self._handle.close()


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
        self._where: dict[str, tuple[int, int, int]] = {}  # offset, entry size, profile size
        self._unflushed = False  # written since the last read: reads go past the write buffer

    def add(self, doc: Document) -> None:
        record = corpus_record(doc) if doc.status == "kept" else None
        fingerprint = None
        if doc.signature is not None:
            signature, sample = (base64.b64encode(b).decode() for b in (doc.signature, doc.sample))
            fingerprint = [doc.digest, signature, len(doc.text), doc.shingles, sample]
        # pickle, not JSON: this file is the run's own scratch space, and pickling is ten times faster
        entry = {"row": manifest_record(doc), "record": record, "fingerprint": fingerprint}
        data = pickle.dumps(entry, protocol=5)
        profile = doc.profile if doc.status == "kept" else b""  # after the entry: read alone by dedup
        if doc.id in self._where:
            raise ValueError(f"two documents with the id {doc.id!r} reached the spill")  # a bug: ids are made unique
        try:
            self._where[doc.id] = (self._handle.tell(), len(data), len(profile))
            self._handle.write(data)
            self._handle.write(profile)
            self._unflushed = True
        except OSError as exc:
            raise OutputError(f"cannot write the run's scratch file: {exc.strerror or exc}") from exc

    def ids(self) -> Iterable[str]:
        return self._where.keys()

    def __len__(self) -> int:
        return len(self._where)

    def profile(self, doc_id: str) -> Profile | None:
        """A kept document's shingles as dedup verifies a pair (`Profile`), or None when it has none."""
        if doc_id not in self._where:
            return None
        offset, size, profile = self._where[doc_id]
        if not profile:
            return None
        return Profile.from_bytes(self._read(offset + size, profile))

    def get(self, doc_id: str) -> dict[str, Any]:
        offset, size, _ = self._where[doc_id]
        return dict(pickle.loads(self._read(offset, size)))

    def _read(self, offset: int, size: int) -> bytes:
        """``size`` bytes at ``offset``, with one system call where the system has positioned reads
        (the file's own position stays at the end for the next add)."""
        if self._unflushed:
            self._handle.flush()
            self._unflushed = False
        try:
            if hasattr(os, "pread"):  # (not on Windows)
                return os.pread(self._handle.fileno(), size, offset)
            self._handle.seek(offset)
            data = self._handle.read(size)
            self._handle.seek(0, 2)
            return data
        except OSError as exc:
            raise OutputError(f"cannot read the run's scratch file: {exc.strerror or exc}") from exc

    def close(self) -> None:
        self._handle.close()


@dataclass
class _Plan:
    """What a run reads and what it reuses from the previous output: the hand-off of `_plan`."""

    raw: Path
    out: Path
    root: Path
    files: list[Path]
    digests: dict[str, str]
    fingerprint: str
    previous: _Previous | None
    reused: set[str]
    old_rows: dict[str, _Brief]  # by id, of the reused files (their full rows stay on disk)
    states: dict[str, Any] = field(default_factory=dict)  # fitted corpus-level stages

    @property
    def old_index(self) -> dict[str, IndexedDocument]:
        return self.previous.index.documents if self.previous else {}

    def anchors(self) -> list[Candidate]:
        """The kept documents of the reused files: new documents are deduplicated against them."""
        index = self.old_index
        return [
            index[i].candidate(n)
            for n, (i, row) in enumerate(self.old_rows.items())
            if row.status == "kept" and i in index
        ]

    def to_clean(self) -> list[Path]:
        return [path for path in self.files if relative_name(path, self.root) not in self.reused]

    def new_documents(self) -> Iterator[Document]:
        for path in self.to_clean():
            yield from read_file(path, self.root)


def _plan(
    raw: Path, out: Path, settings: Settings, rules: Rules, full: bool, states: dict[str, Any] | None = None
) -> _Plan:
    """Phase 1: list the input, hash it, and work out what the previous output can lend."""
    fingerprint = run_fingerprint(settings, rules, states)
    files = iter_input_files(raw)
    root = raw if raw.is_dir() else raw.parent
    digests = _digests(files, root)
    previous = None if full else _Previous.load(out, fingerprint, settings.num_perm)
    reused = previous.reusable(digests) if previous else set()
    old_rows = {row.id: row for source in sorted(reused) for row in previous.rows[source]} if previous else {}
    return _Plan(raw, out, root, files, digests, fingerprint, previous, reused, old_rows, states or {})


class _Candidates:
    """What dedup needs of each document, gathered as they are cleaned: in memory for the local
    engine, in chunk files that the cluster groups for Dask."""

    def __init__(self, executor: Executor, folder: Path, out: Path, cleanup: list[Callable[[], Any]]) -> None:
        self.chunks: CandidateChunks | None = None
        self.items: list[Candidate] = []
        if isinstance(executor, DaskExecutor):
            executor.open()  # (already open when the run opened it: one connection for the run)
            chunk_folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.candidates-{os.getpid()}-", dir=folder))
            cleanup.append(lambda: shutil.rmtree(chunk_folder, ignore_errors=True))
            cleanup.append(executor.close)
            self.chunks = CandidateChunks(chunk_folder)

    def add(self, found: Candidate) -> None:
        if self.chunks is not None:
            self.chunks.add(found)
        else:
            self.items.append(found)

    def duplicates(self, settings: Settings, texts: TextsOf) -> dict[str, Duplicate]:
        """Phase 3: the corpus-level step over every candidate at once; proposed pairs are
        verified on the ``texts``."""
        if self.chunks is not None:
            self.chunks.flush()
            found = dask_duplicates(self.chunks.paths, settings, texts)
            return {d.id: d for d in found}
        return Dedup(settings).decide(self.items, texts)  # anchors lead the items, in reading order


def _clean(
    plan: _Plan,
    pipeline: Pipeline,
    executor: Executor,
    progress: Progress,
    spill: _Spill,
    candidates: _Candidates,
    seconds: dict[str, float],
) -> None:
    """Phase 2: every new document through the per-document stages, into the spill."""
    anchors = plan.anchors()
    for anchor in anchors:
        candidates.add(anchor)
    taken = {i: row.source for i, row in plan.old_rows.items()}
    progress.phase("cleaning", sum(_size(p) for p in plan.to_clean()), "bytes")
    stream = clean_stream(plan.new_documents(), pipeline, executor, None, taken, seconds)
    log.info(
        "cleaning %d files (%d reused), %s executor",
        len(plan.files) - len(plan.reused),
        len(plan.reused),
        executor.name,
    )
    for order, doc in enumerate(stream, start=len(anchors)):
        progress.advance(doc.bytes_in)
        spill.add(doc)
        found = candidate(doc, order)
        if found is not None:
            candidates.add(found)


def _entries(
    plan: _Plan, spill: _Spill, duplicates: dict[str, Duplicate], texts: dict[str, str | None] | None = None
) -> Iterator[Entry]:
    """Every document's manifest row, corpus record and index row, in id order, decisions applied;
    the cleaned texts of the ids in ``texts`` are kept there on the way (the report's examples)."""
    previous = _SortedLines(plan.previous.corpus) if plan.previous else None
    previous_rows = _SortedLines(plan.previous.manifest) if plan.previous else None
    old_index = plan.old_index
    try:
        for doc_id in sorted([*plan.old_rows, *spill.ids()]):
            fingerprint = None
            if previous is not None and previous_rows is not None and doc_id in plan.old_rows:
                row = previous_rows.get(doc_id)
                if row is None:
                    raise OutputError(f"{plan.previous.manifest if plan.previous else MANIFEST} changed during the run")
                record = previous.get(doc_id)
            else:
                entry = spill.get(doc_id)
                row, record, fingerprint = entry["row"], entry["record"], entry["fingerprint"]
            if texts is not None and doc_id in texts and record is not None:
                texts[doc_id] = record["text"]
            dup = duplicates.get(doc_id)
            if dup is not None:
                row |= duplicate_fields(dup)
            indexed = old_index.get(doc_id) if doc_id in plan.old_rows else _indexed(row, fingerprint)
            yield Entry(row, record if row["status"] == "kept" else None, indexed, dup.exact if dup else None)
    finally:
        for reader in (previous, previous_rows):
            if reader is not None:
                reader.close()


def _indexed(row: dict[str, Any], fingerprint: list[Any] | None) -> IndexedDocument:
    digest, signature, chars, shingles, sample = fingerprint or (None, None, 0, 0, "")
    signature_bytes = base64.b64decode(signature) if signature else None
    return IndexedDocument(
        row["id"],
        row["source"],
        row["status"],
        row["duplicate_of"],
        digest,
        signature_bytes,
        chars,
        shingles,
        base64.b64decode(sample),
    )


def _dedup(
    candidates: _Candidates,
    settings: Settings,
    plan: _Plan,
    spill: _Spill,
    seconds: dict[str, float],
    progress: Progress,
) -> dict[str, Duplicate]:
    """Phase 3: the duplicates among every candidate, verified on the texts."""
    progress.phase("duplicates", None, "")
    started = time.perf_counter()
    duplicates = candidates.duplicates(settings, _texts(plan, spill))
    seconds["dedup"] = time.perf_counter() - started
    return duplicates


def _finish(
    plan: _Plan,
    spill: _Spill,
    duplicates: dict[str, Duplicate],
    pipeline: Pipeline,
    rules: Rules,
    seconds: dict[str, float],
    formats: tuple[str, ...],
    progress: Progress,
) -> dict[str, Any]:
    """Phase 4: the output written in one pass, the report with its examples of duplicates."""
    context = _context(plan, rules)
    examples = _examples(duplicates)
    texts: dict[str, str | None] = {i: None for d in examples for i in (d.id, d.of)}  # filled as written

    def result(builder: ReportBuilder) -> dict[str, Any]:
        fields = _example_fields(examples, texts)
        return builder.result(pipeline.settings, seconds, **context, duplicate_examples=fields)

    entries = _entries(plan, spill, duplicates, texts)
    return _write(plan, entries, result, formats, _pages(plan, pipeline), progress)


def _examples(duplicates: dict[str, Duplicate], count: int = 5) -> list[Duplicate]:
    """The report's duplicate examples: of each of the ``count`` largest clusters, the copy least
    like the kept one (the most to see)."""
    clusters: dict[str, list[Duplicate]] = {}
    for dup in duplicates.values():
        clusters.setdefault(dup.of, []).append(dup)
    largest = sorted(clusters.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:count]
    return [min(members, key=lambda d: (d.exact, d.similarity, d.id)) for _, members in largest]


def _example_fields(examples: list[Duplicate], texts: dict[str, str | None]) -> list[dict[str, Any]]:
    cut = 4000  # characters of each text: the page shows the first 400 words
    return [
        {
            "kept": d.of,
            "duplicate": d.id,
            "similarity": d.similarity,
            "containment": d.containment,
            "kept_text": (texts.get(d.of) or "")[:cut],
            "duplicate_text": (texts.get(d.id) or "")[:cut],
        }
        for d in examples
        if texts.get(d.of) and texts.get(d.id)  # a copy reused from a previous run has no text left
    ]


def _pages(plan: _Plan, pipeline: Pipeline) -> Callable[[Path, dict[str, Any]], None]:
    """What writes report.html and the explain pages of the documents that lost the most."""

    def write(folder: Path, report: dict[str, Any]) -> None:
        started = time.perf_counter()
        explained = write_explain_pages(folder, [d["id"] for d in report["most_removed"]], plan.raw, pipeline)
        write_report_html(folder, report, explained)
        report["seconds"]["report_html"] = round(time.perf_counter() - started, 4)

    return write


def _write(
    plan: _Plan,
    entries: Iterator[Entry],
    report: Callable[[ReportBuilder], dict[str, Any]],
    formats: tuple[str, ...],
    pages: Callable[[Path, dict[str, Any]], None] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Phase 4: one pass over the entries writes every file of the output, then the report."""
    builder = ReportBuilder()

    def counted() -> Iterator[Entry]:
        for entry in entries:
            builder.add(entry.row, entry.exact)
            if progress is not None:
                progress.advance(1)
            yield entry

    sinks: dict[str, Callable[[Path], Sink]] = {
        INDEX: lambda path: IndexSink(path, plan.fingerprint, plan.digests, plan.states)
    }
    if "parquet" in formats:
        sinks["corpus.parquet"] = ParquetSink
    if "txt" in formats:
        sinks["txt"] = TxtSink
    result: dict[str, Any] = {}
    write_output(plan.out, counted(), lambda: result.setdefault("report", report(builder)), sinks, pages)
    return result["report"]


def _executor(
    size: int, workers: int | None, engine: str, scheduler: str | None, cleanup: list[Callable[[], Any]]
) -> Executor:
    executor = executor_for(workers, size, engine=engine, scheduler=scheduler)
    if isinstance(executor, DaskExecutor):
        executor.open()  # one connection (or local cluster) for the whole run
        cleanup.append(executor.close)
    return executor


def _texts(plan: _Plan, spill: _Spill) -> TextsOf:
    """Where verification reads a text: the spill for the documents of this run (the profile the
    signature stage made of it), the previous output for those it reuses."""
    stored = StoredTexts(plan.previous.corpus.parent) if plan.previous else None

    def text(doc_id: str) -> str | Profile | None:
        if doc_id in plan.old_rows:
            return stored(doc_id) if stored else None
        return spill.profile(doc_id)

    return text


def _spill(folder: Path, out: Path) -> _Spill:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return _Spill(folder)
    except OSError as exc:
        raise OutputError(f"cannot write next to the output folder {out}: {exc.strerror or exc}") from exc


def _fit(
    pipeline: Pipeline,
    raw: Path,
    files: list[Path],
    executor: Executor,
    seconds: dict[str, float],
    progress: Progress,
) -> tuple[Pipeline, dict[str, Any]]:
    """Phase 1a: fit the corpus-level stages over every input document (reused files too)."""
    root = raw if raw.is_dir() else raw.parent
    started = time.perf_counter()

    def documents() -> Iterator[Document]:
        progress.phase("site templates", sum(_size(p) for p in files), "bytes")
        for path in files:
            for doc in read_file(path, root):
                progress.advance(doc.bytes_in)
                yield doc

    fitted = fit_corpus_stages(pipeline, documents, executor)
    seconds["fit"] = time.perf_counter() - started
    return fitted


def _check_places(raw: Path, out: Path) -> None:
    """The input exists; a run that died left ``out`` as it was; ``out`` may be replaced."""
    if not raw.exists():
        raise InputError(f"input path does not exist: {raw}")
    try:
        recover_output(out)
    except OSError as exc:
        raise OutputError(f"cannot recover the output folder {out}: {exc.strerror or exc}") from exc
    check_paths(raw, out)


def _context(plan: _Plan, rules: Rules) -> dict[str, Any]:
    """What the report says of where the run read and wrote, what it reused and learned."""
    return {
        "raw": str(plan.raw),
        "raw_path": str(plan.raw.resolve()),
        "out": str(plan.out),
        "rules": rules.folder,
        "rules_loaded": len(rules),
        "fingerprint": plan.fingerprint,
        "incremental": {"reused_files": len(plan.reused), "cleaned_files": len(plan.files) - len(plan.reused)},
        # what the corpus-level stages learned: site templates, per site, each line and its count
        "site_templates": plan.states.get("templates", {}),
    }


def _fewer_collections_until_done() -> Callable[[], Any]:
    """`fewer_collections` from now on (a batch run's dedup and writing too, not only its shards);
    the callable returned puts the collector's setting back."""
    stack = contextlib.ExitStack()
    stack.enter_context(fewer_collections())
    return stack.close


def run_clean(
    raw: Path | str = "raw",
    out: Path | str = "clean",
    *,
    settings: Settings | None = None,
    rules: Rules | Path | str | None = None,
    executor: Executor | None = None,
    progress: Progress | Callable[[int], Any] | None = None,
    full: bool = False,
    output_format: str | Iterable[str] = "jsonl",
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    pipeline: Pipeline | None = None,
) -> dict[str, Any]:
    """Clean ``raw`` into ``out`` (corpus, manifest, report, index) and return the report: plan
    (what to read and reuse) -> fit corpus-level stages -> clean (into a spill beside ``out``)
    -> dedup -> write (one pass). ``full`` ignores what a previous output could lend. ``workers``
    processes clean in parallel (default: all cores for inputs over a few megabytes); with
    ``engine="dask"`` the stages run on the Dask cluster at ``scheduler`` (an address or a
    scheduler file; none: a local cluster). ``pipeline`` replaces the stages built
    from ``settings`` and ``rules``. The output is the same whatever runs it. ``progress`` (a
    `Progress`, or a callable given 1 for each document cleaned) hears of each phase.
    """
    raw, out = Path(raw), Path(out)
    formats = corpus_formats(output_format)
    _check_places(raw, out)
    if not isinstance(rules, Rules):
        rules = load_rules(rules)
    settings = settings or Settings()
    tracker = as_progress(progress)
    pipeline = pipeline or Pipeline(settings, rules)
    started = time.perf_counter()
    folder = out.absolute().parent
    cleanup: list[Callable[[], Any]] = []
    try:
        seconds: dict[str, float] = {}
        cleanup.append(_fewer_collections_until_done())
        states: dict[str, Any] = {}
        if pipeline.needs_fitting:  # corpus-level stages learn from every document first
            files = iter_input_files(raw)
            executor = executor or _executor(sum(_size(p) for p in files), workers, engine, scheduler, cleanup)
            pipeline, states = _fit(pipeline, raw, files, executor, seconds, tracker)
        plan = _plan(raw, out, settings, rules, full, states)
        spill = _spill(folder, out)
        cleanup.append(spill.close)
        if executor is None:
            executor = _executor(sum(_size(p) for p in plan.to_clean()), workers, engine, scheduler, cleanup)
        candidates = _Candidates(executor, folder, out, cleanup)
        _clean(plan, pipeline, executor, tracker, spill, candidates, seconds)
        duplicates = _dedup(candidates, settings, plan, spill, seconds, tracker)
        seconds["total"] = time.perf_counter() - started  # writing not included
        tracker.phase("writing", len(plan.old_rows) + len(spill), "documents")
        report = _finish(plan, spill, duplicates, pipeline, rules, seconds, formats, tracker)
    finally:
        for step in reversed(cleanup):
            step()
    log.info("cleaned %s into %s in %.2fs", raw, out, time.perf_counter() - started)
    return report
