"""Boilerplate rules kept as data: load TOML rule files, check them up front, test their examples.

A rule file holds one rule set (optionally limited to some sites by ``when``) and its rules::

    [set]
    why = "Global Research / Mondialisation.ca republication notices"
    when = 'mondialisation\\.ca|globalresearch\\.ca'

    [[rules]]
    id = "gr-disclaimer-fr"
    kind = "line"
    why = "the CRM's French disclaimer"
    pattern = '^Avis de non-responsabilité\\s*:'
    remove = ["Avis de non-responsabilité : Les opinions exprimées ..."]
    keep = ["Le porte-parole a décliné toute responsabilité."]

See the README for every key. Everything is checked when the file is loaded, so a broken rule
stops a run before it starts, with a `RuleError` naming the file and the rule.
"""

from __future__ import annotations

import bisect
import logging
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from .errors import RuleError
from .read import open_regular
from .words import count_words

log = logging.getLogger(__name__)

#: What each kind of rule does; the README explains them with examples.
KINDS = {
    "line": "remove every line the pattern matches",
    "paragraph": "remove every paragraph (lines between blank lines) the pattern matches",
    "header": "remove the block of leading lines that match, capturing named groups as metadata",
    "tail": "cut from a matching line to the end, near the end and only if the rest is boilerplate too",
    "inline": "remove (or replace) the matched text inside a line",
}
_SET_KEYS = {"name", "why", "when"}
_RULE_KEYS = {
    "id",
    "kind",
    "why",
    "pattern",
    "patterns",
    "remove",
    "keep",
    "replace",
    "case_sensitive",
    "max_lines",
    "within",
    "max_words",
}
_KIND_KEYS = {"inline": {"replace"}, "header": {"max_lines"}, "tail": {"within"}}
_NO_MAX_WORDS = {"inline", "header"}
_ID = regex.compile(r"[a-z0-9][a-z0-9._-]*")


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: what it matches, why, and the examples that prove it."""

    id: str
    kind: str
    why: str
    patterns: tuple[regex.Pattern[str], ...]
    remove: tuple[str, ...]
    keep: tuple[str, ...]
    file: str
    replace: str = ""
    #: Anchored patterns joined into one alternation: one search instead of several, same answer.
    combined: tuple[regex.Pattern[str], ...] = ()
    #: The patterns again with ``^``/``$`` at every line: a quick test of a whole text for inline rules.
    screens: tuple[regex.Pattern[str], ...] = ()
    max_lines: int = 12
    within: float = 0.4
    #: Lines (or paragraphs) longer than this many words are never removed by the rule; for a
    #: tail rule, the longest line it accepts after its marker. ``None``: no limit (tail: 12).
    max_words: int | None = None
    #: The rule can only match a text that contains one of these (case-folded); worked out from
    #: its patterns when loaded, so that a document without any of them skips the rule. Empty
    #: when no such list could be worked out: the rule is always tried.
    needs: tuple[str, ...] = ()
    #: When only some patterns have literals (``needs`` is empty): theirs, and the patterns
    #: without (joined as in ``combined`` where they can be), the only ones a text without any
    #: of those literals is searched with.
    partial_needs: tuple[str, ...] = ()
    bare: tuple[regex.Pattern[str], ...] = ()

    def search(
        self, text: str, timeout: float | None = None, words: int | None = None, bare: bool = False
    ) -> regex.Match[str] | None:
        """The first match of any of the rule's patterns in ``text`` (if not too long for the rule).

        ``words`` is the word count of ``text`` when the caller already knows it; ``bare``: none of
        `partial_needs` is in ``text``, so only the patterns without literals can match.
        """
        if self.max_words is not None and self.kind != "tail":
            count = count_words(text) if words is None else words
            if count > self.max_words:
                return None
        for pattern in self.bare if bare and self.partial_needs else self.combined or self.patterns:
            found = pattern.search(text, timeout=timeout)
            if found:
                return found
        return None


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules of one file, with the ``when`` pattern that limits them to some documents."""

    name: str
    file: str
    why: str
    when: regex.Pattern[str] | None
    rules: tuple[Rule, ...]
    #: literals one of which the ``when`` pattern needs, as `Rule.needs`
    when_needs: tuple[str, ...] = ()

    def applies_to(self, text: str, folded: str | None = None, timeout: float | None = None) -> bool:
        """Whether the set's ``when`` matches; raises `TimeoutError` past ``timeout`` seconds."""
        if self.when is None:
            return True
        if self.when_needs and folded is not None and not any(literal in folded for literal in self.when_needs):
            return False
        return self.when.search(text, timeout=timeout) is not None


