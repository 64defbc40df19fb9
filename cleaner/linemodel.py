"""The line model: what the rules left, scored line by line as body or page furniture.

Rules know the sites someone wrote them for; this model knows what furniture looks like on any
site. Each non-blank line gets features that carry across sites and languages (length, sentence
punctuation, the share of stopwords of the document's language, links and handles, capitals,
digits and dates, bullets) and where it sits: how far from the start and the end, how much prose
lies before and after it, and what its neighbours look like. Two ensembles of boosted trees run
in turn: the second sees the first's probabilities for the lines around each line, since furniture
comes in runs at the edges of a page and the body is one block.

The model is data: ``cleaner/models/boilerplate.npz`` holds the trees as numpy arrays, and a
JSON header with the feature names and what it was trained on; ``python -m bench.train_boilerplate``
rebuilds it. It loads with numpy, ``allow_pickle=False``; training (LightGBM) happens only there.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import regex

from .document import Document, Removal
from .words import CLOSERS, MONTHS, PROSE_WORDS, SENTENCE_ENDS, count_words, line_spans, words_per_line
from .words import words as split_words

MODEL_PATH = Path(__file__).parent / "models" / "boilerplate.npz"

# Each pattern starts with a literal or a digit, so that it is cheap on long lines.
_URL = regex.compile(r"https?://|www\.|\.(?:com|org|net|info|ru|de|fr|uk|io)\b")
_HANDLE = regex.compile(r"(?:^|\s)[@#]\w|\w@\w")
#: An item of a list: "* Other story", "4. Other story".
LIST_ITEM = regex.compile(r"^(?:[*•·‣▪►»>|+-]|\d{1,2}[.)])\s")
_SEPARATORS = (" | ", " • ", " · ", " / ", " › ", " » ")
# 12.03.2019, 2019-03-12, 08:40, a year
_NUMERIC_DATE = regex.compile(r"\d(?:\d?[./-]\d{1,2}[./-]\d{2,4}|\d?:\d\d|\d\d\d)")
_QUOTE_START = regex.compile(r"^[\"“‘«„]")
FURNITURE_WORDS_PATH = Path(__file__).parent / "models" / "furniture-words.txt"


@functools.cache
def furniture_words() -> frozenset[str]:
    """Words of page furniture in the seven languages the rules cover (a data file): the share of
    a line's words among them is one feature of many."""
    text = FURNITURE_WORDS_PATH.read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


LINE_FEATURES = (
    "log_chars",
    "log_words",
    "words_1_3",
    "words_4_9",
    "words_10_24",
    "sentence_end",
    "colon_end",
    "sentences",
    "comma_rate",
    "stopwords",
    "capitalised",
    "upper",
    "digits",
    "url",
    "handle",
    "copyright",
    "bullet",
    "separators",
    "date",
    "starts_lower",
    "quote_start",
    "letters",
    "furniture_words",
    "repeated",
)
#: Line features also given for the neighbouring lines.
NEIGHBOUR_FEATURES = ("log_words", "sentence_end", "stopwords", "bullet", "capitalised", "furniture_words", "date")
POSITION_FEATURES = (
    "relative_position",
    "log_from_start",
    "log_from_end",
    "prose_before",
    "prose_after",
    "no_prose_before",
    "no_prose_after",
    "short_run",
    "chars_before",
)
#: Whether an earlier stage (a rule, a site template) took out the line just before or just after
#: this one (`Document.gaps`), or, if not, one of the two or three lines before or after it: a
#: caption over the credit a rule took, a list under the heading one took. The line models' inputs
#: besides the first model's (not the headline model's).
GAP_FEATURES = ("removed_before", "removed_after", "removed_near_before", "removed_near_after")
CONTEXT_FEATURES = (
    "p_prev3",
    "p_prev2",
    "p_prev",
    "p",
    "p_next",
    "p_next2",
    "p_next3",
    "p_max_before",
    "p_max_after",
    "p_window",
    "lines_to_body",
)


#: Words of a document (of two letters or more) that choose its stoplist.
STOPWORD_SAMPLE = 150


#: Words in more stoplists than this do not choose between them.
_TELLING_LISTS = 8


@functools.cache
def _stoplists() -> tuple[dict[str, tuple[int, ...]], list[frozenset[str]]]:
    """jusText's stoplists (100 languages): for each word, the lists it is in; and each list."""
    import justext

    names = sorted(justext.get_stoplists())
    lists = [frozenset(justext.get_stoplist(name)) for name in names]
    by_word: dict[str, list[int]] = {}
    for index, words in enumerate(lists):
        for word in words:
            by_word.setdefault(word, []).append(index)
    # a word in many lists says little about which one fits, and costs a count per list
    return {word: tuple(ids) for word, ids in by_word.items() if len(ids) <= _TELLING_LISTS}, lists


def stopwords_for(lowered: Sequence[str]) -> frozenset[str]:
    """The stoplist that covers most of ``lowered`` (a document's words, lower-cased)."""
    by_word, _ = _stoplists()
    ids = itertools.chain.from_iterable(map(by_word.get, lowered, itertools.repeat(())))
    return _best_stoplist(np.fromiter(ids, dtype=np.int64))


def _best_stoplist(ids: np.ndarray) -> frozenset[str]:
    """The list most of ``ids`` (the stoplists each of some words is in) name; ties: the first list."""
    lists = _stoplists()[1]
    if not len(ids):
        return frozenset()
    return lists[int(np.argmax(np.bincount(ids, minlength=len(lists))))]


def line_features(lines: Sequence[str]) -> np.ndarray:
    """The `LINE_FEATURES` of each line, one row per line."""
    return LineTable(lines).features(range(len(lines)))


class LineTable:
    """The lines of one text and what each says on its own, computed once; `features` adds what
    depends on the other lines present (the stoplist the text's words choose, repeated lines),
    so that a subset of the lines gets the features it would get as a text of its own."""

    def __init__(
        self, lines: Sequence[str], words: list[list[str]] | None = None, rows: np.ndarray | None = None
    ) -> None:
        """``words`` (each line's, lower-cased) and ``rows`` (`own_features`) when the caller
        computed them for many texts at once."""
        self.lines = list(lines)
        self.words = words if words is not None else [split_words(line.lower()) for line in lines]
        self.keys = [line.casefold() for line in lines]
        self.rows = rows if rows is not None else own_features(self.lines, self.words)
        # per line (when needed: the first lines choose), how many of its words choose the
        # stoplist (two letters or more), and the lists they are in, one after the other, with how
        # many of those its first k words have
        self._telling: list[int | None] = [None] * len(self.lines)
        self._ids: dict[int, tuple[np.ndarray, list[tuple[int, ...]]]] = {}
        self._key_index: dict[str, int] = {}
        ids = [self._key_index.setdefault(key, len(self._key_index)) for key in self.keys]
        self._key_ids = np.array(ids, dtype=np.int64)
        self._chosen_by: tuple[int, ...] | None = None
        self._stoplist: frozenset[str] | None = None
        self._density = np.zeros(len(lines))

    def features(self, which: Iterable[int]) -> np.ndarray:
        which = list(which)
        self._choose_stoplist(which)
        rows = self.rows[which]
        rows[:, _STOPWORDS] = self._density[which]
        keys = self._key_ids[which]
        rows[:, _REPEATED] = np.bincount(keys)[keys] > 1 if len(keys) else []
        return rows

    def stoplist(self, which: Iterable[int]) -> frozenset[str]:
        """The stoplist the lines ``which`` choose (as `features` does)."""
        self._choose_stoplist(list(which))
        return self._stoplist or frozenset()

    def own_rows(self, among: Sequence[int], which: Sequence[int]) -> np.ndarray:
        """The `LINE_FEATURES` of lines ``which``, their stopwords by the stoplist the lines
        ``among`` choose ("repeated" is left 0: it depends on the lines around)."""
        self._choose_stoplist(list(among))
        rows = self.rows[list(which)]
        rows[:, _STOPWORDS] = self._density[list(which)]
        return rows

    def replace(self, row: int, line: str, words: list[str] | None = None, own: np.ndarray | None = None) -> None:
        """Line ``row`` is now ``line`` (what is left of it once a sentence went); ``words`` (its
        words, lower-cased) and ``own`` (its `own_features`) when the caller has them."""
        words = words if words is not None else split_words(line.lower())
        self.lines[row], self.words[row], self.keys[row] = line, words, line.casefold()
        self.rows[row] = own if own is not None else own_features([line], [words])[0]
        self._telling[row] = None
        self._ids.pop(row, None)
        self._key_ids[row] = self._key_index.setdefault(self.keys[row], len(self._key_index))
        self._chosen_by, self._stoplist = None, None  # the densities are computed again

    def _choose_stoplist(self, which: list[int]) -> None:
        """The stoplist the first `STOPWORD_SAMPLE` words of ``which`` (of two letters or more)
        choose (the same lines choose the same list: a round that removed none of them reuses it)."""
        needed, prefix = STOPWORD_SAMPLE, 0
        while prefix < len(which) and needed > 0:
            needed -= self._telling_words(which[prefix])
            prefix += 1
        key = tuple(which[:prefix])
        if key == self._chosen_by:
            return
        ids = [self._list_ids(i)[0] for i in key]
        if key and needed < 0:  # the last line's first words only
            ids[-1] = ids[-1][: sum(map(len, self._list_ids(key[-1])[1][: self._telling_words(key[-1]) + needed]))]
        stop = _best_stoplist(np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64))
        self._chosen_by = key
        if stop is self._stoplist:
            return  # the same list again (the usual case): the densities stand
        self._stoplist = stop
        self._density = np.array([sum(map(stop.__contains__, ws)) / len(ws) if ws else 0.0 for ws in self.words])

    def _telling_words(self, line: int) -> int:
        """How many of the line's words choose the stoplist (two letters or more)."""
        known = self._telling[line]
        if known is None:
            ws = self.words[line]
            known = self._telling[line] = len(ws) - list(map(len, ws)).count(1)
        return known

    def _list_ids(self, line: int) -> tuple[np.ndarray, list[tuple[int, ...]]]:
        """The lists each of the line's first `STOPWORD_SAMPLE` telling words is in, one after
        the other, and those lists word by word."""
        if line not in self._ids:
            ws = self.words[line]
            telling = ws if self._telling_words(line) == len(ws) else [w for w in ws if len(w) > 1]
            lists = list(map(_stoplists()[0].get, telling[:STOPWORD_SAMPLE], itertools.repeat(())))
            self._ids[line] = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64), lists
        return self._ids[line]


