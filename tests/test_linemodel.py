"""The line model: shipped as data, audited, switchable, and deterministic in batches."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from cleaner import Pipeline, Settings, load_rules, run_clean
from cleaner.document import Document
from cleaner.explain import explain
from cleaner.linemodel import (
    MODEL_PATH,
    SENTENCE_MAX_PROB,
    TRAINED_EDGE_LINES,
    Headline,
    LineModel,
    LineTable,
    Trees,
    _Page,
    echoed_lines,
    edge_lines,
    feature_names,
    line_features,
    load_model,
    model_cuts,
    model_removals,
    sentence_edges,
)

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules(ROOT / "rules")
MODEL = load_model()
THRESHOLD = Settings().min_body_prob
PAGES = json.loads((Path(__file__).parent / "data" / "pages.json").read_text(encoding="utf-8"))


def clean(text: str, **settings: object) -> Document:
    pipeline = Pipeline(Settings().with_overrides(**settings), RULES)
    return pipeline.clean(Document("page", text, "page.txt", chars_in=len(text)))


def test_the_model_file_is_numpy_arrays_and_a_header_loaded_without_pickle():
    with np.load(MODEL_PATH, allow_pickle=False) as archive:
        assert all(archive[name].dtype.kind != "O" for name in archive.files)
        header = json.loads(str(archive["header"]))
    assert header["format"] == "cleaner-line-model/2"
    assert header["first"]["features"] == list(feature_names()[0])
    assert MODEL.trained_on["script"] == "python -m bench.train_boilerplate"
    assert any("AEB" in source for source in MODEL.trained_on["data"])
    assert MODEL_PATH.stat().st_size < 1_000_000


def test_a_model_built_for_other_features_is_refused(tmp_path):
    path = tmp_path / "old.npz"
    MODEL.save(path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(str(arrays.pop("header")))
    header["first"]["features"] = header["first"]["features"][:-1]
    np.savez_compressed(path, header=np.array(json.dumps(header)), **arrays)
    with pytest.raises(ValueError, match="features"):
        LineModel.load(path)


@pytest.mark.parametrize("page", PAGES, ids=[p["label"] for p in PAGES])
def test_pages_lose_their_furniture_and_keep_their_body(page):
    doc = clean(page["text"])
    for line in page["body"]:
        assert line in doc.text, line
    for line in page["furniture"]:
        assert line not in doc.text.split("\n"), line
    assert doc.metadata.get("title") == page["title"]


def test_model_removals_are_audited_with_their_probability():
    doc = clean(PAGES[0]["text"])
    by_model = [r for r in doc.removals if r.rule.startswith("model:")]
    assert by_model
    assert all(r.prob is not None and r.prob < THRESHOLD for r in by_model)
    german = clean(PAGES[1]["text"])
    assert {r.rule for r in doc.removals + german.removals} >= {"model:edge", "title"}
    # the short lines above a sure headline go with it when the model has not taken them itself
    menu_kept = clean(PAGES[1]["text"], min_body_prob=0.0)
    assert sorted(r.rule for r in menu_kept.removals if r.rule.startswith("title")) == ["title"] + ["title:before"] * 4


def test_the_model_can_be_turned_off_or_made_to_keep_every_line():
    off = clean(PAGES[0]["text"], model="off")
    assert not [r for r in off.removals if r.rule.startswith(("model:", "title:"))]
    assert "* Home" in off.text
    keep_all = clean(PAGES[0]["text"], min_body_prob=0.0)
    assert not [r for r in keep_all.removals if r.rule.startswith("model:")]
    assert keep_all.metadata["title"] == PAGES[0]["title"]


def test_short_texts_are_left_to_the_rules():
    cut = model_removals("Menu\n\nOne short line.", MODEL, THRESHOLD)
    assert cut.removals == [] and cut.title is None


def test_scoring_texts_together_gives_what_scoring_each_alone_gives():
    texts = [p["text"] for p in PAGES] + ["A\nB\nC", ""]
    together = model_cuts(texts, MODEL, THRESHOLD, [True] * len(texts))
    assert together == [model_removals(text, MODEL, THRESHOLD) for text in texts]


def test_manifest_and_explain_show_the_models_removals(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "page.txt").write_text(PAGES[0]["text"], encoding="utf-8")
    run_clean(raw, tmp_path / "out", rules=RULES)
    row = json.loads((tmp_path / "out" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[0])
    by_model = [r for r in row["removed"] if r["rule"].startswith("model:")]
    assert by_model and all(0 <= r["prob"] < THRESHOLD for r in by_model)
    assert all("prob" not in r for r in row["removed"] if not r["rule"].startswith("model:"))
    spans = explain("page", tmp_path / "out", RULES, raw=raw).spans
    assert any(s.rule.startswith("model:edge p=0.") for s in spans)
    assert any(s.rule == "title" for s in spans)


def test_exported_trees_score_as_lightgbm_does():
    pytest.importorskip("lightgbm")
    from bench.train_boilerplate import fit_trees

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 6))
    y = (x[:, 0] + 0.5 * x[:, 1] * x[:, 2] > 0).astype(int)
    trees = fit_trees(x, y, np.ones(len(y)))  # raises when its scores differ from LightGBM's
    assert isinstance(trees, Trees)
    assert ((trees.predict(x) > 0.5) == y).mean() > 0.9


def test_the_training_script_rebuilds_a_model_that_loads(tmp_path, monkeypatch):
    pytest.importorskip("lightgbm")
    from bench import train_boilerplate

    pages = tmp_path / "pages"
    shutil.copytree(ROOT / "raw", pages / "raw")
    shutil.copytree(Path(__file__).parent / "data" / "gold", pages / "gold")
    out = tmp_path / "model.npz"
    argv = ["train", "--aeb", str(pages), "--seeds", str(pages / "raw"), str(pages / "gold"), "--out", str(out)]
    monkeypatch.setattr(sys, "argv", argv)
    train_boilerplate.main()
    model = LineModel.load(out)
    assert model.trained_on["lines"] > 0 and "by_min_body_prob" in model.trained_on["held_out"]
    assert set(model.trained_on["held_out"]["sentences_by_max_prob"]) >= {f"{SENTENCE_MAX_PROB:.2f}"}
    assert len(model.body_probability(["A line.", "Another line of text.", "Share"])) == 3


def test_lines_repeated_at_the_start_or_end_of_another_are_echoes():
    keys = [
        "home latest news council votes to close the old bridge",
        "council votes to close the old bridge",
        "* fact check",
        "* fact check: is the bridge really closing?",
        "business | trade war keeps world guessing",
        "trade war keeps world guessing",
        "trade war keeps world guessingly long",
    ]
    # a repeat of two words ("fact check") is not a headline; a repeat must stand apart
    assert echoed_lines(keys) == {0: (1, False), 4: (5, False)}


BREADCRUMB_PAGE = "\n".join(
    [
        "* Home",
        "* World",
        "* Sport",
        "Home World News Council votes to close the old bridge for good",
        "Council votes to close the old bridge for good",
        "By Jane Doe",
        "The town council voted on Tuesday to close the old bridge over the river for good, after engineers "
        "found cracks in two of its piers.",
        "Repairs would have cost more than a new bridge, the mayor said, and the crossing has been shut to lorries "
        "since the spring.",
        "A ferry will run until the new bridge opens in two years, the council said in a statement.",
    ]
)


def test_a_headline_echoed_by_a_breadcrumb_is_the_title_not_the_breadcrumb():
    doc = clean(BREADCRUMB_PAGE)
    assert doc.metadata["title"] == "Council votes to close the old bridge for good"
    assert "Home World News" not in doc.text
    assert doc.text.startswith("The town council voted")
    assert clean(doc.text).text == doc.text


def test_the_pages_address_names_its_headline():
    keys = [
        "open houses around town",
        "https://news.example.com/local/cat-found-in-new-mexico-after-1234.php",
        "cat found in new mexico after going missing in oregon",
    ]
    assert echoed_lines(keys) == {1: (2, True)}
    lines = BREADCRUMB_PAGE.split("\n")
    lines[3] = "Single-family homes just listed for sale in San Antonio"
    lines.insert(4, "https://www.example.com/news/article/council-votes-to-close-the-old-bridge-1234.php")
    doc = clean("\n".join(lines))
    assert doc.metadata["title"] == "Council votes to close the old bridge for good"


def _constant(log_odds: float) -> Trees:
    """Trees that give every line the same score."""
    leaf = -np.ones((1, 1), dtype=int)
    return Trees(np.zeros((1, 1), dtype=int), np.zeros((1, 1)), leaf, leaf, np.full((1, 1), log_odds), 0.0, 1.0, 0)


@pytest.mark.parametrize("sure", [True, False])
def test_a_headline_the_first_look_was_sure_of_stands(sure, monkeypatch):
    """The headline is looked for on the page as it came, then among the lines the line model
    left: the second look's pick wins only over a first look that was unsure."""
    lines = BREADCRUMB_PAGE.split("\n")
    first, second = Headline(4, sure), Headline(3, True)
    looks = iter([[first], [second]])
    monkeypatch.setattr(LineModel, "titles_of", lambda self, bases, keys: next(looks))
    keep_all = dataclasses.replace(MODEL, first=_constant(3.0), second=_constant(3.0))
    cut = model_removals("\n".join(lines), keep_all, THRESHOLD)
    assert cut.title == (lines[4] if sure else lines[3])


