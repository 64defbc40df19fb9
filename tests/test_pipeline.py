"""The pipeline is a tuple of stages: built in one place, run up to any stage, extended by a stage."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from cleaner import Settings, load_rules
from cleaner.document import Document, Removal
from cleaner.errors import InputError
from cleaner.executor import DaskExecutor, ProcessExecutor, SerialExecutor
from cleaner.pipeline import STAGES, DocumentStage, Pipeline, clean_documents, default_stages
from cleaner.read import read_documents

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules(ROOT / "rules")


def test_the_default_stages_in_order():
    assert [s.name for s in default_stages(Settings(), RULES)] == list(STAGES)
    expected = ("normalize", "boilerplate", "templates", "model", "metadata", "empty", "language", "signature")
    assert expected == STAGES
    without = [s.name for s in default_stages(Settings(model="off", templates="off"), RULES)]
    assert without == [name for name in STAGES if name not in ("model", "templates")]


def test_until_runs_a_prefix_of_the_pipeline():
    pipeline = Pipeline(Settings(), RULES)
    assert [s.name for s in pipeline.until("boilerplate").stages] == ["normalize", "boilerplate"]
    doc = next(iter(read_documents(ROOT / "raw")))
    stripped = pipeline.until("boilerplate").clean(doc)
    assert stripped.removals and "lang" not in stripped.metadata and stripped.signature is None
    with pytest.raises(ValueError, match="unknown stage 'nope'"):
        pipeline.stage("nope")


def _with_toy_stage() -> Pipeline:
    """The default pipeline and one more per-document stage: a few lines, nothing else to change."""
    base = Pipeline(Settings(), RULES)
    toy = DocumentStage("toy", functools.partial(Document.with_metadata, toy="seen"))
    return Pipeline(base.settings, base.rules, (*base.until("metadata").stages, toy, *base.stages[3:]))


def test_an_added_stage_runs_the_same_on_every_engine():
    pytest.importorskip("distributed")
    docs = list(read_documents(ROOT / "raw"))
    pipeline = _with_toy_stage()
    outputs = {}
    for name, executor in (
        ("serial", SerialExecutor()),
        ("process", ProcessExecutor(2)),
        ("dask", DaskExecutor(workers=1)),
    ):
        result = clean_documents(docs, pipeline, executor)
        outputs[name] = [(d.id, d.status, d.text, sorted(d.metadata.items())) for d in result.documents]
    assert outputs["serial"] == outputs["process"] == outputs["dask"]
    assert all(dict(meta)["toy"] == "seen" for _, status, _, meta in outputs["serial"] if status == "kept")


# A toy corpus-level stage: lines that occur in more than half of the documents are furniture.
def _drop_lines(common: frozenset[str], doc: Document) -> Document:
    kept, removals, start = [], [], 0
    for line in doc.text.split("\n"):
        if line in common:
            removals.append(Removal("common-lines", start, start + len(line)))
        else:
            kept.append(line)
        start += len(line) + 1
    return doc.with_(text="\n".join(kept), removals=doc.removals + tuple(removals)) if removals else doc


class CommonLines:
    name = "common-lines"

    def fit(self, docs: list[Document]) -> dict:
        counts: dict[str, int] = {}
        for doc in docs:
            for line in {line for line in doc.text.split("\n") if line.strip()}:
                counts[line] = counts.get(line, 0) + 1
        return {"documents": len(docs), "lines": counts}

    def merge(self, parts: list[dict]) -> list[str]:
        total = sum(part["documents"] for part in parts)
        counts: dict[str, int] = {}
        for part in parts:
            for line, n in part["lines"].items():
                counts[line] = counts.get(line, 0) + n
        return sorted(line for line, n in counts.items() if n > total / 2)

    def bind(self, state: list[str]) -> DocumentStage:
        return DocumentStage(self.name, functools.partial(_drop_lines, frozenset(state)))


FURNITURE = "Support independent news: donate at example.org today"


def _toy_corpus(folder: Path) -> Path:
    raw = folder / "raw"
    raw.mkdir()
    for n in range(30):
        body = " ".join(f"word{n}x{k}" for k in range(40))
        (raw / f"a{n:02}.txt").write_text(f"Story number {n} begins here.\n\n{body}\n\n{FURNITURE}\n")
    return raw


def _toy_pipeline() -> Pipeline:
    # the toy bodies differ only in digits, which site templates fold away: the toy stage alone
    base = Pipeline(Settings(templates="off"), RULES)
    return Pipeline(base.settings, base.rules, (*base.until("normalize").stages, CommonLines(), *base.stages[1:]))


@pytest.mark.parametrize("engine", ["serial", "process", "dask"])
def test_a_corpus_level_stage_is_fitted_then_applied_the_same_on_every_engine(tmp_path, engine):
    from cleaner import run_clean
    from cleaner.index import CorpusIndex

    if engine == "dask":
        pytest.importorskip("distributed")
    raw = _toy_corpus(tmp_path)
    executor = {"serial": SerialExecutor(), "process": ProcessExecutor(2), "dask": None}[engine]
    out = tmp_path / "out"
    run_clean(
        raw,
        out,
        rules=RULES,
        pipeline=_toy_pipeline(),
        executor=executor,
        engine="dask" if engine == "dask" else "local",
    )
    texts = (out / "corpus.jsonl").read_text()
    assert FURNITURE not in texts and texts.count("Story number") == 30
    index = CorpusIndex.open(out / "index.sqlite")
    assert index is not None and index.stage_states == {"common-lines": [FURNITURE]}  # saved with the output
    reference = tmp_path / "reference"
    run_clean(raw, reference, rules=RULES, pipeline=_toy_pipeline(), executor=SerialExecutor())
    for name in ("corpus.jsonl", "manifest.jsonl"):
        assert (out / name).read_bytes() == (reference / name).read_bytes()


def test_corpus_level_state_is_part_of_the_fingerprint_and_reaches_check(tmp_path):
    from cleaner import check, run_clean
    from cleaner.pipeline import fit_corpus_stages
    from cleaner.stream import clean_to_stream

    raw = _toy_corpus(tmp_path)
    out = tmp_path / "out"
    run_clean(raw, out, rules=RULES, pipeline=_toy_pipeline())
    report = run_clean(raw, out, rules=RULES, pipeline=_toy_pipeline())
    assert report["incremental"]["reused_files"] == 30  # same state: everything reused
    for n in range(30, 70):  # the furniture line changes: a new state, so nothing is reused
        (raw / f"b{n}.txt").write_text(f"Another story {n}.\n\nIts own words {n} here and there.\n\nAd line\n")
    report = run_clean(raw, out, rules=RULES, pipeline=_toy_pipeline())
    assert report["incremental"]["reused_files"] == 0
    addition = tmp_path / "add"
    addition.mkdir()
    (addition / "new.txt").write_text("A brand new story about the harbour.\n\nAd line\n")
    # with the corpus's state only "Ad line" goes; fitted on this one addition alone, every line would
    result = check([addition], RULES, out, pipeline=_toy_pipeline())
    assert result.documents == 1 and not [f for f in result.findings if f.kind == "empty"]
    assert [f.kind for f in check([addition], RULES, None, Settings(), pipeline=_toy_pipeline()).findings] == ["empty"]
    with pytest.raises(InputError, match="must see the whole corpus first"):
        clean_to_stream(iter(()), _toy_pipeline(), lambda line: None)
    fitted, states = fit_corpus_stages(_toy_pipeline(), lambda: read_documents(raw))
    assert states["common-lines"] == ["Ad line"] and not fitted.needs_fitting


def test_no_function_in_the_package_runs_past_60_lines():
    """Phases, not god functions: a function that long wants splitting (the shape #13 asked for)."""
    import ast

    long = []
    for path in sorted((ROOT / "cleaner").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 60:
                long.append(f"{path.name}:{node.lineno} {node.name}")
    assert long == []


def test_explain_binds_corpus_level_stages_to_the_state_the_run_saved(tmp_path):
    from cleaner import run_clean
    from cleaner.explain import explain

    raw = _toy_corpus(tmp_path)
    run_clean(raw, tmp_path / "out", rules=RULES, pipeline=_toy_pipeline())
    explanation = explain("a00", tmp_path / "out", RULES, pipeline=_toy_pipeline())
    (span,) = [s for s in explanation.spans if s.rule == "common-lines"]  # run with the saved state, and shown
    assert explanation.text[span.start : span.end] == FURNITURE


def test_dedup_is_a_corpus_level_part_like_any_other(tmp_path):
    """Placed in a pipeline, Dedup is fitted and bound like the toy stage, and decides what the
    runner decides without a second pass."""
    from bench.corpus import generate
    from cleaner.pipeline import Dedup, fit_corpus_stages, is_corpus_stage

    generate(tmp_path, 300, ROOT / "raw", seed=4)
    docs = list(read_documents(tmp_path / "raw"))
    base = Pipeline(Settings(), RULES)
    assert is_corpus_stage(Dedup(base.settings))
    with_dedup = Pipeline(base.settings, base.rules, (*base.stages, Dedup(base.settings)))
    fitted, states = fit_corpus_stages(with_dedup, lambda: iter(docs))
    by_stage = {d.id: (d.status, d.duplicate_of) for d in fitted.clean_many(docs)}
    by_runner = {d.id: (d.status, d.duplicate_of) for d in clean_documents(docs, base).documents}
    assert by_stage == by_runner and len(states["dedup"]) > 10


def test_shards_are_cleaned_with_fewer_collections_and_the_setting_is_put_back():
    import gc
    import threading

    from cleaner.pipeline import YOUNG_COLLECTION

    seen: list[int] = []
    recorder = DocumentStage("gc", _record_threshold(seen))
    pipeline = Pipeline(Settings(), RULES, (recorder,))
    doc = Document("a", "Some text.", "a.txt")
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        pipeline.clean_many([doc])
        assert seen == [YOUNG_COLLECTION] and gc.get_threshold() == (700, 10, 10)
        failing = Pipeline(Settings(), RULES, (recorder, DocumentStage("boom", _fail)))
        with pytest.raises(RuntimeError):
            failing.clean_many([doc])
        assert gc.get_threshold() == (700, 10, 10)  # put back after an error too
        gc.set_threshold(2 * YOUNG_COLLECTION, 10, 10)  # a caller's higher setting (or 0: off) is left alone
        pipeline.clean_many([doc])
        gc.set_threshold(0, 10, 10)
        pipeline.clean_many([doc])
        assert seen[-2:] == [2 * YOUNG_COLLECTION, 0] and gc.get_threshold() == (0, 10, 10)
        # threads cleaning at once: the last one out puts the setting back
        gc.set_threshold(700, 10, 10)
        inside, release = threading.Barrier(3), threading.Event()
        waiting = Pipeline(Settings(), RULES, (DocumentStage("wait", _wait(inside, release)),))
        threads = [threading.Thread(target=waiting.clean_many, args=([doc],)) for _ in range(2)]
        for thread in threads:
            thread.start()
        inside.wait()
        assert gc.get_threshold()[0] == YOUNG_COLLECTION
        release.set()
        for thread in threads:
            thread.join()
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)


def _record_threshold(seen: list[int]):  # type: ignore[no-untyped-def]
    import gc

    def step(doc: Document) -> Document:
        seen.append(gc.get_threshold()[0])
        return doc

    return step


def _fail(doc: Document) -> Document:
    raise RuntimeError("a stage failed")


def _wait(inside, release):  # type: ignore[no-untyped-def]
    def step(doc: Document) -> Document:
        inside.wait()
        release.wait()
        return doc

    return step