@dataclass(frozen=True, slots=True)
class Rules:
    """Every loaded rule set, in file order."""

    sets: tuple[RuleSet, ...] = ()
    folder: str = ""
    #: which rules could match which line, from their literals (`load_rules` builds it)
    index: LiteralIndex | None = field(default=None, compare=False, repr=False)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (rule for rule_set in self.sets for rule in rule_set.rules)

    def __len__(self) -> int:
        return sum(len(s.rules) for s in self.sets)

    @property
    def site_sets(self) -> tuple[RuleSet, ...]:
        """The sets written for one site or publisher: those limited by a ``when``."""
        return tuple(rule_set for rule_set in self.sets if rule_set.when is not None)

    def for_text(
        self, text: str, folded: str | None = None, timeout: float | None = None, failed: list[str] | None = None
    ) -> list[Rule]:
        """The rules that apply to a document with this text (its ``when`` patterns match);
        ``folded`` is ``fold(text)`` if the caller has it. A ``when`` that runs past ``timeout``
        seconds does not apply, and ``<set name>.when`` is added to ``failed``."""
        folded = fold(text) if folded is None else folded
        applicable: list[Rule] = []
        for rule_set in self.sets:
            try:
                applies = rule_set.applies_to(text, folded, timeout)
            except TimeoutError:
                log.warning("the 'when' of rule set %s timed out after %ss: its rules skipped", rule_set.name, timeout)
                if failed is not None:
                    failed.append(f"{rule_set.name}.when")
                applies = False
            if applies:
                applicable.extend(rule_set.rules)
        return applicable


def fold(text: str, keep_lines: bool = False) -> str:
    """A text as rules' literals are looked for in it: case-folded, line breaks as spaces (a
    paragraph rule sees its lines joined by spaces) unless ``keep_lines``.

    Folding goes character by character, so folding lines one by one or the text at once is the same.
    """
    # regex's ignore-case matches i with İ and I with ı, which case-folding alone does not make equal
    folded = text.casefold().replace("ı", "i").replace("\u0307", "")
    return folded if keep_lines else folded.replace("\n", " ")


# Syntax of the regex module that the standard parser reads differently or not at all: a
# pattern using any of it gets no literals (and is always tried).
_REGEX_ONLY = regex.compile(r"\\[XKGLNQEhH]|\(\?[|VrfebpwLu]|\[\[|\{[^}]*[a-z<]|\(\?\(")
# ... except Unicode properties (one character that is no literal, like ".") and word edges
_PROPERTY = regex.compile(r"\\[pP](?:\{[^}]*\}|[A-Za-z])")
_WORD_EDGE = regex.compile(r"\\[mM]")
_MAX_LITERALS = 64
_MIN_LITERAL = 3


def required_literals(sources: list[str]) -> tuple[str, ...]:
    """Strings one of which any match of any of the patterns ``sources`` contains (case-folded),
    or () when that cannot be worked out, or one would be shorter than three characters.

    >>> required_literals([r"\\b(?:please|kindly)\\s+help\\b.{0,200}\\b(?:paypal|patreon)"])
    ('kindly', 'please')
    >>> required_literals([r"^\\W*(?:Related|More)(?: articles)?:"])
    ('more', 'related')
    >>> required_literals([r"^\\W*By\\s+\\p{Lu}"])
    ()
    """
    import re._constants as sre
    import re._parser as sre_parse
    import warnings

    found: set[str] = set()
    for source in sources:
        # the substitutions skip escaped backslashes' neighbours poorly: a pattern with one gets none
        if "\\\\" in source:
            return ()
        readable = _WORD_EDGE.sub(r"\\b", _PROPERTY.sub(".", source))
        if _REGEX_ONLY.search(readable):
            return ()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # "possible nested set" and the like: read differently
                parsed = sre_parse.parse(readable, 0)
        except Exception:  # anything the standard parser cannot read gets no literals
            return ()
        exact, needed = _literals_of(list(parsed), sre)
        literals = exact if exact is not None else needed
        if not literals:
            return ()
        found |= literals
    folded = {fold(literal) for literal in found}
    if not folded or min(map(len, folded)) < _MIN_LITERAL:
        return ()
    # a literal that contains another adds nothing: the shorter one is found wherever it is
    return tuple(sorted(a for a in folded if not any(b != a and b in a for b in folded)))


