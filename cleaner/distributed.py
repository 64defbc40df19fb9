"""Dedup on a Dask cluster, for corpora whose signatures should not sit in one process.

The driver writes each document's dedup candidate (digest, signature, sizes) to chunk files as
the documents come in, and keeps none of them. On the cluster, a bag over the chunks groups
documents by digest (exact copies) and by each LSH band's slots (near-copy candidates), which
shuffles only ids and band keys. The driver then fetches the candidates of the proposed pairs
alone and hands them to `resolve_duplicates`, the one place duplicates are decided, so the
decisions are the same as a local run's.
"""

from __future__ import annotations

import itertools
import operator
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .config import Settings
from .dedup import (
    MAX_BAND_GROUP,
    MAX_SAMPLE_GROUP,
    Candidate,
    Duplicate,
    TextsOf,
    Verifier,
    candidate_threshold,
    lsh_bands,
    resolve_duplicates,
    sample_array,
)

CHUNK = 20_000


class CandidateChunks:
    """Candidates written to pickle files of `CHUNK` each, in a folder the workers can read."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.paths: list[Path] = []
        self._pending: list[Candidate] = []

    def add(self, candidate: Candidate) -> None:
        self._pending.append(candidate)
        if len(self._pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            path = self.folder / f"candidates-{len(self.paths):05d}.pkl"
            path.write_bytes(pickle.dumps(self._pending, protocol=pickle.HIGHEST_PROTOCOL))
            self.paths.append(path)
            self._pending = []


def _load(path: str) -> list[Candidate]:
    return list(pickle.loads(Path(path).read_bytes()))


def _band_items(candidates: Iterable[Candidate], bands: int, rows: int) -> list[tuple[tuple[int, bytes], str]]:
    items = []
    for c in candidates:
        sig = c.signature
        for band in range(bands):
            items.append(((band, sig[band * rows * 4 : (band + 1) * rows * 4]), c.id))
    return items


def _collect(acc: list[str], item: tuple[Any, str]) -> list[str]:
    return [*acc, item[1]]


def _pairs(bucket: tuple[Any, list[str]]) -> list[tuple[str, str]]:
    members = sorted(bucket[1])
    if len(members) > MAX_BAND_GROUP:  # a star and a chain (as `band_star` gives)
        return [(members[0], other) for other in members[1:]] + list(itertools.pairwise(members[1:]))
    return list(itertools.combinations(members, 2))


def _sample_items(candidates: Iterable[Candidate]) -> list[tuple[int, tuple[str, int]]]:
    items: list[tuple[int, tuple[str, int]]] = []
    for c in candidates:
        values = sample_array(c.sample)
        items.extend((int(v), (c.id, len(values))) for v in values)
    return items


def _sample_pairs(bucket: tuple[Any, list[tuple[str, int]]]) -> list[tuple[str, str, int, int]]:
    members = sorted(bucket[1])
    if len(members) > MAX_SAMPLE_GROUP:  # a common phrase (as `sample_pairs` passes over)
        return []
    return [(a, b, na, nb) for (a, na), (b, nb) in itertools.combinations(members, 2)]


def _sampled_pairs(unique: Any) -> set[tuple[str, str]]:
    """`sample_pairs` on the cluster: documents grouped by each sampled shingle; a shingle in
    more than `MAX_SAMPLE_GROUP` documents counts neither as shared nor in a sample's size."""
    groups = unique.map_partitions(_sample_items).foldby(operator.itemgetter(0), _collect, [], operator.add, [])
    rare = groups.filter(lambda kv: len(kv[1]) <= MAX_SAMPLE_GROUP)
    sizes = dict(rare.map(lambda kv: [member for member, _ in kv[1]]).flatten().frequencies().compute())
    counted = rare.filter(lambda kv: len(kv[1]) > 1).map(_sample_pairs).flatten().frequencies().compute()
    return {(a, b) for (a, b, _, _), count in counted if 2 * count >= min(sizes[a], sizes[b])}


def dask_duplicates(chunks: list[Path], settings: Settings, texts: TextsOf | None = None) -> list[Duplicate]:
    """`near_duplicate_clusters` over candidates in ``chunks``, grouped on the current Dask client;
    the proposed pairs are verified on the driver, reading the ``texts``."""
    import dask.bag as db

    if not chunks:
        return []
    s = settings
    bag = db.from_sequence([str(p) for p in chunks], npartitions=len(chunks)).map(_load).flatten()
    by_digest = bag.map(lambda c: (c.digest, c.id)).foldby(operator.itemgetter(0), _collect, [], operator.add, [])
    exact = [sorted(ids) for _, ids in by_digest.filter(lambda kv: len(kv[1]) > 1).compute()]
    not_first = {i for group in exact for i in group[1:]}
    bands, rows = lsh_bands(candidate_threshold(s.threshold), s.num_perm)
    unique = bag.filter(lambda c: c.id not in not_first)
    buckets = unique.map_partitions(_band_items, bands, rows).foldby(
        operator.itemgetter(0), _collect, [], operator.add, []
    )
    pairs = set(buckets.filter(lambda kv: len(kv[1]) > 1).map(_pairs).flatten().compute())
    if s.containment < 1.0:  # excerpts, from the shingle samples (as `sample_pairs` finds them)
        pairs |= _sampled_pairs(unique)
    needed = {i for pair in pairs for i in pair} | {i for group in exact for i in group}
    by_id = {c.id: c for c in bag.filter(lambda c: c.id in needed).compute()}
    verifier = Verifier(texts, s.ngram)
    return resolve_duplicates(exact, sorted(pairs), by_id, s.threshold, s.containment, s.keep, verifier)
