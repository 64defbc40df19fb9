"""Site templates learned from the corpus: lines that recur across many distinct pages of one
site are its furniture (a menu, a slogan, a "Headline: ..." banner), whatever the rules know.

A corpus-level stage (`CorpusStage`): `fit` counts, per site, in how many distinct documents
each short line occurs (after folding case, digits and spacing); `merge` keeps the lines found
in at least ``min_docs`` documents and in at least ``min_share`` of the site's documents; `bind`
gives the per-document stage that removes them, audited as ``template:<site>``.

A site is the host of the document's URL where known (HTML metadata, a JSONL ``url``), else the
first rule set with a ``when`` that matches the document (``rules:<set>``), else the folder of
its file under RAW. Copies of one article count once: documents are counted by the
digest of their longest lines, so a republished article's paragraphs, repeated in every copy,
are never taken for a template.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import regex
import xxhash

from .boilerplate import scope_of
from .document import Document, Removal, gaps_after
from .rules import RuleSet
from .rules import fold as fold_for_rules
from .words import count_words_per_line

log = logging.getLogger(__name__)

#: Lines of more words than this are prose, never a template.
MAX_WORDS = 40
#: Longest lines whose digest identifies an article (copies share them).
_COPY_LINES = 3
_DIGITS = regex.compile(r"\d+")
_SPACE = regex.compile(r"\s+")


def fold(line: str) -> str:
    """A line as templates compare it: case, digits and spacing folded.

    >>> fold("  Posted on 12 March 2024 ")
    'posted on 0 march 0'
    """
    return _spaced(_DIGITS.sub("0", line.casefold())).strip()


def _spaced(text: str) -> str:
    """``text`` with each run of white space one space (the search skipped where the only white
    space is single spaces already, as in normalized text: two quick scans instead of one slow one)."""
    return _SPACE.sub(" ", text) if "  " in text or not text.isprintable() else text


def site_of(doc: Document, rule_sets: Sequence[RuleSet] = (), timeout: float | None = None) -> str:
    """Where a document comes from: its URL's host; else ``rules:<name>`` of the first of
    ``rule_sets`` (site rule sets: those with a ``when``) whose ``when`` matches it, as the
    boilerplate stage matches them; else the folder of its file ("." at the top).

    >>> site_of(Document("a", "", "news/a.txt")), site_of(Document("b", "", "b.jsonl", metadata={"url": "https://www.Example.org/x"}))
    ('news', 'example.org')
    """
    return host_of(doc) or _rule_site(doc, rule_sets, timeout) or _folder(doc)


def host_of(doc: Document) -> str | None:
    """The host of the document's URL (``www.`` dropped), if it has one."""
    url = doc.metadata.get("url")
    if isinstance(url, str) and url:
        return (urlsplit(url if "//" in url else f"//{url}").hostname or "").removeprefix("www.") or None
    return None


def _rule_site(doc: Document, rule_sets: Sequence[RuleSet], timeout: float | None) -> str | None:
    if not rule_sets:
        return None
    scope = scope_of(doc)
    text, folded = "\n".join(scope), " ".join(map(fold_for_rules, scope))
    for rule_set in rule_sets:
        try:
            if rule_set.applies_to(text, folded, timeout):
                return f"rules:{rule_set.name}"
        except TimeoutError:  # the boilerplate stage reports it; here it just does not match
            continue
    return None


def _folder(doc: Document) -> str:
    return str(PurePosixPath(doc.source).parent)


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _copy_key(lines: list[str]) -> str:
    longest = sorted(lines, key=lambda line: (-len(line), line))[:_COPY_LINES]
    return xxhash.xxh64_hexdigest("\n".join(_spaced(line.casefold()) for line in longest).encode())


