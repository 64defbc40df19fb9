"""Benchmark the pipeline on a generated corpus: throughput per stage, the floor, peak memory.

    python -m bench                 # 20,000 documents of about 4 KB
    python -m bench --docs 2000     # a quicker run

Prints, per stage, documents/s and MB/s (one process, so per core), the floor (reading the
corpus and hashing its shingles, nothing else), the pipeline's ratio to the floor, the rules'
cost per document, peak memory, and dedup precision/recall against the generated pairs.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor_seconds(corpus: Path, ngram: int, num_perm: int) -> float:
    """Reading the JSONL and hashing every document's shingles: the least any cleaner must do."""
    from cleaner.dedup import canonical_words, minhash_signature

    start = time.perf_counter()
    with open(corpus, encoding="utf-8") as handle:
        for line in handle:
            minhash_signature(canonical_words(json.loads(line)["text"]), ngram, num_perm)
    return time.perf_counter() - start


def dedup_score(pairs: Path, manifest: Path) -> tuple[float, float]:
    import csv
    import itertools

    parent = {}
    for row in map(json.loads, manifest.read_text(encoding="utf-8").splitlines()):
        if row["duplicate_of"]:
            parent[row["id"]] = row["duplicate_of"]
    groups: dict[str, set[str]] = {}
    for child, root in parent.items():
        groups.setdefault(root, {root}).add(child)
    predicted = {frozenset(p) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}
    with open(pairs, encoding="utf-8") as handle:
        positive = {frozenset((r["a"], r["b"])) for r in csv.DictReader(handle, delimiter="\t")}
    # members of one cluster that were each copied from the same original are positives too
    originals: dict[str, set[str]] = {}
    for pair in positive:
        a, b = sorted(pair)
        originals.setdefault(a, {a}).add(b)
    positive |= {frozenset(p) for g in originals.values() for p in itertools.combinations(sorted(g), 2)}
    found = len(predicted & positive)
    precision = found / len(predicted) if predicted else 1.0
    recall = found / len(positive) if positive else 1.0
    return precision, recall


def check_time(work: Path, n: int) -> str:
    """`cleaner check` of ten additions (five of them copies) against the corpus just built."""
    from cleaner import check, load_rules

    additions = work / "additions"
    additions.mkdir(exist_ok=True)
    with open(work / "raw" / "corpus.jsonl", encoding="utf-8") as handle:
        for number, line in zip(range(10), handle, strict=False):
            text = json.loads(line)["text"]
            if number >= 5:  # distinct: every word spelled backwards
                text = " ".join(word[::-1] for word in text.split(" "))
            (additions / f"added-{number}.txt").write_text(text, encoding="utf-8")
    start = time.perf_counter()
    result = check([additions], load_rules(ROOT / "rules"), against=work / "clean")
    seconds = time.perf_counter() - start
    duplicates = sum(f.kind == "duplicate" for f in result.findings)
    return f"check: 10 additions against {n:,} documents in {seconds:.1f}s ({duplicates} duplicates found)"


def _rerun(work: Path, lang_backend: str) -> tuple[float, float, dict[str, int], float]:
    from cleaner import Settings, run_clean
    from cleaner.language import get_detector

    get_detector(lang_backend).detect("warm up: load the models before measuring memory")
    base = _peak_mb()
    started = time.perf_counter()
    report = run_clean(work / "raw", work / "clean", settings=Settings(lang_backend=lang_backend), rules=ROOT / "rules")
    return base, _peak_mb(), report["incremental"], time.perf_counter() - started


