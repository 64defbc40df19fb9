"""Exact and near-duplicates: a signature per document, then clusters over all signatures.

``fingerprint`` is a per-document stage (a hash of the canonical text and a MinHash signature
of its word shingles); ``near_duplicate_clusters`` is the corpus-level step. Signatures are
datasketch MinHash values (scheme ``affine32``; a shingle's hash combines its words' xxh3
hashes, see `shingle_hash`), kept as compact bytes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import xxhash
from datasketch import MinHash, MinHashLSH

from .document import Document
from .words import canonical_words

_SEED = 1
_SCHEME = "affine32"
_DTYPE = np.dtype("<u4")  # explicit byte order: signatures are the same on every machine
_COMBINE = np.uint64(0x9E3779B97F4A7C15)  # odd: combining word hashes loses nothing
_MASK64 = (1 << 64) - 1


def shingles(words: Sequence[str], ngram: int) -> set[bytes]:
    """Word n-grams, as UTF-8 bytes; a text shorter than ``ngram`` words is one shingle.

    >>> sorted(shingles(["a", "b", "c"], 2))
    [b'a b', b'b c']
    """
    if len(words) <= ngram:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + ngram]).encode() for i in range(len(words) - ngram + 1)}


def shingle_hashes(words: Sequence[str], ngram: int) -> np.ndarray:
    """The 32-bit hash of each word n-gram, in text order (``shingle_hash`` of each of ``shingles``).

    Each word is hashed once (xxh3) and the hashes of ``ngram`` neighbours are combined with
    numpy, instead of joining and hashing every n-gram as a string: the same hash for the same
    n-gram, at a fraction of the cost.
    """
    if not words:
        return np.empty(0, dtype=np.uint32)
    hashed = np.fromiter(map(xxhash.xxh3_64_intdigest, map(str.encode, words)), dtype=np.uint64, count=len(words))
    width = min(ngram, len(words))
    count = len(words) - width + 1
    combined = hashed[:count].copy()
    # integer arithmetic on arrays wraps silently (only numpy scalars warn): no errstate needed,
    # and entering one costs more than these operations on a short text
    for offset in range(1, width):
        combined = combined * _COMBINE + hashed[offset : offset + count]
    return (_fmix64(combined) >> np.uint64(32)).astype(np.uint32)


def shingle_hash(shingle: bytes) -> int:
    """The hash `shingle_hashes` gives one shingle (words joined by spaces), for datasketch's ``hashfunc``.

    >>> shingle_hash(b"a b") == int(shingle_hashes(["a", "b"], 2)[0])
    True
    """
    combined = 0
    for word in shingle.split(b" "):
        combined = (combined * int(_COMBINE) + xxhash.xxh3_64_intdigest(word)) & _MASK64
    return int(_fmix64(np.array([combined], dtype=np.uint64))[0] >> np.uint64(32))


def _fmix64(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: every bit of the combined word hashes moves the high half."""
    hv = hv ^ (hv >> np.uint64(33))
    hv = hv * np.uint64(0xFF51AFD7ED558CCD)
    hv = hv ^ (hv >> np.uint64(33))
    hv = hv * np.uint64(0xC4CEB9FE1A85EC53)
    return hv ^ (hv >> np.uint64(33))


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters ``(a, b)`` for ``num_perm`` slots."""
    a, b = MinHash(num_perm=num_perm, seed=_SEED, hashfunc=shingle_hash, scheme=_SCHEME).permutations
    return a.astype(np.uint32).reshape(1, -1), b.astype(np.uint32).reshape(1, -1)


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which datasketch applies before its affine permutations."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def minhash_signature(words: Sequence[str], ngram: int, num_perm: int) -> bytes:
    """The MinHash signature of a text's word shingles, as ``num_perm`` little-endian uint32.

    The same values as datasketch's ``MinHash(scheme="affine32", hashfunc=shingle_hash)`` fed
    the shingles with ``update_batch``, computed for all shingles and permutations at once.
    """
    return _signature(shingle_hashes(words, ngram), num_perm)


def _signature(hashes: np.ndarray, num_perm: int) -> bytes:
    if hashes.size == 0:
        return np.full(num_perm, np.iinfo(np.uint32).max, dtype=_DTYPE).tobytes()
    a, b = _permutations(num_perm)
    values = np.multiply(_fmix32(hashes).reshape(-1, 1), a)  # one shingles x slots array, reused
    np.add(values, b, out=values)
    return values.min(axis=0).astype(_DTYPE).tobytes()


def signature_array(signature: bytes) -> np.ndarray:
    return np.frombuffer(signature, dtype=_DTYPE)


def estimated_similarity(a: bytes, b: bytes) -> float:
    """The Jaccard similarity two signatures estimate: the share of equal slots."""
    return float(np.mean(signature_array(a) == signature_array(b)))


def fingerprint(doc: Document, ngram: int = 5, num_perm: int = 128) -> Document:
    """The signature stage: ``digest`` (exact) and ``signature`` (near) of the clean text.

    Paragraphs flagged as being in another language (a disclaimer no rule knew) are left out
    of the signature, so that distinct articles wrapped in the same foreign notice stay apart.
    """
    text = doc.text
    if doc.foreign:
        pieces, cursor = [], 0
        for span in sorted(doc.foreign, key=lambda f: f["start"]):  # (Foreign, or its dict form)
            pieces.append(text[cursor : span["start"]])
            cursor = span["end"]
        pieces.append(text[cursor:])
        text = "\n\n".join(pieces)
    words = canonical_words(text)
    digest = xxhash.xxh3_64_hexdigest(" ".join(words).encode())
    hashes = shingle_hashes(words, ngram)
    ordered = np.sort(hashes)  # distinct shingles, counted (np.unique does the same, ten times slower)
    distinct = int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1 if ordered.size else 0
    return doc.with_(digest=digest, signature=_signature(hashes, num_perm), shingles=distinct)


def exact_similarity(a: str, b: str, ngram: int = 5) -> float:
    """The Jaccard similarity of two texts' word shingles, computed exactly.

    >>> exact_similarity("a b c d", "a b c e", ngram=2)
    0.5
    """
    sa, sb = shingles(canonical_words(a), ngram), shingles(canonical_words(b), ngram)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """What dedup needs of a document: never its text."""

    id: str
    chars: int
    digest: str
    signature: bytes
    #: distinct shingles in the text, for the containment estimate
    shingles: int = 0
    #: position in reading order, for ``keep="first"``
    order: int = 0
    #: already in the corpus from an earlier run: its decision stands
    anchored: bool = False


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A document dropped as a copy of ``of``, with the estimated similarity of the two."""

    id: str
    of: str
    similarity: float
    exact: bool