def _literals_of(items: list[Any], sre: Any) -> tuple[set[str] | None, set[str] | None]:
    """``(exact, needed)`` of a parsed sequence: every string it can match, when that set is
    small and known; else a set one of which every match contains (the best found), or None."""
    run: set[str] | None = {""}
    exact = True
    candidates: list[set[str]] = []
    for op, av in items:
        item_exact, item_needed = _item_literals(op, av, sre)
        if item_exact is not None and run is not None and len(run) * len(item_exact) <= _MAX_LITERALS:
            run = {a + b for a in run for b in item_exact}
            continue
        exact = False
        if run and run != {""}:
            candidates.append(run)
        if item_exact is not None and item_exact != {""}:
            candidates.append(item_exact)
        elif item_needed:
            candidates.append(item_needed)
        run = {""}
    if exact:
        return run, None
    if run and run != {""}:
        candidates.append(run)
    if not candidates:
        return None, None
    return None, max(candidates, key=lambda c: min(map(len, c)))


def _item_literals(op: Any, av: Any, sre: Any) -> tuple[set[str] | None, set[str] | None]:
    if op is sre.LITERAL:
        return {chr(av)}, None
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return {""}, None  # zero-width: matches no characters
    if op is sre.SUBPATTERN:
        return _literals_of(list(av[-1]), sre)
    if op is sre.ATOMIC_GROUP:
        return _literals_of(list(av), sre)
    if op is sre.BRANCH:
        branches = [_literals_of(list(branch), sre) for branch in av[1]]
        if all(e is not None for e, _ in branches):
            union = set().union(*(e for e, _ in branches if e is not None))
            if len(union) <= _MAX_LITERALS:
                return union, None
        options = [e if e is not None else n for e, n in branches]
        if all(o and "" not in o for o in options):
            return None, set().union(*(o for o in options if o))
        return None, None
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, high, body = av
        if low < 1:
            return None, None
        body_exact, body_needed = _literals_of(list(body), sre)
        if low == high == 1:
            return body_exact, body_needed
        needed = body_exact if body_exact is not None else body_needed
        return None, (needed if needed and "" not in needed else None)
    return None, None  # a character class, any character, a back-reference: nothing certain


