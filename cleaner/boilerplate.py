"""Strip boilerplate: apply the rules to one document, recording what each rule removed.

Rules see the normalized text one line (or paragraph) at a time. Kinds run in a fixed order,
header, paragraph, line, tail, inline, and a line belongs to the first rule that claims it,
so the audit names one rule per removed span.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import regex

from .document import Document, Flag, Removal, gaps_after
from .normalize import tidy_whitespace
from .rules import LiteralIndex, Rule, Rules, fold
from .words import CLOSERS, PROSE_WORDS, SENTENCE_ENDS, count_words, count_words_per_line, line_spans

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Stripped:
    """What applying rules to one text gives: the new text and the audit of the change."""

    text: str
    removals: list[Removal] = field(default_factory=list)
    captured: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    #: for each non-empty line of the text given, whether it went (`cleaner.document.gaps_after`)
    removed_lines: list[bool] = field(default_factory=list)


class _Matcher:
    """Runs rule patterns under a time limit; a rule that times out is disabled and reported."""

    def __init__(self, timeout: float | None, possible: dict[str, set[str]] | None = None) -> None:
        self.timeout = timeout
        self.failed: list[str] = []
        self._words: dict[str, int] = {}  # every rule asks a line's length: count it once
        #: for each line (or joined paragraph), the rules with one of their literals in it
        self.possible = possible

    def count_lines(self, lines: list[str], counts: list[int]) -> None:
        """Take the word counts of ``lines`` at once (one pass over a text instead of one per line)."""
        self._words.update(zip(lines, counts, strict=True))

    def could_match(self, rule: Rule, text: str) -> bool:
        return not rule.needs or self._literal_in(rule, text)

    def _literal_in(self, rule: Rule, text: str) -> bool:
        """Whether one of the rule's literals (`Rule.needs` or `Rule.partial_needs`) is in ``text``."""
        if self.possible is None:
            return True
        found = self.possible.get(text)
        return found is None or rule.id in found

    def words(self, text: str) -> int:
        words = self._words.get(text)
        if words is None:
            words = self._words[text] = count_words(text)
        return words

    def search(self, rule: Rule, text: str) -> regex.Match[str] | None:
        if rule.id in self.failed or not self.could_match(rule, text):
            return None
        try:
            words = self.words(text) if rule.max_words is not None and rule.kind != "tail" else None
            bare = bool(rule.partial_needs) and not self._literal_in(rule, text)
            return rule.search(text, self.timeout, words, bare)
        except TimeoutError:
            log.warning("rule %s timed out after %ss and was skipped for this document", rule.id, self.timeout)
            self.failed.append(rule.id)
            return None

    def screen(self, rule: Rule, text: str) -> bool:
        """Whether an inline rule can match anywhere in ``text`` (one search of the whole text)."""
        if rule.id in self.failed:
            return False
        try:
            return any(p.search(text, timeout=self.timeout) for p in rule.screens or rule.patterns)
        except TimeoutError:
            log.warning("rule %s timed out after %ss and was skipped for this document", rule.id, self.timeout)
            self.failed.append(rule.id)
            return False

    def finditer(self, rule: Rule, text: str) -> Iterable[regex.Match[str]]:
        if rule.id in self.failed or not self.could_match(rule, text):
            return []
        try:
            return [m for pattern in rule.patterns for m in pattern.finditer(text, timeout=self.timeout)]
        except TimeoutError:
            self.failed.append(rule.id)
            return []


def _capture(found: regex.Match[str] | None, captured: dict[str, str]) -> None:
    if found is not None:
        for key, value in found.groupdict().items():
            if value and value.strip():
                captured.setdefault(key, value.strip())


def apply_rules(
    text: str,
    rules: list[Rule],
    timeout: float | None = None,
    index: LiteralIndex | None = None,
    folded: str | None = None,
) -> Stripped:
    """Apply ``rules`` to normalized ``text``; with ``index``, a rule is only tried on the lines
    that have one of its literals (``folded``: ``fold(text, keep_lines=True)``, if known).

    >>> from cleaner.rules import Rule
    >>> rule = Rule("ad", "line", "ads", (regex.compile("^- ?advertisement ?-$", regex.I),),
    ...             ("- Advertisement -",), ("A story",), "x.toml")
    >>> apply_rules("A story.\\n\\n- Advertisement -\\n\\nThe end.", [rule]).text
    'A story.\\n\\nThe end.'
    """
    spans = line_spans(text)
    lines = [text[a:b] for a, b in spans]
    owner: list[str | None] = [None] * len(lines)
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    possible: dict[str, set[str]] | None = None
    by_line: list[set[str]] = []
    if index is not None:
        by_line = index.rules_by_line(lines, folded)
        possible = {}
        for line, ids in zip(lines, by_line, strict=True):
            possible.setdefault(line, set()).update(ids)
        present = set().union(*by_line)
        rules = [rule for rule in rules if not rule.needs or rule.id in present]  # most rules go here
    matcher = _Matcher(timeout, possible)
    matcher.count_lines(lines, count_words_per_line(text))
    captured: dict[str, str] = {}
    by_kind: dict[str, list[Rule]] = {}
    for rule in rules:
        by_kind.setdefault(rule.kind, []).append(rule)

    headers = by_kind.get("header", [])
    prose_at = _prose_at(lines, nonblank, matcher) if headers else 0  # once for every header rule
    for rule in headers:
        _apply_header(rule, lines, nonblank, nonblank[: max(rule.max_lines, prose_at)], owner, matcher, captured)
    state = _Decisions(lines, nonblank, owner, matcher, captured, by_line if index is not None else None)
    _apply_paragraphs(by_kind.get("paragraph", []), state)
    _apply_lines(by_kind.get("line", []), state)
    for rule in by_kind.get("tail", []):
        _apply_tail(rule, text, spans, lines, nonblank, owner, matcher)

    removals = _line_removals(spans, owner)
    edits = _inline_edits(by_kind.get("inline", []), spans, lines, owner, matcher)
    removals.extend(Removal(rule_id, start, end) for start, end, _, rule_id in edits)
    removals.sort(key=lambda r: (r.start, r.end))
    assembled, removed = _assemble(text, spans, owner, edits)
    return Stripped(
        text=assembled, removals=removals, captured=captured, failures=matcher.failed, removed_lines=removed
    )


