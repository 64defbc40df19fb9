"""cleaner: turn a folder of raw news articles into a clean, normalized, deduplicated corpus.

>>> from cleaner import clean_text
>>> clean_text("Headline Here\\n\\nThe body.\\n\\nSubscribe to our newsletter!").text
'The body.'
"""

__version__ = "0.3.0"

from .check import CheckResult, Finding, check
from .config import Settings
from .document import Document, Flag, Foreign, Removal, Status
from .errors import CleanerError, InputError, OutputError, RuleError
from .pipeline import CorpusResult, DocumentStage, Pipeline, Stage, clean_corpus, clean_documents, clean_text
from .rule_tests import test_rules
from .rules import Rules, load_rules
from .run import run_clean

__all__ = [
    "CheckResult",
    "CleanerError",
    "CorpusResult",
    "Document",
    "DocumentStage",
    "Finding",
    "Flag",
    "Foreign",
    "InputError",
    "OutputError",
    "Pipeline",
    "Removal",
    "RuleError",
    "Rules",
    "Settings",
    "Stage",
    "Status",
    "__version__",
    "check",
    "clean_corpus",
    "clean_documents",
    "clean_text",
    "load_rules",
    "run_clean",
    "test_rules",
]
