"""Dedup measured: planted copies found and false removals, this project beside datasketch's
MinHashLSH used as documented, then this project's settings grid.

    python -m bench.dedup --docs 20000

Generates the benchmark corpus (`bench.corpus`: copies with 1-5% of their words replaced, some
also with paragraphs dropped, truncated, or cut to one paragraph; distinct short bodies wrapped
in one long foreign notice as hard negatives), cleans it once, then decides duplicates on the
cleaned texts:

- **cleaner**: `near_duplicate_clusters` (LSH and shingle samples propose, the texts decide);
- **datasketch**: ``MinHash`` of the same word 5-grams (``update_batch``), ``MinHashLSH``
  at the same threshold, each document queried against those kept before it and inserted when it
  matches none (the online recipe of its documentation).

A planted copy is found when it ends up in its original's cluster; a removal is false when the
dropped document and the one it is said to copy are not copies of one original.

``--langid`` also measures the minimum length of a near copy (`MIN_NEAR_WORDS`) on the language
eval set: 11,786 real sentences and paragraphs in 30 languages, distinct texts that must not be
merged; every pair found there is printed.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from datasketch import MinHash, MinHashLSH

import cleaner.dedup
from bench.corpus import generate
from cleaner import Pipeline, Settings, load_rules
from cleaner.dedup import Duplicate, Profile, fingerprint, near_duplicate_clusters, shingles, signature_text
from cleaner.document import Document
from cleaner.pipeline import candidate, clean_corpus
from cleaner.words import canonical_words

ROOT = Path(__file__).resolve().parent.parent
LANGID = ROOT.parent / "shared" / "langid" / "eval.jsonl"


class Truth:
    """The planted copies (``pairs.tsv``): which original each copy is of, and of what kind."""

    def __init__(self, path: Path) -> None:
        self.original: dict[str, str] = {}
        self.kind: dict[str, str] = {}
        with open(path, encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                if not row["note"].startswith("copies of"):
                    self.original[row["b"]] = row["a"]
                    self.kind[row["b"]] = row["note"]

    def root(self, doc_id: str) -> str:
        return self.original.get(doc_id, doc_id)

    def score(self, duplicates: Sequence[Duplicate]) -> tuple[Counter[str], int]:
        """Planted copies found (by kind), and false removals."""
        parent = {d.id: d.of for d in duplicates}

        def cluster(doc_id: str) -> str:
            while doc_id in parent:
                doc_id = parent[doc_id]
            return doc_id

        found: Counter[str] = Counter()
        for copy, original in self.original.items():
            found[self.kind[copy]] += cluster(copy) == cluster(original)
        false = sum(self.root(d.id) != self.root(d.of) for d in duplicates)
        return found, false


def datasketch_duplicates(texts: dict[str, str], threshold: float, num_perm: int, ngram: int) -> list[Duplicate]:
    """datasketch's MinHashLSH as its documentation shows it, in reading order."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    found = []
    for doc_id, text in texts.items():
        minhash = MinHash(num_perm=num_perm)
        minhash.update_batch(list(shingles(canonical_words(text), ngram)))
        matches = lsh.query(minhash)
        if matches:
            found.append(Duplicate(doc_id, min(matches), 0.0, False))
        else:
            lsh.insert(doc_id, minhash)
    return found


