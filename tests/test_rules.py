"""Rule files: checked up front with errors naming file and rule; shipped rules pass their examples."""

from __future__ import annotations

import pytest

from cleaner.errors import RuleError
from cleaner.rule_tests import test_rules as run_rule_examples
from cleaner.rules import load_rules

GOOD = """
[[rules]]
id = "ad-line"
kind = "line"
why = "advertisement markers"
pattern = '^- ?advertisement ?-$'
remove = ["- Advertisement -"]
keep = ["The advertisement ran for a week."]
"""


def write_rules(tmp_path, text, name="site.toml"):
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_good_rule_file_loads(tmp_path):
    rules = load_rules(write_rules(tmp_path, GOOD))
    (rule,) = list(rules)
    assert (rule.id, rule.kind, rule.file.endswith("site.toml")) == ("ad-line", "line", True)
    assert rule.search("- ADVERTISEMENT -")  # case-insensitive unless case_sensitive = true


BROKEN = {
    "invalid TOML": ("[[rules]\nid = 1", "invalid TOML"),
    "unknown kind": (GOOD.replace('kind = "line"', 'kind = "sentence"'), "rule 'ad-line': unknown kind 'sentence'"),
    "unknown key": (GOOD.replace("why =", 'colour = "red"\nwhy ='), "rule 'ad-line': unknown key(s) colour"),
    "key of another kind": (GOOD.replace("why =", "max_lines = 3\nwhy ="), "unknown key(s) max_lines for kind 'line'"),
    "bad regex": (GOOD.replace("'^- ?advertisement ?-$'", "'(unclosed'"), "rule 'ad-line': pattern does not compile"),
    "empty match": (
        GOOD.replace("'^- ?advertisement ?-$'", "'x*'"),
        "rule 'ad-line': pattern matches the empty string",
    ),
    "no why": (GOOD.replace('why = "advertisement markers"', 'why = " "'), "rule 'ad-line': 'why' must say"),
    "no keep examples": (
        GOOD.replace('keep = ["The advertisement ran for a week."]', ""),
        "'keep' must be a non-empty list",
    ),
    "both pattern keys": (
        GOOD.replace("pattern =", "patterns = ['a']\npattern ="),
        "exactly one of 'pattern' or 'patterns'",
    ),
    "bad id": (GOOD.replace('id = "ad-line"', 'id = "Ad Line"'), "rule #1: 'id' must be a lowercase name"),
    "duplicate id": (GOOD + GOOD, "rule 'ad-line': duplicate id"),
    "unknown set key": ('[set]\nwhen = "x"\nsite = "y"\n' + GOOD, "[set]: unknown key(s) site"),
    "bad when": ('[set]\nwhen = "(x"\n' + GOOD, "[set] when does not compile"),
    "out of range": (GOOD.replace('kind = "line"', 'kind = "tail"\nwithin = 2.0'), "'within' must be between"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_rule_files_fail_with_file_and_rule_named(tmp_path, case):
    text, expected = BROKEN[case]
    with pytest.raises(RuleError) as info:
        load_rules(write_rules(tmp_path, text))
    message = str(info.value)
    assert "site.toml" in message and expected in message
    assert "\n" not in message


def test_duplicate_ids_across_files_name_both(tmp_path):
    write_rules(tmp_path, GOOD, "a.toml")
    folder = write_rules(tmp_path, GOOD, "b.toml")
    with pytest.raises(RuleError, match=r"b\.toml: rule 'ad-line': duplicate id \(also in .*a\.toml\)"):
        load_rules(folder)


def test_missing_rules_folder(tmp_path):
    with pytest.raises(RuleError, match="rules folder does not exist"):
        load_rules(tmp_path / "none")


def test_a_rules_folder_without_rule_files_is_refused_and_an_empty_file_means_no_rules(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(RuleError, match=r"no rule files \(\*\.toml\) in .*empty"):
        load_rules(tmp_path / "empty")
    (tmp_path / "none.toml").write_text("")
    assert len(load_rules(tmp_path / "none.toml")) == 0


def test_shipped_rules_pass_their_own_examples(rules):
    assert len(rules) >= 15
    assert [str(f) for f in run_rule_examples(rules)] == []


def test_every_shipped_rule_has_traps_to_keep(rules):
    for rule in rules:
        assert rule.keep and rule.remove and rule.why


def test_a_failing_example_is_reported(tmp_path):
    folder = write_rules(
        tmp_path, GOOD.replace('keep = ["The advertisement ran for a week."]', 'keep = ["- advertisement -"]')
    )
    (failure,) = run_rule_examples(load_rules(folder))
    assert failure.rule.id == "ad-line" and failure.expected == "keep"
    assert "wrongly removes its keep example" in str(failure)


def test_shipped_rules_leave_real_web_sentences_alone(rules):
    """Sentences and paragraphs of real web text in 12 languages (tests/data/langid_sample.jsonl)
    hold no boilerplate: nothing may be removed from them."""
    import json
    from pathlib import Path

    from cleaner.boilerplate import apply_rules
    from cleaner.normalize import normalize_text

    sample = Path(__file__).parent / "data" / "langid_sample.jsonl"
    for line in sample.read_text(encoding="utf-8").splitlines():
        text = normalize_text(json.loads(line)["text"])
        removed = apply_rules(text, list(rules)).removals
        assert not removed, (text, removed)


LITERAL_CASES = {
    "one word": ([r"\bplease\s+help"], ("please",)),
    "alternatives": ([r"\b(?:paypal|patreon)\b"], ("patreon", "paypal")),
    "longest certain run": ([r"colou?r scheme"], ("r scheme",)),
    "a property is one character": ([r"\p{Lu}ondon calling"], ("ondon calling",)),
    "patterns of a rule add up": ([r"(?i:Newsletter)", "sign up"], ("newsletter", "sign up")),
    "case folded": ([r"İSTANBUL"], ("istanbul",)),
    "a shorter literal covers a longer one": ([r"advertisement|\(advertisement\)"], ("advertisement",)),
    "too short to help": ([r"^\W*By\s+\p{Lu}\w+"], ()),
    "one pattern without literals": ([r"subscribe", r"\d+:\d+"], ()),
    "optional only": ([r"(?:newsletter)?\d+"], ()),
    "fuzzy matching": ([r"(?:paypal){e<=1}"], ()),
    "posix class": ([r"[[:alpha:]]+ment"], ()),
    "escaped backslash": ([r"a\\\\b literal"], ()),
}


@pytest.mark.parametrize("case", LITERAL_CASES, ids=list(LITERAL_CASES))
def test_required_literals(case):
    from cleaner.rules import required_literals

    sources, expected = LITERAL_CASES[case]
    assert required_literals(sources) == expected


def test_most_shipped_rules_have_literals_and_their_examples_contain_them(rules):
    from cleaner.rules import fold

    with_literals = [rule for rule in rules if rule.needs]
    assert len(with_literals) >= len(list(rules)) // 2
    for rule in with_literals:
        for example in rule.remove:
            assert any(literal in fold(example) for literal in rule.needs), (rule.id, example)


def test_folding_makes_equal_what_ignore_case_matches():
    """A literal found case-insensitively by the regex module is found in the folded text."""
    import regex

    from cleaner.rules import fold

    chars = [chr(c) for r in (range(0x41, 0x250), range(0x370, 0x530), range(0x1E00, 0x2000)) for c in r]
    chars += list("ıİſKÅẞßΣσςθϑµ")
    for c in chars:
        pattern = regex.compile(regex.escape(c), regex.IGNORECASE)
        for d in {c.lower(), c.upper(), c.casefold(), c.title(), *"ıİIiſsKkÅåẞßΣσςθϑµμ"}:
            if len(d) == 1 and pattern.fullmatch(d):
                assert fold(d) == fold(c), (c, d)


def _stripped(result):
    return result.text, result.removals, result.captured


def test_the_literal_index_changes_nothing_but_the_time(rules):
    """Trying each rule only on the lines that hold one of its literals removes exactly what
    trying every rule on every line removes: on every example, and on examples glued to real text."""
    import json
    import random
    from pathlib import Path

    from cleaner.boilerplate import apply_rules
    from cleaner.normalize import normalize_text

    sample = Path(__file__).parent / "data" / "langid_sample.jsonl"
    real = [normalize_text(json.loads(line)["text"]) for line in sample.read_text(encoding="utf-8").splitlines()]
    examples = [example for rule in rules for example in (*rule.remove, *rule.keep)]
    chance = random.Random(7)
    texts = examples + [
        chance.choice(["\n", "\n\n", " "]).join([chance.choice(real), chance.choice(examples), chance.choice(real)])
        for _ in range(400)
    ]
    everything = list(rules)
    for text in texts:
        assert _stripped(apply_rules(text, everything, 1.0, rules.index)) == _stripped(
            apply_rules(text, everything, 1.0)
        )


def test_rules_with_their_index_survive_pickling(rules):
    """Workers get the rules pickled; the index's automaton is rebuilt there."""
    import pickle

    from cleaner.boilerplate import apply_rules

    copy = pickle.loads(pickle.dumps(rules))
    text = "A story.\n\nPlease support our work with a donation via PayPal.\n\nThe end."
    assert _stripped(apply_rules(text, list(copy), 1.0, copy.index)) == _stripped(
        apply_rules(text, list(rules), 1.0, rules.index)
    )
    assert apply_rules(text, list(copy), 1.0, copy.index).removals


def test_a_rule_whose_patterns_partly_have_literals_is_screened_pattern_by_pattern(tmp_path):
    """A line without any literal of the patterns that have them is searched with the others only."""
    from cleaner.boilerplate import apply_rules

    (tmp_path / "r.toml").write_text(
        "[[rules]]\nid = 'more-or-time'\nkind = 'line'\nwhy = 'a read-more line or a reading time'\n"
        "patterns = ['^\\W*read more about\\b.{0,60}$', '^\\W*\\d+ ?mn\\W*$']\n"
        "remove = ['Read more about cats', '5 mn']\nkeep = ['We read more about cats every day.']\n"
    )
    rules = load_rules(tmp_path / "r.toml")
    rule = next(iter(rules))
    assert rule.needs == () and rule.partial_needs == ("read more about",) and len(rule.bare) == 1
    assert rule.search("Read more about cats", bare=True) is None  # the bare pattern alone
    assert rule.search("5 mn", bare=True) is not None
    text = "Body line one here.\n\nRead more about cats\n\nBody line two.\n\n5 mn\n\nBody line three."
    result = apply_rules(text, list(rules), 1.0, rules.index)
    assert result.text == "Body line one here.\n\nBody line two.\n\nBody line three."
    assert [r.rule for r in result.removals] == ["more-or-time", "more-or-time"]