def test_the_bar_a_line_must_pass_moves_with_where_it_sits():
    """At the edges of the body's block a short line goes under twice the bar and a paragraph of
    prose under the bar; inside the block (between lines the model is sure of) a line goes
    under half of it."""
    lines = [
        "Home | News",
        "The council met on Tuesday and voted to close the old bridge for good.",
        "Related stories",
        "Engineers found cracks in two of the piers last spring, the mayor said.",
        "Officials said the repairs would cost more than the town could pay.",
        "Follow us",
    ]
    p = np.array([0.3, 0.9, 0.15, 0.9, 0.3, 0.3])
    kept = {}
    for threshold in (0.2, 0.0):
        page = _Page("\n".join(lines), find_title=False)
        page.read(LineTable(lines))
        page.drop(p, threshold)
        kept[threshold] = [lines[i] for i in page.alive]
    assert kept[0.2] == lines[1:5]
    assert kept[0.0] == lines


def test_a_paragraph_opening_with_a_dateline_is_never_taken_as_a_line():
    unsure = dataclasses.replace(MODEL, first=_constant(-3.0), second=_constant(-3.0))
    lines = [
        "Home | World | Politics",
        "By Jane Doe",
        "SANTA FE, N.M. (AP) — A cat missing for five years has been found.",
        "WASHINGTON — The council voted on Tuesday to close the old bridge for good.",
        "BERLIN -- Short one.",
        "UPDATE - More stories",
        "Officials said the repairs would cost more than the town could pay.",
    ]
    cut = model_removals("\n".join(lines), unsure, THRESHOLD, find_title=False)
    # every line scores 0.047: only the first (the best, by a tie) and the datelines of 8 words or more stay
    assert cut.text.split("\n") == [lines[0], lines[2], lines[3]]