# What some features look for, one character at a time: a class bit per character, so that a
# shard's lines are scanned as one numpy array instead of a regular expression per line (the
# expressions they stand for are in `_char_counts`; tests compare the two on tricky text).
_LU, _WS, _ND, _UPPERISH, _STOP, _CLOSER, _OPENER, _SEPARATOR = (1 << bit for bit in range(8))
_CLASSES = (
    (_LU, r"\p{Lu}"),
    (_WS, r"\s"),
    (_ND, r"\d"),
    (_UPPERISH, r"[\p{Lu}\d.&-]"),  # what a word in capitals is made of
    (_STOP, r"[.!?…]"),  # a sentence break's parts
    (_CLOSER, r"[\"'”’»)\]]"),
    (_OPENER, r"[\"'“‘«(\[]"),
    (_SEPARATOR, "[" + regex.escape("".join(s.strip() for s in _SEPARATORS)) + "]"),
)
_NEWLINE, _SPACE = 10, 32
#: What a line has to hold for `_URL` to match in it (its literals, case as in the pattern).
_URL_LITERALS = ("http://", "https://", "www.", ".com", ".org", ".net", ".info", ".ru", ".de", ".fr", ".uk", ".io")


def _classify(chars: str) -> np.ndarray:
    """The class bits of each character of ``chars``, as the regex module reads them."""
    out = np.zeros(len(chars), dtype=np.uint8)
    for bit, pattern in _CLASSES:
        found = np.fromiter((m.start() for m in regex.finditer(pattern, chars)), dtype=np.int64)
        out[found] |= bit
    return out


@functools.cache
def _bmp_classes() -> np.ndarray:
    """The class bits of every character up to U+FFFF (a 64 KB table, built once)."""
    return _classify("".join(map(chr, range(0x10000))))


@functools.cache
def _url_finder() -> Any:
    import ahocorasick_rs

    return ahocorasick_rs.AhoCorasick(list(_URL_LITERALS))


def own_features(lines: Sequence[str], words: Sequence[list[str]]) -> np.ndarray:
    """The `LINE_FEATURES` of each line that do not depend on the other lines (stopwords and
    repeated: 0 here), one row per line; ``words``: each line's words, lower-cased. Computed a
    feature at a time for all the lines (the character counts in one pass, `_char_counts`)."""
    furniture = furniture_words()
    size = len(lines)
    counts = _char_counts(lines)

    def column(values: Iterable[float]) -> np.ndarray:
        return np.fromiter(values, dtype=np.float64, count=size)

    n = column(map(len, words))
    length = column(map(len, lines))
    chars = np.maximum(length, 1)
    tokens = column(line.count(" ") + 1 for line in lines)
    # (an empty line counts one digit in one character, as the line-by-line code always did)
    digits = np.where(length == 0, 1.0, counts["digits"])
    # (numpy's per-element reads are slow: the per-line flags as lists)
    has_digits = (counts["digits"] > 0).tolist()
    separators = counts["separators"].tolist()
    addresses = counts["addresses"].tolist()
    handles = (("@" in line or "#" in line) and _HANDLE.search(line) is not None for line in lines)
    dates = (
        has_digits[k] and (_NUMERIC_DATE.search(line) is not None or not MONTHS.keys().isdisjoint(words[k]))
        for k, line in enumerate(lines)
    )
    columns = {
        "log_chars": log1p(length),
        "log_words": log1p(n),
        "words_1_3": (n >= 1) & (n <= 3),
        "words_4_9": (n >= 4) & (n <= 9),
        "words_10_24": (n >= 10) & (n <= 24),
        "sentence_end": column(line.rstrip(CLOSERS)[-1:] in SENTENCE_ENDS for line in lines),
        "colon_end": column(line.endswith(":") for line in lines),
        "sentences": log1p(counts["sentences"]),
        "comma_rate": column(map(str.count, lines, itertools.repeat(","))) / (n + 1),
        "capitalised": counts["capitalised"] / tokens,
        "upper": counts["upper"] / tokens,
        "digits": digits / chars,
        "url": column(addresses[k] and _URL.search(line) is not None for k, line in enumerate(lines)),
        "handle": column(handles),
        "copyright": column(
            "©" in line or "opyright" in line or "OPYRIGHT" in line or "(c)" in line or "(C)" in line for line in lines
        ),
        "bullet": column(LIST_ITEM.match(line) is not None for line in lines),
        "separators": log1p(
            column(sum(map(line.count, _SEPARATORS)) if separators[k] else 0 for k, line in enumerate(lines))
        ),
        "date": column(dates),
        "starts_lower": column(line[:1].islower() for line in lines),
        "quote_start": column(_QUOTE_START.match(line) is not None for line in lines),
        "letters": (column(sum(map(len, ws)) for ws in words) - digits) / chars,
        "furniture_words": column(sum(map(furniture.__contains__, ws)) for ws in words) / np.maximum(n, 1),
    }
    rows = np.zeros((size, len(LINE_FEATURES)))
    for name, values in columns.items():
        rows[:, _column(name)] = values
    return rows


#: Characters looked at as one array at most (about 20 bytes each while they are): the lines of a
#: shard of long texts go in parts, so that memory stays bounded whatever the shard.
_CHUNK_CHARS = 1 << 21


def _char_counts(lines: Sequence[str]) -> dict[str, np.ndarray]:
    """`_chunk_counts` of ``lines``, in parts of at most `_CHUNK_CHARS` characters (or one line)."""
    parts: list[tuple[int, int]] = []
    start = size = 0
    for k, line in enumerate(lines):
        if size and size + len(line) > _CHUNK_CHARS:
            parts.append((start, k))
            start, size = k, 0
        size += len(line) + 1
    parts.append((start, len(lines)))
    counts = [_chunk_counts(lines[a:b]) for a, b in parts]
    return {key: np.concatenate([part[key] for part in counts]) for key in counts[0]}


def _chunk_counts(lines: Sequence[str]) -> dict[str, np.ndarray]:
    r"""Per line: how many digits (``\d``), capitalised words (``(?<!\S)\p{Lu}``), words in
    capitals (``(?<!\S)\p{Lu}[\p{Lu}\d.&-]+(?!\S)``) and sentence breaks
    (``[.!?…][\"'”’»)\]]*\s+[\"'“‘«(\[]?\p{Lu}``) it holds, as the regex module finds them, and
    whether it may hold a separator or an address (then worth the exact test). The lines are
    joined by line breaks (no line holds one) and looked at as one array of character classes."""
    text = "\n".join(lines)
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    size = len(lines)
    lengths = np.fromiter(map(len, lines), dtype=np.int64, count=size)
    starts = np.cumsum(lengths + 1) - lengths - 1
    wide = cp > 0xFFFF
    c = _bmp_classes()[np.minimum(cp, 0xFFFF)]  # (those beyond: below)
    if wide.any():  # beyond the table (emoji, old scripts): classified here, each once
        found = np.unique(cp[wide])
        c[wide] = _classify("".join(map(chr, found.tolist())))[np.searchsorted(found, cp[wide])]

    def per_line(positions: np.ndarray) -> np.ndarray:
        return np.bincount(np.searchsorted(starts, positions, side="right") - 1, minlength=size)

    upper = np.flatnonzero(c & _LU)
    # a capital that starts a word: at the text's start or after white space (a line break too)
    capitals = upper[(upper == 0) | ((c[upper - 1] & _WS) != 0)]
    # a word in capitals: from such a capital to the next white space (or the end), two
    # characters or more, each a capital, a digit or one of ".&-"
    spaces = np.append(np.flatnonzero(c & _WS), len(c))
    ends = spaces[np.searchsorted(spaces, capitals)]
    upperish = np.zeros(len(c) + 1, dtype=np.int32)
    np.cumsum((c & _UPPERISH) != 0, out=upperish[1:])
    in_capitals = (ends - capitals >= 2) & (upperish[ends] - upperish[capitals] == ends - capitals)
    separators = np.flatnonzero(c & _SEPARATOR)
    separators = separators[(separators > 0) & (separators < len(c) - 1)]
    separators = separators[(cp[separators - 1] == _SPACE) & (cp[separators + 1] == _SPACE)]
    addresses = np.zeros(size, dtype=bool)
    try:
        found_urls = _url_finder().find_matches_as_indexes(text, overlapping=True)
    except UnicodeEncodeError:  # a lone surrogate: one "?" for it keeps every other offset
        safe = text.encode("utf-8", "replace").decode()
        found_urls = _url_finder().find_matches_as_indexes(safe, overlapping=True)
    if found_urls:
        ends_at = np.array([end for _, _, end in found_urls], dtype=np.int64)
        addresses[np.searchsorted(starts, ends_at - 1, side="right") - 1] = True
    return {
        "digits": per_line(np.flatnonzero(c & _ND)),
        "capitalised": per_line(capitals),
        "upper": per_line(capitals[in_capitals]),
        "sentences": per_line(_sentence_breaks(c, cp)),
        "separators": per_line(separators) > 0,
        "addresses": addresses,
    }


