"""Exact and near-duplicates: a signature per document, then clusters over all signatures.

``fingerprint`` is a per-document stage (a hash of the canonical text and a MinHash signature
of its word shingles); ``near_duplicate_clusters`` is the corpus-level step. Signatures are
datasketch MinHash values (scheme ``affine32``; a shingle's hash combines its words' xxh3
hashes, see `shingle_hash`), kept as compact bytes.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Collection, Iterable, Sequence
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
    """The 32-bit hash of each word n-gram, in text order (``shingle_hash`` of each of ``shingles``):
    the high half of `shingle_hashes64`."""
    return (shingle_hashes64(words, ngram) >> np.uint64(32)).astype(np.uint32)


def shingle_hashes64(words: Sequence[str], ngram: int) -> np.ndarray:
    """The 64-bit hash of each word n-gram, in text order.

    Each word is hashed once (xxh3) and the hashes of ``ngram`` neighbours are combined with
    numpy, instead of joining and hashing every n-gram as a string: the same hash for the same
    n-gram, at a fraction of the cost. At 64 bits two n-grams of a pair of texts share a hash by
    chance about once in 10^13 pairs: comparing these is comparing the n-grams.
    """
    if not words:
        return np.empty(0, dtype=np.uint64)
    hashed = np.fromiter(map(xxhash.xxh3_64_intdigest, map(str.encode, words)), dtype=np.uint64, count=len(words))
    width = min(ngram, len(words))
    count = len(words) - width + 1
    combined = hashed[:count].copy()
    # integer arithmetic on arrays wraps silently (only numpy scalars warn): no errstate needed,
    # and entering one costs more than these operations on a short text
    for offset in range(1, width):
        combined = combined * _COMBINE + hashed[offset : offset + count]
    return _fmix64(combined)


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


def signature_text(doc: Document) -> str:
    """The text a document's signature is made of: its clean text without the paragraphs flagged
    as another language (a disclaimer no rule knew), so that distinct articles wrapped in the
    same foreign notice stay apart. Verification reads the same text."""
    text = doc.text
    if doc.foreign:
        pieces, cursor = [], 0
        for span in sorted(doc.foreign, key=lambda f: f["start"]):  # (Foreign, or its dict form)
            pieces.append(text[cursor : span["start"]])
            cursor = span["end"]
        pieces.append(text[cursor:])
        text = "\n\n".join(pieces)
    return text


def fingerprint(doc: Document, ngram: int = 5, num_perm: int = 128) -> Document:
    """The signature stage: ``digest`` (exact), ``signature`` (near) and ``sample`` (excerpts) of
    the text `signature_text` gives."""
    words = canonical_words(signature_text(doc))
    digest = xxhash.xxh3_64_hexdigest(" ".join(words).encode())
    hashes = shingle_hashes64(words, ngram)
    ordered = np.sort(hashes)  # distinct shingles, counted (np.unique does the same, ten times slower)
    distinct = int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1 if ordered.size else 0
    signature = _signature((hashes >> np.uint64(32)).astype(np.uint32), num_perm)
    profile = Profile.to_bytes(len(words), hashes)  # what verification reads, rather than the text again
    return doc.with_(
        digest=digest, signature=signature, shingles=distinct, sample=shingle_sample(ordered), profile=profile
    )


#: One shingle in `SAMPLE_RATE` goes into a document's sample (the same ones in every text).
SAMPLE_RATE = 8


def shingle_sample(hashes: np.ndarray) -> bytes:
    """The shingles whose 64-bit hash is 0 modulo `SAMPLE_RATE`, as sorted distinct uint32 bytes.

    Sampling by value, not by position, keeps containment: the sample of an excerpt is inside
    the sample of the text it was cut from. A MinHash signature cannot show that (an excerpt of a
    fifth of a text has a Jaccard similarity of 0.2 with it), so excerpts are proposed from the
    samples (`sample_pairs`).
    """
    chosen = hashes[hashes % np.uint64(SAMPLE_RATE) == 0] >> np.uint64(32)
    return np.unique(chosen.astype(_DTYPE)).tobytes()


def sample_array(sample: bytes) -> np.ndarray:
    return np.frombuffer(sample, dtype=_DTYPE)


@dataclass(frozen=True, slots=True)
class Profile:
    """A text as verification compares it: its shingles' 64-bit hashes in text order, and sorted
    (repeats kept: a lookup needs no more, and dropping them costs as much as the sort)."""

    words: int
    hashes: np.ndarray
    ordered: np.ndarray

    @classmethod
    def of(cls, text: str, ngram: int) -> Profile:
        words = canonical_words(text)
        return cls.made(len(words), shingle_hashes64(words, ngram))

    @classmethod
    def made(cls, words: int, hashes: np.ndarray) -> Profile:
        return cls(words, hashes, np.sort(hashes))

    @staticmethod
    def to_bytes(words: int, hashes: np.ndarray) -> bytes:
        """A profile as stored: the word count, then the hashes in text order, little-endian uint64."""
        return np.r_[np.uint64(words), hashes].astype("<u8").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Profile:
        values = np.frombuffer(data, dtype="<u8").astype(np.uint64, copy=False)  # (no copy where native)
        return cls.made(int(values[0]), values[1:])


@dataclass(frozen=True, slots=True)
class Overlap:
    """How much two texts share, measured on the texts themselves (not estimated).

    ``similarity`` is the share of the two texts' words that lie in word n-grams both have;
    ``containment`` the same share of the shorter text alone (`jaccard` gives the Jaccard
    similarity of the two n-gram sets, for comparison). A word replaced breaks the n shingles
    around it but leaves its neighbours covered by the others: a copy with 5% of its words
    replaced keeps a similarity of about 0.93, where its Jaccard falls to about 0.63.
    """

    similarity: float
    containment: float
    #: words of the shorter text
    shorter: int


def overlap(a: Profile, b: Profile, ngram: int) -> Overlap:
    """The `Overlap` of two profiled texts.

    >>> a = Profile.of("one two three four five six seven eight nine ten", 3)
    >>> o = overlap(a, Profile.of("one two three four five six seven eight", 3), 3)
    >>> o.similarity, o.containment, o.shorter
    (0.8889, 1.0, 8)
    """
    if not a.words or not b.words:
        return Overlap(float(a.words == b.words), float(a.words == b.words), 0)
    covered_a = _covered(_within(a.hashes, b.ordered), a.words, ngram)
    covered_b = _covered(_within(b.hashes, a.ordered), b.words, ngram)
    shorter = min((a.words, covered_a), (b.words, covered_b), key=lambda wc: (wc[0], -wc[1]))
    return Overlap(
        round((covered_a + covered_b) / (a.words + b.words), 4), round(shorter[1] / shorter[0], 4), shorter[0]
    )


def jaccard(a: Profile, b: Profile) -> float:
    """The Jaccard similarity of two profiled texts' n-gram sets (what MinHash estimates).

    >>> jaccard(Profile.of("a b c d", 2), Profile.of("a b c e", 2))
    0.5
    """
    distinct_a, distinct_b = np.unique(a.ordered), np.unique(b.ordered)
    if not distinct_a.size and not distinct_b.size:
        return 1.0
    shared = int(np.count_nonzero(_within(distinct_a, distinct_b))) if distinct_b.size else 0
    return round(shared / (distinct_a.size + distinct_b.size - shared), 4)


def _within(values: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """Which ``values`` are in ``ordered`` (sorted): np.isin, without its setup on short arrays."""
    at = np.searchsorted(ordered, values)
    at[at == ordered.size] = 0
    return ordered[at] == values


def _covered(shared: np.ndarray, words: int, ngram: int) -> int:
    """How many of a text's ``words`` lie in at least one of its ``shared`` shingles (each
    shingle covers its own word and the ``ngram - 1`` after it)."""
    return int(np.count_nonzero(np.convolve(shared.view(np.int8), np.ones(min(ngram, words), dtype=np.int8))))


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
    #: the text's `shingle_sample`, from which excerpts are proposed
    sample: bytes = b""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A document dropped as a copy of ``of``: how similar the two are, and how much of the
    shorter lies inside the other (measured on the texts; estimated from the signatures when
    the texts could not be read)."""

    id: str
    of: str
    similarity: float
    exact: bool
    containment: float | None = None
    #: the similarity was measured on the texts (else estimated from the signatures)
    measured: bool = True


