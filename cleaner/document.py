"""The value type that flows through every stage: an immutable `Document`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """What happened to a document, as the manifest writes it (a `str`: ``Status.KEPT == "kept"``)."""

    KEPT = "kept"
    DUPLICATE = "duplicate"
    LANGUAGE = "language"
    EMPTY = "empty"
    ERROR = "error"


#: Statuses a document can end with, as written in the manifest.
STATUSES = tuple(status.value for status in Status)


@dataclass(frozen=True, slots=True)
class Removal:
    """A span a stage removed, with the rule that removed it.

    ``start`` and ``end`` index the text as that stage received it.
    """

    rule: str
    start: int
    end: int
    #: for a model's removal, the probability it gave the span of being body text
    prob: float | None = None

    @property
    def chars(self) -> int:
        return self.end - self.start


class Flag(str):
    """A warning worth a look that does not drop the document, written as ``kind:detail`` (a
    `str`, so the manifest's contract is the same), read back typed.

    >>> flag = Flag.removed_share(0.7249)
    >>> flag, flag.kind, flag.share, Flag.rule_timeout("slow").detail
    ('removed-share:0.72', 'removed-share', 0.72, 'slow')
    """

    __slots__ = ()

    @classmethod
    def removed_share(cls, share: float) -> Flag:
        return cls(f"removed-share:{share:.2f}")

    @classmethod
    def rule_timeout(cls, rule: str) -> Flag:
        return cls(f"rule-timeout:{rule}")

    @property
    def kind(self) -> str:
        return self.partition(":")[0]

    @property
    def detail(self) -> str:
        return self.partition(":")[2]

    @property
    def share(self) -> float | None:
        """The share of the text rules removed, for a ``removed-share`` flag."""
        return float(self.detail) if self.kind == "removed-share" else None


@dataclass(frozen=True, slots=True)
class Foreign:
    """A paragraph in another language than the document's: ``text[start:end]``, the language
    and the detector's probability. Reads like the manifest's object (``foreign["lang"]``)."""

    lang: str
    start: int
    end: int
    prob: float

    @property
    def chars(self) -> int:
        return self.end - self.start

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def as_dict(self) -> dict[str, Any]:
        """The manifest's form: ``{"lang", "start", "end", "chars", "prob"}``."""
        return {"lang": self.lang, "start": self.start, "end": self.end, "chars": self.chars, "prob": self.prob}


@dataclass(frozen=True, slots=True)
class Document:
    """One input document and everything the stages learned about it.

    Stages never mutate a document; they return a changed copy (``with_``).

    >>> doc = Document(id="a", text="Hello", source="a.txt")
    >>> doc.with_(text="Hi").text, doc.text
    ('Hi', 'Hello')
    """

    id: str
    text: str
    source: str
    line: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    removals: tuple[Removal, ...] = ()
    #: Where earlier stages took whole lines out: a byte per non-blank line of the text, bit 1 if
    #: the non-blank line just before it went, bit 2 if the one just after it did (`gaps_after`);
    #: empty while none went. The line model reads it (a caption over a credit a rule took).
    gaps: bytes = b""
    #: Warnings worth a look that do not drop the document (``removed-share:0.72``).
    flags: tuple[Flag, ...] = ()
    #: Paragraphs in another language than the document's.
    foreign: tuple[Foreign, ...] = ()
    status: str = Status.KEPT
    reason: str | None = None
    chars_in: int = 0
    #: bytes it took in its file (a run's progress is measured in them)
    bytes_in: int = 0
    digest: str | None = None
    signature: bytes | None = None
    #: distinct word shingles of the text (the signature's set size)
    shingles: int = 0
    #: the signature's shingle sample (see `dedup.shingle_sample`), from which excerpts are found
    sample: bytes = b""
    #: its shingles' 64-bit hashes in text order, as dedup verifies a pair (`dedup.Profile`)
    profile: bytes = b""
    duplicate_of: str | None = None
    similarity: float | None = None
    #: of a duplicate: the share of the shorter text's words inside the other
    containment: float | None = None
    #: a duplicate with the same cleaned text as the one kept (else a near-duplicate)
    exact: bool = False

    @property
    def dropped(self) -> bool:
        return self.status != "kept"

    def with_(self, **changes: Any) -> Document:
        """A copy with ``changes`` (as `dataclasses.replace`, which costs several times as much:
        every stage makes one or two copies of every document)."""
        if not changes.keys() <= _FIELDS.keys():
            return replace(self, **changes)  # raises its TypeError for the unknown name
        copy = object.__new__(Document)
        for name in _FIELDS:
            object.__setattr__(copy, name, changes[name] if name in changes else getattr(self, name))
        return copy

    def with_metadata(self, **values: Any) -> Document:
        return self.with_(metadata={**self.metadata, **values})

    def drop(self, status: str, reason: str) -> Document:
        if status not in STATUSES or status == Status.KEPT:
            raise ValueError(f"not a drop status: {status!r}")
        return self.with_(status=Status(status), reason=reason)


_FIELDS = {f.name: f for f in fields(Document)}


def gaps_after(gaps: bytes, removed: Sequence[bool]) -> bytes:
    """The `Document.gaps` of a text after a stage took out the non-blank lines ``removed`` says
    (one flag per non-blank line before it), given its ``gaps`` before (empty: none).

    >>> list(gaps_after(b"", [False, True, False, False]))
    [2, 1, 0]
    >>> list(gaps_after(bytes([0, 2, 1]), [False, False, True]))
    [0, 2]
    """
    if not any(removed):
        return gaps
    before = gaps or bytes(len(removed))
    out = bytearray()
    for k, gone in enumerate(removed):
        if gone:
            continue
        bits = before[k] if k < len(before) else 0
        if k > 0 and removed[k - 1]:
            bits |= 1
        if k + 1 < len(removed) and removed[k + 1]:
            bits |= 2
        out.append(bits)
    return bytes(out) if any(out) else b""
