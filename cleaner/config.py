"""Settings: every default in one immutable value, overridden key by key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import InputError

_LANG_CODE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True, slots=True)
class Settings:
    """What a cleaning run does: every setting declared once, here (name, type, default, help;
    `__post_init__` checks values). The CLI's options are made from these fields (``--num-perm``
    is ``num_perm``), and so are the configuration file's keys.

    >>> Settings().with_overrides(threshold=0.9).threshold
    0.9
    """

    threshold: float = field(
        default=0.8,
        metadata={
            "help": "Similarity at which two documents are near-duplicates: the share of their words that lie "
            "in word n-grams both have, measured on the two texts."
        },
    )
    num_perm: int = field(default=128, metadata={"help": "MinHash permutations: more is more precise and slower."})
    ngram: int = field(default=5, metadata={"help": "Words per shingle."})
    containment: float = field(
        default=0.8,
        metadata={
            "help": "A text with at least this share of its words inside another (a truncated copy, an excerpt) "
            "is its duplicate; 1 turns it off."
        },
    )
    keep: str = field(
        default="longest",
        metadata={"help": "Which copy of a duplicate cluster stays: longest or first (in reading order)."},
    )
    lang: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "Keep only these languages (ISO 639-1, e.g. 'en,fr'); others get status 'language'. Default: all."
        },
    )
    lang_chars: int = field(
        default=1200,
        metadata={"help": "Characters of a document the language detector reads, spread over its paragraphs."},
    )
    lang_backend: str = field(
        default="langdetect",
        metadata={"help": "Language detector: langdetect, langdetect-sampled, or fasttext (needs cleaner[fast])."},
    )
    min_lang_prob: float = field(
        default=0.0, metadata={"help": "Documents whose language the detector is less sure of get status 'language'."}
    )
    drop_foreign: bool = field(
        default=False, metadata={"help": "Remove paragraphs confidently in another language than the document's."}
    )
    max_removed_share: float = field(
        default=0.6, metadata={"help": "Flag a document whose rules removed more than this share of its characters."}
    )
    templates: str = field(
        default="on",
        metadata={"help": "Site templates: lines recurring across many pages of one site are removed: on or off."},
    )
    template_min_docs: int = field(
        default=4, metadata={"help": "A site template occurs in at least this many distinct documents of the site."}
    )
    template_min_share: float = field(
        default=0.2, metadata={"help": "A site template occurs in at least this share of the site's documents."}
    )
    model: str = field(
        default="on",
        metadata={"help": "The line model that removes page furniture no rule knows: on or off."},
    )
    min_body_prob: float = field(
        default=0.2,
        metadata={
            "help": "Lines the line model gives a lower probability of being body text are removed: "
            "paragraphs of prose at the edges of the body under this, other lines there under twice "
            "this, lines inside the body under half this (glued sentences under the lower of this and 0.05)."
        },
    )
    rule_timeout: float = field(
        default=1.0, metadata={"help": "Seconds one rule may spend on one document before it is cut off and reported."}
    )
    strict: bool = field(default=False, metadata={"help": "Exit 1 when any document could not be read."})

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise InputError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 16 <= self.num_perm <= 1024:
            raise InputError(f"num_perm must be between 16 and 1024, got {self.num_perm}")
        if not 1 <= self.ngram <= 20:
            raise InputError(f"ngram must be between 1 and 20, got {self.ngram}")
        if not 0.0 < self.containment <= 1.0:
            raise InputError(f"containment must be in (0, 1], got {self.containment}")
        if self.keep not in ("longest", "first"):
            raise InputError(f"keep must be longest or first, got {self.keep!r}")
        if not 0.0 < self.max_removed_share <= 1.0:
            raise InputError(f"max_removed_share must be in (0, 1], got {self.max_removed_share}")
        if self.lang_chars < 50:
            raise InputError(f"lang_chars must be at least 50, got {self.lang_chars}")
        if not 0.0 < self.rule_timeout <= 3600:
            raise InputError(f"rule_timeout must be in (0, 3600] seconds, got {self.rule_timeout}")
        if self.templates not in ("on", "off"):
            raise InputError(f"templates must be on or off, got {self.templates!r}")
        if self.template_min_docs < 2:
            raise InputError(f"template_min_docs must be at least 2, got {self.template_min_docs}")
        if not 0.0 < self.template_min_share <= 1.0:
            raise InputError(f"template_min_share must be in (0, 1], got {self.template_min_share}")
        if self.model not in ("on", "off"):
            raise InputError(f"model must be on or off, got {self.model!r}")
        if not 0.0 <= self.min_body_prob < 1.0:
            raise InputError(f"min_body_prob must be in [0, 1), got {self.min_body_prob}")
        if not 0.0 <= self.min_lang_prob <= 1.0:
            raise InputError(f"min_lang_prob must be in [0, 1], got {self.min_lang_prob}")
        from .language import BACKENDS, supported_languages

        if self.lang_backend not in BACKENDS:
            raise InputError(f"unknown language backend {self.lang_backend!r} (expected one of {', '.join(BACKENDS)})")
        known = supported_languages(self.lang_backend)
        for code in self.lang:
            if not isinstance(code, str) or not _LANG_CODE.fullmatch(code) or (known and code not in known):
                raise InputError(
                    f"lang: {code!r} is not a language code the {self.lang_backend} backend knows "
                    f"(ISO 639-1, e.g. en,fr,de{'; it knows ' + ','.join(sorted(known)) if known else ''})"
                )

    def with_overrides(self, **values: Any) -> Settings:
        """Return a copy with the given keys changed; ``None`` values leave a key as it is."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(f"unknown setting(s): {', '.join(unknown)}")
        changes = {k: v for k, v in values.items() if v is not None}
        for name, value in changes.items():
            expected = type(getattr(self, name))
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                changes[name] = float(value)
            elif expected is not tuple and not isinstance(value, expected) and name != "lang":
                raise InputError(f"setting {name} must be {expected.__name__}, got {value!r}")
        if isinstance(changes.get("lang"), str):
            changes["lang"] = parse_lang_list(changes["lang"])
        elif "lang" in changes and not isinstance(changes["lang"], tuple):
            raise InputError(f"setting lang must be a list of language codes like 'en,fr', got {changes['lang']!r}")
        return replace(self, **changes)