#: Keep policies: which document of a cluster stays.
KEEP_POLICIES = ("longest", "first")
#: LSH proposes pairs from this estimated Jaccard up, far under the similarity that makes a copy:
#: a copy with 5% of its words replaced has a Jaccard of about 0.63 (a similarity of 0.93), one
#: cut to 60% of its original 0.6; verification on the texts decides.
CANDIDATE_THRESHOLD = 0.35


def candidate_threshold(threshold: float) -> float:
    """The estimated Jaccard from which LSH proposes pairs for these settings."""
    return min(threshold, CANDIDATE_THRESHOLD)


#: A pair whose shorter text has fewer words is a copy only when exact (the same words): in short
#: texts a name or a number changed is the whole difference (the language eval set's real short
#: texts: templated sentences, a site's footer inside another page; see README, Duplicates).
MIN_NEAR_WORDS = 25
#: A shingle sampled in more documents than this is a common phrase, not evidence of copying.
MAX_SAMPLE_GROUP = 64
#: Documents sharing a band beyond this many are proposed as a star and a chain (each with the
#: first, each with the next, in id order), not as every pair: a band shared so widely is a
#: site's furniture in short texts (every pair would be verified: quadratic), or many copies of
#: one text, which the star and chain join all the same. A copy pair inside a furniture bucket
#: still meets in the bands its own words fill.
MAX_BAND_GROUP = 64


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


