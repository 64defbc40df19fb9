"""Title and header metadata: take the title out of the body, and put dates in ISO form."""

from __future__ import annotations

import regex

from .document import Document, Removal
from .linemodel import LIST_ITEM, TITLE_WINDOW
from .normalize import tidy_whitespace
from .words import MONTHS, canonical_words, line_spans
from .words import words as line_words

_DMY = regex.compile(r"^(\d{1,2})(?:er|º|\.)?\s+(?:de\s+)?(\p{L}+)\.?\s+(?:de\s+)?(\d{4})$")
_MDY = regex.compile(r"^(\p{L}+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_ISO = regex.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_TITLE_CASE_WORD = regex.compile(r"^\p{Lu}")


def parse_date(text: str) -> str | None:
    """A dateline's date in ISO form, or None when it is not one.

    >>> parse_date("09 mars 2016"), parse_date("March 9, 2017"), parse_date("1er mai 2020")
    ('2016-03-09', '2017-03-09', '2020-05-01')
    """
    text = text.strip()
    iso = _ISO.match(text)
    if iso:
        return iso.group(0)
    found = _DMY.match(text)
    if found:
        day, month, year = found.group(1), found.group(2), found.group(3)
    else:
        found = _MDY.match(text)
        if not found:
            return None
        month, day, year = found.group(1), found.group(2), found.group(3)
    number = MONTHS.get(month.casefold())
    if number is None or not 1 <= int(day) <= 31:
        return None
    return f"{year}-{number:02d}-{int(day):02d}"


def _canon(text: str) -> str:
    return " ".join(canonical_words(text))


def looks_like_title(line: str) -> bool:
    """A line that can be a headline: short, not a sentence fragment, not a label.

    >>> looks_like_title("Syrian Army Continues to Hold Off ISIS. Russia Proposes a Ceasefire.")
    True
    >>> looks_like_title("The army said on Monday that it had taken the town and would hold it.")
    False
    >>> looks_like_title("* Other story of the day")
    False
    """
    words = line_words(line)
    if LIST_ITEM.match(line) or not 1 <= len(words) <= 30 or len(line) > 250 or line.endswith((":", ",", ";")):
        return False
    if line.endswith((".", "!", "?", "…")):
        # A sentence-like line is a title only if it is in title case.
        long_words = [w for w in line.split() if len(w) > 3]
        capitals = sum(1 for w in long_words if _TITLE_CASE_WORD.match(w))
        return bool(long_words) and capitals / len(long_words) >= 0.6
    return True


def extract_title(doc: Document) -> Document:
    """The title stage: move the headline from the text into ``metadata.title``.

    A title already known (from HTML or a JSONL field, or found by the line model) is taken out
    of the text where the first lines repeat it (every time: a page often shows its headline
    twice, and cleaning the result again must find none left). Otherwise the first line is the
    title when it stands alone as a paragraph, looks like a headline, and text
    follows.
    """
    spans = [(a, b) for a, b in line_spans(doc.text) if b > a]
    lines = [doc.text[a:b] for a, b in spans]
    known = doc.metadata.get("title")
    title = None
    if not (isinstance(known, str) and known.strip()):
        first, sep, rest = doc.text.partition("\n")
        if not first or not sep or not rest.startswith("\n") or not rest.strip():
            return doc
        if not looks_like_title(first):
            return doc
        known = title = first
    wanted = _canon(known)
    # a line far longer than the title (a paragraph) does not repeat it: not canonicalized
    longest = 2 * len(known) + 40
    found = [k for k, line in enumerate(lines[:TITLE_WINDOW]) if len(line) <= longest and _canon(line) == wanted]
    # only a headline with text after it: a text that is nothing but its title keeps it
    if not found or len(found) == len(lines):
        return doc
    for k in reversed(found):
        doc = _without_title(doc, spans, k)
    return doc.with_metadata(title=title) if title is not None else doc


def _without_title(doc: Document, spans: list[tuple[int, int]], found: int) -> Document:
    """The text without its headline (line ``found``; only that line, when others are above it)."""
    start, end = spans[found]
    text = doc.text[end:].strip() if not start else tidy_whitespace(doc.text[:start] + doc.text[end:])
    return doc.with_(text=text, removals=(*doc.removals, Removal("title", start, end)))


def tidy_metadata(doc: Document) -> Document:
    """Header values in a usable form: dates in ISO form where they parse."""
    changes = {}
    for key in ("date", "original_date"):
        value = doc.metadata.get(key)
        if isinstance(value, str):
            iso = parse_date(value)
            if iso and iso != value:
                changes[key] = iso
    return doc.with_metadata(**changes) if changes else doc


def extract_metadata(doc: Document) -> Document:
    """The metadata stage: title out of the body, header values tidied."""
    return tidy_metadata(extract_title(doc))
