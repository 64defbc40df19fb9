"""Rule examples are tests: every ``remove`` example must match its rule, no ``keep`` example may."""

from __future__ import annotations

from dataclasses import dataclass

from .normalize import normalize_text
from .rules import Rule, Rules


@dataclass(frozen=True, slots=True)
class ExampleFailure:
    """A rule example that does not do what it says."""

    rule: Rule
    expected: str  # "remove" or "keep"
    example: str

    def __str__(self) -> str:
        verb = "does not remove" if self.expected == "remove" else "wrongly removes"
        return f"{self.rule.file}: rule '{self.rule.id}' {verb} its {self.expected} example: {self.example!r}"


def test_rule(rule: Rule, timeout: float | None = 1.0) -> list[ExampleFailure]:
    """Check one rule against its own examples (normalized first, as documents are)."""
    failures = []
    for expected, examples in (("remove", rule.remove), ("keep", rule.keep)):
        for example in examples:
            try:
                matched = rule.search(normalize_text(example), timeout) is not None
            except TimeoutError:
                matched = expected == "keep"  # a rule that hangs on its own example fails
            if matched != (expected == "remove"):
                failures.append(ExampleFailure(rule, expected, example))
    return failures


def test_rules(rules: Rules) -> list[ExampleFailure]:
    """Check every rule against its examples; an empty list means all pass."""
    return [failure for rule in rules for failure in test_rule(rule)]


test_rules.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
test_rule.__test__ = False  # type: ignore[attr-defined]