def _sentence_breaks(c: np.ndarray, cp: np.ndarray) -> np.ndarray:
    """Where a sentence break (`_char_counts`) starts in the joined lines (``c``: their class bits, ``cp``:
    their code points): a stop, closers, white space that does not cross a line break, maybe an
    opener, a capital. Matches cannot overlap (nothing after the stop is a stop)."""
    stops = np.flatnonzero(c & _STOP)
    at = _skip(c, cp, stops + 1, _CLOSER)
    spaced = (at < len(c)) & ((c[np.minimum(at, len(c) - 1)] & _WS) != 0)
    spaced &= cp[np.minimum(at, len(c) - 1)] != _NEWLINE
    stops, at = stops[spaced], _skip(c, cp, at[spaced], _WS)
    last = len(c) - 1
    here = c[np.minimum(at, last)]
    nxt = c[np.minimum(at + 1, last)]
    capital = (at <= last) & ((here & _LU) != 0)
    opened = (at < last) & ((here & _OPENER) != 0) & ((nxt & _LU) != 0)
    return stops[capital | opened]


def _skip(c: np.ndarray, cp: np.ndarray, positions: np.ndarray, bit: int) -> np.ndarray:
    """From each of ``positions``, the first position on that is not of class ``bit``, a line
    break, or the end. Runs are short: a step for all at once per character, for a few
    characters; what is still in a run then (a line of 500 quotes) jumps to its end at once."""
    positions = positions.copy()
    moving = np.flatnonzero(positions < len(c))
    for _ in range(_SHORT_RUN):
        if not len(moving):
            return positions
        at = positions[moving]
        moving = moving[((c[at] & bit) != 0) & (cp[at] != _NEWLINE)]
        positions[moving] += 1
        moving = moving[positions[moving] < len(c)]
    if len(moving):
        ends = np.append(np.flatnonzero(((c & bit) == 0) | (cp == _NEWLINE)), len(c))
        positions[moving] = ends[np.searchsorted(ends, positions[moving])]
    return positions


#: Characters `_skip` steps over one at a time before it looks for the runs' ends at once.
_SHORT_RUN = 8


def _column(name: str) -> int:
    return LINE_FEATURES.index(name)


#: Decimals the features' logarithms and the model's probabilities keep. numpy computes log1p,
#: expm1 and exp with the widest vector instructions the CPU has, and their last bits differ
#: between CPUs (AVX-512 or not): rounded, the features, the trees trained on them and the cuts
#: are the same on every machine.
_DECIMALS = 9


def log1p(values: Any) -> np.ndarray:
    """``log(1 + values)``, the same on every CPU (see `_DECIMALS`)."""
    return np.round(np.log1p(values), _DECIMALS)


def counted(rows: np.ndarray, name: str) -> np.ndarray:
    """The count a ``log_*`` column of `LINE_FEATURES` holds, exactly: ``expm1(log1p(15))`` is
    14.999999999999998 on some CPUs, which is not ``>= 15``."""
    return np.rint(np.expm1(rows[:, _column(name)]))


_STOPWORDS = LINE_FEATURES.index("stopwords")
_REPEATED = LINE_FEATURES.index("repeated")
_SENTENCES = LINE_FEATURES.index("sentences")
_SENTENCE_END = LINE_FEATURES.index("sentence_end")


class Stack:
    """Pages' lines stacked as one array's rows: for each row, its page, its place on the page and
    the page's length. Features that depend on the other lines of a page are computed for all the
    pages at once, each page exactly as on its own (a page's result never depends on the others
    stacked with it: the same lines give the same features whatever the batch)."""

    def __init__(self, lengths: Sequence[int]) -> None:
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.ends = np.cumsum(self.lengths)
        self.starts = self.ends - self.lengths
        self.page = np.repeat(np.arange(len(self.lengths)), self.lengths)
        self.index = np.arange(int(self.ends[-1]) if len(self.ends) else 0) - np.repeat(self.starts, self.lengths)
        self.size = np.repeat(self.lengths, self.lengths)
        self.width = int(self.lengths.max()) if len(self.lengths) else 0

    def padded(self, values: np.ndarray, width: int | None = None, at: int = 0, fill: float = 0.0) -> np.ndarray:
        """One row per page: its values from column ``at``, ``fill`` around them."""
        out = np.full((len(self.lengths), (width or self.width) + at), fill)
        out[self.page, self.index + at] = values
        return out

    def cumsum(self, values: np.ndarray) -> np.ndarray:
        """Each row's running sum over its page (added in order, as `np.cumsum` of the page)."""
        return np.cumsum(self.padded(values), axis=1)[self.page, self.index]

    def total(self, values: np.ndarray) -> np.ndarray:
        """Each row's page's sum (as `np.sum` of the page), or 1 where it is 0."""
        sums = np.array([values[a:b].sum() for a, b in zip(self.starts, self.ends, strict=True)])
        return np.repeat(np.where(sums == 0, 1.0, sums), self.lengths)

    def shifted(self, values: np.ndarray, by: int, fill: float = 0.0) -> np.ndarray:
        """``values`` moved ``by`` rows within each page (positive: each row gets an earlier
        row's value), ``fill`` past the page's edges."""
        source = self.index - by
        inside = np.flatnonzero((source >= 0) & (source < self.size))
        out = np.full_like(values, fill)
        out[inside] = values[inside - by]
        return out

    def split(self, values: np.ndarray) -> list[np.ndarray]:
        return np.split(values, self.ends[:-1])


def position_features(base: np.ndarray, stack: Stack | None = None) -> np.ndarray:
    """Where each line sits: from the edges, and with how much prose before and after it
    (``base``: the lines of one page, or of the pages ``stack`` says)."""
    stack = stack or Stack([len(base)])
    index = stack.index.astype(float)
    n = stack.size
    words = counted(base, "log_words")
    prose = words * (words >= 10) * base[:, _column("sentence_end")]
    total = stack.total(prose)
    before = (stack.cumsum(prose) - prose) / total
    after = 1.0 - before - prose / total
    short = words <= 5
    # the length of the run of short lines each line is in (a page's first line starts a run)
    edges = np.flatnonzero((short[1:] != short[:-1]) | (stack.index[1:] == 0)) + 1
    bounds = np.concatenate([[0], edges, [len(base)]])
    lengths = np.diff(bounds)
    run = np.repeat(log1p(lengths), lengths) * short
    chars = counted(base, "log_chars")
    chars_before = (stack.cumsum(chars) - chars) / stack.total(chars)
    out = np.empty((len(base), len(POSITION_FEATURES)))
    out[:, 0] = index / np.maximum(n - 1, 1)
    out[:, 1] = log1p(index)
    out[:, 2] = log1p(n - 1 - index)
    out[:, 3] = before
    out[:, 4] = after
    out[:, 5] = before <= 0
    out[:, 6] = after <= 1e-9
    out[:, 7] = run
    out[:, 8] = chars_before
    return out


_NEIGHBOUR_COLUMNS = [LINE_FEATURES.index(name) for name in NEIGHBOUR_FEATURES]


def first_features(base: np.ndarray, stack: Stack | None = None, extra: np.ndarray | None = None) -> np.ndarray:
    """The first model's inputs: the line, its neighbours' main features, its position (and
    ``extra`` columns after them, in the same copy)."""
    stack = stack or Stack([len(base)])
    neighbours = base[:, _NEIGHBOUR_COLUMNS]
    # the lines two and one before, then one and two after (zeros past the edges)
    parts = [base, *(stack.shifted(neighbours, by) for by in (2, 1, -1, -2)), position_features(base, stack)]
    return np.hstack(parts if extra is None else [*parts, extra])


def gap_features(gaps: bytes, count: int) -> np.ndarray:
    """`GAP_FEATURES` of the ``count`` non-empty lines of a text whose `Document.gaps` are
    ``gaps`` (none taken out if they do not fit the text).

    >>> gap_features(bytes([0, 2, 1, 0, 0]), 5).astype(int).tolist()
    [[0, 0, 0, 1], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0]]
    """
    out = np.zeros((count, len(GAP_FEATURES)))
    if len(gaps) != count:
        return out
    # a line a few lines long is cheaper walked than put through a dozen numpy calls
    for i, bits in enumerate(gaps):
        if bits & 1:  # the line before went: and for the next two, one above the lines before them
            out[i, 0] = 1.0
            out[i + 1 : i + 3, 2] = 1.0
        if bits & 2:
            out[i, 1] = 1.0
            out[max(i - 2, 0) : i, 3] = 1.0
    out[:, 2] *= 1.0 - out[:, 0]  # "near" only where not right next to the gap
    out[:, 3] *= 1.0 - out[:, 1]
    return out