#: Keep policies: which document of a cluster stays.
KEEP_POLICIES = ("longest", "first")
#: With containment on, LSH proposes pairs from this estimated Jaccard up (a copy cut to 60% of
#: its original has a Jaccard of 0.6 but a containment of 1), and verification decides.
CANDIDATE_THRESHOLD = 0.35


def candidate_threshold(threshold: float, containment: float) -> float:
    """The estimated Jaccard from which LSH proposes pairs for these settings."""
    return threshold if containment >= 1.0 else min(threshold, CANDIDATE_THRESHOLD)


#: The smaller text needs this many shingles before containment alone makes it a copy.
MIN_CONTAINED_SHINGLES = 30


class _UnionFind:
    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # deterministic root


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's choice of ``(bands, rows per band)`` for a threshold (false positives and
    negatives weighted equally), as ``MinHashLSH(threshold, num_perm)`` would use; where that
    is a single band (a threshold near 1 with few permutations), which MinHashLSH refuses, two
    bands of half the permutations each: a few more candidates, all verified anyway.

    >>> lsh_bands(0.7, 128), lsh_bands(0.99, 128), lsh_bands(0.87, 16)
    ((14, 9), (2, 64), (2, 8))
    """
    from datasketch.lsh import _optimal_param

    bands, rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
    if bands < 2:
        bands, rows = 2, num_perm // 2
    return bands, rows


def lsh_index(threshold: float, num_perm: int) -> MinHashLSH:
    """datasketch's `MinHashLSH` for these settings, banded as `lsh_bands` says."""
    return MinHashLSH(num_perm=num_perm, params=lsh_bands(threshold, num_perm))


