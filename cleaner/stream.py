"""Clean a stream of documents to a stream: for `cleaner clean - -` inside other pipelines.

Each document is written as soon as it is cleaned, so a reader downstream starts at once and
may stop early. Duplicates are decided online: a document is dropped when it copies one already
written (the first copy wins), with datasketch's MinHashLSH, which inserts and queries one
document at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TextIO

import numpy as np
from datasketch import LeanMinHash

from .dedup import (
    _SCHEME,
    _SEED,
    Duplicate,
    candidate_threshold,
    estimated_similarity,
    lsh_index,
    signature_array,
    verified_pairs,
)
from .document import Document
from .errors import InputError
from .executor import Executor
from .pipeline import Pipeline, candidate, clean_stream, duplicate_reason, is_corpus_stage
from .write import corpus_record, json_line, manifest_record


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
    The reasons of documents that could not be read are added to ``errors``."""
    if pipeline.needs_fitting:
        names = ", ".join(stage.name for stage in pipeline.steps if is_corpus_stage(stage))
        raise InputError(
            f"the corpus-level stage(s) {names} must see the whole corpus first, which a stream cannot give: "
            "clean into an output folder, or fit the pipeline (fit_corpus_stages) and pass the fitted one"
        )
    s = pipeline.settings
    lsh = lsh_index(candidate_threshold(s.threshold, s.containment), s.num_perm)
    seen_digests: dict[str, str] = {}
    kept: dict[str, tuple[np.ndarray, int]] = {}
    counts: dict[str, int] = {}
    # small shards: the first documents come out before the last ones are read
    for order, doc in enumerate(clean_stream(docs, pipeline, executor, shard_size=8)):
        found = candidate(doc, order)
        if found is not None:
            dup = None
            if found.digest in seen_digests:
                dup = Duplicate(doc.id, seen_digests[found.digest], 1.0, True)
            else:
                sig = signature_array(found.signature)
                lean = LeanMinHash(seed=_SEED, hashvalues=sig, scheme=_SCHEME)
                others = sorted(lsh.query(lean))
                if others:
                    matrix = np.stack([sig] + [kept[o][0] for o in others])
                    sizes = np.array([found.shingles] + [kept[o][1] for o in others])
                    pairs = np.array([(0, i + 1) for i in range(len(others))])
                    accepted = verified_pairs(pairs, matrix, sizes, s.threshold, s.containment)
                    if len(accepted):
                        best = max(
                            (others[j - 1] for _, j in accepted), key=lambda o: (float(np.mean(kept[o][0] == sig)), o)
                        )
                        dup = Duplicate(
                            doc.id,
                            best,
                            round(estimated_similarity(found.signature, kept[best][0].tobytes()), 4),
                            False,
                        )
                if dup is None:
                    lsh.insert(doc.id, lean)
                    kept[doc.id] = (sig, found.shingles)
                    seen_digests[found.digest] = doc.id
            if dup is not None:
                doc = doc.drop("duplicate", duplicate_reason(dup)).with_(duplicate_of=dup.of, similarity=dup.similarity)
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