class LiteralIndex:
    """Which rules could match which lines of a text: the rules that need no literal, and those
    with one of their literals (`Rule.needs`) in the line. One Aho-Corasick scan of the whole
    text finds every literal of every rule at once, instead of a regular expression per rule
    per line.
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        owners: dict[str, set[str]] = {}
        for rule in rules:
            for literal in rule.needs or rule.partial_needs:
                owners.setdefault(literal, set()).add(rule.id)
        self._literals = sorted(owners)
        self._owners = [frozenset(owners[literal]) for literal in self._literals]
        self._automaton: Any = None

    def __getstate__(self) -> dict[str, Any]:  # the automaton is rebuilt where it is used
        return {"_literals": self._literals, "_owners": self._owners, "_automaton": None}

    def rules_by_line(self, lines: list[str], folded: str | None = None) -> list[set[str]]:
        """For each line, the ids of the rules with a literal in it (a literal that runs over a
        line break counts for the line where it ends: paragraph rules see lines joined).
        ``folded`` is ``fold("\\n".join(lines), keep_lines=True)`` if the caller has it."""
        found: list[set[str]] = [set() for _ in lines]
        if not self._literals or not lines:
            return found
        if self._automaton is None:
            import ahocorasick_rs

            self._automaton = ahocorasick_rs.AhoCorasick(
                self._literals, implementation=ahocorasick_rs.Implementation.DFA
            )
        # folding works character by character and keeps line breaks: fold once, then split
        if folded is None:
            folded = fold("\n".join(lines), keep_lines=True)
        starts, position = [], 0
        for line in folded.split("\n"):
            starts.append(position)
            position += len(line) + 1
        haystack = folded.replace("\n", " ")
        for literal, _, end in self._automaton.find_matches_as_indexes(haystack, overlapping=True):
            found[bisect.bisect_right(starts, end - 1) - 1] |= self._owners[literal]
        return found


def default_rules_dir() -> Path:
    """The rules shipped with the package (or, in a source checkout, the repository's ``rules/``)."""
    packaged = Path(str(resources.files("cleaner"))) / "rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


def load_rules(folder: Path | str | None = None) -> Rules:
    """Load and check every ``*.toml`` rule file in ``folder`` (default: the shipped rules), or
    the one rule file ``folder`` names. A folder without any is an error: to run with no rules,
    point at an empty ``.toml`` file."""
    folder = Path(folder) if folder is not None else default_rules_dir()
    if folder.is_file() and folder.suffix == ".toml":
        paths = [folder]
    elif not folder.exists():
        raise RuleError(f"rules folder does not exist: {folder}")
    elif not folder.is_dir():
        raise RuleError(f"rules must be a folder of .toml files or one .toml file: {folder}")
    else:
        paths = sorted(folder.glob("*.toml"))
        if not paths:
            raise RuleError(
                f"no rule files (*.toml) in {folder}; to clean without rules, give an empty .toml file as the rules"
            )
    loaded = [load_rule_file(path) for path in paths]
    # Site rule sets (with `when`) go first: where a site rule and a generic one both match, the
    # audit names the more specific rule.
    sets = tuple(sorted(loaded, key=lambda s: s.when is None))
    seen: dict[str, str] = {}
    for rule_set in sets:
        for rule in rule_set.rules:
            if rule.id in seen:
                raise RuleError(f"{rule.file}: rule '{rule.id}': duplicate id (also in {seen[rule.id]})")
            seen[rule.id] = rule.file
    log.debug("loaded %d rules from %d files in %s", len(seen), len(sets), folder)
    rules = [rule for rule_set in sets for rule in rule_set.rules]
    return Rules(sets=sets, folder=str(folder.resolve()), index=LiteralIndex(rules))


_MAX_RULE_FILE = 16 << 20


def load_rule_file(path: Path) -> RuleSet:
    """Load one rule file, checking every key, pattern and example up front."""
    where = str(path)
    try:
        with open_regular(path) as handle:  # a FIFO or /dev/zero named .toml is refused, not read forever
            data = tomllib.loads(handle.read(_MAX_RULE_FILE + 1).decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{where}: cannot read rule file ({getattr(exc, 'strerror', None) or exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{where}: invalid TOML ({exc})") from exc
    except RecursionError as exc:
        raise RuleError(f"{where}: invalid TOML (nested too deeply)") from exc
    unknown = sorted(set(data) - {"set", "rules"})
    if unknown:
        raise RuleError(f"{where}: unknown top-level key(s) {', '.join(unknown)} (expected [set] and [[rules]])")
    header = data.get("set", {})
    if not isinstance(header, dict):
        raise RuleError(f"{where}: [set] must be a table")
    bad = sorted(set(header) - _SET_KEYS)
    if bad:
        raise RuleError(f"{where}: [set]: unknown key(s) {', '.join(bad)}")
    when = header.get("when")
    entries = data.get("rules", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RuleError(f"{where}: rules must be an array of tables ([[rules]])")
    ids: set[str] = set()
    rules = []
    for number, entry in enumerate(entries, start=1):
        rule = _build_rule(entry, where, number)
        if rule.id in ids:
            raise RuleError(f"{where}: rule '{rule.id}': duplicate id")
        ids.add(rule.id)
        rules.append(rule)
    return RuleSet(
        name=_string(header.get("name", path.stem), where, "[set] name"),
        file=where,
        why=_string(header.get("why", ""), where, "[set] why"),
        when=None if when is None else _compile(_string(when, where, "[set] when"), where, "[set] when", True),
        rules=tuple(rules),
        when_needs=() if when is None else required_literals([when]),
    )


def _build_rule(entry: dict[str, Any], where: str, number: int) -> Rule:
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
        raise RuleError(
            f"{where}: rule #{number}: 'id' must be a lowercase name like 'gr-disclaimer-fr', got {rule_id!r}"
        )
    label = f"{where}: rule '{rule_id}'"
    kind = entry.get("kind")
    if kind not in KINDS:
        raise RuleError(f"{label}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    allowed = _RULE_KEYS - {k for other, keys in _KIND_KEYS.items() if other != kind for k in keys}
    if kind in _NO_MAX_WORDS:
        allowed = allowed - {"max_words"}
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise RuleError(f"{label}: unknown key(s) {', '.join(unknown)} for kind '{kind}'")
    why = _string(entry.get("why"), label, "why")
    if not why.strip():
        raise RuleError(f"{label}: 'why' must say in one line why the rule exists")
    if ("pattern" in entry) == ("patterns" in entry):
        raise RuleError(f"{label}: give exactly one of 'pattern' or 'patterns'")
    sources = [entry["pattern"]] if "pattern" in entry else entry["patterns"]
    if not isinstance(sources, list) or not sources:
        raise RuleError(f"{label}: 'patterns' must be a non-empty list of strings")
    ignore_case = not entry.get("case_sensitive", False)
    patterns = tuple(_compile(_string(s, label, "pattern"), label, "pattern", ignore_case) for s in sources)
    remove = _examples(entry, "remove", label)
    keep = _examples(entry, "keep", label)
    options: dict[str, Any] = {}
    if "replace" in entry:
        options["replace"] = _template(_string(entry["replace"], label, "replace"), patterns, label)
    if "max_lines" in entry:
        options["max_lines"] = _number(entry["max_lines"], label, "max_lines", int, 1, 200)
    if "within" in entry:
        options["within"] = _number(entry["within"], label, "within", float, 0.01, 1.0)
    if "max_words" in entry:
        options["max_words"] = _number(entry["max_words"], label, "max_words", int, 1, 1000)
    options["combined"] = _joined(patterns)
    needs = required_literals(sources)
    if needs and all(any(literal in fold(example) for literal in needs) for example in remove):
        options["needs"] = needs
    elif len(patterns) > 1 and kind in ("line", "paragraph", "header"):
        # some patterns have literals: a line without any of them is searched with the others only
        literals = [required_literals([source]) for source in sources]
        partial = tuple(sorted(set().union(*literals)))
        bare = tuple(p for p, found in zip(patterns, literals, strict=True) if not found)
        if partial and all(
            any(literal in fold(example) for literal in partial) or any(p.search(example) for p in bare)
            for example in remove
        ):
            options["partial_needs"] = partial
            options["bare"] = _joined(bare) or bare
    if kind == "inline":
        options["screens"] = tuple(regex.compile(p.pattern, p.flags | regex.MULTILINE) for p in patterns)
    return Rule(
        id=rule_id, kind=kind, why=why.strip(), patterns=patterns, remove=remove, keep=keep, file=where, **options
    )


def _joined(patterns: tuple[regex.Pattern[str], ...]) -> tuple[regex.Pattern[str], ...]:
    """Patterns that can only match at the start joined into one alternation (it tries them in
    order: one search instead of several, the same answer), or () when they cannot be."""
    if len(patterns) > 1 and all(p.pattern.startswith("^") for p in patterns):
        try:
            return (regex.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags),)
        except regex.error:
            pass  # keep them separate
    return ()


def _compile(source: str, label: str, what: str, ignore_case: bool) -> regex.Pattern[str]:
    flags = regex.IGNORECASE if ignore_case else 0
    try:
        pattern = regex.compile(source, flags)
    except regex.error as exc:
        raise RuleError(f"{label}: {what} does not compile ({exc}): {source!r}") from exc
    if pattern.search("") is not None:
        raise RuleError(f"{label}: {what} matches the empty string, so it would match everything: {source!r}")
    return pattern


_GROUP_REFERENCE = regex.compile(r"\\(?:g<([^>]*)>|([1-9][0-9]?)|.)")


def _template(template: str, patterns: tuple[regex.Pattern[str], ...], label: str) -> str:
    """Check that every group a replacement names (``\\1``, ``\\g<name>``) is in every pattern."""
    for found in _GROUP_REFERENCE.finditer(template):
        name, number = found.group(1), found.group(2)
        if name is None and number is None:
            continue
        for pattern in patterns:
            if number is not None or (name or "").isdigit():
                exists = int(number or name) <= pattern.groups
            else:
                exists = name in pattern.groupindex
            if not exists:
                raise RuleError(
                    f"{label}: 'replace' refers to group {found.group()!r}, which the pattern {pattern.pattern!r} "
                    "does not have"
                )
    return template


def _string(value: Any, label: str, what: str) -> str:
    if not isinstance(value, str):
        raise RuleError(f"{label}: '{what}' must be a string, got {type(value).__name__}")
    return value


def _number(value: Any, label: str, what: str, kind: type, low: float, high: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise RuleError(f"{label}: '{what}' must be a number, got {value!r}")
    if not low <= value <= high:
        raise RuleError(f"{label}: '{what}' must be between {low} and {high}, got {value}")
    return kind(value)


def _examples(entry: dict[str, Any], key: str, label: str) -> tuple[str, ...]:
    values = entry.get(key)
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise RuleError(
            f"{label}: '{key}' must be a non-empty list of example texts "
            f"(what the rule must {'remove' if key == 'remove' else 'leave alone'})"
        )
    return tuple(values)