def test_a_question_can_be_a_headline_a_list_item_an_address_or_a_lead_in_cannot():
    # a title model sure of every line: the rules around it decide
    sure = Trees(
        *(np.zeros((1, 1), dtype=int), np.zeros((1, 1))),
        -np.ones((1, 1), dtype=int),
        -np.ones((1, 1), dtype=int),
        np.full((1, 1), 3.0),
        0.0,
        1.0,
        0,
    )
    model = dataclasses.replace(MODEL, title=sure)
    lines = BREADCRUMB_PAGE.split("\n")
    lines[3] = "* Single-family homes just listed for sale in San Antonio"
    lines[4] = "Is the old bridge safe to cross?"
    assert model_removals("\n".join(lines), model, THRESHOLD).title == "Is the old bridge safe to cross?"
    for line in ("Police arrested two men on Friday.", "www.autoracing.com.br", "Latest stories:"):
        lines[4] = line
        assert model_removals("\n".join(lines), model, THRESHOLD).title not in {lines[3], line}
    # a headline quoting someone ends with the quotation's sentence, not its own
    for line in ("Video shows rescue of kidnapped girl: “We got her!”", "Lynn: 'We needed to win this game.'"):
        lines[4] = line
        assert model_removals("\n".join(lines), model, THRESHOLD).title == line


class _Scores:
    """A title model that gives the candidate lines the scores it is made with, in order."""

    def __init__(self, scores: list[float]) -> None:
        self.scores = np.array(scores)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.scores[: len(x)]


