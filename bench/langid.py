"""Language identification: accuracy per language and bucket, and speed, for each backend.

    python -m bench.langid                       # ../shared/langid/eval.jsonl
    python -m bench.langid --eval PATH --backends langdetect,fasttext

Also builds mixed documents from the same set (a body of paragraphs in language A followed by a
long tail of paragraphs in language B, as republished articles carry foreign disclaimers) and
reports how often the document language is A and how often the tail's paragraphs are flagged.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter, defaultdict
from pathlib import Path

from cleaner.language import BACKENDS, document_language, get_detector

DEFAULT_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "langid" / "eval.jsonl"


def accuracy(records: list[dict], backend: str) -> None:
    detector = get_detector(backend)
    detector.detect("warm up the model")
    for bucket in ("paragraph", "sentence"):
        items = [r for r in records if r["bucket"] == bucket]
        right: Counter[str] = Counter()
        total: Counter[str] = Counter()
        start = time.perf_counter()
        for r in items:
            found = detector.detect(r["text"])
            total[r["lang"]] += 1
            right[r["lang"]] += found is not None and found[0] == r["lang"]
        seconds = time.perf_counter() - start
        overall = sum(right.values()) / sum(total.values())
        worst = sorted((right[k] / total[k], k) for k in total)[:5]
        print(
            f"{backend:<20}{bucket:<10} accuracy {overall:.3f}  {len(items) / seconds:>8,.0f} texts/s  "
            f"lowest: {', '.join(f'{k} {v:.3f}' for v, k in worst)}"
        )


def mixed_documents(records: list[dict], count: int, seed: int = 0) -> list[tuple[str, str, str, int]]:
    """``(text, body language, tail language, tail start)``: 3 to 5 body paragraphs, 2 to 4 tail ones."""
    rng = random.Random(seed)
    by_lang = defaultdict(list)
    for r in records:
        if r["bucket"] == "paragraph":
            by_lang[r["lang"]].append(r["text"])
    langs = sorted(by_lang)
    docs = []
    for _ in range(count):
        a, b = rng.sample(langs, 2)
        body = rng.sample(by_lang[a], rng.randint(3, 5))
        tail = rng.sample(by_lang[b], rng.randint(2, 4))
        head = "\n\n".join(body)
        docs.append((head + "\n\n" + "\n\n".join(tail), a, b, len(head) + 2))
    return docs


def mixed(records: list[dict], backend: str, count: int) -> None:
    detector = get_detector(backend)
    docs = mixed_documents(records, count)
    body_right = tail_flagged = tail_total = 0
    start = time.perf_counter()
    for text, a, _, tail_start in docs:
        verdict = document_language(text, detector)
        body_right += verdict.lang == a
        flagged = {p.start for p in verdict.foreign()}
        for p in verdict.paragraphs:
            if p.start >= tail_start:
                tail_total += 1
                tail_flagged += p.start in flagged
    seconds = time.perf_counter() - start
    print(
        f"{backend:<20}mixed     document = body language {body_right / len(docs):.3f}, "
        f"tail paragraphs flagged {tail_flagged / max(1, tail_total):.3f}  {len(docs) / seconds:>8,.0f} docs/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--mixed", type=int, default=1000, help="mixed documents to build")
    args = parser.parse_args()
    records = [json.loads(line) for line in args.eval.read_text(encoding="utf-8").splitlines() if line.strip()]
    for backend in args.backends.split(","):
        try:
            accuracy(records, backend)
            mixed(records, backend, args.mixed if backend != "langdetect-sampled" else args.mixed // 10)
        except Exception as exc:  # a backend that is not installed
            print(f"{backend:<20}skipped: {exc}")


if __name__ == "__main__":
    main()
