"""The pipeline: per-document stages run by an executor, then corpus-level dedup, then writing.

read -> normalize -> boilerplate (rules) -> templates (site, learned) -> model -> metadata
     -> (empty?) -> language -> signature -> dedup (all signatures at once) -> write
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Protocol, cast

import regex

from .boilerplate import strip_boilerplate
from .config import Settings
from .dedup import Candidate, Duplicate, Profile, TextsOf, fingerprint, near_duplicate_clusters
from .document import Document
from .errors import InputError
from .executor import Executor, SerialExecutor
from .language import detect_language
from .linemodel import LineModelStage
from .metadata import extract_metadata
from .normalize import normalize
from .read import read_documents
from .rules import Rules, load_rules
from .templates import SiteTemplates

log = logging.getLogger(__name__)

SHARD_SIZE = 64

_HAS_WORD = regex.compile(r"\w")


class Stage(Protocol):
    """A step of the pipeline: a name, its own settings, and a call over a shard of documents.

    A stage is pure: what it returns depends on the shard alone, so any executor can run it
    (in this process, in a pool, on a Dask cluster) and the output is the same.
    """

    @property
    def name(self) -> str: ...

    def batch(self, docs: list[Document]) -> list[Document]: ...


@dataclass(frozen=True)
class DocumentStage:
    """A per-document stage: ``step`` turns a document into its next form; dropped documents
    pass through untouched. ``step`` must pickle (a module-level function, or a `partial` of
    one with the stage's settings), since the stage travels to worker processes.

    >>> upper = DocumentStage("upper", lambda doc: doc.with_(text=doc.text.upper()))
    >>> [d.text for d in upper.batch([Document(id="a", text="hi", source="")])]
    ['HI']
    """

    name: str
    step: Callable[[Document], Document]

    def batch(self, docs: list[Document]) -> list[Document]:
        step = self.step
        return [doc if doc.dropped else step(doc) for doc in docs]


class CorpusStage(Protocol):
    """A stage that must see the whole corpus before it changes any document (lines that recur
    across a site's pages, say). It runs in two steps: `fit` over each shard of documents (as
    the stages before it leave them) gives a partial state, `merge` makes the corpus's state of
    the parts, and `bind` turns that state into a per-document stage, run like any other. The
    state is plain JSON data: it is saved in the output (``index.sqlite``), and it is part of
    the run's fingerprint, so `explain`, `check` and incremental runs see what the run saw.
    """

    @property
    def name(self) -> str: ...

    def fit(self, docs: list[Document]) -> Any: ...

    def merge(self, parts: list[Any]) -> Any: ...

    def bind(self, state: Any) -> Stage: ...


def is_corpus_stage(stage: object) -> bool:
    """Whether ``stage`` is a `CorpusStage` still to be fitted."""
    return callable(getattr(stage, "fit", None)) and callable(getattr(stage, "bind", None))


def default_stages(settings: Settings, rules: Rules) -> tuple[Stage | CorpusStage, ...]:
    """The per-document stages of a cleaning run, in order: the one place the pipeline is
    assembled. A new stage is a module with its step, and one line here."""
    s = settings
    return (
        DocumentStage("normalize", normalize),
        DocumentStage(
            "boilerplate",
            partial(strip_boilerplate, rules=rules, timeout=s.rule_timeout, max_removed_share=s.max_removed_share),
        ),
        *(
            [
                SiteTemplates(
                    s.template_min_docs, s.template_min_share, rule_sets=rules.site_sets, timeout=s.rule_timeout
                )
            ]
            if s.templates == "on"
            else []
        ),
        *([LineModelStage(s.min_body_prob)] if s.model == "on" else []),
        DocumentStage("metadata", extract_metadata),
        DocumentStage("empty", drop_empty),
        DocumentStage(
            "language",
            partial(
                detect_language,
                allowed=s.lang,
                budget=s.lang_chars,
                backend=s.lang_backend,
                min_prob=s.min_lang_prob,
                drop_foreign=s.drop_foreign,
            ),
        ),
        DocumentStage("signature", partial(fingerprint, ngram=s.ngram, num_perm=s.num_perm)),
    )


@dataclass(frozen=True)
class Pipeline:
    """The per-document stages a run uses, built from its settings and rules (`default_stages`),
    or given; picklable, so it goes to every worker once."""

    settings: Settings = field(default_factory=Settings)
    rules: Rules = field(default_factory=Rules)
    stages: tuple[Stage | CorpusStage, ...] | None = None

    def __post_init__(self) -> None:
        if self.stages is None:
            object.__setattr__(self, "stages", default_stages(self.settings, self.rules))

    @property
    def steps(self) -> tuple[Stage | CorpusStage, ...]:
        return self.stages or ()

    @property
    def needs_fitting(self) -> bool:
        """Whether a corpus-level stage must be fitted (`fit_corpus_stages`) before documents are cleaned."""
        return any(is_corpus_stage(stage) for stage in self.steps)

    def fitted(self, states: dict[str, Any]) -> Pipeline:
        """The pipeline with each corpus-level stage bound to its state in ``states`` (by name)."""
        missing = [s.name for s in self.steps if is_corpus_stage(s) and s.name not in states]
        if missing:
            raise InputError(f"no fitted state for the corpus-level stage(s) {', '.join(missing)}")
        bound = tuple(s.bind(states[s.name]) if is_corpus_stage(s) else s for s in self.steps)  # type: ignore[union-attr]
        return replace(self, stages=bound)

    def stage(self, name: str) -> Stage:
        """The stage called ``name``."""
        for stage in self.steps:
            if stage.name == name:
                return stage  # type: ignore[return-value]
        raise ValueError(f"unknown stage {name!r} (the pipeline has {', '.join(s.name for s in self.steps)})")

    def until(self, name: str) -> Pipeline:
        """The pipeline up to and including the stage ``name``: what `explain` and `suggest` run."""
        position = [s.name for s in self.steps].index(self.stage(name).name)
        return replace(self, stages=self.steps[: position + 1])

    def clean(self, doc: Document) -> Document:
        """Run every per-document stage on ``doc`` (a dropped document passes through)."""
        return self.clean_many([doc])[0]

    def clean_many(self, docs: list[Document], timings: dict[str, float] | None = None) -> list[Document]:
        """Run the stages over a list of documents, one stage at a time, adding each stage's time
        to ``timings``. Stage by stage rather than document by document: a stage's tables and
        models stay in the processor's caches, which is about a fifth faster."""
        with fewer_collections():
            return self._clean_many(docs, timings)

    def _clean_many(self, docs: list[Document], timings: dict[str, float] | None) -> list[Document]:
        for stage in self.steps:
            if is_corpus_stage(stage):
                # a stage that can work without a corpus (site templates: none known) says how
                unfitted = getattr(stage, "unfitted", None)
                if unfitted is None:
                    raise InputError(f"the corpus-level stage {stage.name} must be fitted before documents are cleaned")
                stage = unfitted()
            start = time.perf_counter()
            docs = stage.batch(docs)  # type: ignore[union-attr]
            if timings is not None:
                timings[stage.name] = timings.get(stage.name, 0.0) + time.perf_counter() - start
        return docs


#: How many container objects (lists, tuples, dicts...) are made, net, between two passes of
#: Python's cyclic garbage collector over the young objects while documents are cleaned (Python's
#: default: 700). Cleaning makes millions of short-lived lists and tuples (words, features) that
#: reference counting frees, almost none in a cycle, so at 700 the collector mostly walks
#: objects that are freed anyway, and every tenth of a tenth pass every object alive (rules,
#: models, langdetect's profiles, the run's signatures). In `python -m bench` (20,000 documents),
#: collections took 1.34 s of the run at 700, 0.48 s at 10,000 and 0.08 s at 100,000, with
#: the same peak memory.
YOUNG_COLLECTION = 100_000
_collector_lock = threading.Lock()
_collector_users = 0
_collector_threshold: tuple[int, ...] = ()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Within: the collector's young generation at `YOUNG_COLLECTION` (unless the caller set a
    higher threshold, or 0: collection off), as it was after (threads that clean shards at once
    share the setting: the first one in raises it, the last one out puts it back)."""
    global _collector_users, _collector_threshold
    with _collector_lock:
        if _collector_users == 0:
            _collector_threshold = gc.get_threshold()
            if 0 < _collector_threshold[0] < YOUNG_COLLECTION:
                gc.set_threshold(YOUNG_COLLECTION, *_collector_threshold[1:])
        _collector_users += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_users -= 1
            if _collector_users == 0:
                gc.set_threshold(*_collector_threshold)


def drop_empty(doc: Document) -> Document:
    """The empty check: a document with no words left is dropped, saying why."""
    if _HAS_WORD.search(doc.text):
        return doc
    reason = "empty input" if doc.chars_in == 0 else "no text left after cleaning"
    return doc.drop("empty", reason)


#: The names of the default per-document stages, in order.
STAGES = tuple(stage.name for stage in default_stages(Settings(), Rules()))


def clean_shard(pipeline: Pipeline, shard: list[Document]) -> tuple[list[Document], dict[str, float]]:
    """Clean a shard of documents; the unit of work an executor ships."""
    timings: dict[str, float] = {}
    return pipeline.clean_many(shard, timings), timings


@dataclass
class CorpusResult:
    """Every input document in id order, with what happened to it, and the run's figures."""

    documents: list[Document]
    duplicates: list[Duplicate]
    seconds: dict[str, float]

    @property
    def kept(self) -> list[Document]:
        return [d for d in self.documents if d.status == "kept"]


