"""Invariants under property tests (hypothesis), and bounded fuzzing of the readers and the rule loader."""

from __future__ import annotations

import json
import string
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cleaner import Pipeline, RuleError, Settings, load_rules, run_clean
from cleaner.document import STATUSES, Document
from cleaner.normalize import normalize_text
from cleaner.read import read_file

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules(ROOT / "rules")
PIPELINE = Pipeline(Settings(), RULES)
WORDS = st.text(alphabet=string.ascii_letters + "éüçñßøåčžłЖжπ中文", min_size=1, max_size=10)
SENTENCE = st.lists(WORDS, min_size=3, max_size=25).map(lambda ws: " ".join(ws).capitalize() + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=5).map(" ".join)
ARTICLE = st.lists(PARAGRAPH, min_size=1, max_size=6).map("\n\n".join)
# How many examples: the profile in conftest.py (HYPOTHESIS_PROFILE=fuzz for a long run).
FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.text())
def test_arbitrary_unicode_never_crashes_a_stage(text):
    doc = PIPELINE.clean(Document("x", text, "x.txt", chars_in=len(text)))
    assert doc.status in STATUSES and len(doc.text) <= len(normalize_text(text)) + 1


@FAST
@given(ARTICLE)
def test_kept_text_is_made_of_the_inputs_own_words(text):
    doc = PIPELINE.clean(Document("x", text, "x.txt", chars_in=len(text)))
    source = set(normalize_text(text).split())
    assert set(doc.text.split()) <= source


def _cleaned_twice(text: str) -> tuple[str, str]:
    """The text cleaned once, and that cleaned again (with the metadata the first cleaning found)."""
    once = PIPELINE.clean(Document("x", text, "x.txt", chars_in=len(text)))
    if once.status != "kept":
        return "", ""
    again = PIPELINE.clean(Document("x", once.text, "x.txt", metadata=dict(once.metadata), chars_in=len(once.text)))
    return once.text, again.text


@FAST
@given(st.one_of(ARTICLE, st.text(min_size=1)))
def test_cleaning_clean_text_changes_nothing(text):
    once, again = _cleaned_twice(text)
    assert again == once


FILES = st.dictionaries(
    st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=6).map(lambda s: s + ".txt"),
    st.one_of(ARTICLE.map(str.encode), st.binary(max_size=300)),
    min_size=1,
    max_size=6,
)
JSONL = st.lists(
    st.one_of(
        ARTICLE.map(lambda t: json.dumps({"text": t})),
        st.text(max_size=40),  # anything at all, one line of it
        st.fixed_dictionaries({"id": st.text(max_size=5), "text": st.one_of(st.none(), st.integers(), ARTICLE)}).map(
            json.dumps
        ),
    ).map(lambda line: line.replace("\n", " ").replace("\r", " ")),
    max_size=8,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILES, JSONL)