@dataclass(frozen=True)
class SiteTemplates:
    """The corpus-level stage that learns and removes site templates."""

    min_docs: int = 4
    min_share: float = 0.2
    name: str = "templates"
    #: learns from the normalized text: recurring lines are found as well before the rules ran,
    #: and the fitting pass then runs no rules
    fit_after: str = "normalize"
    #: the rule sets that name a site (those with a ``when``): a document with no URL belongs to
    #: the first whose ``when`` matches it (``rules:<name>``), before its folder
    rule_sets: tuple[RuleSet, ...] = ()
    timeout: float | None = None

    def fit(self, docs: list[Document]) -> dict[str, Any]:
        """A shard's part: per site, its articles (copy digests) and, per short line, the
        articles it occurs in."""
        sites: dict[str, dict[str, Any]] = {}
        for doc in docs:
            if doc.dropped:
                continue
            lines = _lines(doc.text)
            if not lines:
                continue
            site = sites.setdefault(site_of(doc, self.rule_sets, self.timeout), {"docs": set(), "lines": {}})
            key = _copy_key(lines)
            site["docs"].add(key)
            counts = count_words_per_line(doc.text)  # (of every line, blank ones too: one pass)
            short = {line for line, n in zip(doc.text.split("\n"), counts, strict=True) if n <= MAX_WORDS}
            for line in {fold(line) for line in short if line.strip()}:
                site["lines"].setdefault(line, set()).add(key)
        return {
            name: {"docs": sorted(site["docs"]), "lines": {k: sorted(v) for k, v in site["lines"].items()}}
            for name, site in sites.items()
        }

    def merge(self, parts: list[dict[str, Any]]) -> dict[str, list[str]]:
        """The corpus's templates: per site, its template lines (sorted). Only the lines, not
        their counts, so that a few more documents seldom change the state (which would rebuild
        an incremental run's output)."""
        docs: dict[str, set[str]] = {}
        lines: dict[str, dict[str, set[str]]] = {}
        for part in parts:
            for name, site in part.items():
                docs.setdefault(name, set()).update(site["docs"])
                known = lines.setdefault(name, {})
                for line, keys in site["lines"].items():
                    known.setdefault(line, set()).update(keys)
        state: dict[str, list[str]] = {}
        for name in sorted(docs):
            total = len(docs[name])
            found = sorted(
                line
                for line, keys in lines[name].items()
                if len(keys) >= self.min_docs and len(keys) >= self.min_share * total
            )
            if found:
                state[name] = found
                log.info("site %s: %d template line(s) over %d documents", name, len(found), total)
        return state

    def bind(self, state: dict[str, list[str]]) -> Any:
        from .pipeline import DocumentStage

        templates = {
            site: (frozenset(lines), max(line.count(" ") + 1 for line in lines)) for site, lines in state.items()
        }
        strip = partial(strip_templates, templates=templates, rule_sets=self.rule_sets, timeout=self.timeout)
        return DocumentStage(self.name, strip)

    def unfitted(self) -> Any:
        """The stage where no corpus was seen (one text, a stream): no templates known."""
        return self.bind({})


def strip_templates(
    doc: Document,
    templates: dict[str, tuple[frozenset[str], int]],
    rule_sets: Sequence[RuleSet] = (),
    timeout: float | None = None,
) -> Document:
    """Remove the lines of ``doc`` that are templates of its site, each audited as ``template:<site>``.
    ``templates``: per site, its folded template lines and the most words one has (a longer line,
    most of the body, is passed over without folding it: the text is normalized, one space
    between words, so folding keeps its word count)."""
    if not templates:
        return doc
    site = host_of(doc)
    if site is None and _folder(doc) not in templates and not any(f"rules:{r.name}" in templates for r in rule_sets):
        return doc  # no site it can be of has templates: its rule sets need not be matched
    site = site_of(doc, rule_sets, timeout)  # (as the fit found it)
    known, most_words = templates.get(site, (frozenset(), 0))
    if not known:
        return doc
    removals: list[Removal] = []
    kept: list[str] = []
    removed: list[bool] = []  # per non-empty line
    start = 0
    for line in doc.text.split("\n"):
        if line.strip() and line.count(" ") < most_words and fold(line) in known:
            removals.append(Removal(f"template:{site}", start, start + len(line)))
            removed.append(True)
        else:
            if line or (kept and kept[-1]):
                kept.append(line)
            if line:
                removed.append(False)
        start += len(line) + 1
    if not removals:
        return doc
    while kept and not kept[-1]:
        kept.pop()
    return doc.with_(text="\n".join(kept), removals=doc.removals + tuple(removals), gaps=gaps_after(doc.gaps, removed))
