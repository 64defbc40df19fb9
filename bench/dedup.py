"""Choose dedup settings by measurement: precision and recall per kind of copy, per setting.

    python -m bench.dedup --docs 5000

Generates the benchmark corpus (copies with small edits, dropped paragraphs, truncation;
distinct short bodies wrapped in one long foreign notice as hard negatives), cleans it once,
then clusters the signatures under each threshold and containment setting.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.corpus import generate
from cleaner import Pipeline, Settings, load_rules
from cleaner.dedup import Candidate, near_duplicate_clusters
from cleaner.pipeline import clean_corpus

ROOT = Path(__file__).resolve().parent.parent


def score(duplicates, positives: dict[frozenset, str]) -> tuple[float, dict[str, float], int]:
    groups: dict[str, set[str]] = {}
    for d in duplicates:
        groups.setdefault(d.of, {d.of}).add(d.id)
    predicted = {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}
    false = predicted - set(positives)
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for pair, kind in positives.items():
        total[kind] += 1
        found[kind] += pair in predicted
    precision = 1 - len(false) / len(predicted) if predicted else 1.0
    return precision, {k: found[k] / total[k] for k in sorted(total)}, len(false)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=5000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cleaner-dedup-"))
    generate(work, args.docs, ROOT / "raw")
    settings = Settings()
    result = clean_corpus(work / "raw", Pipeline(settings, load_rules(ROOT / "rules")))
    candidates = [
        Candidate(d.id, len(d.text), d.digest or "", d.signature, d.shingles, i)
        for i, d in enumerate(result.documents)
        if d.signature is not None and d.status in ("kept", "duplicate")
    ]
    positives: dict[frozenset, str] = {}
    with open(work / "pairs.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            positives[frozenset((row["a"], row["b"]))] = row["note"]
    # copies of one original are copies of each other
    by_original: dict[str, list[tuple[str, str]]] = {}
    for pair, kind in list(positives.items()):
        a, b = sorted(pair)
        by_original.setdefault(a, []).append((b, kind))
    for copies in by_original.values():
        for (x, _), (y, _) in itertools.combinations(copies, 2):
            positives.setdefault(frozenset((x, y)), "copy of the same original")
    print(f"{len(candidates)} documents, {len(positives)} positive pairs\n")
    print(f"{'threshold':>9} {'contain':>7} {'precision':>9} {'false':>5}  recall by kind of copy")
    for threshold, containment in itertools.product((0.5, 0.6, 0.7, 0.8, 0.9), (0.8, 0.9, 1.0)):
        start = time.perf_counter()
        dups = near_duplicate_clusters(candidates, threshold, settings.num_perm, containment)
        seconds = time.perf_counter() - start
        precision, recall, false = score(dups, positives)
        kinds = "  ".join(f"{k} {v:.3f}" for k, v in recall.items())
        print(f"{threshold:>9} {containment:>7} {precision:>9.3f} {false:>5}  {kinds}  ({seconds:.2f}s)")


if __name__ == "__main__":
    main()
