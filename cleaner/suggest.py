"""Mine rules for a new site: lines and paragraphs that recur across documents and no rule removes.

Recurring text is compared after folding case, digits, quotes and spacing. Lines that are the
same after folding form one group; lines that only start the same way (the first words of a
notice followed by a varying link or address) form a prefix group. Each group becomes a draft
rule, ranked by documents and characters covered.

Text is counted per site, as site templates key it (`cleaner.templates.site_of`: the URL's
host, else the rule set whose ``when`` matches, else the folder): a line that recurs on one
site is that site's draft, in a rule set limited to the site by a ``when`` where the site can
be named; a line that recurs on several sites is a draft for any site.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import regex

from .document import Document
from .rules import Rules
from .templates import host_of, site_of

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
    #: the site it recurs on (``None``: on several), and that site's (or the corpus's) documents
    site: str | None = None
    of: int = 0
    #: whether the site is a URL's host (not a rule set or a folder)
    host: bool = False

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

    def to_toml(self, rank: int) -> str:
        example = self.examples[0]
        ids = ", ".join(sorted(self.documents)[:3]) + (", ..." if len(self.documents) > 3 else "")
        what = "starts" if self.prefix else "recurs"
        where = f"{self.of} documents {describe(self.site, self.host)}"
        return "\n".join(
            [
                f"# {rank}. {what} in {len(self.documents)} of {where}, {self.chars} characters ({ids})",
                "[[rules]]",
                f'id = "{self.rule_id}-{rank}"',
                f'kind = "{self.kind}"',
                f'why = "TODO: say what this is ({what} in {len(self.documents)} of {where})"',
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


@dataclass
class _Group:
    """One recurring text as it is counted: its documents and characters on each site."""

    kind: str
    words: list[str]
    prefix: bool
    examples: list[str] = field(default_factory=list)
    documents: dict[str, set[str]] = field(default_factory=dict)
    chars: dict[str, int] = field(default_factory=dict)

    def add(self, site: str, doc_id: str, text: str) -> None:
        on_site = self.documents.setdefault(site, set())
        if doc_id not in on_site:
            on_site.add(doc_id)
            self.chars[site] = self.chars.get(site, 0) + len(text)
            if len(self.examples) < 3:
                self.examples.append(text)

    def suggestion(self, sites: list[str], of: int, hosts: set[str]) -> Suggestion:
        """The draft for ``sites`` (one: that site's; several: any site's)."""
        documents = set().union(*(self.documents[site] for site in sites))
        chars = sum(self.chars[site] for site in sites)
        site = sites[0] if len(sites) == 1 else None
        host = site in hosts
        return Suggestion(self.kind, self.words, self.prefix, self.examples, documents, chars, site, of, host)


@dataclass
class _Tally:
    """Recurring texts as counted over a corpus: exact and by their first words, per site."""

    exact: dict[tuple[str, str], _Group] = field(default_factory=dict)
    prefixes: dict[tuple[str, str], _Group] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)  # documents per site
    hosts: set[str] = field(default_factory=set)  # the sites that are a URL's host

    def add(self, doc: Document, site: str) -> None:
        self.totals[site] = self.totals.get(site, 0) + 1
        for kind, text in _units(doc):
            words = fold(text).split()
            if len(words) < 2:
                continue
            for groups, key_words, prefix in ((self.exact, words, False), (self.prefixes, words[:PREFIX_WORDS], True)):
                if prefix and len(words) <= PREFIX_WORDS:
                    continue
                key = (kind, " ".join(key_words))
                groups.setdefault(key, _Group(kind, key_words if prefix else words, prefix)).add(site, doc.id, text)

    def drafts(self, groups: Iterable[_Group], min_docs: int | None) -> Iterable[Suggestion]:
        """The groups that recur enough: on one site (its draft), or on several (any site's)."""
        total = sum(self.totals.values())

        def needed(count: int) -> int:
            return min_docs if min_docs is not None else max(2, math.ceil(0.01 * count))

        for group in groups:
            found = group.documents
            recurring = sorted(site for site, ids in found.items() if len(ids) >= needed(self.totals[site]))
            if len(recurring) == 1:
                yield group.suggestion(recurring, self.totals[recurring[0]], self.hosts)
            elif len(recurring) > 1 or (len(found) > 1 and sum(map(len, found.values())) >= needed(total)):
                yield group.suggestion(recurring if len(recurring) > 1 else sorted(found), total, self.hosts)


def suggest_rules(
    docs: Iterable[Document], rules: Rules, min_docs: int | None = None, top: int = 20
) -> tuple[list[Suggestion], int]:
    """Recurring lines and paragraphs the current ``rules`` leave in, best first (the ``top`` of
    each site, then of the drafts for any site), and the number of documents counted.

    A text is a site's draft when it recurs in ``min_docs`` of the site's documents (default: 2,
    or 1% of them); a draft for any site when it does so on several sites, or recurs in that many
    of the corpus's documents spread over several sites. Copies of one article (exact or near
    duplicates, as a cleaning run finds them) count once: the text they share is the article,
    not a site's furniture.
    """
    from .pipeline import Pipeline, clean_documents

    docs = list(docs)
    pipeline = Pipeline(rules=rules)
    copies = {d.id for d in clean_documents(docs, pipeline).documents if d.status == "duplicate"}
    # the site as the templates stage finds it: on the normalized text, before the rules ran
    normalizing, stripping = pipeline.until("normalize"), pipeline.stage("boilerplate")
    tally = _Tally()
    for doc in docs:
        if doc.dropped or doc.id in copies:
            continue
        normalized = normalizing.clean(doc)
        site = site_of(normalized, rules.site_sets, pipeline.settings.rule_timeout)
        if site == host_of(normalized):
            tally.hosts.add(site)
        tally.add(stripping.batch([normalized])[0], site)
    chosen = list(tally.drafts(tally.exact.values(), min_docs))
    for group in tally.drafts(tally.prefixes.values(), min_docs):
        variants = [
            s for s in chosen if (s.kind, s.site) == (group.kind, group.site) and s.words[:PREFIX_WORDS] == group.words
        ]
        if any(s.documents == group.documents for s in variants):
            continue  # one exact text already covers it
        # the prefix reaches more documents than any one variant: it replaces them
        chosen = [s for s in chosen if s not in variants]
        chosen.append(group)
    chosen.sort(key=lambda s: (s.site is None, s.site or "", -len(s.documents), -s.chars, s.kind, " ".join(s.words)))
    by_site: dict[str | None, list[Suggestion]] = {}
    for suggestion in chosen:
        by_site.setdefault(suggestion.site, []).append(suggestion)
    return [s for group in by_site.values() for s in group[:top]], sum(tally.totals.values())


def draft_set(suggestions: list[Suggestion], site: str | None, rules: Rules) -> str:
    """A rule file of ``suggestions`` (those of ``site``; ``None``: those for any site), its
    ``[set]`` limited to the site by a ``when`` where the site can be named: its host, or the
    ``when`` of the rule set that names it."""
    rule_set = next((r for r in rules.site_sets if site == f"rules:{r.name}"), None)
    head: list[str] = []
    if site is None:
        why, when = "TODO: say what these are (from several sites: each rule says where it recurs)", None
    elif rule_set is not None:
        assert rule_set.when is not None
        head.append(f"# The pages {Path(rule_set.file).name} is for (its `when` matched them): add these rules to it.")
        why, when = f"TODO: say what these are (on the pages {describe(site, False)})", rule_set.when.pattern
    elif suggestions and suggestions[0].host:  # the host, not inside a longer name
        why = f"TODO: say what these are (on the pages of {site})"
        when = rf"(?<![\w-]){regex.escape(site, special_only=True)}(?![\w-])"
    else:
        where = describe(site, False)
        head.append(
            f"# They recur {where}, and no address or rule set names its site: before they run on other"
            "\n# sites, give the set a `when` (a line only its pages carry, or their address)."
        )
        why, when = f"TODO: say what these are (on the pages {where})", None
    head += ["[set]", f"why = {_toml_string(why)}"]
    if when is not None:
        head.append(f"when = {_toml_literal(when)}")
    body = [s.to_toml(rank) for rank, s in enumerate(suggestions, start=1)]
    return "\n".join([*head, "", *body])


def describe(site: str | None, host: bool) -> str:
    """Where a draft's documents are, in words: "of example.org", "in the folder news"..."""
    if site is None:
        return "on several sites"
    if host:
        return f"of {site}"
    if site.startswith("rules:"):
        return f"of rule set {site.removeprefix('rules:')}"
    return "in the top folder" if site == "." else f"in the folder {site}"


def site_file_names(sites: Iterable[str | None]) -> list[str]:
    """The draft file of each site's rules: ``suggested-<site>.toml`` (``-any-site`` for any
    site's; ``-2``, ``-3``... after a name another site already has)."""
    names: list[str] = []
    for site in sites:
        slug = regex.sub(r"[^a-z0-9]+", "-", (site or "any site").casefold()).strip("-") or "top"
        name, n = f"suggested-{slug}.toml", 1
        while name in names:
            n += 1
            name = f"suggested-{slug}-{n}.toml"
        names.append(name)
    return names