def _shards(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(docs)
    while shard := list(itertools.islice(iterator, size)):
        yield shard


def _timed(items: Iterable[Document], seconds: dict[str, float], name: str) -> Iterator[Document]:
    """Yield from ``items``, adding the time spent producing them to ``seconds[name]``."""
    iterator = iter(items)
    while True:
        start = time.perf_counter()
        item = next(iterator, None)
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start
        if item is None:
            return
        yield item


def _unique_ids(docs: Iterable[Document], taken: Mapping[str, str] | None = None) -> Iterator[Document]:
    """A later document whose id is taken gets status error, and an id of its own (never one
    that another document has or will take: ``dup@a.jsonl:2``, then ``dup@a.jsonl:2#2``...)."""
    seen: dict[str, str] = dict(taken or {})
    for doc in docs:
        where = doc.source if doc.line is None else f"{doc.source}:{doc.line}"
        if doc.id in seen:
            new_id = f"{doc.id}@{where}"
            number = 1
            while new_id in seen:
                number += 1
                new_id = f"{doc.id}@{where}#{number}"
            seen[new_id] = where
            yield doc.with_(
                id=new_id,
                text="",
                status="error",
                reason=f"{where}: id '{doc.id}' is already used by {seen[doc.id]}",
            )
            continue
        seen[doc.id] = where
        yield doc


def clean_stream(
    docs: Iterable[Document],
    pipeline: Pipeline,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    taken: Mapping[str, str] | None = None,
    seconds: dict[str, float] | None = None,
    shard_size: int = SHARD_SIZE,
) -> Iterator[Document]:
    """Run the per-document stages over a stream of documents, shard by shard, in input order.

    Nothing is kept: a caller that writes each document as it comes holds only what it chooses
    to (the signatures, for dedup). ``seconds`` collects the time spent per stage.
    """
    seconds = {} if seconds is None else seconds
    shards = _shards(_unique_ids(_timed(docs, seconds, "read"), taken), shard_size)
    for shard_docs, timings in (executor or SerialExecutor()).map(partial(clean_shard, pipeline), shards):
        for name, value in timings.items():
            seconds[name] = seconds.get(name, 0.0) + value
        if progress:
            progress(len(shard_docs))
        yield from shard_docs


def fit_corpus_stages(
    pipeline: Pipeline, documents: Callable[[], Iterable[Document]], executor: Executor | None = None
) -> tuple[Pipeline, dict[str, Any]]:
    """Fit each corpus-level stage of ``pipeline``, in order, over ``documents()`` (read once per
    such stage): every shard goes through the stages before it on the executor and yields a
    partial state, which the driver merges. Returns the pipeline with the stages bound, and
    their states by name."""
    states: dict[str, Any] = {}
    for position, stage in enumerate(pipeline.steps):
        if not is_corpus_stage(stage):
            continue
        corpus_stage = cast(CorpusStage, stage)
        # a stage may learn from an earlier form of the documents (site templates: normalized
        # text), which saves running the stages in between twice
        after = getattr(corpus_stage, "fit_after", None)
        names = [s.name for s in pipeline.steps[:position]]
        prefix = replace(pipeline, stages=pipeline.steps[: names.index(after) + 1 if after in names else position])
        shards = _shards(_unique_ids(documents()), SHARD_SIZE)
        parts = list((executor or SerialExecutor()).map(partial(_fit_shard, prefix, corpus_stage), shards))
        states[corpus_stage.name] = corpus_stage.merge(parts)
        pipeline = _bind_one(pipeline, position, states)
    return pipeline, states


def _bind_one(pipeline: Pipeline, position: int, states: dict[str, Any]) -> Pipeline:
    stage = pipeline.steps[position]
    bound = stage.bind(states[stage.name])  # type: ignore[union-attr]
    return replace(pipeline, stages=(*pipeline.steps[:position], bound, *pipeline.steps[position + 1 :]))


def _fit_shard(prefix: Pipeline, stage: CorpusStage, shard: list[Document]) -> Any:
    with fewer_collections():
        return stage.fit([doc for doc in prefix.clean_many(shard) if not doc.dropped])


def candidate(doc: Document, order: int) -> Candidate | None:
    """What dedup needs of a cleaned document, if it is still in the running."""
    if doc.status != "kept" or doc.signature is None:
        return None
    return Candidate(doc.id, len(doc.text), doc.digest or "", doc.signature, doc.shingles, order, sample=doc.sample)


def duplicate_reason(dup: Duplicate) -> str:
    return f"{duplicate_kind(dup)} of {dup.of}"


def duplicate_kind(dup: Duplicate) -> str:
    """What kind of copy a duplicate is, with its figures: ``near-duplicate (similarity 0.93)``."""
    if dup.exact:
        return "exact duplicate"
    detail = f"{'similarity' if dup.measured else 'estimated similarity'} {dup.similarity:.2f}"
    if dup.containment is not None and dup.containment > dup.similarity:
        detail += f", {dup.containment:.0%} of the shorter inside"
    return f"near-duplicate ({detail})"


def duplicate_fields(dup: Duplicate) -> dict[str, Any]:
    """What marking a document as a duplicate changes, as manifest fields (the one place it is said)."""
    return {
        "status": "duplicate",
        "reason": duplicate_reason(dup),
        "duplicate_of": dup.of,
        "similarity": dup.similarity,
        "containment": dup.containment,
    }


def mark_duplicate(doc: Document, dup: Duplicate) -> Document:
    """``doc`` dropped as a copy of ``dup.of``."""
    fields = duplicate_fields(dup)
    return doc.drop(fields["status"], fields["reason"]).with_(
        duplicate_of=dup.of, similarity=dup.similarity, exact=dup.exact, containment=dup.containment
    )


@dataclass(frozen=True)
class Dedup:
    """Near-duplicate removal as a corpus-level part (`CorpusStage`): `fit` gives a shard's
    dedup candidates with the profiles of their texts (what verification compares), `merge`
    decides over all of them in reading order, with ``anchors`` (documents already in a corpus,
    which stay, their texts read from ``texts``) first, and `bind` marks the copies.

    It is the last part of every run, fitted from what the per-document pass leaves, so no
    second pass is made: `clean_documents` merges and binds at once; `run_clean` gathers the
    candidates alone, `decide`s with the texts read from its spill, and marks the copies as it
    writes (on Dask the cluster proposes the same pairs from candidates it groups itself); a
    stream decides online, the first copy staying. Its state, the duplicates, is saved as the
    manifest's ``duplicate`` rows.
    """

    settings: Settings
    anchors: tuple[Candidate, ...] = ()
    #: where the proposed pairs' texts are read for verification
    texts: TextsOf | None = None
    name: str = "dedup"

    def fit(self, docs: list[Document]) -> list[tuple[Candidate, bytes]]:
        return [(found, doc.profile) for doc in docs if (found := candidate(doc, 0)) is not None]

    def merge(self, parts: list[list[tuple[Candidate, bytes]]]) -> dict[str, Duplicate]:
        fitted = list(itertools.chain.from_iterable(parts))
        profiles = {found.id: profile for found, profile in fitted}

        def texts(doc_id: str) -> str | Profile | None:
            if doc_id in profiles:
                return Profile.from_bytes(profiles[doc_id])
            return self.texts(doc_id) if self.texts else None

        return self.decide([found for found, _ in fitted], texts)

    def decide(self, candidates: Iterable[Candidate], texts: TextsOf | None) -> dict[str, Duplicate]:
        """The duplicates among the ``anchors`` then ``candidates``, in reading order, verified on ``texts``."""
        gathered = itertools.chain(self.anchors, candidates)
        ordered = [c if c.order == order else replace(c, order=order) for order, c in enumerate(gathered)]
        s = self.settings
        found = near_duplicate_clusters(ordered, s.threshold, s.num_perm, s.containment, s.keep, texts, s.ngram)
        return {dup.id: dup for dup in found}

    def bind(self, state: dict[str, Duplicate]) -> Stage:
        return DocumentStage(self.name, partial(_mark_copy, state))


def _mark_copy(duplicates: dict[str, Duplicate], doc: Document) -> Document:
    dup = duplicates.get(doc.id)
    return doc if dup is None else mark_duplicate(doc, dup)


def clean_documents(
    docs: Iterable[Document],
    pipeline: Pipeline | None = None,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    anchors: Sequence[Candidate] = (),
    taken: Mapping[str, str] | None = None,
    anchor_texts: TextsOf | None = None,
) -> CorpusResult:
    """Clean documents in memory: stages, then dedup across all of them (and ``anchors``,
    documents already in a corpus, which stay kept; ``anchor_texts`` reads their texts, without
    which their pairs are decided on the signatures' estimate). For corpora larger than memory,
    `run_clean` streams to disk instead."""
    pipeline = pipeline or Pipeline()
    seconds: dict[str, float] = {}
    if pipeline.needs_fitting:  # corpus-level stages see every document first
        docs = list(docs)
        pipeline, _ = fit_corpus_stages(pipeline, lambda: docs, executor)
    cleaned = list(clean_stream(docs, pipeline, executor, progress, taken, seconds))
    start = time.perf_counter()
    dedup = Dedup(pipeline.settings, tuple(anchors), anchor_texts)
    duplicates = dedup.merge([dedup.fit(cleaned)])
    documents = dedup.bind(duplicates).batch(sorted(cleaned, key=lambda d: d.id))
    seconds["dedup"] = time.perf_counter() - start
    return CorpusResult(
        documents=documents, duplicates=sorted(duplicates.values(), key=lambda d: d.id), seconds=seconds
    )


def clean_corpus(
    raw: Path | str,
    pipeline: Pipeline | None = None,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> CorpusResult:
    """Read every document under ``raw`` and clean the lot in memory. Writes nothing: `run_clean`
    streams a corpus to an output folder."""
    return clean_documents(read_documents(Path(raw)), pipeline, executor, progress)


def clean_text(
    text: str, rules: Rules | None = None, settings: Settings | None = None, doc_id: str = "text", **metadata: Any
) -> Document:
    """Clean one text with the per-document stages (no dedup); the result says what was removed.

    >>> doc = clean_text("Big News\\n\\nThe council met on Monday.\\n\\nCopyright © 2024 Example Ltd")
    >>> doc.metadata["title"], doc.text, [r.rule for r in doc.removals]
    ('Big News', 'The council met on Monday.', ['copyright-line', 'title'])
    """
    rules = load_rules() if rules is None else rules
    pipeline = Pipeline(settings or Settings(), rules)
    return pipeline.clean(Document(id=doc_id, text=text, source="", metadata=dict(metadata), chars_in=len(text)))
