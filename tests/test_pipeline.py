"""The pipeline is a tuple of stages: built in one place, run up to any stage, extended by a stage."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from cleaner import Settings, load_rules
from cleaner.document import Document
from cleaner.executor import DaskExecutor, ProcessExecutor, SerialExecutor
from cleaner.pipeline import STAGES, DocumentStage, Pipeline, clean_documents, default_stages
from cleaner.read import read_documents

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules(ROOT / "rules")


def test_the_default_stages_in_order():
    assert [s.name for s in default_stages(Settings(), RULES)] == list(STAGES)
    assert STAGES == ("normalize", "boilerplate", "metadata", "empty", "language", "signature")


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
