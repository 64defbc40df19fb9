"""Language detection: seeded, on the stripped text, with an allowlist."""

from __future__ import annotations

from cleaner import Settings, clean_text
from cleaner.document import Document
from cleaner.language import detect_language, get_detector


def test_raw_seed_000_reads_as_french_but_its_article_is_english(seed_texts, rules):
    raw = seed_texts["000_6a60fdc25f25da3a"]
    assert get_detector().detect(raw)[0] == "fr"  # the French disclaimers outweigh the article
    assert clean_text(raw, rules).metadata["lang"] == "en"


def test_detection_is_deterministic():
    text = "Ceci est un texte court, mais en français."
    results = {get_detector().detect(text) for _ in range(20)}
    assert len(results) == 1


def test_languages_outside_the_allowlist_are_dropped_with_the_reason():
    doc = Document("x", "Der Bundestag hat am Donnerstag ein neues Gesetz zur Energiepolitik beschlossen.", "x.txt")
    out = detect_language(doc, allowed=("en", "fr"))
    assert out.status == "language"
    assert out.reason.startswith("language de (p=") and out.reason.endswith("is not one of en,fr")
    assert detect_language(doc, allowed=("de",)).status == "kept"


def test_text_without_letters_has_no_language():
    assert detect_language(Document("x", "12345 !!!", "x.txt")).metadata["lang"] is None


def test_chinese_is_reported_as_a_two_letter_code():
    doc = Document("x", "中华人民共和国国务院今天发布了关于经济发展的新政策。", "x.txt")
    assert detect_language(doc).metadata["lang"] == "zh"


def test_lang_setting_parses_a_comma_list():
    assert Settings().with_overrides(lang="FR, en").lang == ("en", "fr")
