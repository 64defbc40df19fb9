"""Normalize text: repair Unicode (mojibake, NFC), whitespace, and markdown link residue.

Normalizing is idempotent: normalizing normalized text changes nothing.
"""

from __future__ import annotations

import ftfy
import regex

from .document import Document

# ftfy's repairs, less two that change correct text: curly quotes and full-width characters
# are real typography (and full-width forms are ordinary in CJK text), not damage.
_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, fix_character_width=False, explain=False)

# [text](target) and ![alt](src): keep the words, drop the markup and the target.
_MD_LINK = regex.compile(r"!?\[([^\[\]\n]*)\]\(\s*[^()\s]*(?:\([^()\s]*\)[^()\s]*)*\s*\)")
_INVISIBLE = regex.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_LINE_BREAKS = regex.compile(r"\r\n?|[\v\f\x85\u2028\u2029]")
_SPACES = regex.compile(r"[^\S\n]+")
_BLANK_LINES = regex.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Repair and tidy one text.

    >>> normalize_text("Caf\u00c3\u00a9  [au lait](#)\\r\\n\\n\\n\\nNext\u00a0line ")
    'Café au lait\\n\\nNext line'
    """
    # Spacing first: a stray no-break space can hide mojibake from ftfy, which would then find
    # it on a second pass, and normalizing must be idempotent.
    text = tidy_whitespace(_INVISIBLE.sub("", text))
    text = ftfy.fix_text(text, _FTFY)
    text = _MD_LINK.sub(r"\1", text)
    return tidy_whitespace(text)


def tidy_whitespace(text: str) -> str:
    """One space between words, no trailing spaces, at most one blank line between paragraphs.

    >>> tidy_whitespace("  a \\t b \\n\\n\\n\\n c  ")
    'a b\\n\\nc'
    """
    text = _SPACES.sub(" ", _LINE_BREAKS.sub("\n", text))
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def normalize(doc: Document) -> Document:
    """The normalize stage."""
    return doc.with_(text=normalize_text(doc.text))
