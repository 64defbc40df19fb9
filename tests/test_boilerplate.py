"""The rule engine: each kind, site scoping, the audit, time limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.boilerplate import apply_rules, strip_boilerplate
from cleaner.document import Document
from cleaner.rules import load_rules

RULES = r"""
[[rules]]
id = "hdr"
kind = "header"
why = "byline and dateline"
max_lines = 4
patterns = ['^by (?P<author>\w+(?: \w+)?)$', '^(?P<site>Daily Planet), (?P<date>\w+ \d+, \d{4})$']
remove = ["By Lois Lane"]
keep = ["By the river, the town slept."]

[[rules]]
id = "appeal"
kind = "paragraph"
why = "appeals"
max_words = 40
pattern = 'please donate'
remove = ["Please donate today."]
keep = ["Nothing here."]

[[rules]]
id = "ad"
kind = "line"
why = "ad markers"
pattern = '^- advertisement -$'
remove = ["- Advertisement -"]
keep = ["An advertisement ran."]

[[rules]]
id = "related"
kind = "tail"
why = "related-links block"
pattern = '^related( articles)?:?$'
remove = ["Related articles:"]
keep = ["Related parties met."]

[[rules]]
id = "inline-ad"
kind = "inline"
why = "ad markers inside paragraphs"
pattern = '\s*- advertisement -\s*'
replace = " "
remove = ["text - Advertisement - more"]
keep = ["text more"]
"""

SITE = r"""
[set]
when = 'dailyplanet\.com'

[[rules]]
id = "planet-footer"
kind = "line"
why = "the Planet's footer"
pattern = '^the daily planet is a metropolis company\.?$'
remove = ["The Daily Planet is a Metropolis company."]
keep = ["The Daily Planet reported the story."]
"""


def engine_rules(tmp_path, **files):
    folder = tmp_path / "rules"
    folder.mkdir()
    for name, text in {"a.toml": RULES, **files}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_rules(folder)


BODY = (
    "The mayor opened the new bridge on Monday, saying it would cut the commute across the river by half "
    "for thousands of people who live on the east side and work downtown."
)


def test_header_block_after_the_title_is_removed_and_captured(tmp_path):
    rules = engine_rules(tmp_path)
    text = f"Bridge Opens\n\nBy Lois Lane\n\nDaily Planet, May 4, 2021\n\n{BODY}"
    result = apply_rules(text, list(rules))
    assert result.text == f"Bridge Opens\n\n{BODY}"
    assert result.captured == {"author": "Lois Lane", "site": "Daily Planet", "date": "May 4, 2021"}
    (removal,) = result.removals
    assert removal.rule == "hdr" and text[removal.start : removal.end].startswith("By Lois Lane")
    assert text[removal.start : removal.end].endswith("2021")


def test_header_only_looks_above_the_first_line_of_prose(tmp_path):
    rules = engine_rules(tmp_path)
    text = "\n\n".join(["Title", "One.", BODY, "Two.", "Three.", "By Lois Lane", BODY])
    assert apply_rules(text, list(rules)).text == text


def test_header_is_found_below_a_menu_longer_than_its_max_lines(tmp_path):
    rules = engine_rules(tmp_path)
    menu = ["Home", "World", "Sport", "Culture", "Weather", "Bridge Opens"]
    text = "\n\n".join([*menu, "By Lois Lane", BODY])
    assert apply_rules(text, list(rules)).text == "\n\n".join([*menu, BODY])


def test_paragraph_rule_removes_the_whole_paragraph_but_respects_max_words(tmp_path):
    rules = engine_rules(tmp_path)
    text = f"{BODY}\n\nPlease donate today,\nevery cent helps.\n\nShort end."
    assert apply_rules(text, list(rules)).text == f"{BODY}\n\nShort end."
    long_para = f"{BODY} Please donate blood, the hospital said. {BODY}"
    assert apply_rules(long_para, list(rules)).text == long_para


def test_line_rule_removes_just_that_line(tmp_path):
    rules = engine_rules(tmp_path)
    text = f"{BODY}\n- Advertisement -\nThe last line."
    result = apply_rules(text, list(rules))
    assert result.text == f"{BODY}\nThe last line."
    assert [r.rule for r in result.removals] == ["ad"]


def test_tail_cuts_to_the_end_only_when_the_rest_is_boilerplate(tmp_path):
    rules = engine_rules(tmp_path)
    tail = "Related articles:\n\nArmy retakes town\n\nCeasefire talks stall"
    assert apply_rules(f"{BODY}\n\n{BODY}\n\n{tail}", list(rules)).text == f"{BODY}\n\n{BODY}"
    # a long paragraph after the marker means it is not a related-links block
    kept = f"{BODY}\n\n{BODY}\n\nRelated:\n\n{BODY}"
    assert apply_rules(kept, list(rules)).text == kept
    # a marker early in the document is not a tail
    early = f"Related:\n\nshort\n\n{BODY}\n\n{BODY}\n\n{BODY}"
    assert apply_rules(early, list(rules)).text == early


def test_inline_rule_edits_inside_a_line_and_records_the_span(tmp_path):
    rules = engine_rules(tmp_path)
    text = "The vote - Advertisement - was close."
    result = apply_rules(text, list(rules))
    assert result.text == "The vote was close."
    (removal,) = result.removals
    assert removal.rule == "inline-ad" and text[removal.start : removal.end] == " - Advertisement - "


FOOTER = "The Daily Planet is a Metropolis company."


def test_site_rules_fire_only_on_their_site(tmp_path):
    rules = engine_rules(tmp_path, **{"planet.toml": SITE})
    on_site = Document("a", f"{BODY} More at dailyplanet.com.\n\n{FOOTER}", "a.txt")
    assert strip_boilerplate(on_site, rules).text == f"{BODY} More at dailyplanet.com."
    elsewhere = Document("b", f"{BODY}\n\n{FOOTER}", "b.txt")
    assert strip_boilerplate(elsewhere, rules).text == elsewhere.text


def test_site_rules_also_match_the_url(tmp_path):
    rules = engine_rules(tmp_path, **{"planet.toml": SITE})
    doc = Document("a", f"{BODY}\n\n{FOOTER}", "a.html", metadata={"url": "https://dailyplanet.com/x"})
    assert strip_boilerplate(doc, rules).text == BODY


def test_a_backtracking_rule_is_cut_off_and_flagged(tmp_path):
    slow = (
        RULES
        + r"""
