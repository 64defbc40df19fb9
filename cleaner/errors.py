"""The one exception family the library raises; the CLI turns it into one line and exit 2."""

from __future__ import annotations


class CleanerError(Exception):
    """Base class of every error a user can cause: bad input, bad rules, bad output folder."""


class InputError(CleanerError):
    """The input folder or a setting is unusable (missing, unreadable, out of range)."""


class RuleError(CleanerError):
    """A rule file is broken: the message names the file and the rule id."""


class OutputError(CleanerError):
    """The output folder cannot be written, or writing it would destroy something."""