def line_inputs(base: np.ndarray, gaps: np.ndarray, stack: Stack | None = None) -> np.ndarray:
    """The first line model's inputs: `first_features` and the `GAP_FEATURES` (``gaps``)."""
    return first_features(base, stack, gaps)


def context_features(p: np.ndarray, stack: Stack | None = None) -> np.ndarray:
    """The second model's extra inputs: the first model's probabilities around each line."""
    stack = stack or Stack([len(p)])
    out = np.zeros((len(p), len(CONTEXT_FEATURES)))
    if not len(p):
        return out
    for column, by in enumerate(range(3, -4, -1)):  # the lines three before to three after
        out[:, column] = stack.shifted(p, by)
    rows, index = stack.page, stack.index
    # the most likely body before and after each line (probabilities are >= 0: padding is 0)
    before = np.maximum.accumulate(stack.padded(p, at=1), axis=1)
    out[:, 7] = before[rows, index]
    after = np.maximum.accumulate(stack.padded(p, width=stack.width + 1)[:, ::-1], axis=1)[:, ::-1]
    out[:, 8] = after[rows, index + 1]
    # the mean of five lines around each, the edge lines repeated past the edges, summed in order
    edged = stack.padded(p, width=stack.width + 4, at=3)
    first, last = p[stack.starts], p[stack.ends - 1]
    edged[:, 1], edged[:, 2] = first, first
    pages = np.arange(len(stack.lengths))
    edged[pages, stack.lengths + 3] = last
    edged[pages, stack.lengths + 4] = last
    sums = np.cumsum(edged, axis=1)
    out[:, 9] = (sums[rows, index + 5] - sums[rows, index]) / 5
    # how far the nearest line the model is sure of (p >= 0.9) is; the page's length if none
    sure = p >= 0.9
    behind = stack.padded(np.where(sure, index, -1), fill=-1)
    last_sure = np.maximum.accumulate(behind, axis=1)[rows, index]
    never = np.iinfo(np.int32).max
    ahead = stack.padded(np.where(sure, index, never), fill=never)
    next_sure = np.minimum.accumulate(ahead[:, ::-1], axis=1)[:, ::-1][rows, index]
    nearest = np.minimum(np.where(last_sure >= 0, index - last_sure, stack.size), next_sure - index)
    out[:, 10] = log1p(nearest)
    return out


TITLE_FEATURES = ("candidate_rank", "candidates_after", "repeated", "longest_candidate")
#: The headline is looked for among this many lines at most, before the first line of prose.
TITLE_WINDOW = 25
#: The title model's probability the likeliest line needs to be taken for the headline (unless
#: echoed). Chosen on AEB's held-out folds: 0.5 finds 98 of 126 headlines, 0.3 99, 0.2 100, 0.15
#: 101, with more lines taken on pages whose headline the set does not know ("Share Close ...").
TITLE_MIN_PROB = 0.2
#: Or, under that, this much and `TITLE_STANDOUT_RATIO` times every other candidate's: on a page
#: whose top is a long menu the model is unsure of the headline too ("Best tech gadgets of 2019"
#: at 0.17 under "+ ZDNet Japan" at 0.001). Over seven assignments of AEB's pages to folds: 101.7
#: headlines found of 126 without it, 102.6 with it (102.4 at 0.05 and 5 times; 5 or 10 times
#: at 0.1 the same), the body and furniture kept the same to the fourth decimal.
TITLE_STANDOUT_PROB = 0.1
TITLE_STANDOUT_RATIO = 10.0
#: A headline picked with this probability or more (or named by the page's address) is sure
#: enough that the short lines above it go with it (`title:before`); one picked with less goes alone.
SURE_TITLE_PROB = 0.5


class Headline(NamedTuple):
    """The line the title model takes for the headline, whether it is sure of it, and the lines
    that repeat it (a breadcrumb or page title ending with it, the page's address)."""

    line: int
    sure: bool
    echoes: tuple[int, ...] = ()


def _is_address(key: str) -> bool:
    """Whether a line is a web address ("www.site.com.br", "https://..."), not words."""
    return "://" in key or "www." in key or ("." in key and " " not in key.strip())


def _stands_out(p: Sequence[float], best: int) -> bool:
    """Whether candidate ``best`` (``p``: the candidates' title probabilities) is likely enough
    on its own (`TITLE_STANDOUT_PROB`) and `TITLE_STANDOUT_RATIO` times any other."""
    others = max([0.0, *(x for k, x in enumerate(p) if k != best)])
    return bool(p[best] >= TITLE_STANDOUT_PROB and p[best] >= TITLE_STANDOUT_RATIO * others)


#: Closing quotation marks (and the apostrophe, which stands for one).
_QUOTE_CLOSERS = "\"”’»'"


def _ends_sentence(key: str) -> bool:
    """Whether a line ends as a statement does: with a full stop or "!" (not "?" or "..."), and
    not inside a quotation that closes the line (a headline quoting someone: on AEB's held-out
    folds, one more headline found per assignment of pages to folds, the body kept the same and
    0.0003 more of the furniture left)."""
    end = key.rstrip(" ")
    if end[-1:] in _QUOTE_CLOSERS and end[-2:-1] in (".", "!"):
        return False  # the quotation's sentence ends, not the line's: 'Coach: “We needed this win!”'
    end = end.rstrip(CLOSERS)
    return end.endswith((".", "!")) and not end.endswith("..")


def title_candidates(base: np.ndarray) -> int:
    """How many lines from the top can be the headline: those before the first line of prose
    (`PROSE_WORDS` words or more, ending as a sentence), within `TITLE_WINDOW`."""
    return int(candidate_counts(base, Stack([len(base)]))[0])


def candidate_counts(tops: np.ndarray, stack: Stack) -> np.ndarray:
    """`title_candidates` of each page of ``stack`` (``tops``: the pages' first lines)."""
    if not len(stack.lengths):
        return np.zeros(0, dtype=np.int64)
    words = counted(tops, "log_words")
    prose = (words >= PROSE_WORDS) & (tops[:, _column("sentence_end")] > 0) & (stack.index < TITLE_WINDOW)
    at = stack.padded(np.where(prose, stack.index, TITLE_WINDOW), fill=TITLE_WINDOW)
    first = at.min(axis=1, initial=TITLE_WINDOW)
    return np.minimum(first.astype(np.int64), np.minimum(stack.lengths, TITLE_WINDOW))


def title_features(base: np.ndarray, count: int) -> np.ndarray:
    """The title model's inputs for the first ``count`` lines: the first model's, and where the
    line stands among the candidates."""
    return _title_features(base, Stack([len(base)]), np.array([count]))


def _title_features(tops: np.ndarray, stack: Stack, counts: np.ndarray) -> np.ndarray:
    """`title_features` of each page of ``stack``, stacked (``counts``: the candidates of each)."""
    chosen = stack.index < counts[stack.page]
    x = first_features(tops, stack)[chosen]
    rows = tops[chosen]
    words = counted(rows, "log_words")
    candidates = Stack(np.minimum(np.maximum(counts, 0), stack.lengths))
    longest = candidates.padded(words, fill=-np.inf).max(axis=1, initial=-np.inf)[candidates.page]
    rank = candidates.index.astype(float)
    extra = np.column_stack(
        [log1p(rank), log1p(candidates.size - 1 - rank), rows[:, _column("repeated")], words >= longest]
    )
    return np.hstack([x, extra])


#: A line repeated inside another is taken for an echoed headline from this many words on.
ECHO_WORDS = 3
#: A URL's path segment echoes a line when their slugs agree on this many characters (or the
#: whole of the line's): slugs are often cut short.
SLUG_AGREES = 30
_NOT_SLUG = regex.compile(r"[^\p{L}\p{N}]+")
_URL_TEXT = regex.compile(r"(?:https?://|www\.)\S+")


def _slug(text: str) -> str:
    """``text`` as a URL slug: "Cat found in New Mexico" -> "cat-found-in-new-mexico"."""
    return _NOT_SLUG.sub("-", text.casefold().replace("'", "").replace("’", "")).strip("-")


def echoed_lines(keys: Sequence[str]) -> dict[int, tuple[int, bool]]:
    """Among lines (case-folded), each line that another one starts or ends with, or whose slug
    a URL in another line has, of `ECHO_WORDS` words or more: a breadcrumb, a page title or the
    page's address repeating the headline ("home news <headline>", "<headline> | site",
    "https://site/news/<headline-slug>-123"). Maps the longer line to the one it repeats, and
    whether that is an address (a breadcrumb may end with a section's name instead)."""
    found: dict[int, tuple[int, bool]] = {}
    segments = {
        i: [_slug(part) for url in _URL_TEXT.findall(key) for part in url.split("/")[1:]]
        for i, key in enumerate(keys)
        if "http" in key or "www." in key
    }
    for j, key in enumerate(keys):
        if len(split_words(key)) < ECHO_WORDS:
            continue
        slug = _slug(key) if segments else ""  # (only an address is compared by slug)
        for i, other in enumerate(keys):
            if i in found or i == j:
                continue
            # the repeat stands apart from the rest of the longer line (not "fact check" in "fact checks")
            repeats = (other == key and j < i) or (
                len(other) > len(key)
                and (
                    (other.endswith(key) and not other[-len(key) - 1].isalnum())
                    or (other.startswith(key) and not other[len(key)].isalnum())
                )
            )
            if repeats:
                found[i] = (j, False)
            elif any(_agree(part, slug) >= min(len(slug), SLUG_AGREES) for part in segments.get(i, ())):
                found[i] = (j, True)
    return found