@functools.lru_cache(maxsize=16)  # datasketch integrates the false positive and negative curves: 0.1 s
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
    engine does by shuffling band keys. A bucket of more than `MAX_BAND_GROUP` gives its
    `band_star` instead of every pair.
    """
    found = []
    for band in range(bands):
        block = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
        keys = block[:, 0].copy()
        with np.errstate(over="ignore"):
            for column in range(1, rows):  # a 64-bit key per band; a rare collision only adds a candidate
                keys = keys * np.uint64(0x9E3779B97F4A7C15) + block[:, column]
        order = np.argsort(keys)  # (the pairs are sorted below: the order within a group does not matter)
        starts, sizes = _groups(keys[order])
        found.append(_group_pairs(order, starts, sizes, MAX_BAND_GROUP))
        for start, size in zip(starts[sizes > MAX_BAND_GROUP], sizes[sizes > MAX_BAND_GROUP], strict=True):
            found.append(band_star(np.sort(order[start : start + size])))
    pairs = np.sort(np.concatenate(found), axis=1) if found else np.empty((0, 2), dtype=np.int64)
    return np.unique(pairs, axis=0) if len(pairs) else pairs


def band_star(members: np.ndarray) -> np.ndarray:
    """The pairs proposed for a bucket of more than `MAX_BAND_GROUP` ``members`` (sorted): each
    with the first, and each with the next.

    >>> band_star(np.array([3, 5, 8, 9])).tolist()
    [[3, 5], [3, 8], [3, 9], [5, 8], [8, 9]]
    """
    first = np.full(len(members) - 1, members[0])
    star = np.stack([first, members[1:]], axis=1)
    chain = np.stack([members[1:-1], members[2:]], axis=1)
    return np.concatenate([star, chain]).astype(np.int64)


def _group_pairs(members: np.ndarray, starts: np.ndarray, sizes: np.ndarray, largest: int) -> np.ndarray:
    """Every pair of ``members`` that share a key, from the `_groups` of their sorted keys of at
    most ``largest``; ``(n, 2)``, each pair as often as the groups they share."""
    chosen = (sizes >= 2) & (sizes <= largest)
    starts, sizes = starts[chosen], sizes[chosen]
    # each element of a group pairs with the ones after it: all of it with repeat and arange
    within = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    position = np.repeat(starts, sizes) + within
    later = np.repeat(sizes, sizes) - 1 - within
    first = np.repeat(position, later)
    second = first + 1 + np.arange(later.sum()) - np.repeat(np.cumsum(later) - later, later)
    return np.stack([members[first], members[second]], axis=1).astype(np.int64)


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal ``keys`` (sorted) starts, and how long it is."""
    if not len(keys):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return starts, np.diff(np.r_[starts, len(keys)])