@pytest.mark.parametrize(
    ("scores", "found"),
    [
        ([0.001, 0.002, 0.001, 0.15, 0.001], 3),  # unsure, but ten times any other candidate
        ([0.001, 0.002, 0.001, 0.15, 0.03], None),  # five times: not enough
        ([0.001, 0.002, 0.001, 0.08, 0.001], None),  # under 0.1: too unsure
        ([0.001, 0.002, 0.001, 0.25, 0.2], 3),  # sure enough on its own
    ],
)
def test_a_headline_the_model_is_unsure_of_is_taken_when_it_stands_out(scores, found):
    lines = [
        "+ ZDNet France",
        "+ ZDNet Germany",
        "+ ZDNet Japan",
        "Best tech gadgets of 2019",
        "Black Friday",
        "AirPods Pro, Sonos Move and Galaxy Note 10 made our list of the best tech gadgets of the past year.",
        "See what else made the list, and what we thought of each of them after a month of testing.",
    ]
    model = dataclasses.replace(MODEL, title=_Scores(scores))
    [pick] = model.titles_of([line_features(lines)], [[line.casefold() for line in lines]])
    assert (pick.line if pick else None) == found


def _log1p(x):
    """log(1 + x) as the features keep it: 9 decimals (the last bits of a logarithm differ by CPU)."""
    return float(np.round(math.log1p(x), 9))


def _context_by_hand(p):
    """The second model's context features of one page, written out line by line."""
    n = len(p)
    rows = []
    for i in range(n):
        near = [p[j] if 0 <= j < n else 0.0 for j in range(i - 3, i + 4)]
        window = [p[min(max(j, 0), n - 1)] for j in range(i - 2, i + 3)]
        sure = [abs(i - j) for j in range(n) if p[j] >= 0.9]
        rows.append(
            [
                *near,
                max(p[:i], default=0.0),
                max(p[i + 1 :], default=0.0),
                sum(window) / 5,
                _log1p(min(sure) if sure else n),
            ]
        )
    return np.array(rows).reshape(n, -1)


def test_pages_stacked_get_each_pages_own_features():
    from cleaner.linemodel import Stack, context_features, first_features

    rng = np.random.default_rng(3)
    lines = [line for page in PAGES for line in page["text"].split("\n") if line.strip()]
    bases = [line_features([lines[k] for k in rng.integers(0, len(lines), size=n)]) for n in (1, 2, 9, 40, 3, 1, 25)]
    stack = Stack([len(base) for base in bases])
    alone = np.vstack([first_features(base) for base in bases])
    assert np.array_equal(first_features(np.vstack(bases), stack), alone)
    p = np.round(rng.random(len(alone)), 1)  # ties and sure lines (>= 0.9) included
    together = context_features(p, stack)
    for part, (a, b) in zip(stack.split(together), zip(stack.starts, stack.ends, strict=True), strict=True):
        assert np.array_equal(part, context_features(p[a:b]))
        assert np.allclose(part, _context_by_hand(list(p[a:b])), rtol=0, atol=1e-12)


def _own_features_one_line(line: str, ws: list[str]) -> tuple[float, ...]:
    """What `own_features` gives one line, written line by line with the regular expressions
    the features are defined by: the reference its character-class arrays must agree with."""
    import regex

    from cleaner import linemodel as lm
    from cleaner.words import CLOSERS, MONTHS, SENTENCE_ENDS

    digit = regex.compile(r"\d+")
    capitalised = regex.compile(r"(?<!\S)\p{Lu}")
    upper_word = regex.compile(r"(?<!\S)\p{Lu}[\p{Lu}\d.&-]+(?!\S)")
    sentence_break = regex.compile(r"[.!?…][\"'”’»)\]]*\s+[\"'“‘«(\[]?\p{Lu}")
    n, chars, tokens = len(ws), len(line) or 1, line.count(" ") + 1
    digits = chars - len(digit.sub("", line))
    furniture = lm.furniture_words()
    return (
        _log1p(len(line)),
        _log1p(n),
        1 <= n <= 3,
        4 <= n <= 9,
        10 <= n <= 24,
        line.rstrip(CLOSERS)[-1:] in SENTENCE_ENDS,
        line.endswith(":"),
        _log1p(len(sentence_break.findall(line))),
        line.count(",") / (n + 1),
        0.0,
        len(capitalised.findall(line)) / tokens,
        len(upper_word.findall(line)) / tokens,
        digits / chars,
        bool(lm._URL.search(line)),
        bool(lm._HANDLE.search(line)),
        ("©" in line or "opyright" in line or "OPYRIGHT" in line or "(c)" in line or "(C)" in line),
        bool(lm.LIST_ITEM.match(line)),
        _log1p(sum(map(line.count, lm._SEPARATORS))),
        bool(lm._NUMERIC_DATE.search(line)) or (not MONTHS.keys().isdisjoint(ws) and bool(digit.search(line))),
        line[:1].islower(),
        bool(lm._QUOTE_START.match(line)),
        (sum(map(len, ws)) - digits) / chars,
        sum(map(furniture.__contains__, ws)) / n if n else 0.0,
        0.0,
    )


