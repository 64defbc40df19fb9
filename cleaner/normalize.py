"""Normalize text: repair Unicode (mojibake, NFC), whitespace, and markdown link residue.

Normalizing is idempotent: normalizing normalized text changes nothing.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
import regex

from .document import Document

# ftfy's repairs, less two that change correct text: curly quotes and full-width characters
# are real typography (and full-width forms are ordinary in CJK text), not damage.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, explain=False)

# [text](target) and ![alt](src): keep the words, drop the markup and the target.
_MD_LINK = regex.compile(r"!?\[([^\[\]\n]*)\]\(\s*[^()\s]*(?:\([^()\s]*\)[^()\s]*)*\s*\)")
# What ftfy could change: mojibake pairs (a UTF-8 lead byte read as Latin-1/cp1252 or cp1251,
# then a continuation), HTML entities, control and format characters, ligatures, surrogates,
# replacement characters. Text with none of these only needs NFC; most text has none, and
# skipping ftfy for it is most of the cost of this stage.
_MOJIBAKE_TAIL = (
    r"\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    r"\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_CONTROLS = r"\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u206a-\u206f\ufff9-\ufffd\ufb00-\ufb06\ud800-\udfff"
_MOJIBAKE_NBSP = r"\u00c2\u00c3\u00c5\u00ce\u00d0\u00d9\u00e2\u00e3\u00f0"  # its no-break space became a space
# One character class first, the rest as look-behinds: `re` then skips ahead with a fast
# character-set scan, seven times faster than the plain alternation
#   [\u00c0-\u00ff][TAIL] | [\u0400-\u042f][TAIL\u0450-\u045f] | [NBSP-LEADS]" " | &#?\w+; | [CONTROLS]
_FTFY_NEEDED = re.compile(
    rf"[\u00c0-\u00ff\u0400-\u042f&{_CONTROLS}]"
    rf"(?:(?<=[\u00c0-\u00ff])[{_MOJIBAKE_TAIL}]|(?<=[\u0400-\u042f])[{_MOJIBAKE_TAIL}\u0450-\u045f]"
    rf"|(?<=[{_MOJIBAKE_NBSP}]) |(?<=&)#?\w+;|(?<=[{_CONTROLS}]))"
)
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\v\f\x85\u2028\u2029]")
# white space other than a plain space or a line break (tabs, no-break spaces, odd line breaks)
_ODD_SPACE = re.compile(r"[^\S\n ]")
# runs of white space other than one plain space (which is left alone: most of them are)
_SPACES = re.compile(r"[^\S\n ][^\S\n]*| [^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Repair and tidy one text.

    >>> normalize_text("Caf\u00c3\u00a9  [au lait](#)\\r\\n\\n\\n\\nNext\u00a0line ")
    'Café au lait\\n\\nNext line'
    """
    # Spacing first: a stray no-break space can hide mojibake from ftfy, which would then find
    # it on a second pass, and normalizing must be idempotent.
    plain = _plain(text)
    if not plain and _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
        plain = _plain(text)
    text = _tidy(text, plain)
    changed = False
    if _FTFY_NEEDED.search(text):
        text, changed = ftfy.fix_text(text, _FTFY), True
    elif not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)  # composing characters never touches white space
    text, links = _MD_LINK.subn(r"\1", text)
    # tidy again only if something could have untidied it (the searches above are the cheap part)
    return tidy_whitespace(text) if changed or links else text


def tidy_whitespace(text: str) -> str:
    """One space between words, no trailing spaces, at most one blank line between paragraphs.

    >>> tidy_whitespace("  a \\t b \\n\\n\\n\\n c  ")
    'a b\\n\\nc'
    """
    return _tidy(text, _plain(text))


def _plain(text: str) -> bool:
    """Whether ``text`` has no character but printable ones, plain spaces and line breaks: no
    control or format character and no white space but those two (Python calls every other
    white space, control and format character unprintable). One scan in C, where searching
    for odd spaces and invisible characters with a character class takes several times longer."""
    return text.replace("\n", "").isprintable()


def _tidy(text: str, plain: bool) -> str:
    # Each replacement only where a quick search says it has work: most text needs none of them.
    if not plain and _ODD_SPACE.search(text):
        text = _SPACES.sub(" ", _LINE_BREAKS.sub("\n", text))
    elif "  " in text:
        text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def normalize(doc: Document) -> Document:
    """The normalize stage."""
    return doc.with_(text=normalize_text(doc.text))