def rerun_figures(work: Path, additions: int, seed: int, lang_backend: str, first_growth: float) -> str:
    """Add ``additions`` new documents beside the corpus and run again, in a fresh process (so its
    peak memory is its own): what an incremental rerun costs next to the first run."""
    import json

    from bench.corpus import generate

    extra = work / "extra"
    with ProcessPoolExecutor(max_workers=1) as pool:
        pool.submit(generate, extra, additions, ROOT / "raw", seed + 1).result()
    source, target = extra / "raw" / "corpus.jsonl", work / "raw" / "additions.jsonl"
    with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
        for line in lines:
            record = json.loads(line)
            out.write(json.dumps({**record, "id": f"new-{record['id']}"}) + "\n")
    with ProcessPoolExecutor(max_workers=1) as pool:
        base, peak, reuse, seconds = pool.submit(_rerun, work, lang_backend).result()
    return (
        f"incremental rerun with {additions} new documents: {seconds:.1f}s, {reuse['reused_files']} file(s) "
        f"reused; memory grew {peak - base:.0f} MB over the models (the first run: {first_growth:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lang-backend", default="langdetect", help="language backend to run")
    parser.add_argument("--model", default="on", help="the line model: on or off (to see its cost)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (per-stage figures add them up)")
    parser.add_argument("--engine", default="local", help="local or dask (a local Dask cluster of --workers)")
    parser.add_argument("--keep", type=Path, help="keep the generated corpus and output in this folder")
    parser.add_argument(
        "--rerun", type=int, default=0, help="then add this many new documents and measure the incremental rerun"
    )
    args = parser.parse_args()

    from cleaner import Settings, run_clean

    work = args.keep or Path(tempfile.mkdtemp(prefix="cleaner-bench-"))
    from bench.corpus import generate
    from cleaner.pipeline import STAGES

    started = time.perf_counter()
    # generated in a child process, so that the peak memory below is the cleaning run's own
    with ProcessPoolExecutor(max_workers=1) as pool:
        info = pool.submit(generate, work, args.docs, ROOT / "raw", args.seed).result()
    print(
        f"generated {info['documents']} documents, {info['bytes'] / 1e6:.1f} MB, "
        f"{info['duplicate_pairs']} near-duplicate pairs in {time.perf_counter() - started:.1f}s",
        file=sys.stderr,
    )
    settings = Settings(lang_backend=args.lang_backend, model=args.model)
    from cleaner.language import get_detector

    get_detector(args.lang_backend).detect("warm up: load the models before measuring memory")
    # the floor before and after the run: this machine's speed moves within minutes, so the
    # ratio uses the mean of the two (they have differed by a fifth within one run)
    floor_before = floor_seconds(work / "raw" / "corpus.jsonl", settings.ngram, settings.num_perm)
    base_mb = _peak_mb()
    wall = time.perf_counter()
    report = run_clean(
        work / "raw", work / "clean", settings=settings, rules=ROOT / "rules", workers=args.workers, engine=args.engine
    )
    wall = time.perf_counter() - wall
    mb = info["bytes"] / 1e6
    n = info["documents"]
    seconds = report["seconds"]
    floor_after = floor_seconds(work / "raw" / "corpus.jsonl", settings.ngram, settings.num_perm)
    floor = (floor_before + floor_after) / 2
    precision, recall = dedup_score(work / "pairs.tsv", work / "clean" / "manifest.jsonl")

    print(f"\n{n} documents, {mb:.1f} MB, one process, language backend {args.lang_backend}\n")
    print(f"{'stage':<12}{'docs/s':>12}{'MB/s':>10}{'ms/doc':>10}")
    for stage in ("fit", "read", *STAGES, "dedup", "total"):
        value = seconds.get(stage)
        if value:
            print(f"{stage:<12}{n / value:>12,.0f}{mb / value:>10.2f}{value / n * 1000:>10.3f}")
    print(f"{'floor':<12}{n / floor:>12,.0f}{mb / floor:>10.2f}{floor / n * 1000:>10.3f}")
    print(f"\npipeline / floor: {seconds['total'] / floor:.1f}x the time of reading and hashing alone")
    print(f"(floor: {n / floor_before:,.0f} documents/s before the run, {n / floor_after:,.0f} after: the mean above)")
    print(f"wall clock, {args.engine} engine, {args.workers} worker(s): {n / wall:,.0f} documents/s including writing")
    page = seconds.get("report_html", 0.0)
    print(f"report.html and its explain pages: {page:.2f}s, {100 * page / wall:.2f}% of the run's wall clock")
    print(f"rules: {report['rules_loaded']} rules, {seconds['boilerplate'] / n * 1000:.2f} ms per document")
    per_doc_kb = max(0.0, _peak_mb() - base_mb) * 1024 / n
    print(
        f"peak memory: {_peak_mb():.0f} MB ({base_mb:.0f} MB before the first document, then "
        f"{per_doc_kb:.1f} KB per document: {base_mb + per_doc_kb * 1e6 / 1024:,.0f} MB for 1M documents)"
    )
    print(f"dedup vs generated pairs: precision {precision:.3f}, recall {recall:.3f}")
    print(f"statuses: {report['by_status']}")
    print(check_time(work, n))
    if args.rerun:
        print(rerun_figures(work, args.rerun, args.seed, args.lang_backend, _peak_mb() - base_mb))
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