def test_own_features_of_many_lines_are_each_lines_to_the_bit():
    import random

    from cleaner.linemodel import own_features
    from cleaner.words import words

    rng = random.Random(7)
    # the pieces the features look for, and characters that are easy to get wrong: white space
    # that is not a space, capitals beyond U+FFFF and in title case, digits of other scripts,
    # a lone surrogate, quotes that both open and close
    pieces = [
        *"aA1 .!?…\"'”’»)]“‘«([|•·/›»-&@#©:,\t\u00a0\u2028\x0b\x1c\x85*►+>„ª",
        "😀", "𝐀", "𝟏", "٣", "Ⅻ", "ǅ", "İ", "ß", "\ud800", "http://", "www.", ".com", ".dex", "12.03.2019",
        "08:40", "Mar", "U.S.", "NATO", " | ", " / ", "(c)", "Copyright",
    ]  # fmt: skip
    lines = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    lines += [line for page in PAGES for line in page["text"].split("\n")]
    # runs past the few characters stepped over one at a time: quotes, spaces, both
    lines += ["End." + "'" * 5000 + " Next", "Stop." + " \t" * 3000 + "'A", "z." + "”" * 9 + "\u00a0" * 12 + "E"]
    lines += ["A line that ends." + "”" * 11 + " " * 20, "Capitals start the next line"]  # no break across lines
    ws = [words(line.lower()) for line in lines]
    want = np.array([_own_features_one_line(line, w) for line, w in zip(lines, ws, strict=True)])
    for size in (1, 7, 64, len(lines)):  # alone, in pages, in shards: the same rows
        got = np.vstack([own_features(lines[k : k + size], ws[k : k + size]) for k in range(0, len(lines), size)])
        assert got.view(np.int64).tolist() == want.view(np.int64).tolist()


def test_words_per_line_are_each_lines_words():
    from cleaner.words import words, words_per_line

    lines = [line for page in PAGES for line in page["text"].split("\n")] + ["İstanbul ÉTÉ", "a\u2028b\x1cc", ""]
    assert words_per_line(lines) == [words(line.lower()) for line in lines]


def test_own_features_in_parts_are_the_same(monkeypatch):
    """A shard of long texts is looked at in parts (memory stays bounded): the same rows."""
    from cleaner import linemodel
    from cleaner.words import words

    lines = [line for page in PAGES for line in page["text"].split("\n")]
    ws = [words(line.lower()) for line in lines]
    whole = linemodel.own_features(lines, ws)
    monkeypatch.setattr(linemodel, "_CHUNK_CHARS", 300)  # shorter than some lines: those go alone
    assert linemodel.own_features(lines, ws).tobytes() == whole.tobytes()
    assert linemodel.own_features([], []).shape == (0, len(linemodel.LINE_FEATURES))


def test_a_lines_first_and_last_sentence_and_what_goes_with_each():
    line = "Photo: Reuters. The council met on Monday. It voted twice. Follow us on Twitter."
    first, last = sentence_edges(line)
    assert (first.text, first.rest, first.last) == ("Photo: Reuters.", line[16:], False)
    assert line[first.start : first.end] == "Photo: Reuters. "
    assert (last.text, last.rest, last.last) == ("Follow us on Twitter.", line[: line.index(" Follow")], True)
    assert line[last.start : last.end] == " Follow us on Twitter."
    assert sentence_edges("One sentence only, with no break after it.") == []
    assert sentence_edges("It cost 3.5 million. it was lower case.") == []  # a break needs a capital


GLUED = [
    "Council approves the new budget",
    "Photograph: Reuters. The city council approved the new budget on Monday after a long debate about "
    "funding for schools and roads.",
    "Council members said the plan would raise spending on public transport by ten percent over the next two years.",
    "Opponents argued that the increase would force higher property taxes for many families in the city.",
    "The mayor is expected to sign the budget into law later this week, her office said in a statement. "
    "Image: Getty Images.",
]