def sample_pairs(samples: Sequence[np.ndarray]) -> np.ndarray:
    """Index pairs ``(i, j)``, ``i < j``, where at least half of the smaller sample is in the other:
    the proposed excerpts and truncated copies. A shingle sampled in more than `MAX_SAMPLE_GROUP`
    documents is a common phrase: it counts neither as shared nor in the sample's size."""
    sizes = np.fromiter((len(sample) for sample in samples), dtype=np.int64, count=len(samples))
    if sizes.sum() == 0:
        return np.empty((0, 2), dtype=np.int64)
    # one sort of (value, owner) keys: the documents of each sampled shingle, in id order
    keys = np.sort(
        (np.concatenate(samples).astype(np.uint64) << np.uint64(32))
        | np.repeat(np.arange(len(samples), dtype=np.uint64), sizes)
    )
    halves = keys.view(np.uint32).reshape(-1, 2)  # each key's two halves, without copying them
    high = 1 if sys.byteorder == "little" else 0
    values, owners = halves[:, high], halves[:, 1 - high]
    starts, counts = _groups(values)
    common = np.repeat(counts > MAX_SAMPLE_GROUP, counts)
    sizes = np.bincount(owners[~common], minlength=len(samples))
    pairs = _group_pairs(owners, starts, counts, MAX_SAMPLE_GROUP)  # (owners ascending in a group: i < j)
    if not len(pairs):
        return pairs
    codes, shared = np.unique(pairs[:, 0] * len(samples) + pairs[:, 1], return_counts=True)
    first, second = np.divmod(codes, len(samples))
    enough = 2 * shared >= np.minimum(sizes[first], sizes[second])
    return np.stack([first[enough], second[enough]], axis=1)


def is_copy(found: Overlap, threshold: float, containment: float) -> bool:
    """Whether two texts that overlap so are near copies: the shorter has at least `MIN_NEAR_WORDS`
    words, and they are similar enough, or the shorter is inside the other enough (unless
    containment is off, 1)."""
    if found.shorter < MIN_NEAR_WORDS:
        return False
    return found.similarity >= threshold or (containment < 1.0 and found.containment >= containment)


def estimated_copies(
    pairs: np.ndarray, signatures: np.ndarray, sizes: np.ndarray, threshold: float, containment: float
) -> np.ndarray:
    """The candidate pairs that are copies by the signatures' estimate alone, for documents whose
    texts cannot be read: estimated Jaccard at least ``threshold``, or the smaller text (of
    enough shingles) at least ``containment`` inside the larger."""
    if len(pairs) == 0:
        return pairs
    a, b = pairs[:, 0], pairs[:, 1]
    jaccard = (signatures[a] == signatures[b]).mean(axis=1)
    accepted = jaccard >= threshold
    if containment < 1.0:
        small = np.minimum(sizes[a], sizes[b]).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            contained = jaccard * (sizes[a] + sizes[b]) / ((1.0 + jaccard) * small)
        accepted |= (small >= MIN_NEAR_WORDS) & (jaccard > 0) & (contained >= containment)
    return pairs[accepted]


#: Where verification reads a document's text (`signature_text`), or its `Profile` (what the
#: signature stage computed from that text, cheaper than reading it again): None when it cannot.
TextsOf = Callable[[str], "str | Profile | None"]


class Verifier:
    """Decides proposed pairs on the texts, reading each text once (a bounded cache of profiles)."""

    def __init__(self, texts: TextsOf | None, ngram: int, cache: int = 4096) -> None:
        self.texts, self.ngram = texts, ngram
        self._profile = functools.lru_cache(maxsize=cache)(self._read)
        self._overlaps: dict[tuple[str, str], Overlap | None] = {}  # small: one entry a proposed pair

    def _read(self, doc_id: str) -> Profile | None:
        text = self.texts(doc_id) if self.texts else None
        return text if text is None or isinstance(text, Profile) else Profile.of(text, self.ngram)

    def shorter(self, a: str, b: str) -> str:
        """The one of two readable texts with fewer words (of equal ones, the larger id)."""
        pa, pb = self._profile(a), self._profile(b)
        words_a, words_b = (pa.words if pa else 0), (pb.words if pb else 0)
        return a if (words_a, b) < (words_b, a) else b

    def overlap(self, a: str, b: str) -> Overlap | None:
        key = (a, b) if a < b else (b, a)
        if key not in self._overlaps:
            pa, pb = self._profile(a), self._profile(b)
            self._overlaps[key] = None if pa is None or pb is None else overlap(pa, pb, self.ngram)
        return self._overlaps[key]


