"""Title and header metadata: take the title out of the body, and put dates in ISO form."""

from __future__ import annotations

import regex

from .document import Document, Removal
from .words import canonical_words
from .words import words as line_words

# Month names of the languages whose datelines the shipped rules read.
_MONTHS = {
    1: "january jan janvier janv janvier enero ene gennaio genn janeiro jan januar jän январь января янв",
    2: "february feb février févr fevrier febrero feb febbraio febr fevereiro fev februar февраль февраля фев",
    3: "march mar mars marzo mar marzo março marco märz maerz март марта мар",
    4: "april apr avril avr abril abr aprile apr abril abr апрель апреля апр",
    5: "may mai mayo maggio mag maio mai май мая",
    6: "june jun juin junio giugno giu junho jun juni июнь июня июн",
    7: "july jul juillet juil julio luglio lug julho jul juli июль июля июл",
    8: "august aug août aout agosto ago agosto ago august авг август августа",
    9: "september sep sept septembre septiembre settembre sett setembro set september сентябрь сентября сен",
    10: "october oct octobre octubre ottobre ott outubro out oktober окт октябрь октября",
    11: "november nov novembre noviembre novembre nov novembro ноябрь ноября ноя",
    12: "december dec décembre dic dicembre dezembro dez dezember декабрь декабря дек",
}
_MONTH = {name: number for number, names in _MONTHS.items() for name in names.split()}
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
    number = _MONTH.get(month.casefold())
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
    """
    words = line_words(line)
    if not 1 <= len(words) <= 30 or len(line) > 250 or line.endswith((":", ",", ";")):
        return False
    if line.endswith((".", "!", "?", "…")):
        # A sentence-like line is a title only if it is in title case.
        long_words = [w for w in line.split() if len(w) > 3]
        capitals = sum(1 for w in long_words if _TITLE_CASE_WORD.match(w))
        return bool(long_words) and capitals / len(long_words) >= 0.6
    return True


def extract_title(doc: Document) -> Document:
    """The title stage: move the headline from the text into ``metadata.title``.

    A title already known (from HTML or a JSONL field) is only taken out of the text when the
    text starts with it; otherwise the first line is the title when it stands alone as a
    paragraph, looks like a headline, and more text follows.
    """
    text = doc.text
    first, sep, rest = text.partition("\n")
    known = doc.metadata.get("title")
    if isinstance(known, str) and known.strip():
        # only a headline with text after it: a text that is nothing but its title keeps it
        if first and rest.strip() and _canon(first) == _canon(known):
            return _without_first_line(doc, first, rest)
        return doc
    if not first or not sep or not rest.startswith("\n") or not rest.strip() or not looks_like_title(first):
        return doc
    return _without_first_line(doc, first, rest, title=first)


def _without_first_line(doc: Document, first: str, rest: str, title: str | None = None) -> Document:
    removal = Removal("title", 0, len(first))
    metadata = doc.metadata if title is None else {**doc.metadata, "title": title}
    return doc.with_(text=rest.strip(), metadata=metadata, removals=(*doc.removals, removal))


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
