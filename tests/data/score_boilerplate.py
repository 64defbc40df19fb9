#!/usr/bin/env python3
"""Score a cleaned corpus against span-labelled gold documents.

usage: score_boilerplate.py RAW_DIR GOLD_DIR CORPUS_JSONL [--manifest M] [--min-recall R] [--max-leak L]

GOLD_DIR holds one JSON file per raw document RAW_DIR/<id>.txt:
  {"id": ..., "title": ... (optional; else the span labelled title),
   "spans": [{"label": "boilerplate" | "ambiguous" | "title", "start": int, "end": int}, ...]}
Offsets index the raw text as Python reads it (utf-8, newline=""). Unlabelled text is body.
CORPUS_JSONL is the cleaner's output, one record per kept document, with "id" and "text"
(optionally metadata.title and metadata.source, whose file stem also identifies the document).

The raw text is split into word tokens, each labelled by the span it falls in (targets of
markdown links, "[text](target)", are not scored). The output's tokens are aligned to them, and:
  recall = body tokens kept / body tokens          (a document missing from the output keeps none)
  leak   = boilerplate tokens kept / boilerplate tokens
Tokens are compared after NFKC and casefolding. With --manifest, documents whose manifest status
is "duplicate" are not scored (their text lives on in the copy that was kept). Exit 0 when the micro-averaged recall is at least
--min-recall and the leak at most --max-leak, else 1. The last line printed is the summary.
"""
import argparse
import difflib
import json
import pathlib
import re
import sys
import unicodedata

WORD = re.compile(r"\w+")
LINK_TARGET = re.compile(r"\]\(([^)\s]*)\)")


def canon(token):
    return WORD.findall(unicodedata.normalize("NFKC", token).casefold())


def labelled_tokens(text, spans):
    label = ["body"] * len(text)
    for s in spans:
        for i in range(s["start"], s["end"]):
            label[i] = s["label"]
    for m in LINK_TARGET.finditer(text):
        for i in range(m.start(1), m.end(1)):
            label[i] = "ignore"
    toks, labs = [], []
    for m in WORD.finditer(text):
        for t in canon(m.group()):
            toks.append(t)
            labs.append(label[m.start()])
    return toks, labs


def load_corpus(path):
    docs = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            meta = rec.get("metadata") or {}
            keys = {str(rec.get("id", ""))}
            src = meta.get("source") or rec.get("source")
            if src:
                keys.add(pathlib.PurePath(str(src)).stem)
            for k in keys:
                docs[k] = rec
    return docs


def score(text, gold, rec):
    toks, labs = labelled_tokens(text, gold["spans"])
    out = [t for w in WORD.findall(rec["text"]) for t in canon(w)] if rec else []
    kept = [False] * len(toks)
    sm = difflib.SequenceMatcher(None, toks, out, autojunk=False)
    for a, _, size in sm.get_matching_blocks():
        for i in range(a, a + size):
            kept[i] = True
    tally = {}
    for lab, k in zip(labs, kept):
        t = tally.setdefault(lab, [0, 0])
        t[0] += k
        t[1] += 1
    return tally, len(out) - sum(kept)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("raw_dir")
    ap.add_argument("gold_dir")
    ap.add_argument("corpus")
    ap.add_argument("--min-recall", type=float, default=0.99)
    ap.add_argument("--max-leak", type=float, default=0.01)
    ap.add_argument("--manifest", help="manifest.jsonl: skip documents dropped as duplicates")
    ap.add_argument("--quiet", action="store_true", help="print the summary line only")
    args = ap.parse_args()
    corpus = load_corpus(args.corpus)
    skip = set()
    if args.manifest:
        with open(args.manifest, encoding="utf-8") as fh:
            skip = {str(r["id"]) for r in map(json.loads, filter(str.strip, fh)) if r.get("status") == "duplicate"}
    body, boiler, titles, missing = [0, 0], [0, 0], [0, 0], 0
    golds = sorted(pathlib.Path(args.gold_dir).glob("*.json"))
    scored = 0
    for gpath in golds:
        gold = json.load(open(gpath, encoding="utf-8"))
        if gold["id"] in skip:
            continue
        scored += 1
        text = open(pathlib.Path(args.raw_dir) / f"{gold['id']}.txt", encoding="utf-8", newline="").read()
        rec = corpus.get(gold["id"])
        missing += rec is None
        tally, extra = score(text, gold, rec)
        b, p = tally.get("body", [0, 0]), tally.get("boilerplate", [0, 0])
        body = [body[0] + b[0], body[1] + b[1]]
        boiler = [boiler[0] + p[0], boiler[1] + p[1]]
        title = gold.get("title") or next(
            (text[s["start"]:s["end"]] for s in gold["spans"] if s["label"] == "title"), None)
        if title:
            titles[1] += 1
            got = str(((rec or {}).get("metadata") or {}).get("title") or "")
            titles[0] += canon(got) == canon(title)
        if not args.quiet:
            r = b[0] / b[1] if b[1] else 1.0
            l = p[0] / p[1] if p[1] else 0.0
            flag = "\tMISSING" if rec is None else ""
            print(f"{gold['id']}\trecall={r:.3f}\tleak={l:.3f}\tboiler_tokens={p[1]}\textra_tokens={extra}{flag}")
    recall = body[0] / body[1] if body[1] else 1.0
    leak = boiler[0] / boiler[1] if boiler[1] else 0.0
    ok = recall >= args.min_recall and leak <= args.max_leak
    print(f"docs={scored} missing={missing} titles={titles[0]}/{titles[1]} "
          f"recall={recall:.4f} leak={leak:.4f} -> {'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