def near_duplicate_clusters(
    candidates: Sequence[Candidate],
    threshold: float = 0.8,
    num_perm: int = 128,
    containment: float = 0.8,
    keep: str = "longest",
    texts: TextsOf | None = None,
    ngram: int = 5,
) -> list[Duplicate]:
    """Which documents are copies of which: exact by digest, near by MinHash LSH, in memory.

    LSH proposes pairs (banded as datasketch's MinHashLSH would for an estimated Jaccard of
    `candidate_threshold`, far under a copy's), so do the shingle samples when containment is on
    (excerpts), and `resolve_duplicates` decides on the ``texts``, as it does for every engine.
    """
    ordered = sorted(candidates, key=lambda c: c.id)
    by_id = {c.id: c for c in ordered}
    exact = exact_groups((c.digest, c.id) for c in ordered)
    repeated = {i for group in exact for i in group[1:]}
    unique = [c for c in ordered if c.id not in repeated]
    pairs: list[tuple[str, str]] = []
    if len(unique) > 1:
        matrix = signature_array(b"".join(c.signature for c in unique)).reshape(len(unique), -1)
        bands, rows = lsh_bands(candidate_threshold(threshold), num_perm)
        found = [lsh_candidate_pairs(matrix, bands, rows)]
        if containment < 1.0:
            found.append(sample_pairs([sample_array(c.sample) for c in unique]))
        pairs = [(unique[i].id, unique[j].id) for i, j in np.unique(np.concatenate(found), axis=0)]
    return resolve_duplicates(exact, pairs, by_id, threshold, containment, keep, Verifier(texts, ngram))