def _agree(a: str, b: str) -> int:
    """The length of the prefix ``a`` and ``b`` share."""
    return next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


# Furniture glued to a paragraph ("Photo: Reuters. The president said ...", "... on Monday. ©
# 2019 Reuters. All rights reserved."): the first and the last sentence of the lines the line
# model keeps at the edges of the text are scored on their own by the sentence model, from
# their features, their line's and how much of their vocabulary the text shares.
#: A line is looked into from this many words on, if it is one of the first `EDGE_LINES[0]` or
#: the last `EDGE_LINES[1]` such lines of the text (where credits, notices and prompts get glued
#: to the article) ...
EDGE_LINE_WORDS = 12
#: (Two at the start: a page's first long line left is not its first paragraph on about a third
#: of AEB's pages, a standfirst or furniture the line model kept, and a credit is glued before
#: the first paragraph; the last long line left is the last paragraph on 167 of its 175 pages.
#: Over seven assignments of AEB's pages to folds, the first and last two lines with both their
#: sentences left 0.3021 of the furniture held out, these 0.3028 (one line at each end: 0.3028),
#: with the same body kept and headlines, and took 0.05 ms a document more.)
EDGE_LINES = (2, 1)
#: In the lines between the first and the last, the sentence facing the edge only: the second
#: long line's first sentence (a credit goes before a paragraph).
FACING = True
#: The first and last lines whose sentences (both) the sentence model learns from.
TRAINED_EDGE_LINES = (2, 2)
#: ... for a first or last sentence of `EDGE_SENTENCE_MIN_WORDS` to `EDGE_SENTENCE_WORDS` words
#: (not a list's number, "2."), leaving at least `EDGE_REST_WORDS`.
EDGE_SENTENCE_MIN_WORDS = 2
EDGE_SENTENCE_WORDS = 40
EDGE_REST_WORDS = 6
#: A sentence break (as the feature "sentences" counts them): a stop, closers, white space, then
#: a capital (maybe after an opener). Group 1 is the white space.
_EDGE_BREAK = regex.compile(r"[.!?…][\"'”’»)\]]*(\s+)(?=[\"'“‘«(\[]?\p{Lu})")
#: What the sentence model knows of the whole line.
WHOLE_LINE_FEATURES = ("log_words", "sentence_end", "stopwords", "capitalised", "furniture_words", "url")
_WHOLE_LINE_COLUMNS = [LINE_FEATURES.index(name) for name in WHOLE_LINE_FEATURES]
SENTENCE_FEATURES = (
    *LINE_FEATURES,
    *("last", "share_of_words", "lines_before", "lines_after", "cohesion"),
    *(f"line_{name}" for name in WHOLE_LINE_FEATURES),
)


class Edge(NamedTuple):
    """A first (``last`` false) or last sentence of a line: ``text``, the ``rest`` of the line,
    and the span of the line that goes with the sentence (the white space between them too);
    where the line is among the text's (how many lines before and after it), and the share of
    the sentence's words of four letters or more that another line holds too (a notice glued
    to a paragraph shares few words with the article; the article's own sentences do)."""

    text: str
    rest: str
    last: bool
    start: int
    end: int
    before: int = 0
    after: int = 0
    cohesion: float = 0.0


def vocabulary(lines: Iterable[list[str]]) -> Counter[str]:
    """How often each word is in ``lines`` (each line's words)."""
    return Counter(itertools.chain.from_iterable(lines))


def in_context(
    lines: Sequence[list[str]], at: int, edges: Sequence[Edge], counts: Counter[str] | None = None
) -> list[Edge]:
    """The ``edges`` of line ``at`` of ``lines`` (each line's words, lower-cased) that may go (of
    `EDGE_SENTENCE_MIN_WORDS` to `EDGE_SENTENCE_WORDS` words, leaving `EDGE_REST_WORDS`), with
    where the line is and how much of each sentence's vocabulary the other lines hold
    (``counts``: the lines' `vocabulary`, when the caller has it)."""
    counts = counts if counts is not None else vocabulary(lines)
    words = lines[at]
    here = Counter(words)
    out = []
    for edge in edges:
        # the line's words are the sentence's and the rest's (words never cross the white space
        # between); a word of the sentence is elsewhere when another line has it too
        n = len(split_words(edge.text))
        if not EDGE_SENTENCE_MIN_WORDS <= n <= EDGE_SENTENCE_WORDS or len(words) - n < EDGE_REST_WORDS:
            continue
        own = {w for w in (words[len(words) - n :] if edge.last else words[:n]) if len(w) >= 4}
        held = sum(counts[w] > here[w] for w in own) / len(own) if own else 1.0
        # (made anew rather than by `_replace`, which costs three times as much)
        out.append(Edge(edge.text, edge.rest, edge.last, edge.start, edge.end, at, len(lines) - 1 - at, held))
    return out


def edge_lines(
    words: Sequence[int], count: tuple[int, int] = EDGE_LINES, facing: bool = FACING
) -> dict[int, tuple[bool, ...]]:
    """Of lines with ``words`` words each, the first ``count[0]`` and the last ``count[1]`` of
    `EDGE_LINE_WORDS` words or more, in order, with the sentences looked at in each (``last``):
    both in the first and the last such line; in the others both, or with ``facing`` the one
    that faces the edge (the first sentence near the start, the last near the end). (Only the
    first sentence of the first line and the last of the last, half the cost, was tried: held
    out, it took less glued furniture for the body it lost.)"""
    long = [k for k, n in enumerate(words) if n >= EDGE_LINE_WORDS]
    start, end = set(long[: count[0]]), set(long[len(long) - count[1] :])
    outer = {*long[:1], *long[-1:]}
    looked: dict[int, tuple[bool, ...]] = {}
    for k in sorted(start | end):
        both = not facing or k in outer or (k in start and k in end)
        looked[k] = (False, True) if both else (False,) if k in start else (True,)
    return looked


def sentence_edges(line: str, sides: tuple[bool, ...] = (False, True)) -> list[Edge]:
    """The first and the last sentence of ``line`` (none when it holds no sentence break), or
    those of ``sides`` (``last``: the first sentence alone needs no search past the first break)."""
    if True not in sides:
        first = _EDGE_BREAK.search(line)
        return [] if first is None else [Edge(line[: first.start(1)], line[first.end() :], False, 0, first.end())]
    breaks = list(_EDGE_BREAK.finditer(line))
    if not breaks:
        return []
    first, last = breaks[0], breaks[-1]
    edges = [
        Edge(line[: first.start(1)], line[first.end() :], False, 0, first.end()),
        Edge(line[last.end() :], line[: last.start(1)], True, last.start(1), len(line)),
    ]
    return edges if False in sides else edges[1:]


def sentence_features(edges: Sequence[Edge], stoplists: Sequence[frozenset[str]], lines: np.ndarray) -> np.ndarray:
    """The sentence model's inputs for each of ``edges`` (as `in_context` gives them: those that
    may go; ``stoplists``: the stoplist of each one's text; ``lines``: the `LINE_FEATURES` of each
    one's whole line, its stopwords by that list)."""
    texts = [edge.text for edge in edges]
    words = words_per_line(texts)
    rows = own_features(texts, words)
    rows[:, _STOPWORDS] = [
        sum(map(stop.__contains__, ws)) / len(ws) if ws else 0.0 for ws, stop in zip(words, stoplists, strict=True)
    ]
    n = len(edges)
    own = np.fromiter(map(len, words), dtype=np.float64, count=n)
    whole = counted(lines, "log_words") if n else np.zeros(0)
    x = np.hstack(
        [
            rows,
            np.array([[edge.last] for edge in edges], dtype=np.float64).reshape(n, 1),
            (own / np.maximum(whole, 1))[:, None],
            log1p(np.array([[edge.before, edge.after] for edge in edges], dtype=np.float64).reshape(n, 2)),
            np.array([[edge.cohesion] for edge in edges], dtype=np.float64).reshape(n, 1),
            lines[:, _WHOLE_LINE_COLUMNS].reshape(n, len(_WHOLE_LINE_COLUMNS)),
        ]
    )
    return x


def feature_names() -> tuple[tuple[str, ...], ...]:
    """The names of the first, the second, the title and the sentence model's inputs, in order."""
    neighbours = tuple(f"{name}@{by:+d}" for by in (-2, -1, 1, 2) for name in NEIGHBOUR_FEATURES)
    first = LINE_FEATURES + neighbours + POSITION_FEATURES
    lines = first + GAP_FEATURES
    return lines, lines + CONTEXT_FEATURES, first + TITLE_FEATURES, SENTENCE_FEATURES