[[rules]]
id = "slow"
kind = "line"
why = "a catastrophic pattern"
pattern = '^(a|aa)+$'
remove = ["aaa"]
keep = ["b"]
"""
    )
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "a.toml").write_text(slow, encoding="utf-8")
    doc = Document("x", f"{BODY}\n\n" + "a" * 40 + "!", "x.txt")
    out = strip_boilerplate(doc, load_rules(folder), timeout=0.05)
    assert "rule-timeout:slow" in out.flags
    assert out.text == doc.text


def test_documents_that_lose_most_of_their_text_are_flagged(tmp_path):
    rules = engine_rules(tmp_path)
    doc = Document("x", "Tiny.\n\n- Advertisement -\n\n- Advertisement -", "x.txt")
    out = strip_boilerplate(doc, rules, max_removed_share=0.5)
    assert out.flags == ("removed-share:0.84",)


def test_removals_on_the_seeds_point_at_what_they_removed(seed_texts, rules):
    from cleaner.normalize import normalize_text

    text = normalize_text(seed_texts["004_95f5e35d27d01612"])
    result = apply_rules(text, rules.for_text(text))
    spans = {r.rule: text[r.start : r.end] for r in result.removals}
    assert spans["copyright-line"] == "Copyright © South Front, South Front, 2017"
    assert spans["gr-disclaimer-en"].startswith("Disclaimer: The contents of this article")
    assert result.captured["author"] == "South Front"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_rules_never_crash_and_never_add_text(text):
    from cleaner.normalize import normalize_text

    rules = load_rules()
    text = normalize_text(text)
    result = apply_rules(text, list(rules), timeout=1.0)
    assert len(result.text) <= len(text)
    assert all(0 <= r.start <= r.end <= len(text) for r in result.removals)