@dataclass
class _Decisions:
    """A text being stripped, line by line, and what the rules have decided of it so far."""

    lines: list[str]
    nonblank: list[int]
    owner: list[str | None]  # the rule that removes each line, if any
    matcher: _Matcher
    captured: dict[str, str]
    by_line: list[set[str]] | None  # the rules with a literal in each line (from the literal index)


def _apply_paragraphs(rules: list[Rule], d: _Decisions) -> None:
    """Paragraph rules: a matching paragraph (its lines joined by spaces) goes whole."""
    for rule in rules:
        for paragraph in _paragraphs(d.nonblank):
            if all(d.owner[i] is None for i in paragraph):
                joined = " ".join(d.lines[i] for i in paragraph)
                if d.matcher.possible is not None and d.by_line is not None:
                    known = d.matcher.possible.get(joined, set())
                    d.matcher.possible[joined] = known.union(*(d.by_line[i] for i in paragraph))
                found = d.matcher.search(rule, joined)
                if found:
                    _capture(found, d.captured)
                    for i in paragraph:
                        d.owner[i] = rule.id


def _apply_lines(rules: list[Rule], d: _Decisions) -> None:
    """Line rules: the first rule that matches a line not yet removed takes it."""
    for i in d.nonblank:
        if d.owner[i] is None:
            words = d.matcher.words(d.lines[i])
            here = d.by_line[i] if d.by_line is not None else None
            for rule in rules:
                if rule.max_words is not None and words > rule.max_words:
                    continue  # the common case for body text, decided before any call
                if here is not None and rule.needs and rule.id not in here:
                    continue  # none of its literals in the line (as the matcher would say, sooner)
                found = d.matcher.search(rule, d.lines[i])
                if found:
                    _capture(found, d.captured)
                    d.owner[i] = rule.id
                    break


