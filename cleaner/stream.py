"""Clean a stream of documents to a stream: for `cleaner clean - -` inside other pipelines.

Each document is written as soon as it is cleaned, so a reader downstream starts at once and
may stop early. Duplicates are decided online: a document is dropped when it copies one already
written (the first copy wins), with datasketch's MinHashLSH, which inserts and queries one
document at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TextIO

from datasketch import LeanMinHash, MinHashLSH

from .config import Settings
from .dedup import (
    _SCHEME,
    _SEED,
    Candidate,
    Duplicate,
    candidate_threshold,
    lsh_index,
    resolve_duplicates,
    signature_array,
)
from .document import Document
from .errors import InputError
from .executor import Executor
from .pipeline import Pipeline, candidate, clean_stream, is_corpus_stage, mark_duplicate
from .write import corpus_record, json_line, manifest_record


def _copy_of_written(
    found: Candidate,
    written: dict[str, Candidate],
    first_with_digest: dict[str, str],
    lsh: MinHashLSH,
    settings: Settings,
) -> Duplicate | None:
    """What ``found`` copies among the documents already written, if anything: datasketch's
    online index proposes, `resolve_duplicates` decides (the written ones are anchors: they stay)."""
    exact = [[first_with_digest[found.digest], found.id]] if found.digest in first_with_digest else []
    proposed: list[str] = []
    if not exact:
        lean = LeanMinHash(seed=_SEED, hashvalues=signature_array(found.signature), scheme=_SCHEME)
        proposed = sorted(lsh.query(lean))
    if not exact and not proposed:
        return None
    by_id = {found.id: found, **{i: written[i] for group in exact for i in group if i in written}}
    by_id.update((i, written[i]) for i in proposed)
    pairs = [(found.id, other) for other in proposed]
    s = settings
    decided = resolve_duplicates(exact, pairs, by_id, s.threshold, s.containment, "first")
    return next((d for d in decided if d.id == found.id), None)


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
    s = pipeline.settings
    lsh = lsh_index(candidate_threshold(s.threshold, s.containment), s.num_perm)
    first_with_digest: dict[str, str] = {}
    written: dict[str, Candidate] = {}  # what dedup needs of each document written so far
    counts: dict[str, int] = {}
    # small shards: the first documents come out before the last ones are read
    for order, doc in enumerate(clean_stream(docs, pipeline, executor, shard_size=8)):
        found = candidate(doc, order)
        if found is not None:
            dup = _copy_of_written(found, written, first_with_digest, lsh, s)
            if dup is None:
                lean = LeanMinHash(seed=_SEED, hashvalues=signature_array(found.signature), scheme=_SCHEME)
                lsh.insert(doc.id, lean)
                written[doc.id] = replace(found, anchored=True)  # written: it stays, whatever comes later
                first_with_digest.setdefault(found.digest, doc.id)
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