def lsh_candidate_pairs(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Index pairs ``(i, j)``, ``i < j``, of signatures that agree on every slot of some band.

    The candidates MinHashLSH's hash tables give, found by sorting each band's keys with numpy
    instead of inserting and querying one document at a time: the same grouping a distributed
    engine does by shuffling band keys.
    """
    found = []
    for band in range(bands):
        block = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
        keys = block[:, 0].copy()
        with np.errstate(over="ignore"):
            for column in range(1, rows):  # a 64-bit key per band; a rare collision only adds a candidate
                keys = keys * np.uint64(0x9E3779B97F4A7C15) + block[:, column]
        order = np.argsort(keys, kind="stable")
        ranked = keys[order]
        starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
        sizes = np.diff(np.r_[starts, len(ranked)])
        pairs_of_two = starts[sizes == 2]
        found.append(np.stack([order[pairs_of_two], order[pairs_of_two + 1]], axis=1))
        for start, size in zip(starts[sizes > 2], sizes[sizes > 2], strict=True):
            members = order[start : start + size]
            i, j = np.triu_indices(size, k=1)
            found.append(np.stack([members[i], members[j]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(found), axis=1)
    return np.unique(pairs, axis=0) if len(pairs) else pairs


def verified_pairs(
    pairs: np.ndarray, signatures: np.ndarray, sizes: np.ndarray, threshold: float, containment: float
) -> np.ndarray:
    """The candidate pairs that are copies: estimated Jaccard at least ``threshold``, or the
    smaller text (of enough shingles) at least ``containment`` inside the larger."""
    if len(pairs) == 0:
        return pairs
    a, b = pairs[:, 0], pairs[:, 1]
    jaccard = (signatures[a] == signatures[b]).mean(axis=1)
    accepted = jaccard >= threshold
    if containment < 1.0:
        small = np.minimum(sizes[a], sizes[b]).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            contained = jaccard * (sizes[a] + sizes[b]) / ((1.0 + jaccard) * small)
        accepted |= (small >= MIN_CONTAINED_SHINGLES) & (jaccard > 0) & (contained >= containment)
    return pairs[accepted]


def near_duplicate_clusters(
    candidates: Sequence[Candidate],
    threshold: float = 0.7,
    num_perm: int = 128,
    containment: float = 0.8,
    keep: str = "longest",
) -> list[Duplicate]:
    """Which documents are copies of which: exact by digest, near by MinHash LSH, in memory.

    LSH proposes pairs (banded as datasketch's MinHashLSH would for the threshold, or for 0.35
    when containment is on, so truncated copies are proposed too), and `resolve_duplicates`
    decides, as it does for every engine.
    """
    ordered = sorted(candidates, key=lambda c: c.id)
    by_id = {c.id: c for c in ordered}
    exact = exact_groups((c.digest, c.id) for c in ordered)
    repeated = {i for group in exact for i in group[1:]}
    unique = [c for c in ordered if c.id not in repeated]
    pairs: list[tuple[str, str]] = []
    if len(unique) > 1:
        matrix = np.stack([signature_array(c.signature) for c in unique])
        bands, rows = lsh_bands(candidate_threshold(threshold, containment), num_perm)
        pairs = [(unique[i].id, unique[j].id) for i, j in lsh_candidate_pairs(matrix, bands, rows)]
    return resolve_duplicates(exact, pairs, by_id, threshold, containment, keep)


def exact_groups(digests: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Ids that share a digest, each group sorted, from ``(digest, id)`` pairs."""
    groups: dict[str, list[str]] = {}
    for digest, doc_id in digests:
        groups.setdefault(digest, []).append(doc_id)
    return sorted(sorted(group) for group in groups.values() if len(group) > 1)


def resolve_duplicates(
    exact: Iterable[Sequence[str]],
    pairs: Iterable[tuple[str, str]],
    by_id: dict[str, Candidate],
    threshold: float,
    containment: float,
    keep: str = "longest",
) -> list[Duplicate]:
    """The one place duplicates are decided, whichever engine proposed the pairs (numpy, a Dask
    bag, datasketch's online index): exact groups join as they are; a proposed pair joins only
    once verified (`verified_pairs`), so band collisions cannot chain distinct documents; then
    each cluster keeps one document (`decide`). ``by_id`` needs the members' candidates only.
    """
    if keep not in KEEP_POLICIES:
        raise ValueError(f"keep must be one of {KEEP_POLICIES}, got {keep!r}")
    exact = [list(group) for group in exact]
    proposed = sorted({(min(a, b), max(a, b)) for a, b in pairs if a != b})
    involved = sorted({i for group in exact for i in group} | {i for pair in proposed for i in pair})
    clusters = _UnionFind(involved)
    for group in exact:
        for other in group[1:]:
            clusters.union(group[0], other)
    if proposed:
        ids = sorted({i for pair in proposed for i in pair})
        index = {i: n for n, i in enumerate(ids)}
        matrix = np.stack([signature_array(by_id[i].signature) for i in ids])
        sizes = np.array([by_id[i].shingles for i in ids], dtype=np.int64)
        numbered = np.array([(index[a], index[b]) for a, b in proposed], dtype=np.int64)
        for i, j in verified_pairs(numbered, matrix, sizes, threshold, containment):
            clusters.union(ids[i], ids[j])
    members: dict[str, list[str]] = {}
    for doc_id in involved:
        members.setdefault(clusters.find(doc_id), []).append(doc_id)
    return decide([g for g in members.values() if len(g) > 1], by_id, keep)


def decide(groups: Iterable[Sequence[str]], by_id: dict[str, Candidate], keep: str = "longest") -> list[Duplicate]:
    """Which member of each cluster stays (see `near_duplicate_clusters`) and what the others copy.

    ``by_id`` needs the candidates of the clusters' members only.
    """
    duplicates = []
    for group in groups:
        anchors = sorted(i for i in group if by_id[i].anchored)
        if anchors:
            keepers = anchors
        elif keep == "first":
            keepers = [min(group, key=lambda i: (by_id[i].order, i))]
        else:
            keepers = [min(group, key=lambda i: (-by_id[i].chars, i))]
        for other in sorted(group):
            if other in keepers:
                continue
            # several earlier documents in one cluster: a newcomer joins the one it is closest to
            kept = max(
                keepers,
                key=lambda k: (estimated_similarity(by_id[other].signature, by_id[k].signature), k == keepers[0]),
            )
            exact = by_id[other].digest == by_id[kept].digest
            similarity = 1.0 if exact else estimated_similarity(by_id[other].signature, by_id[kept].signature)
            duplicates.append(Duplicate(other, kept, round(similarity, 4), exact))
    return sorted(duplicates, key=lambda d: d.id)
