"""What a word is, everywhere in the cleaner: a run of word characters (``\\w``, as the regex
module reads Unicode), found quickly.

Rules count words with it (``max_words``), dedup shingles them, titles are compared by them.
Dedup's words (`canonical_words`) also split Chinese and Japanese, written without spaces
between words, into their characters, as character n-grams are the usual unit there.
"""

from __future__ import annotations

import functools
import unicodedata

import regex

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
#: Month names and abbreviations (en fr es it pt de ru), lower-cased, to their number.
MONTHS = {name: number for number, names in _MONTHS.items() for name in names.split()}

#: What a sentence ends with, before any `CLOSERS`.
SENTENCE_ENDS = frozenset(".!?…")
#: Closing quotes and brackets that may follow a sentence's end.
CLOSERS = "\"'”’»)]"

#: A line of prose (the body begins here, not furniture): this many words or more, ending as a
#: sentence does. Header rules look above it; the headline is looked for above it.
PROSE_WORDS = 15

_WORD = regex.compile(r"\w+")
#: The scripts written without spaces between words: each of their word characters is a word to dedup.
_UNSPACED = regex.compile(r"(?=\w)[\p{Han}\p{Hiragana}\p{Katakana}]")
#: Every byte under 0xE3: what is left of a text's UTF-8 is the lead bytes of characters from
#: U+3000 up, where those scripts are (the regex search would cost as much as the words).
_BELOW_U3000 = bytes(range(0xE3))
#: Punctuation that is often the only thing not ASCII in English text: ’‘“”—–…«»„ and a no-break space.
_TYPOGRAPHY = "\u2019\u2018\u201c\u201d\u2014\u2013\u2026\u00ab\u00bb\u201e\u00a0"
_NON_ASCII_NON_WORD = regex.compile(r"[^\w\x00-\x7f]+")
_ASCII_NON_WORD = "".join(c for c in map(chr, range(128)) if not (c.isalnum() or c == "_"))
# ASCII characters that are not word characters, to a space (one table keeps line breaks)
_TABLE = str.maketrans(_ASCII_NON_WORD, " " * len(_ASCII_NON_WORD))
_TABLE_LINES = str.maketrans(_ASCII_NON_WORD.replace("\n", ""), " " * (len(_ASCII_NON_WORD) - 1))
_BYTES_TABLE = bytes.maketrans(_ASCII_NON_WORD.encode(), b" " * len(_ASCII_NON_WORD))
_BYTES_TABLE_LINES = bytes.maketrans(_ASCII_NON_WORD.replace("\n", "").encode(), b" " * (len(_ASCII_NON_WORD) - 1))


def words(text: str) -> list[str]:
    """The words of ``text``, in order.

    >>> words("Read more: it’s here—now, «déjà»")
    ['Read', 'more', 'it', 's', 'here', 'now', 'déjà']

    The same list as ``regex.findall(r"\\w+", text)``, found faster: every character that is
    not a word character becomes a space (`_spaced`), then ``str.split``.
    """
    return _spaced(text, keep_lines=False).split()


def words_per_line(lines: list[str]) -> list[list[str]]:
    """`words` of each of ``lines`` (none holding a line break), lower-cased, in one pass.

    >>> words_per_line(["Read more:", "", "It’s HERE"])
    [['read', 'more'], [], ['it', 's', 'here']]
    """
    return [line.split() for line in _spaced("\n".join(lines).lower(), keep_lines=True).split("\n")]


def count_words_per_line(text: str) -> list[int]:
    """`count_words` of each line of ``text``, with one pass over the text instead of one per line.

    >>> count_words_per_line("Read more: it's here\\n\\none—two")
    [5, 0, 2]
    """
    return [len(line.split()) for line in _spaced(text, keep_lines=True).split("\n")]


def _spaced(text: str, keep_lines: bool) -> str:
    """``text`` with every character that is not a word character (nor, with ``keep_lines``, a
    line break) turned into a space.

    ASCII is translated in C; beyond ASCII, typography goes first, then every other kind of
    character that is not a word character (each kind tested once: a text holds a few), then the
    rest is translated as UTF-8 bytes, in which every byte of a character beyond ASCII is one of a
    word character.
    """
    if not text.isascii():
        for mark in _TYPOGRAPHY:
            text = text.replace(mark, " ")
        if not text.isascii():
            head = text[:_HEAD]
            others = None
            if len(head.encode("utf-8", "surrogatepass")) - len(head) <= len(head) // _MOSTLY_ASCII:
                # a few characters beyond ASCII in a Latin text: each kind looked at once (a
                # few kinds: three times faster than a search for the runs that are not word characters)
                others = [c for c in set("".join(_NON_ASCII.findall(text))) if not _is_word_character(c)]
            if others is None or len(others) > _MAX_REPLACED:
                text = _NON_ASCII_NON_WORD.sub(" ", text)  # another script: one search
            else:
                for char in others:
                    text = text.replace(char, " ")
            return text.encode().translate(_BYTES_TABLE_LINES if keep_lines else _BYTES_TABLE).decode()
    return text.translate(_TABLE_LINES if keep_lines else _TABLE)


_NON_ASCII = regex.compile(r"[^\x00-\x7f]+")
#: A text whose first `_HEAD` characters' UTF-8 is at most 1/32 longer than they are has few
#: characters beyond ASCII (a Latin text's accents and symbols), whose kinds are replaced one
#: by one; another script's text is searched once (its many characters would cost more one by one).
_MOSTLY_ASCII = 32
_HEAD = 1024
#: Kinds of characters beyond ASCII that are not word characters replaced one by one at most
#: (a page of symbols goes through one search instead).
_MAX_REPLACED = 32


@functools.lru_cache(maxsize=1 << 16)
def _is_word_character(char: str) -> bool:
    return _WORD.match(char) is not None


def count_words(text: str) -> int:
    """Words as rules count them (``max_words``).

    >>> count_words("Read more: it's here")
    5
    """
    return len(words(text))


def canonical_words(text: str) -> list[str]:
    """The words that identify a text: NFKC, case-folded, punctuation and spacing ignored; in
    Chinese and Japanese, each ideograph or kana (a sentence there is one run of word characters,
    which would make every text a handful of "words" and no two texts near copies).

    >>> canonical_words("The  Army's   ATTACK!"), canonical_words("東京のニュース")
    (['the', 'army', 's', 'attack'], ['東', '京', 'の', 'ニ', 'ュ', 'ー', 'ス'])
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not folded.isascii() and folded.encode("utf-8", "surrogatepass").translate(None, _BELOW_U3000):
        folded = _UNSPACED.sub(r" \g<0> ", folded)
    return words(folded)


def line_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of every line of ``text`` (blank ones too), without the line breaks.

    >>> line_spans("ab\\n\\ncd")
    [(0, 2), (3, 3), (4, 6)]
    """
    spans, start = [], 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans
