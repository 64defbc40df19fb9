"""Exact and near-duplicates: a signature per document, then clusters over all signatures.

``fingerprint`` is a per-document stage (a hash of the canonical text and a MinHash signature
of its word shingles); ``near_duplicate_clusters`` is the corpus-level step. Signatures are
datasketch MinHash values (scheme ``affine32``, xxHash for shingles), kept as compact bytes.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import regex
import xxhash
from datasketch import LeanMinHash, MinHash, MinHashLSH

from .document import Document

_WORD = regex.compile(r"\w+")
_SEED = 1
_SCHEME = "affine32"
_DTYPE = np.dtype("<u4")  # explicit byte order: signatures are the same on every machine


def canonical_words(text: str) -> list[str]:
    """The words that identify a text: NFKC, case-folded, punctuation and spacing ignored.

    >>> canonical_words("The  Army's   ATTACK!")
    ['the', 'army', 's', 'attack']
    """
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(words: Sequence[str], ngram: int) -> set[bytes]:
    """Word n-grams, as UTF-8 bytes; a text shorter than ``ngram`` words is one shingle.

    >>> sorted(shingles(["a", "b", "c"], 2))
    [b'a b', b'b c']
    """
    if len(words) <= ngram:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + ngram]).encode() for i in range(len(words) - ngram + 1)}


def _hash32(value: bytes) -> int:
    return xxhash.xxh32_intdigest(value)


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters ``(a, b)`` for ``num_perm`` slots."""
    a, b = MinHash(num_perm=num_perm, seed=_SEED, hashfunc=_hash32, scheme=_SCHEME).permutations
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

    The same values as datasketch's ``MinHash(scheme="affine32", hashfunc=xxh32)`` fed the
    shingles with ``update_batch``, computed for all shingles and permutations at once.
    """
    a, b = _permutations(num_perm)
    hashes = np.fromiter((_hash32(s) for s in shingles(words, ngram)), dtype=np.uint32)
    if hashes.size == 0:
        return np.full(num_perm, np.iinfo(np.uint32).max, dtype=_DTYPE).tobytes()
    with np.errstate(over="ignore"):
        values = (_fmix32(hashes).reshape(-1, 1) * a + b).min(axis=0)
    return values.astype(_DTYPE).tobytes()


def signature_array(signature: bytes) -> np.ndarray:
    return np.frombuffer(signature, dtype=_DTYPE)


def estimated_similarity(a: bytes, b: bytes) -> float:
    """The Jaccard similarity two signatures estimate: the share of equal slots."""
    return float(np.mean(signature_array(a) == signature_array(b)))


def fingerprint(doc: Document, ngram: int = 5, num_perm: int = 128) -> Document:
    """The signature stage: ``digest`` (exact) and ``signature`` (near) of the clean text."""
    words = canonical_words(doc.text)
    digest = xxhash.xxh3_64_hexdigest(" ".join(words).encode())
    return doc.with_(digest=digest, signature=minhash_signature(words, ngram, num_perm))


@dataclass(frozen=True, slots=True)
class Candidate:
    """What dedup needs of a document: never its text."""

    id: str
    chars: int
    digest: str
    signature: bytes


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A document dropped as a copy of ``of``, with the similarity of their signatures."""

    id: str
    of: str
    similarity: float
    exact: bool


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


def near_duplicate_clusters(
    candidates: Sequence[Candidate], threshold: float = 0.7, num_perm: int = 128
) -> list[Duplicate]:
    """Which documents are copies of which: exact by digest, near by MinHash LSH.

    LSH proposes pairs; a pair joins a cluster only if its signatures agree on at least
    ``threshold`` of their slots, so band collisions cannot chain distinct documents. Each
    cluster keeps its longest text (ties: the smallest id); the rest are its duplicates.
    """
    ordered = sorted(candidates, key=lambda c: c.id)
    by_id = {c.id: c for c in ordered}
    clusters = _UnionFind(by_id)
    first_with_digest: dict[str, str] = {}
    for c in ordered:
        if c.digest in first_with_digest:
            clusters.union(first_with_digest[c.digest], c.id)
        else:
            first_with_digest[c.digest] = c.id
    unique = [by_id[i] for i in first_with_digest.values()]
    if len(unique) > 1:
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        signatures = {c.id: signature_array(c.signature) for c in unique}
        for c in unique:
            lean = LeanMinHash(seed=_SEED, hashvalues=signatures[c.id], scheme=_SCHEME)
            for other in sorted(lsh.query(lean)):
                if np.mean(signatures[c.id] == signatures[other]) >= threshold:
                    clusters.union(other, c.id)
            lsh.insert(c.id, lean)
    members: dict[str, list[str]] = {}
    for c in ordered:
        members.setdefault(clusters.find(c.id), []).append(c.id)
    duplicates = []
    for group in members.values():
        if len(group) < 2:
            continue
        keep = min(group, key=lambda i: (-by_id[i].chars, i))
        for other in group:
            if other != keep:
                exact = by_id[other].digest == by_id[keep].digest
                similarity = 1.0 if exact else estimated_similarity(by_id[other].signature, by_id[keep].signature)
                duplicates.append(Duplicate(other, keep, round(similarity, 4), exact))
    return sorted(duplicates, key=lambda d: d.id)