def test_furniture_glued_to_a_paragraph_goes_without_the_paragraph():
    text = "\n\n".join(GLUED)
    doc = clean(text)
    cuts = [r for r in doc.removals if r.rule == "model:sentence"]
    assert sorted(text[r.start : r.end].strip() for r in cuts) == ["Image: Getty Images.", "Photograph: Reuters."]
    assert all(r.prob is not None and r.prob < SENTENCE_MAX_PROB for r in cuts)
    assert doc.metadata["title"] == GLUED[0]
    assert doc.text.startswith("The city council approved") and doc.text.endswith("said in a statement.")
    assert clean(doc.text, model="on").text == doc.text  # cleaning the result again changes nothing
    # the same paragraphs without what was glued to them lose nothing
    plain = "\n\n".join(GLUED).replace("Photograph: Reuters. ", "").replace(" Image: Getty Images.", "")
    assert not [r for r in clean(plain).removals if r.rule.startswith("model:")]
    assert not [r for r in clean(text, model="off").removals if r.rule.startswith("model:")]
    assert not [r for r in clean(text, min_body_prob=0.0).removals if r.rule.startswith("model:")]


def test_the_first_two_and_the_last_long_lines_are_looked_into_and_the_model_learns_from_more():
    both = (False, True)
    # the first and the last long line both sentences, the second the first sentence only
    assert edge_lines([20, 5, 20, 20, 20]) == {0: both, 2: (False,), 4: both}
    assert edge_lines([20, 5, 20, 20, 20], TRAINED_EDGE_LINES, facing=False) == {k: both for k in (0, 2, 3, 4)}
    assert edge_lines([20, 20, 20, 20], (2, 2)) == {0: both, 1: (False,), 2: (True,), 3: both}
    assert edge_lines([5, 20, 3]) == {1: both} and edge_lines([20, 20]) == {0: both, 1: both}
    assert edge_lines([5, 11]) == {}
    line = "Photo: Reuters. The council met on Monday. Follow us on Twitter."
    assert [e.text for e in sentence_edges(line, (False,))] == ["Photo: Reuters."]
    assert [e.text for e in sentence_edges(line, (True,))] == ["Follow us on Twitter."]
    assert sentence_edges(line, (False,)) + sentence_edges(line, (True,)) == sentence_edges(line)
    # a standfirst above the first paragraph: a credit glued to that paragraph still goes
    standfirst = "The council spent the whole night on the vote, and the city now knows how it will pay for schools."
    text = "\n\n".join([GLUED[0], standfirst, *GLUED[1:]])
    cuts = [text[r.start : r.end].strip() for r in clean(text).removals if r.rule == "model:sentence"]
    assert "Photograph: Reuters." in cuts
    # a notice glued to the paragraph before the last is not looked for
    before_last = [*GLUED[:3], GLUED[3] + " Image: Getty Images.", GLUED[4].replace(" Image: Getty Images.", "")]
    text = "\n\n".join(before_last)
    cuts = [text[r.start : r.end].strip() for r in clean(text).removals if r.rule == "model:sentence"]
    assert "Image: Getty Images." not in cuts and "Photograph: Reuters." in cuts