@dataclass(frozen=True)
class Trees:
    """Boosted regression trees over the features: a log-odds of body, as arrays.

    Tree ``t``'s node ``k`` tests ``x[feature[t, k]] <= threshold[t, k]`` and goes to ``left``
    or ``right``; a leaf (``left == -1``) adds ``value``. All trees walk at once, one level per
    step. The log-odds is ``base + rate * (sum of the leaves)``.
    """

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    base: float
    rate: float
    depth: int

    @functools.cached_property
    def _flat(self) -> tuple[np.ndarray, ...]:
        """The trees as flat arrays with global node numbers: the roots, each node's feature and
        threshold, its children (node ``k``'s right child at ``2k``, its left at ``2k + 1``: a
        test's outcome picks one; a leaf leads to itself) and its leaf value."""
        count, width = self.feature.shape
        offsets = np.arange(count) * width
        own = np.arange(count * width).reshape(count, width)
        leaf = self.left < 0
        left = np.where(leaf, own, self.left + offsets[:, None]).ravel()
        right = np.where(leaf, own, self.right + offsets[:, None]).ravel()
        children = np.column_stack([right, left]).ravel()
        return offsets, self.feature.ravel(), self.threshold.ravel(), children, self.value.ravel()

    def predict(self, x: np.ndarray) -> np.ndarray:
        offsets, feature, threshold, children, value = self._flat
        flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
        row = (np.arange(len(x)) * x.shape[1])[:, None]
        node = np.repeat(offsets[None, :], len(x), axis=0)
        for _ in range(self.depth):
            node = children[2 * node + (flat[row + feature[node]] <= threshold[node])]
        raw = self.base + self.rate * value[node].sum(axis=1)
        return np.round(1.0 / (1.0 + np.exp(-np.clip(raw, -30, 30))), _DECIMALS)

    ARRAYS = ("feature", "threshold", "left", "right", "value")

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The trees as named arrays (compact types: a node index fits 16 bits)."""
        return {
            f"{prefix}.feature": self.feature.astype(np.int16),
            f"{prefix}.threshold": self.threshold,
            f"{prefix}.left": self.left.astype(np.int16),
            f"{prefix}.right": self.right.astype(np.int16),
            f"{prefix}.value": self.value,
        }

    def header(self, names: Sequence[str]) -> dict[str, Any]:
        return {"features": list(names), "base": self.base, "rate": self.rate, "depth": self.depth}

    @classmethod
    def from_arrays(cls, arrays: Any, prefix: str, header: dict[str, Any], names: Sequence[str]) -> Trees:
        if list(header["features"]) != list(names):
            raise ValueError(
                "the model's features are not this version's: python -m bench.train_boilerplate rebuilds it"
            )
        get = {name: np.asarray(arrays[f"{prefix}.{name}"]) for name in cls.ARRAYS}
        return cls(
            get["feature"].astype(np.int64),
            get["threshold"].astype(np.float64),
            get["left"].astype(np.int64),
            get["right"].astype(np.int64),
            get["value"].astype(np.float64),
            float(header["base"]),
            float(header["rate"]),
            int(header["depth"]),
        )


@dataclass(frozen=True)
class LineModel:
    """The tree ensembles (lines, lines in context, headlines, sentences at a line's edges) and
    what they were trained on."""

    first: Trees
    second: Trees
    title: Trees
    sentence: Trees
    trained_on: dict[str, Any]

    def body_probability(self, lines: Sequence[str], gaps: bytes = b"") -> np.ndarray:
        """For each line of one text, the probability that it is body text (not page furniture);
        ``gaps``: where earlier stages took lines out (`Document.gaps`)."""
        if not lines:
            return np.zeros(0)
        return self.body_probabilities([line_features(lines)], [gap_features(gaps, len(lines))])[0]

    def body_probabilities(self, bases: Sequence[np.ndarray], gaps: Sequence[np.ndarray] = ()) -> list[np.ndarray]:
        """`body_probability` for many texts (``bases``: their lines' `LineTable` features;
        ``gaps``: their `gap_features`, none taken out if not given), each tree ensemble called
        once for them all."""
        if not bases:
            return []
        stack = Stack([len(base) for base in bases])
        removed = np.vstack(gaps) if gaps else np.zeros((int(stack.lengths.sum()), len(GAP_FEATURES)))
        x = line_inputs(np.vstack(bases), removed, stack)
        p = self.first.predict(x)
        return stack.split(self.second.predict(np.hstack([x, context_features(p, stack)])))

    def edge_probabilities(
        self, edges: Sequence[Edge], stoplists: Sequence[frozenset[str]], lines: np.ndarray
    ) -> np.ndarray:
        """For each of ``edges`` (with `sentence_features`' inputs), the probability that it is
        body text."""
        if not edges:
            return np.zeros(0)
        return self.sentence.predict(sentence_features(edges, stoplists, lines))

    def titles_of(self, bases: Sequence[np.ndarray], keys: Sequence[Sequence[str]]) -> list[Headline | None]:
        """For many texts (``bases``: the features of their first lines), the index of the headline
        among them if one looks enough like it (a headline needs a line after it); the title trees
        are called once for them all. ``keys`` are the same lines, case-folded: a line that
        another candidate repeats (`echoed_lines`) is the headline a breadcrumb, a page title or
        the page's address echoes ("Business | <headline>"): it wins over the line echoing it and
        over a pick the model is unsure of, and one the address names wins outright."""
        if not bases:
            return []
        stack = Stack([len(base[: TITLE_WINDOW + 2]) for base in bases])
        tops = np.vstack([base[: TITLE_WINDOW + 2] for base in bases])
        counts = np.minimum(candidate_counts(tops, stack), stack.lengths - 1)
        if not (counts > 0).any():
            return [None] * len(bases)
        candidates = Stack(np.maximum(counts, 0))
        rows = tops[stack.index < counts[stack.page]]
        statement = (rows[:, _column("sentence_end")] > 0) & (rows[:, _column("capitalised")] < 0.6)
        bullet = rows[:, _column("bullet")] > 0
        scores = self.title.predict(_title_features(tops, stack, counts)).tolist()
        # (a page has a few candidates: read as lists, not numpy arrays, whose calls cost more)
        statements, bullets = statement.tolist(), bullet.tolist()
        found: list[Headline | None] = []
        for n, (a, b) in enumerate(zip(candidates.starts.tolist(), candidates.ends.tolist(), strict=True)):
            count = b - a
            if count <= 0:
                found.append(None)
                continue
            # not a headline: a statement ending in "." or "!" ("Police arrested two men on
            # Friday.": the body's first sentence) unless in title case (a question or a line
            # ending in "..." may be one); an item of a list (the related stories around the
            # headline); a lead-in ("...:"); a web address
            unlikely = [
                (stated and _ends_sentence(key)) or listed or key.endswith(":") or _is_address(key)
                for stated, listed, key in zip(statements[a:b], bullets[a:b], keys[n][:count], strict=True)
            ]
            p = [0.0 if no else score for no, score in zip(unlikely, scores[a:b], strict=True)]
            best = max(range(count), key=p.__getitem__)  # (the first of equals, as numpy's argmax)
            echoes = {at: echo for at, echo in echoed_lines(keys[n][:count]).items() if not unlikely[echo[0]]}
            addressed = sorted(line for line, address in echoes.values() if address)
            if addressed:  # the page's address names its headline: nothing says it better
                best = addressed[0]
            elif best in echoes:
                best = echoes[best][0]
            elif echoes and p[best] < TITLE_MIN_PROB:
                best = min(line for line, _ in echoes.values())
            echoed = best in {line for line, _ in echoes.values()}
            sure = best in addressed or p[best] >= SURE_TITLE_PROB
            repeats = tuple(sorted(at for at, (line, _) in echoes.items() if line == best))
            taken = echoed or p[best] >= TITLE_MIN_PROB or _stands_out(p, best)
            found.append(Headline(best, sure, repeats) if taken else None)
        return found

    def save(self, path: Path) -> None:
        """Write the model as a compressed numpy archive: the trees' arrays, and a JSON header
        (format, features, what it was trained on). Loading it needs no pickle."""
        names = dict(zip(PARTS, feature_names(), strict=True))
        header = {
            "format": FORMAT,
            "trained_on": self.trained_on,
            **{part: getattr(self, part).header(names[part]) for part in PARTS},
        }
        arrays = {k: v for part in PARTS for k, v in getattr(self, part).arrays(part).items()}
        with path.open("wb") as handle:
            np.savez_compressed(handle, header=np.array(json.dumps(header, ensure_ascii=False)), **arrays)

    @classmethod
    def load(cls, path: Path) -> LineModel:
        with np.load(path, allow_pickle=False) as archive:
            header = json.loads(str(archive["header"]))
            if header.get("format") != FORMAT:
                raise ValueError(f"{path.name}: not a cleaner line model (format {header.get('format')!r})")
            names = dict(zip(PARTS, feature_names(), strict=True))
            parts = {part: Trees.from_arrays(archive, part, header[part], names[part]) for part in PARTS}
        return cls(**parts, trained_on=dict(header.get("trained_on") or {}))


FORMAT = "cleaner-line-model/2"
PARTS = ("first", "second", "title", "sentence")


@functools.cache
def load_model(path: Path = MODEL_PATH) -> LineModel:
    """The shipped model (read once per process)."""
    return LineModel.load(path)


#: Texts with fewer non-blank lines than this are left alone: the model reads a line in its page.
MIN_LINES = 3
#: Rounds of scoring at most: a removal changes its neighbours' context, so the model runs again
#: on what it left until it removes nothing (cleaning clean text must change nothing).
MAX_ROUNDS = 8
#: A first or last sentence goes when the sentence model gives it a body probability under this
#: (or under ``min_body_prob``, if lower). Chosen on AEB's held-out folds with furniture glued to
#: them (`bench.train_boilerplate`: 0.05 takes 46% of its words and 0.04% of the body's) and on
#: the language eval set's pages of paragraphs (0.13% of their words, 0.22% at 0.1).
SENTENCE_MAX_PROB = 0.05


@dataclass
class ModelCut:
    """What the model stage takes out of a text: the text left, the audited removals (offsets
    index the text as given), and the headline found, if any."""

    text: str
    removals: list[Removal]
    title: str | None = None


#: A news paragraph's dateline: the place in capitals, perhaps its region and the agency, and a
#: dash before the first sentence ("WASHINGTON (AP) — The", "SANTA FE, N.M. (AP) — A", "BERLIN --
#: The", "NEW YORK (Reuters) - Oil"). The body's first paragraph: next to the byline, the caption
#: and the credits above it, the line model may score it as low as they are (2 of AEB's 23 such
#: paragraphs went at 0.2); from 8 words on, it never goes as a line (its first sentence is the
#: sentence model's to judge). Found at the start of any line of a text, in one search.
DATELINE_WORDS = 8
DATELINE = regex.compile(
    r"(?m)^\p{Lu}[\p{Lu}\p{M}.'’-]+(?: \p{Lu}[\p{Lu}\p{M}.'’-]+)*"  # the place: LOS ANGELES, ST. JOSEPH
    r"(?:, [\p{L}.]+(?: [\p{L}.]+){0,3})?"  # its region: , N.M. / , United Arab Emirates
    r" *(?:\([^()]{2,30}\))? *(?:[—–]|--?) +\p{Lu}[\p{Ll} ]"  # (AP) — The
)


#: Where a line sits moves the bar ``min_body_prob`` sets. Furniture sits at the edges of the
#: body's block (before the first and after the last line the model gives `BLOCK_PROB` or more)
#: and is mostly short: there a line that is not prose goes under `EDGE_SHARE` times the bar, a
#: line of prose (`EDGE_PROSE_WORDS` words or more, ending a sentence: an article's last
#: paragraph) under the bar itself. A line inside the block that goes is more often body (a short
#: paragraph, a list's item): it goes under `INSIDE_SHARE` times the bar. Over seven assignments
#: of AEB's pages to folds, at 0.2: 0.9909 of the body kept and 0.3024 of the furniture left
#: (titles 102.4), where one bar for every line kept 0.9905 and left 0.3125 (102.3). Tried on the
#: way: 0.3 at the edges and 0.1 inside, prose or not, 0.9906 / 0.3007, but two articles' last
#: paragraphs (13 and 14 words, scored 0.29 and 0.27) went (tests' hard cases); prose from 15
#: words, 0.9908 / 0.2992, the same two went; from 10, 0.9908 / 0.3015; 0.5 for short lines at
#: the edges (prose from 15), 0.9901 / 0.2892; 0.3, 0.9916 / 0.3126.
BLOCK_PROB = 0.5
EDGE_SHARE = 2.0
EDGE_PROSE_WORDS = 8
INSIDE_SHARE = 0.5


def _prose(rows: np.ndarray) -> np.ndarray:
    """Which lines (``rows``: their `own_features`) are paragraphs of prose for `_Page.drop`:
    `EDGE_PROSE_WORDS` words or more, ending a sentence."""
    return (counted(rows, "log_words") >= EDGE_PROSE_WORDS) & (rows[:, _SENTENCE_END] > 0)


class _Page:
    """One text under the model: its lines, the ones still in, and what went."""

    def __init__(self, text: str, find_title: bool, gaps: bytes = b"") -> None:
        self.text = text
        self.spans = line_spans(text)
        self.alive = [i for i, (a, b) in enumerate(self.spans) if b > a]
        #: `gap_features` of each line (by line number of the text): fixed, what the stages
        #: before took out (not what the model takes)
        self.gaps = np.zeros((len(self.spans), len(GAP_FEATURES)))
        if gaps:
            self.gaps[self.alive] = gap_features(gaps, len(self.alive))
        self.find_title = find_title
        #: the lines that open with a dateline: the body's first paragraph, which the model keeps
        self.datelines: set[int] = set()
        starts = [m.start() for m in DATELINE.finditer(text)]
        if starts:
            line_at = {start: i for i, (start, _) in enumerate(self.spans)}
            lines = [line_at[start] for start in starts]
            self.datelines = {i for i in lines if count_words(text[slice(*self.spans[i])]) >= DATELINE_WORDS}
        self.row_of: dict[int, int] = {}
        #: the line the title model takes for the headline on the page as it came: kept from the
        #: line model, so that the headline can be looked for again among the lines left
        self.headline: int | None = None
        self.headline_sure = False
        self.headline_echoes: tuple[int, ...] = ()  # line numbers of the text
        self.table: LineTable | None = None
        #: whether each line (by line number of the text) is a paragraph of prose (`_prose`)
        self.prose = np.zeros(len(self.spans), dtype=bool)
        self.prob: dict[int, float] = {}
        self.removals: list[Removal] = []
        self.title: str | None = None

    def read(self, table: LineTable, prose: np.ndarray | None = None) -> None:
        """The lines left, read (``table``: their `LineTable`; ``prose``: `_prose` of its rows,
        when the caller computed it for many pages at once)."""
        self.table = table
        self.row_of = {line: row for row, line in enumerate(self.alive)}
        self.prose = np.zeros(len(self.spans), dtype=bool)
        self.prose[self.alive] = _prose(table.rows) if prose is None else prose

    def rows(self, lines: Sequence[int]) -> np.ndarray:
        """The features of ``lines`` (line numbers of the text) as a text of their own."""
        assert self.table is not None
        return self.table.features([self.row_of[i] for i in lines])

    def gap_rows(self, lines: Sequence[int]) -> np.ndarray:
        """The `gap_features` of ``lines`` (line numbers of the text)."""
        return self.gaps[list(lines)]

    def stoplist(self) -> frozenset[str]:
        """The stoplist the lines left choose."""
        assert self.table is not None
        return self.table.stoplist(self.row_of[i] for i in self.alive)

    def keys(self, lines: Sequence[int]) -> list[str]:
        """``lines`` (line numbers of the text) case-folded."""
        assert self.table is not None
        return [self.table.keys[self.row_of[i]] for i in lines]

    def drop(self, p: np.ndarray, threshold: float) -> bool:
        """Take out the lines scored under their bar (never the best one): ``threshold`` for a
        line of prose at the edges, `EDGE_SHARE` times it for another line there, `INSIDE_SHARE`
        times it between the first and the last line scored `BLOCK_PROB` or more. Whether any
        went."""
        # (a page's few lines: read as lists, not numpy arrays, whose calls cost more)
        scores = p.tolist()
        best = max(range(len(scores)), key=scores.__getitem__)  # (the first of equals, as numpy's argmax)
        edge = min(threshold * EDGE_SHARE, 1.0)
        bars = [threshold if prose else edge for prose in self.prose[self.alive].tolist()]
        sure = [k for k, score in enumerate(scores) if score >= BLOCK_PROB]
        if len(sure) > 1:
            bars[sure[0] + 1 : sure[-1]] = [threshold * INSIDE_SHARE] * (sure[-1] - sure[0] - 1)
        kept = self.datelines | {self.headline}
        gone = {
            k
            for k, (score, bar) in enumerate(zip(scores, bars, strict=True))
            if score < bar and k != best and self.alive[k] not in kept
        }
        self.prob.update((self.alive[k], scores[k]) for k in gone)
        self.alive = [i for k, i in enumerate(self.alive) if k not in gone]
        return bool(gone)

    def edges(self) -> tuple[list[tuple[int, Edge]], np.ndarray]:
        """The first and last sentences of the lines left that are long enough to hold one (not
        the headline's), with their line numbers; and their lines' `LINE_FEATURES`."""
        assert self.table is not None
        table = self.table
        rows = [self.row_of[i] for i in self.alive]
        words = [table.words[row] for row in rows]
        looked = {k: sides for k, sides in edge_lines(list(map(len, words))).items() if table.rows[rows[k], _SENTENCES]}
        found: list[tuple[int, Edge]] = []
        at: list[int] = []
        if looked:
            counts = vocabulary(words)
            for k, sides in looked.items():
                if self.alive[k] != self.headline:
                    edges = sentence_edges(table.lines[rows[k]], sides)
                    edges = in_context(words, k, edges, counts)
                    found.extend((self.alive[k], edge) for edge in edges)
                    at.extend([k] * len(edges))
        return found, table.own_rows(rows, [rows[k] for k in at])

    def trim(self, line: int, edge: Edge, p: float, words: list[str], own: np.ndarray) -> None:
        """Take ``edge`` (a sentence) out of ``line``; what is left is the line from now on
        (``words``, ``own``: its words and `own_features`)."""
        assert self.table is not None
        a, b = self.spans[line]
        self.removals.append(Removal("model:sentence", a + edge.start, a + edge.end, round(p, 3)))
        self.spans[line] = (a, a + edge.start) if edge.last else (a + edge.end, b)
        self.table.replace(self.row_of[line], edge.rest, words, own)
        self.prose[line] = _prose(self.table.rows[[self.row_of[line]]])[0]

    def take_title(self, found: int, sure: bool, echoes: Sequence[int] = ()) -> None:
        """Take line ``found`` (of the lines left) for the headline; the lines that repeat it
        (``echoes``: line numbers of the text) go with it (``title:echo``), and, when the pick is
        ``sure``, the short lines above it."""
        line = self.alive[found]
        self.title = self.text[slice(*self.spans[line])]
        self.removals.append(Removal("title", *self.spans[line]))
        above = self.alive[:found]
        assert self.table is not None
        if sure and all(len(self.table.words[self.row_of[i]]) < PROSE_WORDS for i in above):
            self.removals.extend(Removal("title:before", *self.spans[i]) for i in above)
            self.alive = self.alive[found + 1 :]
        else:
            self.alive = [i for i in self.alive if i != line]
        repeats = set(echoes) & set(self.alive)
        self.removals.extend(Removal("title:echo", *self.spans[i]) for i in sorted(repeats))
        self.alive = [i for i in self.alive if i not in repeats]

    def cut(self) -> ModelCut:
        if self.prob:
            first, last = self.alive[0], self.alive[-1]
            self.removals.extend(
                Removal("model:edge" if i < first or i > last else "model:line", *self.spans[i], round(p, 3))
                for i, p in sorted(self.prob.items())
            )
        if not self.removals:
            return ModelCut(self.text, [])
        kept = set(self.alive)
        out: list[str] = []
        for i, (a, b) in enumerate(self.spans):
            if i in kept or (a == b and out and out[-1]):
                out.append(self.text[a:b])
        while out and not out[-1]:
            out.pop()
        return ModelCut("\n".join(out), sorted(self.removals, key=lambda r: (r.start, r.end)), self.title)


def model_cuts(
    texts: Sequence[str],
    model: LineModel,
    threshold: float,
    find_titles: Sequence[bool],
    gaps: Sequence[bytes] | None = None,
) -> list[ModelCut]:
    """`model_removals` for many texts at once (``gaps``: each one's `Document.gaps`): the trees
    score all their lines in one call a round (the cost of a call is mostly per call, not per
    line)."""
    pages = [
        _Page(text, find, gap) for text, find, gap in zip(texts, find_titles, gaps or [b""] * len(texts), strict=True)
    ]
    working = [page for page in pages if len(page.alive) >= MIN_LINES]
    # a line's own features do not change when others go: computed once (for all the pages at
    # once: numpy's cost is per call), then only its context
    lines = [[page.text[slice(*page.spans[i])] for i in page.alive] for page in working]
    every = list(itertools.chain.from_iterable(lines))
    words = words_per_line(every)
    rows = own_features(every, words)
    prose = _prose(rows)
    start = 0
    for page, page_lines in zip(working, lines, strict=True):
        end = start + len(page_lines)
        page.read(LineTable(page_lines, words[start:end], rows[start:end]), prose[start:end])
        start = end
    titled = [page for page in working if page.find_title]
    first_look = model.titles_of(*_title_inputs(titled))
    for page, pick in zip(titled, first_look, strict=True):
        page.headline = page.alive[pick.line] if pick is not None else None
        page.headline_sure = pick is not None and pick.sure
        page.headline_echoes = tuple(page.alive[k] for k in pick.echoes) if pick is not None else ()
    _rounds(working, model, threshold)
    # a sure first pick with text after it stands whatever a second look finds: looked again
    # only where it may not
    stands = [page.headline_sure and page.headline != page.alive[-1] for page in titled]
    unsure = [page for page, sure in zip(titled, stands, strict=True) if not sure]
    second_look = iter(model.titles_of(*_title_inputs(unsure)))
    found = [None if sure else next(second_look) for sure in stands]
    for k, (page, pick) in enumerate(zip(titled, found, strict=True)):
        if page.headline is not None and page.headline != page.alive[-1] and (pick is None or page.headline_sure):
            # the first look's pick stands, if text still follows it, when none looks like the
            # headline among the lines left (what echoed it, a breadcrumb or the page's address,
            # may have gone as furniture) or when the first look was sure of it: the lines the
            # line model took from around it may leave a line above it looking more like one
            # (a notice over the headline whose "Learn More" went; a caption whose credit did)
            line = page.alive.index(page.headline)
            pick = found[k] = Headline(line, page.headline_sure, page.headline_echoes)
            page.take_title(line, pick.sure, pick.echoes)
        elif pick is not None:
            page.take_title(pick.line, pick.sure, [page.alive[e] for e in pick.echoes])
    # without the headline the lines left may read differently; and a line kept for the headline
    # that was not taken as one is the line model's again (cleaning the result again must agree)
    again = [page for page, line in zip(titled, found, strict=True) if line is not None or page.headline is not None]
    for page in again:
        page.headline = None
    _rounds(again, model, threshold)
    _trim_rounds(working, model, threshold)
    return [page.cut() for page in pages]


def _title_inputs(pages: list[_Page]) -> tuple[list[np.ndarray], list[list[str]]]:
    """The features and the case-folded text of each page's first lines left, for `LineModel.titles_of`."""
    firsts = [page.alive[: TITLE_WINDOW + 2] for page in pages]
    return (
        [page.rows(lines) for page, lines in zip(pages, firsts, strict=True)],
        [page.keys(lines) for page, lines in zip(pages, firsts, strict=True)],
    )


def _trim_rounds(working: list[_Page], model: LineModel, threshold: float) -> None:
    """Take out the sentences at the edges of the lines left that the sentence model scores as
    furniture, score the lines of the pages that lost one again, and so on until none goes: a
    fixed point, so cleaning the result again removes nothing."""
    for _ in range(MAX_ROUNDS):
        working = _trim_edges([page for page in working if len(page.alive) >= MIN_LINES], model, threshold)
        if not working:
            return
        _rounds(working, model, threshold)


def _trim_edges(pages: list[_Page], model: LineModel, threshold: float) -> list[_Page]:
    """Take out the first or last sentences the sentence model scores under `SENTENCE_MAX_PROB`
    (or ``threshold``), the likelier furniture of the two for a line; the pages that lost one."""
    found: list[tuple[_Page, int, Edge]] = []
    rows: list[np.ndarray] = []
    lists: list[frozenset[str]] = []
    for page in pages:
        edges, features = page.edges()
        if edges:
            found.extend((page, line, edge) for line, edge in edges)
            rows.append(features)
            lists.extend([page.stoplist()] * len(edges))
    if not found:
        return []
    p = model.edge_probabilities([edge for _, _, edge in found], lists, np.vstack(rows))
    bar = min(SENTENCE_MAX_PROB, threshold)
    best: dict[tuple[int, int], tuple[float, _Page, Edge]] = {}
    for (page, line, edge), value in zip(found, p, strict=True):
        key = (id(page), line)
        if value < bar and (key not in best or value < best[key][0]):
            best[key] = (float(value), page, edge)
    if not best:
        return []
    rests = [edge.rest for _, _, edge in best.values()]
    words = words_per_line(rests)
    own = own_features(rests, words)
    for k, ((_, line), (value, page, edge)) in enumerate(best.items()):
        page.trim(line, edge, value, words[k], own[k])
    return list({id(page): page for _, page, _ in best.values()}.values())


def _rounds(working: list[_Page], model: LineModel, threshold: float) -> None:
    """Score and drop lines until a round drops none: a fixed point, so cleaning the result
    again removes nothing."""
    for _ in range(MAX_ROUNDS):
        working = [page for page in working if len(page.alive) >= MIN_LINES]
        if not working:
            return
        scores = model.body_probabilities(
            [page.rows(page.alive) for page in working], [page.gap_rows(page.alive) for page in working]
        )
        working = [page for page, p in zip(working, scores, strict=True) if page.drop(p, threshold)]


def model_removals(
    text: str, model: LineModel, threshold: float, find_title: bool = True, gaps: bytes = b""
) -> ModelCut:
    """Remove the lines of ``text`` the model scores under ``threshold``, again until none is
    left, and (with ``find_title``) take out the headline: the title model's pick on the text as
    it came is kept from the line model, the headline is then chosen among the lines left, and
    the line model judges the rest once more. Last, the sentence model looks at the first and
    last sentence of the lines left at the edges of the text (`edge_lines`), and the lines are
    judged again after any of those goes.

    The headline is ``title``; the lines above it, when none is prose, ``title:before``. Lines
    outside the kept block are ``model:edge``, lines inside it ``model:line``, sentences
    ``model:sentence``, each with its probability. Texts of fewer than `MIN_LINES` lines are
    left alone.
    """
    return model_cuts([text], model, threshold, [find_title], [gaps])[0]


def _has_title(doc: Document) -> bool:
    known = doc.metadata.get("title")
    return isinstance(known, str) and bool(known.strip())


@dataclass(frozen=True)
class LineModelStage:
    """The model stage: the lines the line model gives a body probability under ``threshold``
    (the setting ``min_body_prob``) out, audited per line, and the headline into
    ``metadata.title`` (unless a title is known already). A shard's documents are scored together."""

    threshold: float
    path: Path = MODEL_PATH
    name: str = "model"

    def batch(self, docs: list[Document]) -> list[Document]:
        todo = [doc for doc in docs if not doc.dropped]
        cuts = model_cuts(
            [d.text for d in todo],
            load_model(self.path),
            self.threshold,
            [not _has_title(d) for d in todo],
            [d.gaps for d in todo],
        )
        done = {id(doc): _applied(doc, cut) for doc, cut in zip(todo, cuts, strict=True)}
        return [done.get(id(doc), doc) for doc in docs]


def _applied(doc: Document, cut: ModelCut) -> Document:
    if not cut.removals:
        return doc
    metadata = doc.metadata if cut.title is None else {**doc.metadata, "title": cut.title}
    # the gaps are the line model's to read (no later stage does): not carried past what it cut
    return doc.with_(text=cut.text, removals=doc.removals + tuple(cut.removals), metadata=metadata, gaps=b"")
