"""The Dask engine: a real local cluster of worker processes, and separate scheduler and worker
processes on 127.0.0.1; outputs byte-identical to a serial run."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import app

pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parent.parent
OUTPUTS = ("corpus.jsonl", "manifest.jsonl")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from bench.corpus import generate

    work = tmp_path_factory.mktemp("gen")
    generate(work, 300, ROOT / "raw", seed=5)
    out = work / "serial"
    result = CliRunner().invoke(app, ["clean", str(work / "raw"), str(out), "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    return work / "raw", {n: (out / n).read_bytes() for n in OUTPUTS}


def test_a_local_dask_cluster_gives_the_serial_output(generated, tmp_path):
    raw, serial = generated
    out = tmp_path / "dask"
    result = CliRunner().invoke(app, ["clean", str(raw), str(out), "-q", "--engine", "dask", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert {n: (out / n).read_bytes() for n in OUTPUTS} == serial


def test_scheduler_and_worker_processes_on_loopback(generated, tmp_path):
    raw, serial = generated
    scheduler_file = tmp_path / "scheduler.json"
    python = sys.executable
    started = [
        subprocess.Popen(
            [
                python,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--no-dashboard",
                "--scheduler-file",
                str(scheduler_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert scheduler_file.exists(), "the scheduler did not start"
        started.append(
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "distributed.cli.dask_worker",
                    "--scheduler-file",
                    str(scheduler_file),
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=ROOT,
            )
        )
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        out = tmp_path / "remote"
        result = CliRunner().invoke(
            app, ["clean", str(raw), str(out), "-q", "--engine", "dask", "--scheduler", str(scheduler_file)]
        )
        assert result.exit_code == 0, result.output
        assert {n: (out / n).read_bytes() for n in OUTPUTS} == serial
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(
        app, ["clean", str(ROOT / "raw"), str(tmp_path / "o"), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("cleaner: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")


def test_a_band_bucket_past_the_limit_gives_the_local_star_and_chain():
    import numpy as np

    from cleaner import distributed as dist
    from cleaner.dedup import MAX_BAND_GROUP, band_star

    ids = [f"d{i:03d}" for i in range(MAX_BAND_GROUP + 10)]
    local = {(ids[i], ids[j]) for i, j in band_star(np.arange(len(ids))).tolist()}
    assert set(dist._pairs(("band key", ids[::-1]))) == local
    assert len(dist._pairs(("band key", ids[:MAX_BAND_GROUP]))) == MAX_BAND_GROUP * (MAX_BAND_GROUP - 1) // 2


def test_distributed_grouping_decides_as_the_local_one(tmp_path, monkeypatch):
    """Band and sample grouping and exact groups on the cluster, the pairs verified on the driver
    from the texts: the same duplicates as `near_duplicate_clusters`, anchors and all."""
    import dataclasses
    import random

    from distributed import Client, LocalCluster

    from cleaner import dedup
    from cleaner import distributed as dist
    from cleaner.config import Settings
    from cleaner.dedup import band_star, fingerprint, near_duplicate_clusters
    from cleaner.document import Document
    from cleaner.pipeline import candidate

    monkeypatch.setattr(dist, "CHUNK", 400)  # several chunks, several partitions
    rng = random.Random(0)
    vocab = [f"w{i}" for i in range(3000)]
    texts = {f"d{i:05d}": " ".join(rng.choice(vocab) for _ in range(300)) for i in range(1600)}
    for k in range(200):  # edited copies, excerpts and exact copies of the first 200
        words = texts[f"d{k:05d}"].split()
        if k % 3 == 0:
            words = words[100:160]
        for _ in range(k % 4):
            words[rng.randrange(len(words))] = rng.choice(vocab)
        texts[f"d{1999 - k:05d}"] = " ".join(words)
    phrase = " ".join(f"common{i}" for i in range(80))  # in 200 documents: a phrase, not evidence
    for k in range(100):  # (it must not count in a sample's size either, or these excerpts are missed)
        texts[f"d{k:05d}"] += " " + phrase
        texts[f"d{1999 - k:05d}"] += " " + phrase
    wrapper = " ".join(rng.choice(vocab) for _ in range(100))  # furniture: band buckets past MAX_BAND_GROUP
    for k in range(500):
        texts[f"f{k:05d}"] = wrapper + " " + " ".join(f"own{k}x{rng.randrange(10**6)}" for _ in range(50))
    stars = []
    monkeypatch.setattr(dedup, "band_star", lambda members: stars.append(len(members)) or band_star(members))
    candidates = []
    for order, (doc_id, text) in enumerate(sorted(texts.items())):
        found = candidate(fingerprint(Document(doc_id, text, "t")), order)
        candidates.append(dataclasses.replace(found, anchored=order % 500 == 3))
    settings = Settings()
    local = near_duplicate_clusters(candidates, 0.7, 128, 0.8, texts=texts.get)
    assert stars and max(stars) > dedup.MAX_BAND_GROUP  # the dask grouping proposes the same star and chain
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster):
        chunks = dist.CandidateChunks(tmp_path)
        for c in candidates:
            chunks.add(c)
        chunks.flush()
        assert len(chunks.paths) == 6
        assert dist.dask_duplicates(chunks.paths, settings, texts.get) == local
    assert len(local) >= 195 and all(d.containment is not None for d in local)
    assert sum(d.similarity < 0.7 for d in local) >= 50  # excerpts, found by their samples