def setting_help(name: str) -> str:
    """The help text of a setting, with its default.

    >>> setting_help("ngram")
    'Words per shingle. (default: 5)'
    """
    declared = Settings.__dataclass_fields__[name]
    default = declared.default
    if isinstance(default, bool) or default == ():
        return str(declared.metadata["help"])
    return f"{declared.metadata['help']} (default: {default})"


def parse_lang_list(value: str) -> tuple[str, ...]:
    """Parse ``"en, fr"`` into ``("en", "fr")``.

    >>> parse_lang_list("en, FR")
    ('en', 'fr')
    """
    return tuple(sorted({part.strip().lower() for part in value.split(",") if part.strip()}))


#: Where defaults are looked up, in this order, in the current folder.
CONFIG_FILES = ("cleaner.toml", "pyproject.toml")
_EXTRA_KEYS = {"rules", "format"}  # options of the CLI that are not Settings


def load_config(folder: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    """Defaults from ``cleaner.toml`` (top level) or ``pyproject.toml`` (``[tool.cleaner]``).

    Keys are the option names (``num_perm`` or ``num-perm``); an unknown key is an error naming
    the file. Returns the values and the file they came from.
    """
    import tomllib

    folder = folder or Path.cwd()
    for name in CONFIG_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{path}: cannot read configuration ({exc})") from exc
        except RecursionError as exc:
            raise InputError(f"{path}: cannot read configuration (nested too deeply)") from exc
        table = data.get("tool", {}).get("cleaner") if name == "pyproject.toml" else data
        if table is None:
            continue
        if not isinstance(table, dict):
            raise InputError(f"{path}: [tool.cleaner] must be a table")
        values = {key.replace("-", "_"): value for key, value in table.items()}
        known = {f.name for f in fields(Settings)} | _EXTRA_KEYS
        unknown = sorted(set(values) - known)
        if unknown:
            raise InputError(f"{path}: unknown key(s) {', '.join(unknown)} (expected {', '.join(sorted(known))})")
        lang = values.get("lang")
        if isinstance(lang, list) and all(isinstance(code, str) for code in lang):
            values["lang"] = ",".join(lang)
        if "rules" in values and not isinstance(values["rules"], str):
            raise InputError(f"{path}: rules must be a folder name (a string), got {values['rules']!r}")
        formats = values.get("format")
        if formats is not None and not (
            isinstance(formats, str) or (isinstance(formats, list) and all(isinstance(f, str) for f in formats))
        ):
            raise InputError(f"{path}: format must be a name or a list of names, got {formats!r}")
        try:
            Settings().with_overrides(**{k: v for k, v in values.items() if k not in _EXTRA_KEYS})
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from exc
        return values, path
    return {}, None
