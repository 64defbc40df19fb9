"""Clean a stream of documents to a stream: for `cleaner clean - -` inside other pipelines.

Each document is written as soon as it is cleaned, so a reader downstream starts at once and
may stop early. Duplicates are decided online: a document is dropped when it copies one already
written (the first copy wins), with datasketch's MinHashLSH, which inserts and queries one
document at a time.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TextIO

from datasketch import LeanMinHash

from .config import Settings
from .dedup import (
    _SCHEME,
    _SEED,
    MAX_SAMPLE_GROUP,
    Candidate,
    Duplicate,
    Profile,
    Verifier,
    candidate_threshold,
    lsh_index,
    resolve_duplicates,
    sample_array,
    signature_array,
)
from .document import Document
from .errors import InputError
from .executor import Executor
from .pipeline import Pipeline, candidate, clean_stream, is_corpus_stage, mark_duplicate
from .write import corpus_record, json_line, manifest_record


class _Written:
    """The documents a stream has written, as dedup needs them: datasketch's online index of
    their signatures, an inverted index of their shingle samples (excerpts), and their texts'
    profiles in a scratch file, so that proposed pairs are verified on the texts as in a run."""

    def __init__(self, settings: Settings) -> None:
        s = self.settings = settings
        self.lsh = lsh_index(candidate_threshold(s.threshold), s.num_perm)
        self.first_with_digest: dict[str, str] = {}
        self.candidates: dict[str, Candidate] = {}
        self.sampled: dict[int, list[str]] = {}
        self._profiles = tempfile.TemporaryFile(prefix="cleaner-stream-")  # noqa: SIM115 (closed in close)
        self._where: dict[str, tuple[int, int]] = {}

    def copy_of(self, found: Candidate, profile: Profile) -> Duplicate | None:
        """What ``found`` copies among the documents written, if anything: the indexes propose,
        `resolve_duplicates` decides (the written ones are anchors: they stay)."""
        exact = [[self.first_with_digest[found.digest], found.id]] if found.digest in self.first_with_digest else []
        proposed: list[str] = []
        if not exact:
            lean = LeanMinHash(seed=_SEED, hashvalues=signature_array(found.signature), scheme=_SCHEME)
            proposed = sorted(set(self.lsh.query(lean)) | set(self._containing(found)))
        if not exact and not proposed:
            return None
        by_id = {found.id: found, **{i: self.candidates[i] for group in exact for i in group if i in self.candidates}}
        by_id.update((i, self.candidates[i]) for i in proposed)
        pairs = [(found.id, other) for other in proposed]
        verifier = Verifier(lambda i: profile if i == found.id else self.profile(i), self.settings.ngram)
        s = self.settings
        decided = resolve_duplicates(exact, pairs, by_id, s.threshold, s.containment, "first", verifier)
        return next((d for d in decided if d.id == found.id), None)

    def _containing(self, found: Candidate) -> list[str]:
        """Written documents that share at least half of the smaller sample with ``found``'s (a
        shingle already in `MAX_SAMPLE_GROUP` documents is a common phrase, passed over)."""
        if self.settings.containment >= 1.0:
            return []
        values = sample_array(found.sample)
        shared: dict[str, int] = {}
        for value in values.tolist():
            holders = self.sampled.get(value, ())
            if len(holders) < MAX_SAMPLE_GROUP:
                for other in holders:
                    shared[other] = shared.get(other, 0) + 1
        sizes = {i: len(self.candidates[i].sample) // 4 for i in shared}
        return [i for i, count in shared.items() if 2 * count >= min(len(values), sizes[i])]

    def add(self, found: Candidate, profile: bytes) -> None:
        lean = LeanMinHash(seed=_SEED, hashvalues=signature_array(found.signature), scheme=_SCHEME)
        self.lsh.insert(found.id, lean)
        self.candidates[found.id] = replace(found, anchored=True)  # written: it stays, whatever comes later
        self.first_with_digest.setdefault(found.digest, found.id)
        for value in sample_array(found.sample).tolist():
            self.sampled.setdefault(value, []).append(found.id)
        self._where[found.id] = (self._profiles.seek(0, 2), len(profile))
        self._profiles.write(profile)

    def profile(self, doc_id: str) -> Profile | None:
        if doc_id not in self._where:
            return None
        offset, size = self._where[doc_id]
        self._profiles.seek(offset)
        return Profile.from_bytes(self._profiles.read(size))

    def close(self) -> None:
        self._profiles.close()


def clean_to_stream(
    docs: Iterable[Document],
    pipeline: Pipeline,
    write: Callable[[str], Any],
    manifest: TextIO | None = None,
    executor: Executor | None = None,
    flush: Callable[[], Any] | None = None,
    errors: list[str] | None = None,
) -> dict[str, int]:
    """Clean ``docs`` and ``write`` each kept one as a JSON line, in input order; return counts.
    The reasons of documents that could not be read are added to ``errors``. A document written
    stays: of copies, the first one read is kept (``keep="first"``, whatever the settings say)."""
    # a stream cannot be seen whole first: stages that can run unfitted do (site templates: none
    # known), the others are refused
    names = ", ".join(
        stage.name for stage in pipeline.steps if is_corpus_stage(stage) and getattr(stage, "unfitted", None) is None
    )
    if names:
        raise InputError(
            f"the corpus-level stage(s) {names} must see the whole corpus first, which a stream cannot give: "
            "clean into an output folder, or fit the pipeline (fit_corpus_stages) and pass the fitted one"
        )
    written = _Written(pipeline.settings)
    try:
        return _stream(clean_stream(docs, pipeline, executor, shard_size=8), written, write, manifest, flush, errors)
    finally:
        written.close()


def _stream(
    cleaned: Iterable[Document],
    written: _Written,
    write: Callable[[str], Any],
    manifest: TextIO | None,
    flush: Callable[[], Any] | None,
    errors: list[str] | None,
) -> dict[str, int]:
    counts: dict[str, int] = {}
    # small shards (see `clean_to_stream`): the first documents come out before the last ones are read
    for order, doc in enumerate(cleaned):
        found = candidate(doc, order)
        if found is not None:
            dup = written.copy_of(found, Profile.from_bytes(doc.profile))
            if dup is None:
                written.add(found, doc.profile)
            else:
                doc = mark_duplicate(doc, dup)
        counts[doc.status] = counts.get(doc.status, 0) + 1
        if doc.status == "error" and errors is not None:
            errors.append(doc.reason or doc.id)
        if manifest is not None:
            manifest.write(json_line(manifest_record(doc)))
        if doc.status == "kept":
            write(json_line(corpus_record(doc)))
            if flush:
                flush()
    return counts