def langid_pairs(path: Path, minimums: Sequence[int] = (10, 15, 20, 25, 30, 34)) -> None:
    """Pairs found among the language eval set's texts (all distinct) per minimum length."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = [fingerprint(Document(f"t{n:05d}", str(r.get("text", "")), "eval")) for n, r in enumerate(records)]
    candidates = [c for order, d in enumerate(docs) if (c := candidate(d, order)) is not None]
    profiles = {d.id: d.profile for d in docs}
    print(f"\n{len(records)} texts of the language eval set: pairs found by the shorter text's minimum words")
    default = cleaner.dedup.MIN_NEAR_WORDS
    try:
        for minimum in minimums:
            cleaner.dedup.MIN_NEAR_WORDS = minimum  # (read when each pair is decided)
            found = near_duplicate_clusters(candidates, texts=lambda i: Profile.from_bytes(profiles[i]))
            inside = sum(d.containment is not None and d.containment > d.similarity for d in found)
            mark = "  (the default)" if minimum == default else ""
            print(f"  {minimum:>3} words: {len(found)} pairs ({inside} by containment){mark}")
            if minimum == default:
                for d in found:
                    a, b = (records[int(i[1:])] for i in (d.id, d.of))
                    print(f"        {a['id']} in {b['id']}: {d.similarity:.2f} / {d.containment}: {a['text'][:70]!r}")
    finally:
        cleaner.dedup.MIN_NEAR_WORDS = default


def _line(name: str, found: Counter[str], planted: Counter[str], false: int, seconds: float, docs: int) -> str:
    total = sum(found.values())
    kinds = "  ".join(f"{kind} {found[kind]}/{planted[kind]}" for kind in sorted(planted))
    return f"{name:<28}{total:>6}/{sum(planted.values()):<6}{false:>6}{docs / seconds:>12,.0f}   {kinds}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--grid", action="store_true", help="also every threshold x containment setting")
    parser.add_argument("--langid", type=Path, default=LANGID, help="the language eval set (real short texts)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cleaner-dedup-"))
    generate(work, args.docs, ROOT / "raw")
    settings = Settings()
    result = clean_corpus(work / "raw", Pipeline(settings, load_rules(ROOT / "rules")))
    documents = [d.with_(status="kept") if d.status == "duplicate" else d for d in result.documents]
    candidates = [c for order, d in enumerate(documents) if (c := candidate(d, order)) is not None]
    texts = {d.id: signature_text(d) for d in documents if d.status == "kept"}  # for datasketch
    profiles = {d.id: d.profile for d in documents if d.status == "kept"}  # what a run verifies on

    def profile(doc_id: str) -> Profile:
        return Profile.from_bytes(profiles[doc_id])

    truth = Truth(work / "pairs.tsv")
    planted = Counter(truth.kind.values())
    print(f"{len(candidates)} documents kept after cleaning, {sum(planted.values())} planted copies\n")
    print(f"{'':<28}{'found':>13}{'false':>6}{'docs/s':>12}   found by kind of copy")
    s = settings
    runs: list[tuple[str, Callable[[], list[Duplicate]]]] = [
        (
            f"cleaner (threshold {s.threshold}, containment {s.containment})",
            lambda: near_duplicate_clusters(candidates, s.threshold, s.num_perm, s.containment, texts=profile),
        ),
        (
            "cleaner, estimate only (no texts)",
            lambda: near_duplicate_clusters(candidates, s.threshold, s.num_perm, s.containment),
        ),
    ]
    for threshold in (0.5, s.threshold):  # datasketch's threshold is an estimated Jaccard
        baseline = partial(datasketch_duplicates, texts, threshold, s.num_perm, s.ngram)
        runs.append((f"datasketch MinHashLSH {threshold}", baseline))
    for name, decide in runs:
        start = time.perf_counter()
        dups = decide()
        seconds = time.perf_counter() - start
        found, false = truth.score(dups)
        print(_line(name, found, planted, false, seconds, len(candidates)))
    if args.grid:
        print()
        for threshold, containment in itertools.product((0.5, 0.6, 0.7, 0.8, 0.9), (0.7, 0.8, 0.9, 1.0)):
            start = time.perf_counter()
            dups = near_duplicate_clusters(candidates, threshold, s.num_perm, containment, texts=profile)
            found, false = truth.score(dups)
            name = f"threshold {threshold}, contain {containment}"
            print(_line(name, found, planted, false, time.perf_counter() - start, len(candidates)))
    if args.langid.is_file():
        langid_pairs(args.langid)


if __name__ == "__main__":
    main()
