"""Executors: a process pool gives byte-identical output to a serial run."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import app
from cleaner.executor import ProcessExecutor, SerialExecutor, executor_for

ROOT = Path(__file__).resolve().parent.parent


def square(x: int) -> int:
    return x * x


def test_process_pool_keeps_the_order_of_the_items():
    assert list(ProcessExecutor(2, in_flight=1).map(square, range(50))) == [x * x for x in range(50)]


def test_small_inputs_stay_serial():
    assert isinstance(executor_for(None, input_bytes=1000), SerialExecutor)
    assert isinstance(executor_for(2), ProcessExecutor)
    assert isinstance(executor_for(1, input_bytes=10**9), SerialExecutor)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from bench.corpus import generate

    work = tmp_path_factory.mktemp("gen")
    generate(work, 400, ROOT / "raw", seed=3)
    return work / "raw"


def test_outputs_are_byte_identical_whatever_the_number_of_workers(generated, tmp_path):
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        result = CliRunner().invoke(app, ["clean", str(generated), str(out), "-q", "--workers", workers])
        assert result.exit_code == 0, result.output
        outputs[workers] = {n: (out / n).read_bytes() for n in ("corpus.jsonl", "manifest.jsonl")}
    assert outputs["1"] == outputs["2"]
    assert outputs["1"]["manifest.jsonl"].count(b'"status":"duplicate"') > 10
