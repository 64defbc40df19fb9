"""Boilerplate removal measured on labelled pages: body kept, furniture left, titles, speed,
and jusText on the same lines for comparison.

    python -m bench.boilerplate [--set NAME RAW GOLD ...] [--shipped] [--shuffles N]

Sets: the seeds (``raw/`` with ``../shared/gold``), the AEB development set with site-disjoint
folds (each fold's pages are cleaned with a line model trained without them; every page is a
different site), and any ``--set NAME RAW GOLD`` given (cleaned with the shipped model).
``--shipped`` cleans AEB with the shipped model too, which has seen its pages (in-sample).
``--shuffles N`` cleans AEB held out again in N other assignments of its pages to folds and
prints the mean: the assignment alone moves the figures about as much as many a change of the
model does, so two models are compared on several.
Scores come from the judges' scorer (``tests/data/score_boilerplate.py``), micro-averaged over
words as it does.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from bench.train_boilerplate import FOLDS, ROOT, SHARED, Page, _train, load_pages
from cleaner import Pipeline, Settings, load_rules
from cleaner.document import Document
from cleaner.linemodel import MODEL_PATH, LineModel, LineModelStage, stopwords_for
from cleaner.pipeline import clean_documents, default_stages
from cleaner.read import read_documents
from cleaner.words import words

_spec = importlib.util.spec_from_file_location("score_boilerplate", ROOT / "tests" / "data" / "score_boilerplate.py")
assert _spec and _spec.loader
scorer: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scorer)


def pipeline_with_model(settings: Settings, model: Path) -> Pipeline:
    """The default pipeline with the line model read from ``model``."""
    rules = load_rules(ROOT / "rules")
    replaced = {
        "model": LineModelStage(settings.min_body_prob, model),
    }
    stages = tuple(replaced.get(stage.name, stage) for stage in default_stages(settings, rules))
    return Pipeline(settings, rules, stages)


def score_set(raw: Path, gold: Path, records: dict[str, dict[str, Any]]) -> dict[str, float]:
    """The scorer's figures for cleaned ``records`` (by id) against the gold pages."""
    body, furniture, titles = [0, 0], [0, 0], [0, 0]
    for path in sorted(gold.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        text = (raw / f"{spec['id']}.txt").read_text(encoding="utf-8")
        record = records.get(spec["id"])
        tally, _ = scorer.score(text, spec, record)
        for total, label in ((body, "body"), (furniture, "boilerplate")):
            kept, seen = tally.get(label, [0, 0])
            total[0] += kept
            total[1] += seen
        title = spec.get("title") or next(
            (text[s["start"] : s["end"]] for s in spec["spans"] if s["label"] == "title"), None
        )
        if title:
            titles[1] += 1
            got = str(((record or {}).get("metadata") or {}).get("title") or "")
            titles[0] += scorer.canon(got) == scorer.canon(title)
    return {
        "pages": len(list(gold.glob("*.json"))),
        "recall": body[0] / max(body[1], 1),
        "leak": furniture[0] / max(furniture[1], 1),
        "titles": titles[0],
        "title_pages": titles[1],
    }


def cleaned(raw: Path, pipeline: Pipeline, only: set[str] | None = None) -> tuple[dict[str, dict[str, Any]], float]:
    """Clean the pages under ``raw`` (those in ``only``): records by id, and docs per second."""
    docs = [d for d in read_documents(raw) if only is None or d.id in only]
    started = time.perf_counter()
    result = clean_documents(docs, pipeline)
    seconds = time.perf_counter() - started
    records = {d.id: {"id": d.id, "text": d.text, "metadata": d.metadata} for d in result.documents if not d.dropped}
    return records, len(docs) / seconds if seconds else 0.0


def fold_assignment(count: int, shuffle: int = 0) -> list[int]:
    """The fold of each of ``count`` pages: page ``i`` in fold ``i % FOLDS`` (``shuffle`` 0: the
    folds the training script and the README use), or the pages shuffled with seed ``shuffle``
    first. The held-out figures move with the assignment alone (about 0.005 of the body and 0.01
    of the furniture): compare two models over several."""
    order = list(range(count))
    if shuffle:
        random.Random(shuffle).shuffle(order)
    folds = [0] * count
    for k, i in enumerate(order):
        folds[i] = k % FOLDS
    return folds


def held_out(
    raw: Path, pages: list[Page], settings: Settings, work: Path, shuffle: int = 0
) -> tuple[dict[str, dict[str, Any]], float]:
    """Each fold's pages cleaned with a model trained on the other folds (site-disjoint; the
    folds of `fold_assignment`)."""
    records: dict[str, dict[str, Any]] = {}
    rates = []
    folds = fold_assignment(len(pages), shuffle)
    for fold in range(FOLDS):
        trees = _train([p for p, f in zip(pages, folds, strict=True) if f != fold])
        path = work / f"shuffle{shuffle}-fold{fold}.npz"  # a path of its own: models load once per path
        LineModel(*trees, {}).save(path)
        only = {p.id for p, f in zip(pages, folds, strict=True) if f == fold}
        part, rate = cleaned(raw, pipeline_with_model(settings, path), only)
        records.update(part)
        rates.append(rate)
    return records, sum(rates) / len(rates)


def justext_records(raw: Path) -> tuple[dict[str, dict[str, Any]], float]:
    """jusText's verdict on the same lines (each line a paragraph; the stoplist of the page's language)."""
    import html

    import justext

    records = {}
    started = time.perf_counter()
    paths = sorted(raw.glob("*.txt"))
    for path in paths:
        lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
        stop = stopwords_for([w.lower() for line in lines for w in words(line)][:400]) or frozenset(
            justext.get_stoplist("English")
        )
        page = "<html><body>" + "".join(f"<p>{html.escape(line)}</p>" for line in lines) + "</body></html>"
        kept = [p.text for p in justext.justext(page, stop) if not p.is_boilerplate]
        records[path.stem] = {"id": path.stem, "text": "\n".join(kept), "metadata": {}}
    seconds = time.perf_counter() - started
    return records, len(paths) / seconds if seconds else 0.0


def langid_words_removed(path: Path) -> tuple[int, float]:
    """Real web texts (the language eval set: sentences and paragraphs, almost all body): the
    share of their words the line model and site templates remove, from the words kept with
    both off and with both on."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return len(records), _words_removed(
        [Document(f"t{n}", str(r.get("text", "")), "eval.jsonl") for n, r in enumerate(records)]
    )


def langid_pages_words_removed(path: Path, per_page: int = 8) -> dict[str, float]:
    """Pages made of real web text of one language (the eval set's sentences, or its paragraphs,
    ``per_page`` at a time, one per line): all body, in 30 languages, so what the line model
    removes from them is body lost where it was not trained (it learned from mostly English pages)."""
    by_lang: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            by_lang.setdefault(f"{record['lang']}-{record.get('bucket')}", []).append(str(record["text"]))
    shares = {}
    for lang, texts in sorted(by_lang.items()):
        pages = ["\n\n".join(texts[i : i + per_page]) for i in range(0, len(texts) - per_page + 1, per_page)]
        shares[lang] = _words_removed([Document(f"{lang}{n}", text, f"{lang}/p.txt") for n, text in enumerate(pages)])
    return shares


def _words_removed(docs: list[Document]) -> float:
    """The share of words (text and title) lost when the model and templates are on."""
    kept = []
    for settings in (Settings(model="off", templates="off"), Settings()):
        result = clean_documents(docs, Pipeline(settings, load_rules(ROOT / "rules")))
        kept.append(sum(len(words(d.text)) + len(words(str(d.metadata.get("title") or ""))) for d in result.documents))
    return 1 - kept[1] / kept[0] if kept[0] else 0.0


Run = Callable[[], tuple[dict[str, dict[str, Any]], float]]


def print_sets(sets: list[tuple[str, Path, Path, Run]]) -> list[dict[str, float]]:
    """A row of figures per set, jusText's on the same pages beside them; the figures of each."""
    print(f"{'set':<26} {'pages':>5} {'body kept':>9} {'left':>6} {'titles':>8} {'docs/s':>7} | jusText kept  left")
    theirs: dict[Path, dict[str, float]] = {}
    rows = []
    for name, raw, gold, run in sets:
        records, rate = run()
        ours = score_set(raw, gold, records)
        if raw not in theirs:
            theirs[raw] = score_set(raw, gold, justext_records(raw)[0])
        print(
            f"{name:<26} {ours['pages']:>5} {ours['recall']:>9.4f} {ours['leak']:>6.4f} "
            f"{ours['titles']:>4}/{ours['title_pages']:<3} {rate:>7.0f} | "
            f"{theirs[raw]['recall']:>12.4f} {theirs[raw]['leak']:>5.4f}"
        )
        rows.append(ours)
    return rows


def print_mean(name: str, rows: list[dict[str, float]]) -> None:
    """The mean of ``rows`` (one set cleaned in several assignments of its pages to folds)."""
    mean = {key: sum(row[key] for row in rows) / len(rows) for key in ("recall", "leak", "titles")}
    low = min(row["recall"] for row in rows)
    print(
        f"{f'{name} (mean of {len(rows)})':<26} {rows[0]['pages']:>5} {mean['recall']:>9.4f} {mean['leak']:>6.4f} "
        f"{mean['titles']:>6.1f}{'':<2} (lowest body kept {low:.4f})"
    )


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", nargs=3, action="append", default=[], metavar=("NAME", "RAW", "GOLD"))
    parser.add_argument("--aeb", type=Path, default=SHARED / "devsets" / "aeb")
    parser.add_argument("--shipped", action="store_true", help="clean AEB with the shipped model (in-sample)")
    parser.add_argument("--min-body-prob", type=float, default=None)
    parser.add_argument("--langid", type=Path, default=SHARED / "langid" / "eval.jsonl", help="real web texts")
    parser.add_argument(
        "--shuffles",
        type=int,
        default=0,
        help="AEB again with the pages shuffled into other folds (seeds 1..N), and the mean of all",
    )
    args = parser.parse_args(None if argv is None else list(argv))
    settings = Settings() if args.min_body_prob is None else Settings(min_body_prob=args.min_body_prob)
    shipped = pipeline_with_model(settings, MODEL_PATH)
    work = Path(tempfile.mkdtemp(prefix="cleaner-boilerplate-"))
    sets: list[tuple[str, Path, Path, Run]] = [
        ("seeds", ROOT / "raw", SHARED / "gold", partial(cleaned, ROOT / "raw", shipped)),
    ]
    aeb_raw, aeb_gold = args.aeb / "raw", args.aeb / "gold"
    folds = range(0)  # the rows of AEB held out, one per assignment of its pages to folds
    if aeb_gold.is_dir():
        if args.shipped:
            sets.append(("aeb (in-sample)", aeb_raw, aeb_gold, partial(cleaned, aeb_raw, shipped)))
        else:
            pages = load_pages(aeb_raw, aeb_gold) + load_pages(ROOT / "raw", SHARED / "gold")
            folds = range(len(sets), len(sets) + 1 + args.shuffles)
            sets.append(("aeb (held-out folds)", aeb_raw, aeb_gold, partial(held_out, aeb_raw, pages, settings, work)))
            for shuffle in range(1, args.shuffles + 1):
                run = partial(held_out, aeb_raw, pages, settings, work, shuffle)
                sets.append((f"aeb (folds, shuffle {shuffle})", aeb_raw, aeb_gold, run))
    for name, raw, gold in args.set:
        sets.append((name, Path(raw), Path(gold), partial(cleaned, Path(raw), shipped)))
    print(f"min_body_prob {settings.min_body_prob}")
    rows = print_sets(sets)
    if len(folds) > 1:
        print_mean("aeb", [rows[k] for k in folds])
    if args.langid.is_file():
        count, share = langid_words_removed(args.langid)
        print(f"language eval set: {count} real web texts, {share:.2%} of their words removed by model and templates")
        shares = langid_pages_words_removed(args.langid)
        most = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))[:4]
        print(
            f"pages of its sentences or of its paragraphs (30 languages): {sum(shares.values()) / len(shares):.2%} "
            "of the words removed on average; most: " + ", ".join(f"{key} {value:.2%}" for key, value in most)
        )


if __name__ == "__main__":
    main()