def exact_groups(digests: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Ids that share a digest, each group sorted, from ``(digest, id)`` pairs."""
    first: dict[str, str] = {}
    groups: dict[str, list[str]] = {}  # only digests seen twice: most documents are unique
    for digest, doc_id in digests:
        if (seen := first.setdefault(digest, doc_id)) != doc_id:
            groups.setdefault(digest, [seen]).append(doc_id)
    return sorted(sorted(group) for group in groups.values())


def resolve_duplicates(
    exact: Iterable[Sequence[str]],
    pairs: Iterable[tuple[str, str]],
    by_id: dict[str, Candidate],
    threshold: float,
    containment: float,
    keep: str = "longest",
    verifier: Verifier | None = None,
) -> list[Duplicate]:
    """The one place duplicates are decided, whichever engine proposed the pairs (numpy, a Dask
    bag, datasketch's online index). ``by_id`` needs the members' candidates only.

    Exact groups join as they are; a proposed pair joins when the ``verifier`` finds the two
    texts similar (`Overlap.similarity` at least ``threshold``; where a text cannot be read, the
    signatures' estimate decides, `estimated_copies`), so band collisions cannot chain distinct
    documents; each cluster keeps one document (`decide`). Containment is not symmetric and is
    not joined the same way: an excerpt inside two different articles must not make them one
    cluster. The cluster of a shorter text mostly inside a longer one (`is_copy`) follows the
    longer's cluster, once (the longer it is most inside), unless it holds a document already
    in the corpus.
    """
    if keep not in KEEP_POLICIES:
        raise ValueError(f"keep must be one of {KEEP_POLICIES}, got {keep!r}")
    verifier = verifier or Verifier(None, 5)
    exact = [list(group) for group in exact]
    proposed = sorted({(min(a, b), max(a, b)) for a, b in pairs if a != b})
    involved = sorted({i for group in exact for i in group} | {i for pair in proposed for i in pair})
    clusters = _UnionFind(involved)
    for group in exact:
        for other in group[1:]:
            clusters.union(group[0], other)
    unread, inside = [], []
    for a, b in proposed:
        found = verifier.overlap(a, b)
        if found is None:
            unread.append((a, b))
        elif not is_copy(found, threshold, containment):
            continue
        elif found.similarity >= threshold:
            clusters.union(a, b)
        else:
            shorter, longer = (a, b) if verifier.shorter(a, b) == a else (b, a)
            inside.append((-found.containment, shorter, longer))
    for a, b in _estimated(unread, by_id, threshold, containment):
        clusters.union(a, b)
    members: dict[str, list[str]] = {}
    for doc_id in involved:
        members.setdefault(clusters.find(doc_id), []).append(doc_id)
    follows = _follows(sorted(inside), clusters, members, by_id)
    followers = {i for root in follows for i in members[root]}
    for root, target in follows.items():  # a following cluster joins the one it follows
        members[target].extend(members.pop(root))
    return decide([g for g in members.values() if len(g) > 1], by_id, keep, verifier, followers)


def _follows(
    inside: list[tuple[float, str, str]],
    clusters: _UnionFind,
    members: dict[str, list[str]],
    by_id: dict[str, Candidate],
) -> dict[str, str]:
    """Which cluster (by root) follows which, from ``(-containment, shorter, longer)`` sorted: the
    first (most inside) for each, never a cluster with an anchor, never into a loop; chains are
    followed to their end."""
    target: dict[str, str] = {}

    def end(root: str) -> str:
        while root in target:
            root = target[root]
        return root

    for _, shorter, longer in inside:
        source, into = clusters.find(shorter), clusters.find(longer)
        if source in target or any(by_id[i].anchored for i in members[source]) or end(into) == source:
            continue
        target[source] = into
    return {root: end(root) for root in target}


def _estimated(
    pairs: list[tuple[str, str]], by_id: dict[str, Candidate], threshold: float, containment: float
) -> list[tuple[str, str]]:
    if not pairs:
        return []
    ids = sorted({i for pair in pairs for i in pair})
    index = {i: n for n, i in enumerate(ids)}
    matrix = np.stack([signature_array(by_id[i].signature) for i in ids])
    sizes = np.array([by_id[i].shingles for i in ids], dtype=np.int64)
    numbered = np.array([(index[a], index[b]) for a, b in pairs], dtype=np.int64)
    return [(ids[i], ids[j]) for i, j in estimated_copies(numbered, matrix, sizes, threshold, containment)]


def decide(
    groups: Iterable[Sequence[str]],
    by_id: dict[str, Candidate],
    keep: str = "longest",
    verifier: Verifier | None = None,
    followers: Collection[str] = (),
) -> list[Duplicate]:
    """Which member of each cluster stays (see `near_duplicate_clusters`) and what the others copy,
    with how similar each is to the one it copies (measured by the ``verifier`` where it can read
    both texts). ``by_id`` needs the candidates of the clusters' members only; the members of
    ``followers`` (clusters of excerpts joined to the text they are inside) never stay.
    """
    verifier = verifier or Verifier(None, 5)
    duplicates = []
    for group in groups:
        anchors = sorted(i for i in group if by_id[i].anchored)
        eligible = [i for i in group if i not in followers] or list(group)
        if anchors:
            keepers = anchors
        elif keep == "first":
            keepers = [min(eligible, key=lambda i: (by_id[i].order, i))]
        else:
            keepers = [min(eligible, key=lambda i: (-by_id[i].chars, i))]
        for other in sorted(group):
            if other not in keepers:
                duplicates.append(_copy_of(other, keepers, by_id, verifier))
    return sorted(duplicates, key=lambda d: d.id)


def _copy_of(doc_id: str, keepers: list[str], by_id: dict[str, Candidate], verifier: Verifier) -> Duplicate:
    """``doc_id`` as a copy of the keeper it is closest to (several earlier documents in a cluster)."""
    scored = []
    for rank, kept in enumerate(keepers):
        if by_id[doc_id].digest == by_id[kept].digest:
            return Duplicate(doc_id, kept, 1.0, True, 1.0)
        found = verifier.overlap(doc_id, kept)
        if found is None:
            estimate = round(estimated_similarity(by_id[doc_id].signature, by_id[kept].signature), 4)
            scored.append(((estimate, -rank), Duplicate(doc_id, kept, estimate, False, None, False)))
        else:
            duplicate = Duplicate(doc_id, kept, found.similarity, False, found.containment)
            scored.append(((max(found.similarity, found.containment), -rank), duplicate))
    return max(scored, key=lambda item: item[0])[1]
