"""The corpus index: an embedded SQLite database kept in ``OUT/index.sqlite``.

It remembers, for the run that wrote ``OUT``: the settings and rules it used (a fingerprint),
every input file with a hash of its content, and every document's fingerprint (digest, MinHash
signature, size). A later run over the same ``RAW`` re-cleans only files that changed, and
dedups new documents against the kept ones without reading their texts again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import xxhash

from . import __version__
from .config import Settings
from .dedup import Candidate
from .document import STATUSES
from .linemodel import MODEL_PATH
from .read import open_regular
from .rules import Rules

log = logging.getLogger(__name__)

INDEX = "index.sqlite"
SCHEMA_VERSION = 4  # 2: shingle hashes combine word hashes (signatures differ from 1); 3: shingle samples;
# 4: Chinese and Japanese shingled by character
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (source TEXT PRIMARY KEY, digest TEXT NOT NULL);
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    duplicate_of TEXT,
    digest TEXT,
    signature BLOB,
    chars INTEGER NOT NULL,
    shingles INTEGER NOT NULL,
    sample BLOB NOT NULL
);
CREATE INDEX documents_source ON documents (source);
"""


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    """A document's row in the index."""

    id: str
    source: str
    status: str
    duplicate_of: str | None
    digest: str | None
    signature: bytes | None
    chars: int
    shingles: int
    sample: bytes = b""

    def candidate(self, order: int = 0) -> Candidate:
        signature = self.signature or b""
        return Candidate(self.id, self.chars, self.digest or "", signature, self.shingles, order, True, self.sample)


def file_digest(path: Path) -> str:
    """A hash of a file's bytes: unchanged content means the file's documents can be reused."""
    digest = xxhash.xxh3_128()
    with open_regular(path) as handle:  # a FIFO or a device is refused, never read forever
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_fingerprint(settings: Settings, rules: Rules, states: dict[str, Any] | None = None) -> str:
    """What decides a run's results besides its input: settings, rule files, versions, and the
    fitted state of corpus-level stages."""
    rule_files = {Path(s.file).name: hashlib.sha256(Path(s.file).read_bytes()).hexdigest() for s in rules.sets}
    decisive = {k: v for k, v in asdict(settings).items() if k != "strict"}
    payload: dict[str, Any] = {"cleaner": __version__, "schema": SCHEMA_VERSION, "settings": decisive}
    payload["rules"] = rule_files
    if settings.model == "on":
        payload["model"] = hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()
    if states:
        payload["stages"] = states
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=list).encode()).hexdigest()


class IndexSink:
    """A fresh index at ``path`` (inside the staging folder: it moves into place with the rest),
    written document by document as the output is."""

    def __init__(
        self,
        path: Path,
        fingerprint: str,
        files: dict[str, str],
        states: dict[str, Any] | None = None,
        batch: int = 10_000,
    ) -> None:
        self._path = path
        self._db = sqlite3.connect(path)
        self._db.executescript(_SCHEMA)
        meta = [("fingerprint", fingerprint), ("cleaner", __version__)]
        if states:  # what the corpus-level stages learned, for explain, check and the next run
            meta.append(("stage_states", json.dumps(states, sort_keys=True, ensure_ascii=False)))
        self._db.executemany("INSERT INTO meta VALUES (?, ?)", meta)
        self._db.executemany("INSERT INTO files VALUES (?, ?)", sorted(files.items()))
        self._rows: list[tuple[Any, ...]] = []
        self._batch = batch

    def add(self, entry: Any) -> None:
        d = entry.indexed
        if d is not None:
            row = (d.id, d.source, d.status, d.duplicate_of, d.digest, d.signature, d.chars, d.shingles, d.sample)
            self._rows.append(row)
            if len(self._rows) >= self._batch:
                self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._rows)
        self._rows = []

    def close(self) -> None:
        try:
            self._flush()
            self._db.commit()
        finally:
            self._db.close()
        self._path.chmod(0o644)


def _damage(files: dict[Any, Any], documents: dict[Any, IndexedDocument]) -> str | None:
    """What is wrong with an index read back (edited by hand, or by a broken tool), or None."""
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return "a file row is not text"
    lengths = set()
    for doc in documents.values():
        if not (
            isinstance(doc.id, str)
            and isinstance(doc.source, str)
            and doc.status in STATUSES
            and isinstance(doc.chars, int)
            and isinstance(doc.shingles, int)
            and (doc.signature is None or isinstance(doc.signature, bytes))
            and (doc.digest is None or isinstance(doc.digest, str))
            and isinstance(doc.sample, bytes)
            and len(doc.sample) % 4 == 0
        ):
            return f"the row of {doc.id!r} is not well-formed"
        if doc.status == "kept":
            if not doc.signature or len(doc.signature) % 4:
                return f"kept document {doc.id!r} has no usable signature"
            lengths.add(len(doc.signature))
    if len(lengths) > 1:
        return "signatures of different lengths"
    return None


@dataclass
class CorpusIndex:
    """An index read back: what the previous run saw and decided."""

    fingerprint: str
    files: dict[str, str]
    documents: dict[str, IndexedDocument]
    #: the fitted state of the corpus-level stages, by stage name
    stage_states: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path) -> CorpusIndex | None:
        """The index at ``path``, or None when there is none or it cannot be read."""
        if not path.is_file():
            return None
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                meta = dict(db.execute("SELECT key, value FROM meta"))
                files = dict(db.execute("SELECT source, digest FROM files"))
                rows = db.execute(
                    "SELECT id, source, status, duplicate_of, digest, signature, chars, shingles, sample FROM documents"
                )
                documents = {row[0]: IndexedDocument(*row) for row in rows}
        except sqlite3.Error:
            return None
        damage = _damage(files, documents)
        if damage:
            log.warning("the index %s is damaged (%s): not used", path, damage)
            return None
        try:
            states = json.loads(meta.get("stage_states") or "{}")
        except ValueError:
            states = None
        if not isinstance(states, dict):
            log.warning("the index %s is damaged (its stage states are not an object): not used", path)
            return None
        return cls(str(meta.get("fingerprint", "")), files, documents, states)

    def kept(self) -> list[IndexedDocument]:
        return [d for d in self.documents.values() if d.status == "kept" and d.signature]