def test_the_manifest_has_exactly_one_row_per_input_document(files, jsonl):
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "raw"
        raw.mkdir()
        for name, content in files.items():
            (raw / name).write_bytes(content)
        (raw / "feed.jsonl").write_text("\n".join(jsonl) + "\n", encoding="utf-8")
        report = run_clean(raw, Path(folder) / "out", rules=RULES)
        rows = (Path(folder) / "out" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
        # blank means JSON's white space only (a line of "\x1d" is a malformed record, not a blank one)
        records = sum(1 for line in jsonl if line.encode().strip())
        expected = len(files) + (records or 1)  # a JSONL file without records has a row of its own
        assert len(rows) == report["documents"] == expected
        assert len({json.loads(r)["id"] for r in rows}) == expected


@FAST
@given(st.sampled_from([".txt", ".md", ".html", ".jsonl", ".txt.gz", ".jsonl.gz", ".pdf"]), st.binary(max_size=2000))
def test_fuzz_readers_never_raise(suffix, data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc{suffix}"
        path.write_bytes(data)
        for doc in read_file(path, Path(folder)):
            assert doc.status in ("kept", "error") or (doc.status == "empty" and "jsonl" in suffix)
            assert doc.status == "kept" or doc.reason.startswith(f"doc{suffix}")


RULE_FIELDS = st.fixed_dictionaries(
    {
        "id": st.one_of(st.just("r1"), st.text(max_size=8)),
        "kind": st.sampled_from(["line", "paragraph", "header", "tail", "inline", "sentence"]),
        "why": st.text(max_size=10),
        "pattern": st.text(alphabet="ab()[]*+?|^$\\.{}0123", max_size=12),
        "remove": st.lists(st.text(max_size=10), max_size=2),
        "keep": st.lists(st.text(max_size=10), max_size=2),
    },
    optional={"max_words": st.integers(-5, 2000), "within": st.floats(-1, 2), "colour": st.text(max_size=3)},
)


@FAST
@given(RULE_FIELDS)
def test_fuzz_rule_files_load_or_fail_with_a_rule_error(fields):
    import tomli_w

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "fuzz.toml").write_text(tomli_w.dumps({"rules": [fields]}), encoding="utf-8")
        try:
            rules = load_rules(folder)
        except RuleError as exc:
            assert "fuzz.toml" in str(exc) and "\n" not in str(exc)
            return
        (rule,) = list(rules)
        from cleaner.boilerplate import apply_rules

        apply_rules("a\n\nab ba\n\n" + "a" * 30, [rule], timeout=0.5)


# The CLI never shows a traceback: random option values, random bytes as input, every command.
_VALUES = st.one_of(
    st.sampled_from(["0", "-1", "1", "2", "0.5", "1.5", "nan", "inf", "1e400", "abc", "", "en", "en,xx", "fr,de"]),
    st.sampled_from(["longest", "first", "parquet", "txt", "jsonl", "json", "github", "warning", "fasttext"]),
    st.text(max_size=6),
)
_OPTIONS = {
    "clean": [
        "--threshold",
        "--num-perm",
        "--ngram",
        "--lang",
        "--max-removed-share",
        "--lang-backend",
        "--lang-chars",
        "--min-lang-prob",
        "--keep",
        "--containment",
        "--format",
        "--rules",
    ],
    "check": ["--lang", "--threshold", "--format", "--fail-on", "--rules"],
    "suggest": ["--min-docs", "--top", "--rules"],
}


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["clean", "clean-stdout", "check", "suggest", "rules-test", "explain"]),
    st.data(),
    st.binary(max_size=400),
    st.sampled_from([".txt", ".jsonl", ".html", ".md.gz", ".jsonl.gz", ".bin"]),
)
def test_no_command_line_shows_a_traceback(command, data, content, suffix):
    import contextlib
    import io

    from cleaner.cli import run

    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "raw"
        raw.mkdir()
        (raw / f"doc{suffix}").write_bytes(content)
        out = Path(folder) / "out"
        name = "suggest" if command == "suggest" else command.split("-")[0]
        options = data.draw(st.lists(st.tuples(st.sampled_from(_OPTIONS.get(name, ["--out"])), _VALUES), max_size=3))
        flat = [part for option, value in options for part in (option, value)]
        argv = {
            "clean": ["clean", str(raw), str(out), "-q"],
            "clean-stdout": ["clean", str(raw), "-", "-q"],
            "check": ["check", str(raw)],
            "suggest": ["rules", "suggest", str(raw)],
            "rules-test": ["rules", "test", data.draw(st.sampled_from([str(ROOT / "rules"), str(raw)]))],
            "explain": ["explain", "doc", "--out", str(out)],
        }[command] + (flat if command not in ("rules-test", "explain") else [])
        stderr, stdout = io.StringIO(), io.StringIO()
        code: object = 0
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            try:
                run(argv)
            except SystemExit as exc:
                code = exc.code
        assert code in (0, 1, 2), (argv, code, stderr.getvalue())
        assert "Traceback" not in stderr.getvalue() and "internal error" not in stderr.getvalue(), argv
        if code == 2:
            assert stderr.getvalue().count("\n") == 1, (argv, stderr.getvalue())


FURNITURE_LINES = ["Home", "World", "Politics", "Sport", "* News", "* Video", "Share", "Tweet"]
MENU = st.lists(st.sampled_from(FURNITURE_LINES), max_size=6)
HEADLINE = st.lists(WORDS.map(str.capitalize), min_size=4, max_size=12).map(" ".join)
PAGE = st.tuples(MENU, HEADLINE, st.lists(PARAGRAPH, min_size=2, max_size=6), MENU).map(
    lambda parts: "\n".join([*parts[0], parts[1], *parts[2], *parts[3]])
)


@FAST
@given(PAGE)
# the headline picked on the page as it came was its last line once the model had cut the rest
@example("A A A A A A A A A\nA a a.\nA a a a a a a.\nHome\nHome\nHome\nHome")
def test_cleaning_a_cleaned_page_changes_nothing(text):
    """The line model runs to a fixed point, and a title taken out is not looked for again."""
    once, again = _cleaned_twice(text)
    assert again == once


def test_cleaning_the_generated_corpus_again_removes_nothing(tmp_path):
    """The bench's corpus (headers in shuffled order, donation appeals, notices in several
    languages): its cleaned texts, cleaned again, stay as they are."""
    from bench.corpus import generate

    generate(tmp_path, 400, ROOT / "raw")
    first = tmp_path / "first"
    run_clean(tmp_path / "raw", first, rules=RULES)
    second = tmp_path / "second"
    run_clean(first / "corpus.jsonl", second, rules=RULES)
    before = {r["id"]: r["text"] for r in map(json.loads, (first / "corpus.jsonl").read_text().splitlines())}
    after = {r["id"]: r["text"] for r in map(json.loads, (second / "corpus.jsonl").read_text().splitlines())}
    changed = [doc_id for doc_id, text in after.items() if before.get(doc_id) != text]
    assert not changed, f"{len(changed)} of {len(after)} changed on a second pass, e.g. {changed[:3]}"
