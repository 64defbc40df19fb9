"""Mine rules for a new site: lines and paragraphs that recur across documents and no rule removes.

Recurring text is compared after folding case, digits, quotes and spacing. Lines that are the
same after folding form one group; lines that only start the same way (the first words of a
notice followed by a varying link or address) form a prefix group. Each group becomes a draft
rule, ranked by documents and characters covered.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import regex

from .document import Document
from .rules import Rules

_WORD = regex.compile(r"[\p{L}\p{N}]+")
_DIGITS = regex.compile(r"\d+")
PREFIX_WORDS = 8
PATTERN_WORDS = 12


def fold(text: str) -> str:
    """What two boilerplate lines share: case, digits, punctuation and spacing folded away.

    >>> fold("Copyright © 2016, South Front") == fold("COPYRIGHT 2017 South   Front")
    True
    """
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    return " ".join(_DIGITS.sub("0", w) for w in words)


@dataclass
class Suggestion:
    """A draft rule: the text it covers and the documents it recurs in."""

    kind: str  # "line" or "paragraph"
    words: list[str]  # the folded words the pattern is built from
    prefix: bool
    examples: list[str] = field(default_factory=list)
    documents: set[str] = field(default_factory=set)
    chars: int = 0

    @property
    def pattern(self) -> str:
        words = self.words[:PATTERN_WORDS]
        body = r"\W+".join(r"\d+" if w.isdigit() or w == "0" else regex.escape(w) for w in words)
        whole = not self.prefix and len(self.words) <= PATTERN_WORDS
        return f"^\\W*{body}\\W*$" if whole else f"^\\W*{body}\\b"

    @property
    def rule_id(self) -> str:
        slug = "-".join(w for w in self.words[:5] if not w.isdigit())
        ascii_slug = unicodedata.normalize("NFKD", slug).encode("ascii", "ignore").decode().strip("-")
        return f"suggested-{ascii_slug or 'rule'}"[:60].rstrip("-")

    def to_toml(self, total: int, rank: int) -> str:
        example = self.examples[0]
        ids = ", ".join(sorted(self.documents)[:3]) + (", ..." if len(self.documents) > 3 else "")
        what = "starts" if self.prefix else "recurs"
        return "\n".join(
            [
                f"# {rank}. {what} in {len(self.documents)} of {total} documents, {self.chars} characters ({ids})",
                "[[rules]]",
                f'id = "{self.rule_id}-{rank}"',
                f'kind = "{self.kind}"',
                f'why = "TODO: say what this is ({what} in {len(self.documents)} of {total} documents)"',
                f"pattern = {_toml_literal(self.pattern)}",
                f"remove = [{_toml_string(example)}]",
                'keep = ["TODO: an article sentence this rule must not remove"]',
                "",
            ]
        )


def _toml_literal(text: str) -> str:
    return f"'{text}'" if "'" not in text and "\n" not in text else _toml_string(text)


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _units(doc: Document) -> Iterable[tuple[str, str]]:
    """Each kept line, and each multi-line paragraph, as ``(kind, text)``."""
    for paragraph in doc.text.split("\n\n"):
        lines = [line for line in paragraph.split("\n") if line.strip()]
        yield from (("line", line) for line in lines)
        if len(lines) > 1:
            yield "paragraph", " ".join(lines)


def suggest_rules(
    docs: Iterable[Document], rules: Rules, min_docs: int | None = None, top: int = 20
) -> tuple[list[Suggestion], int]:
    """Recurring lines and paragraphs the current ``rules`` leave in, best first, and the doc count.

    Copies of one article (exact or near duplicates, as a cleaning run finds them) count once:
    the text they share is the article, not a site's furniture.
    """
    from .pipeline import Pipeline, clean_documents

    docs = list(docs)
    pipeline = Pipeline(rules=rules)
    copies = {d.id for d in clean_documents(docs, pipeline).documents if d.status == "duplicate"}
    stripping = pipeline.until("boilerplate")
    exact: dict[tuple[str, str], Suggestion] = {}
    prefixes: dict[tuple[str, str], Suggestion] = {}
    total = 0
    for doc in docs:
        if doc.dropped or doc.id in copies:
            continue
        total += 1
        stripped = stripping.clean(doc)
        for kind, text in _units(stripped):
            words = fold(text).split()
            if len(words) < 2:
                continue
            for groups, key_words, prefix in ((exact, words, False), (prefixes, words[:PREFIX_WORDS], True)):
                if prefix and len(words) <= PREFIX_WORDS:
                    continue
                key = (kind, " ".join(key_words))
                group = groups.setdefault(key, Suggestion(kind, key_words if prefix else words, prefix))
                if doc.id not in group.documents:
                    group.documents.add(doc.id)
                    group.chars += len(text)
                    if len(group.examples) < 3:
                        group.examples.append(text)
    threshold = min_docs if min_docs is not None else max(2, math.ceil(0.01 * total))
    chosen = [s for s in exact.values() if len(s.documents) >= threshold]
    for group in prefixes.values():
        if len(group.documents) < threshold:
            continue
        variants = [s for s in chosen if s.kind == group.kind and s.words[:PREFIX_WORDS] == group.words]
        if any(s.documents == group.documents for s in variants):
            continue  # one exact text already covers it
        # the prefix reaches more documents than any one variant: it replaces them
        chosen = [s for s in chosen if s not in variants]
        chosen.append(group)
    chosen.sort(key=lambda s: (-len(s.documents), -s.chars, s.kind, " ".join(s.words)))
    return chosen[:top], total
