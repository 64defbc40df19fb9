"""Detect the language of a document's cleaned text (langdetect, seeded so results never change)."""

from __future__ import annotations

from typing import Protocol

from .document import Document


class LanguageDetector(Protocol):
    """What a language backend provides: the language of a text and the detector's probability."""

    name: str

    def detect(self, text: str) -> tuple[str, float] | None: ...


class LangdetectDetector:
    """langdetect (a port of Google's language-detection), with its random seed fixed.

    >>> LangdetectDetector().detect("Le gouvernement a annoncé une réforme des retraites.")[0]
    'fr'
    """

    name = "langdetect"

    def __init__(self, seed: int = 0) -> None:
        from langdetect import DetectorFactory

        # langdetect samples n-grams at random; a fixed seed makes every run give the same answer.
        DetectorFactory.seed = seed

    def detect(self, text: str) -> tuple[str, float] | None:
        from langdetect import detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        try:
            best = detect_langs(text)[0]
        except LangDetectException:  # no letters to go on
            return None
        return _short_code(best.lang), round(float(best.prob), 4)


def _short_code(code: str) -> str:
    """ISO 639-1 codes, as the manifest promises (langdetect says zh-cn / zh-tw)."""
    return code.split("-")[0]


_DETECTORS: dict[str, LanguageDetector] = {}


def get_detector(name: str = "langdetect") -> LanguageDetector:
    """The detector called ``name``, created once per process."""
    if name not in _DETECTORS:
        if name != "langdetect":
            raise ValueError(f"unknown language backend {name!r}")
        _DETECTORS[name] = LangdetectDetector()
    return _DETECTORS[name]


def sample(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, cut at a space.

    >>> sample("one two three", 9)
    'one two'
    """
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit]


def detect_language(
    doc: Document, allowed: tuple[str, ...] = (), limit: int = 3000, detector: LanguageDetector | None = None
) -> Document:
    """The language stage: ``metadata.lang`` and ``lang_prob``; drop languages not ``allowed``."""
    found = (detector or get_detector()).detect(sample(doc.text, limit))
    if found is None:
        return doc.with_metadata(lang=None)
    lang, prob = found
    doc = doc.with_metadata(lang=lang, lang_prob=prob)
    if allowed and lang not in allowed:
        return doc.drop("language", f"language {lang} (p={prob:.2f}) is not one of {','.join(allowed)}")
    return doc