def test_a_glued_sentence_is_in_the_manifest_and_explain_with_its_probability(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "glued.txt").write_text("\n\n".join(GLUED), encoding="utf-8")
    run_clean(raw, tmp_path / "out", rules=RULES)
    row = json.loads((tmp_path / "out" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[0])
    cuts = [r for r in row["removed"] if r["rule"] == "model:sentence"]
    assert len(cuts) == 2 and all(0 <= r["prob"] < SENTENCE_MAX_PROB for r in cuts)
    explained = explain("glued", tmp_path / "out", RULES, raw=raw)
    spans = [s for s in explained.spans if s.rule.startswith("model:sentence p=0.")]
    assert sorted(explained.text[s.start : s.end].strip() for s in spans) == [
        "Image: Getty Images.",
        "Photograph: Reuters.",
    ]


def test_a_line_cut_short_is_read_as_a_new_text_would_read_it():
    lines = [line for line in GLUED if line]
    table = LineTable(lines)
    table.features(range(len(lines)))  # (its stoplist chosen, its densities computed)
    shorter = lines[1].split(" ", 2)[2]
    table.replace(1, shorter)
    fresh = LineTable([lines[0], shorter, *lines[2:]])
    assert np.array_equal(table.features(range(len(lines))), fresh.features(range(len(lines))))
    assert table.words[1] == fresh.words[1] and table.keys[1] == fresh.keys[1]


def test_the_sentence_model_learns_from_furniture_glued_to_body_lines():
    pytest.importorskip("lightgbm")
    from bench.train_boilerplate import Page, glued_edges

    # body lines of two sentences each (a line of one has no first and last sentence apart)
    lines = [
        GLUED[0],
        *(line.replace("Photograph: Reuters. ", "") + " Most of the council agreed." for line in GLUED[1:4]),
    ]
    lines += ["The mayor will sign it later this week, her office said in a statement. She declined to comment."]
    lines += ["Share this article. Follow us on Twitter.", "Read more: The budget debate in pictures."]
    body = np.array([1, 1, 1, 1, 1, 0, 0])
    page = Page("p", lines, body, np.array([len(line.split()) for line in lines], dtype=float), np.zeros(7))
    data = glued_edges([page], seed=3)
    glued = [edge for edge, label in zip(data.edges, data.labels, strict=True) if label == 0]
    own = [edge for edge, label in zip(data.edges, data.labels, strict=True) if label == 1]
    assert glued and own
    furniture = " ".join(lines[5:])
    assert all(edge.text in furniture and edge.text not in edge.rest for edge in glued)
    assert all(any(edge.text in line for line in lines[1:5]) for edge in own)
    assert len(data.stoplists) == len(data.edges) == len(data.words)


def test_the_line_model_learns_from_pages_as_the_rules_leave_them():
    pytest.importorskip("lightgbm")
    from bench.train_boilerplate import Page, after_rules

    lines = [
        "Smog closes schools",
        "By Jane Doe",
        "Schools across the capital closed on Tuesday after the air quality index rose above 900.",
        "Advertisement",
        "Farmers in the neighbouring states burn crop stubble every autumn, and the smoke drifts into the city. "
        "All rights reserved.",
        "Copyright © 2019 The Capital Post.",
        "The smog in pictures",
    ]
    body = np.array([1, 0, 1, 0, 1, 0, 0])
    page = Page("p", lines, body, np.array([len(line.split()) for line in lines], dtype=float), np.zeros(7))
    left, kept = after_rules(page, ROOT / "rules")
    # the byline, the advertisement marker and the copyright line go; "The smog in pictures" is the model's
    assert kept.tolist() == [True, False, True, False, True, False, True]
    assert left.lines == [
        "Smog closes schools",
        lines[2],
        "Farmers in the neighbouring states burn crop stubble every autumn, and the smoke drifts into the city.",
        "The smog in pictures",
    ]
    assert left.body.tolist() == [1, 1, 1, 0] and left.words.tolist() == [3, 15, 17, 4]


CAPTIONED = [
    "Smog closes schools across the capital",
    "Schools across the capital closed on Tuesday after the air quality index rose above 900 for the third day "
    "in a row, officials said.",
    "Officials in Delhi handed out more than 5 million air filter masks to schoolchildren amid a spike in air "
    "pollution.",
    "Sonu Mehta/Hindustan Times/Getty Images",
    "Doctors reported a sharp rise in the number of children treated for asthma, and hospitals opened extra "
    "wards to cope with the patients.",
    "Heavy air pollution in Delhi is shaving years off the lives of millions in Delhi.",
    "Biplov Bhuyan/Hindustan Times/Getty Images",
    "The court will hear a petition on the crisis next week, and the chief minister has called a meeting of the "
    "neighbouring states' officials.",
    "Related coverage",
    "Delhi's schools reopen",
]


def test_the_rules_leave_gaps_where_they_took_lines_out_and_the_model_reads_them():
    text = "\n\n".join(CAPTIONED)
    ruled = Pipeline(Settings(), RULES).until("boilerplate").clean(Document("p", text, "p.txt", chars_in=len(text)))
    lines = [line for line in ruled.text.split("\n") if line]
    assert [r.rule for r in ruled.removals] == ["photo-credit", "photo-credit", "read-more-link"]
    # each caption lost the credit under it, each line after one the credit above it; the last
    # paragraph lost "Related coverage" under it, and the last line the same above it
    assert list(ruled.gaps) == [0, 0, 2, 1, 2, 3, 1]
    with_gaps = MODEL.body_probability(lines, ruled.gaps)
    without = MODEL.body_probability(lines)
    captions = [2, 4]
    assert (with_gaps[captions] < without[captions]).all()  # a line over a credit is likelier a caption
    assert np.array_equal(without, MODEL.body_probability(lines, b"\x00" * 3))  # gaps that do not fit: none
    # the model stage passes them on to no one
    assert Pipeline(Settings(), RULES).clean(Document("p", text, "p.txt", chars_in=len(text))).gaps == b""


@pytest.mark.parametrize(
    "credit",
    [
        "Photo: Reuters.",
        "Foto: dpa.",
        "Photo : AFP.",
        "Foto: EFE.",
        "Foto: Ansa.",
        "Foto: Agência Brasil.",
        "Фото: ТАСС.",
    ],
)
def test_a_photo_credit_glued_before_the_first_sentence_goes_in_seven_languages(credit):
    text = "\n\n".join([GLUED[0], GLUED[1].replace("Photograph: Reuters.", credit), *GLUED[2:]])
    doc = clean(text)
    cuts = [text[r.start : r.end].strip() for r in doc.removals if r.rule == "model:sentence"]
    assert credit in cuts
    assert doc.text.startswith("The city council approved the new budget on Monday")


def test_counts_read_back_from_the_features_are_exact():
    from cleaner.linemodel import LINE_FEATURES, counted, log1p, title_candidates

    n = np.arange(100_000, dtype=np.float64)
    rows = np.zeros((len(n), len(LINE_FEATURES)))
    rows[:, LINE_FEATURES.index("log_words")] = log1p(n)
    assert counted(rows, "log_words").tolist() == n.tolist()
    # a first sentence of exactly 15 words is prose, so the headline is looked for above it only
    # (expm1(log1p(15)) is 14.999999999999998 with AVX-512)
    lines = ["Menu", "Budget approved", " ".join(["Council"] + ["members"] * 13 + ["voted."]), "More text here."]
    assert title_candidates(line_features(lines)) == 2


AVX512_OFF = "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR X86_V4"


def _scores_digest() -> str:
    import hashlib

    texts = [p["text"] for p in PAGES] + [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").iterdir())]
    lines = [line for text in texts for line in text.split("\n") if line.strip()]
    digest = hashlib.sha256(line_features(lines).tobytes())
    for cut in model_cuts(texts, MODEL, THRESHOLD, [True] * len(texts)):
        digest.update(repr((cut.title, [(r.rule, r.start, r.end, r.prob) for r in cut.removals])).encode())
    for p in MODEL.body_probabilities([line_features(text.split("\n")) for text in texts]):
        digest.update(p.tobytes())
    return digest.hexdigest()


def test_features_and_scores_are_the_same_bits_without_avx512():
    import os
    import subprocess

    try:  # numpy 2 (numpy 1.26, which the package allows, keeps it under numpy.core)
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:
        from numpy.core._multiarray_umath import __cpu_features__

    if not __cpu_features__.get("AVX512F"):
        pytest.skip("this CPU has no AVX-512: numpy takes the same paths either way")
    code = "import sys; sys.path.insert(0, 'tests'); import test_linemodel as t; print(t._scores_digest())"
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": AVX512_OFF}
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert other.stdout.strip() == _scores_digest()


def test_the_shipped_model_is_what_the_training_script_builds(tmp_path, monkeypatch):
    pytest.importorskip("lightgbm")
    import importlib.metadata

    from bench import train_boilerplate

    if not (train_boilerplate.SHARED / "devsets" / "aeb" / "gold").is_dir():
        pytest.skip("the AEB development set is not beside this checkout")
    trainer = MODEL.trained_on.get("trainer")
    if trainer != f"lightgbm {importlib.metadata.version('lightgbm')}":
        pytest.skip(f"the shipped model was trained with {trainer}")
    out = tmp_path / "model.npz"
    monkeypatch.setattr(sys, "argv", ["train", "--out", str(out)])
    train_boilerplate.main()
    shipped, rebuilt = np.load(MODEL_PATH), np.load(out)
    assert sorted(shipped.keys()) == sorted(rebuilt.keys())
    for key in shipped:
        assert np.array_equal(shipped[key], rebuilt[key]), key