def _paragraphs(nonblank: list[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    for i in nonblank:
        if groups and groups[-1][-1] == i - 1:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _apply_header(
    rule: Rule,
    lines: list[str],
    nonblank: list[int],
    window: list[int],
    owner: list[str | None],
    matcher: _Matcher,
    captured: dict[str, str],
) -> None:
    """The block starts at the first matching line of ``window`` (the first ``max_lines``, or the
    lines above the first line of prose: a page's menus come before its byline), and runs while
    lines match."""
    first = next((pos for pos, i in enumerate(window) if owner[i] is None and matcher.search(rule, lines[i])), None)
    if first is None:
        return
    for i in nonblank[first:]:
        if owner[i] is not None:  # claimed by an earlier header rule: part of the same block
            continue
        found = matcher.search(rule, lines[i])
        if not found:
            break
        owner[i] = rule.id
        _capture(found, captured)


#: Header rules look for the first line of prose this far at most (in non-blank lines).
HEADER_REACH = 40


def _prose_at(lines: list[str], nonblank: list[int], matcher: _Matcher) -> int:
    """The position (among the non-blank lines) of the first line of prose, within `HEADER_REACH`."""
    for position, i in enumerate(nonblank[:HEADER_REACH]):
        if matcher.words(lines[i]) >= PROSE_WORDS and lines[i].rstrip(CLOSERS + " ")[-1:] in SENTENCE_ENDS:
            return position
    return min(len(nonblank), HEADER_REACH)


def _apply_tail(
    rule: Rule,
    text: str,
    spans: list[tuple[int, int]],
    lines: list[str],
    nonblank: list[int],
    owner: list[str | None],
    matcher: _Matcher,
) -> None:
    """Cut from the first matching line in the last ``within`` of the text, if what follows is boilerplate too."""
    cutoff = len(text) * (1.0 - rule.within)
    for position, i in enumerate(nonblank):
        # the marker may already be claimed (a "Related:" line rule); what follows it is the tail
        if spans[i][0] < cutoff or not matcher.search(rule, lines[i]):
            continue
        rest = nonblank[position + 1 :]
        if all(
            owner[j] is not None or matcher.words(lines[j]) <= (rule.max_words or 12) or matcher.search(rule, lines[j])
            for j in rest
        ):
            for j in [i, *rest]:
                if owner[j] is None:
                    owner[j] = rule.id
            return


def _line_removals(spans: list[tuple[int, int]], owner: list[str | None]) -> list[Removal]:
    """One removal per run of lines removed by the same rule (blank lines between them included)."""
    removals: list[Removal] = []
    current: tuple[str, int, int] | None = None
    for (start, end), rule_id in zip(spans, owner, strict=True):
        if rule_id is None:
            if start != end:  # a kept line ends the run; blank lines do not
                if current:
                    removals.append(Removal(*current))
                current = None
            continue
        if current and current[0] == rule_id:
            current = (rule_id, current[1], end)
        else:
            if current:
                removals.append(Removal(*current))
            current = (rule_id, start, end)
    if current:
        removals.append(Removal(*current))
    return removals


def _inline_edits(
    rules: list[Rule], spans: list[tuple[int, int]], lines: list[str], owner: list[str | None], matcher: _Matcher
) -> list[tuple[int, int, str, str]]:
    """Non-overlapping ``(start, end, replacement, rule id)`` edits in kept lines, by position."""
    edits: list[tuple[int, int, str, str]] = []
    # which inline rules can fire at all (most never do): the literal index says, or one search of the text
    text = "\n".join(lines)
    rules = [rule for rule in rules if (rule.needs and matcher.possible is not None) or matcher.screen(rule, text)]
    if not rules:
        return edits
    for (offset, _), line, rule_id in zip(spans, lines, owner, strict=True):
        if rule_id is not None or not line:
            continue
        found = [
            (m.start(), m.end(), m.expand(rule.replace), rule.id)
            for rule in rules
            for m in matcher.finditer(rule, line)
            if m.end() > m.start()
        ]
        last_end = -1
        for start, end, replacement, rid in sorted(found, key=lambda e: (e[0], -e[1])):
            if start >= last_end:
                edits.append((offset + start, offset + end, replacement, rid))
                last_end = end
    return edits


def _assemble(
    text: str, spans: list[tuple[int, int]], owner: list[str | None], edits: list[tuple[int, int, str, str]]
) -> tuple[str, list[bool]]:
    """The text without the lines ``owner`` gives a rule and with the ``edits``; and for each of
    its non-empty lines, whether it went (an edit that leaves nothing takes the line too)."""
    removed = [rule_id is not None for (start, end), rule_id in zip(spans, owner, strict=True) if end > start]
    if not edits and not any(removed):
        return text, removed
    pieces: list[str] = []
    pending = iter(edits)
    edit = next(pending, None)
    at = -1  # the line's place among the non-empty lines
    for (start, end), rule_id in zip(spans, owner, strict=True):
        at += end > start
        if rule_id is not None:
            continue  # a removed line goes; blank lines around it collapse below
        line, cursor = [], start
        while edit is not None and edit[0] < end:
            line.append(text[cursor : edit[0]])
            line.append(edit[2])
            cursor = edit[1]
            edit = next(pending, None)
        line.append(text[cursor:end])
        piece = "".join(line)
        if cursor != start:  # an inline edit may leave doubled or edge spaces
            piece = tidy_whitespace(piece)
            if not piece:
                removed[at] = True
                continue
        pieces.append(piece)
    # the kept lines are normalized already: only blank-line runs left by removals need folding
    out: list[str] = []
    for piece in pieces:
        if piece or (out and out[-1]):
            out.append(piece)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out), removed


def scope_of(doc: Document) -> list[str]:
    """What a rule set's ``when`` pattern is matched against: the text and where it came from."""
    extra = [str(doc.metadata.get(key, "")) for key in ("url", "sitename", "hostname")]
    return [doc.text, *filter(None, extra)]


def strip_boilerplate(
    doc: Document, rules: Rules, timeout: float | None = None, max_removed_share: float = 1.0
) -> Document:
    """The boilerplate stage: apply the rules that fit the document, and record each removal."""
    scope = scope_of(doc)
    folded = fold(doc.text, keep_lines=True)  # once, for the `when` patterns and the rules' literals
    failed_sets: list[str] = []
    applicable = rules.for_text(
        "\n".join(scope), " ".join([folded, *map(fold, scope[1:])]).replace("\n", " "), timeout, failed_sets
    )
    result = apply_rules(doc.text, applicable, timeout, rules.index, folded)
    metadata: dict[str, Any] = dict(doc.metadata)
    for key, value in result.captured.items():
        metadata.setdefault(key, value)
    flags = [Flag.rule_timeout(rule_id) for rule_id in [*failed_sets, *result.failures]]
    removed = sum(r.chars for r in result.removals)
    if doc.text and removed / len(doc.text) > max_removed_share:
        flags.append(Flag.removed_share(removed / len(doc.text)))
    return doc.with_(
        text=result.text,
        gaps=gaps_after(doc.gaps, result.removed_lines),
        removals=doc.removals + tuple(result.removals),
        metadata=metadata,
        flags=doc.flags + tuple(flags),
    )
