"""The command line: parse options, call the library, turn its errors into one line and exit 2."""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from . import __version__
from .config import Settings, load_config, setting_help
from .errors import CleanerError, InputError, OutputError, RuleError
from .read import read_documents
from .report import summary
from .rule_tests import test_rules
from .rules import KINDS, default_rules_dir, load_rules
from .run import run_clean
from .suggest import Suggestion, describe, draft_set, site_file_names, suggest_rules
from .write import corpus_formats

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_BUG = 70  # sysexits' EX_SOFTWARE: an internal error (a bug), said in one line
_ERRORS_SHOWN = 10


def _flags_without_placeholder() -> None:
    """On/off options take no value: show none in the help (typer's rich help prints ``<bool>``)."""
    from typer import core

    shown = getattr(core.TyperOption, "display_type_rich", None)
    if shown is None:
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False) and self.metavar is None:
            return None
        return shown(self, ctx)  # type: ignore[no-any-return]

    core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_without_placeholder()

app = typer.Typer(
    help="Turn a folder of raw news articles into a clean, normalized, deduplicated corpus.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
rules_app = typer.Typer(help="Check and inspect boilerplate rule files.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"cleaner: error: {message}", err=True)
    return typer.Exit(code)


class _Terminated(BaseException):
    """SIGTERM, raised where the program is so that cleanup runs as for Ctrl-C."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def handles_errors(command: F) -> F:
    """Library errors become one line on stderr and exit 2; Ctrl-C leaves outputs as they were."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with contextlib.suppress(ValueError):  # only the main thread may set handlers
            signal.signal(signal.SIGTERM, _terminate)
        try:
            return command(*args, **kwargs)
        except CleanerError as exc:
            raise _fail(str(exc)) from None
        except KeyboardInterrupt:
            raise _fail(f"interrupted; {_output_state()}", 130) from None
        except _Terminated:
            raise _fail(f"terminated; {_output_state()}", 143) from None
        except BrokenPipeError:
            # the reader went away (| head): stop quietly, and let no later flush complain
            _silence_stdout()
            raise typer.Exit(EXIT_OK) from None
        except OSError as exc:  # the disk, the terminal or a pipe failed under us
            if exc.filename is None and (exc.errno in (errno.ENOSPC, errno.EIO) or exc.errno is None):
                _silence_stdout()  # most likely standard output (> /dev/full): no second complaint at exit
            where = f": {exc.filename}" if exc.filename else ""
            raise _fail(f"{exc.strerror or exc}{where}") from None

    return wrapper  # type: ignore[return-value]


def _output_state() -> str:
    from .write import REPLACED

    if REPLACED:
        return "the output folder had already been written in full"
    return "the output folder was left as it was"


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cleaner {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what each step does.")] = False,
) -> None:
    """Turn a folder of raw news articles into a clean, normalized, deduplicated corpus."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="cleaner: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )


def _resolve_rules(rules: Path | None, config: dict[str, Any] | None = None) -> Path:
    """``--rules``, else the configuration's, else ``./rules`` when it exists, else the shipped rules."""
    if rules is not None:
        return rules
    if config and config.get("rules"):
        return Path(str(config["rules"]))
    local = Path("rules")
    return local if local.is_dir() else default_rules_dir()


class _Progress:
    """The phases of a run as bars on a terminal (`TerminalProgress`); nothing at all otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.display: Any = None
        if enabled:
            from .progress import TerminalProgress

            self.display = TerminalProgress()

    def __enter__(self) -> Any:
        return self.display.__enter__() if self.display is not None else None

    def __exit__(self, *exc: object) -> None:
        if self.display is not None:
            self.display.__exit__(*exc)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


_DEFAULTS = Settings()


def _configured(config: dict[str, Any]) -> Settings:
    """The defaults with a configuration file's values over them (checked when it was loaded)."""
    return _DEFAULTS.with_overrides(**{k: v for k, v in config.items() if k in Settings.__dataclass_fields__})


_RULES_HELP = "Rules folder (default: ./rules if present, else the shipped rules)."
RulesFolder = Annotated[Path | None, typer.Argument(help=_RULES_HELP, show_default=False)]


def _setting(name: str, *short: str) -> Any:
    """The option of a setting, made from its declaration in `Settings` (flag name and help)."""
    return typer.Option(f"--{name.replace('_', '-')}", *short, help=setting_help(name), show_default=False)


RawArgument = Annotated[
    Path, typer.Argument(help="Folder (or file) of raw documents: .txt .md .html .jsonl, maybe .gz.")
]
OutArgument = Annotated[Path, typer.Argument(help="Output folder: corpus.jsonl, manifest.jsonl, report.json.")]
RulesOption = Annotated[Path | None, typer.Option("--rules", help=_RULES_HELP, show_default=False)]
FullOption = Annotated[
    bool, typer.Option("--full", help="Clean every file again, ignoring what a previous run in OUT can lend.")
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        "-j",
        min=1,
        show_default=False,
        help="Processes that clean in parallel (default: all cores, or 1 for small inputs).",
    ),
]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine", help="local (processes on this machine) or dask (a cluster: pip install 'cleaner[dask]')."
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        show_default=False,
        help="With --engine dask: scheduler address or scheduler file (default: a local cluster).",
    ),
]
ManifestOption = Annotated[
    Path | None, typer.Option("--manifest", help="With OUT '-': also write the manifest here.", show_default=False)
]
FormatOption = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        show_default=False,
        help="Also write the corpus as parquet (corpus.parquet) or txt (one file per document, txt/); "
        "give it twice for both.",
    ),
]


@app.command()
@handles_errors
def clean(
    raw: RawArgument = Path("raw"),
    out: OutArgument = Path("clean"),
    rules: RulesOption = None,
    threshold: Annotated[float | None, _setting("threshold")] = None,
    num_perm: Annotated[int | None, _setting("num_perm")] = None,
    ngram: Annotated[int | None, _setting("ngram")] = None,
    containment: Annotated[float | None, _setting("containment")] = None,
    keep: Annotated[str | None, _setting("keep")] = None,
    lang: Annotated[str | None, _setting("lang")] = None,
    lang_chars: Annotated[int | None, _setting("lang_chars")] = None,
    lang_backend: Annotated[str | None, _setting("lang_backend")] = None,
    min_lang_prob: Annotated[float | None, _setting("min_lang_prob")] = None,
    drop_foreign: Annotated[bool, _setting("drop_foreign")] = False,
    max_removed_share: Annotated[float | None, _setting("max_removed_share")] = None,
    templates: Annotated[str | None, _setting("templates")] = None,
    template_min_docs: Annotated[int | None, _setting("template_min_docs")] = None,
    template_min_share: Annotated[float | None, _setting("template_min_share")] = None,
    model: Annotated[str | None, _setting("model")] = None,
    min_body_prob: Annotated[float | None, _setting("min_body_prob")] = None,
    rule_timeout: Annotated[float | None, _setting("rule_timeout")] = None,
    strict: Annotated[bool, _setting("strict")] = False,
    full: FullOption = False,
    workers: WorkersOption = None,
    engine: EngineOption = "local",
    scheduler: SchedulerOption = None,
    manifest: ManifestOption = None,
    output_format: FormatOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")] = False,
) -> None:
    """Clean RAW into OUT: normalize, strip boilerplate, detect language, drop duplicates.

    RAW '-' reads JSONL documents from standard input; OUT '-' writes the cleaned documents as
    JSONL to standard output as they come (duplicates: the first copy wins), e.g.
    cat docs.jsonl | cleaner clean - - | head -1

    Example: cleaner clean raw clean --lang en
    """
    given = {name: value for name, value in locals().items() if name in Settings.__dataclass_fields__}
    config, _ = load_config()
    # an off flag leaves the configuration's value; None leaves a setting as configured
    settings = _configured(config).with_overrides(**{k: None if v is False else v for k, v in given.items()})
    rules_dir = _resolve_rules(rules, config)
    configured_format = config.get("format") or ["jsonl"]
    formats = corpus_formats(output_format or configured_format)
    _check_clean_options(raw, out, engine, formats, manifest, keep)
    if str(out) == "-":
        _clean_to_stdout(raw, settings, rules_dir, manifest, quiet)
    elif str(raw) == "-":
        _clean_stdin_to_folder(out, settings, rules_dir, full, quiet, formats, workers, engine, scheduler)
    else:
        _clean_folder(raw, out, settings, rules_dir, full, quiet, formats, workers, engine, scheduler)


def _check_clean_options(
    raw: Path, out: Path, engine: str, formats: tuple[str, ...], manifest: Path | None, keep: str | None
) -> None:
    if engine not in ("local", "dask"):
        raise InputError(f"unknown engine {engine!r} (expected local or dask)")
    if manifest is not None:
        _check_manifest_path(manifest, raw, out)
    if str(out) == "-":
        if keep == "longest":
            raise InputError(
                "with OUT '-' each document is written as it comes, so of copies the first one stays: "
                "--keep longest cannot apply (use an output folder)"
            )
        if set(formats) - {"jsonl"}:
            raise InputError("--format parquet or txt needs an output folder, not '-' (standard output is JSONL)")


def _clean_stdin_to_folder(out: Path, settings: Settings, rules_dir: Path, *options: Any) -> None:
    """Standard input kept in a temporary file (a run reads its input more than once), cleaned into ``out``."""
    from .write import leftovers

    for leftover, _ in leftovers(Path(tempfile.gettempdir()), "cleaner-"):
        shutil.rmtree(leftover, ignore_errors=True)  # a run that died left its copy of stdin
    try:
        spool = Path(tempfile.mkdtemp(prefix=f"cleaner-stdin-{os.getpid()}-"))
    except OSError as exc:
        raise OutputError(f"cannot make a temporary folder for standard input: {exc.strerror or exc}") from exc
    try:
        try:
            with open(spool / "stdin.jsonl", "wb") as handle:
                shutil.copyfileobj(sys.stdin.buffer, handle)
        except OSError as exc:
            raise OutputError(
                f"cannot keep standard input in the temporary folder {spool}: {exc.strerror or exc}"
            ) from exc
        _clean_folder(spool, out, settings, rules_dir, *options)
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def _check_manifest_path(manifest: Path, raw: Path, out: Path) -> None:
    """``--manifest`` goes with OUT '-' only, and never over an input or into RAW."""
    if str(out) != "-":
        raise InputError(
            f"--manifest is for OUT '-' (standard output); with a folder, the manifest is {out}/manifest.jsonl"
        )
    target = manifest.resolve()
    if manifest.is_dir():
        raise InputError(f"--manifest {manifest} is a folder; give a file name")
    if str(raw) == "-":
        with contextlib.suppress(OSError):
            if manifest.exists() and os.path.samestat(os.fstat(sys.stdin.fileno()), os.stat(manifest)):
                raise InputError(f"--manifest {manifest} is the input being read on standard input")
        return
    source = raw.resolve()
    if target == source or source in target.parents:
        raise InputError(f"--manifest {manifest} is inside the input {raw}, which is never written to")


def _clean_to_stdout(raw: Path, settings: Settings, rules_dir: Path, manifest: Path | None, quiet: bool) -> None:
    from .pipeline import Pipeline
    from .read import read_jsonl_lines
    from .stream import clean_to_stream

    if str(raw) == "-":
        docs = read_jsonl_lines(sys.stdin.buffer)
    elif not raw.exists():
        raise InputError(f"input path does not exist: {raw}")
    else:
        docs = read_documents(raw)
    pipeline = Pipeline(settings, load_rules(rules_dir))
    try:
        handle = open(manifest, "w", encoding="utf-8") if manifest else None  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise OutputError(f"cannot write the manifest {manifest}: {exc.strerror or exc}") from exc
    errors: list[str] = []
    try:
        counts = clean_to_stream(docs, pipeline, sys.stdout.write, handle, flush=sys.stdout.flush, errors=errors)
    finally:
        if handle:
            handle.close()
    if not quiet:
        typer.echo(", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no documents", err=True)
        for reason in errors[:_ERRORS_SHOWN]:
            typer.echo(f"  error: {reason}", err=True)
        if len(errors) > _ERRORS_SHOWN:
            typer.echo(f"  ... and {len(errors) - _ERRORS_SHOWN} more (see the manifest)", err=True)
        if errors and str(raw) == "-":
            typer.echo('  standard input must be JSONL: one {"id": ..., "text": ...} object per line', err=True)
    if settings.strict and errors:
        raise _fail(f"{len(errors)} document(s) could not be read (--strict)", EXIT_FINDINGS)


def _clean_folder(
    raw: Path,
    out: Path,
    settings: Settings,
    rules_dir: Path,
    full: bool,
    quiet: bool,
    formats: tuple[str, ...] = ("jsonl",),
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> None:
    with _Progress(enabled=not quiet and sys.stderr.isatty()) as progress:
        report = run_clean(
            raw,
            out,
            settings=settings,
            rules=rules_dir,
            progress=progress,
            full=full,
            output_format=formats,
            workers=workers,
            engine=engine,
            scheduler=scheduler,
        )
    if not quiet:
        typer.echo(summary(report), err=True)
        written = ["corpus.jsonl", "manifest.jsonl", "report.json", "report.html"]
        written += [{"parquet": "corpus.parquet", "txt": "txt/"}[f] for f in formats if f != "jsonl"]
        typer.echo(
            f"wrote {out}/ ({', '.join(written)}) with rules from {rules_dir} "
            f"in {report['seconds'].get('total', 0):.1f}s",
            err=True,
        )
    errors = report["by_status"]["error"]
    if settings.strict and errors:
        raise _fail(f"{errors} document(s) could not be read (--strict)", EXIT_FINDINGS)


@rules_app.command("test")
@handles_errors
def rules_test(folder: RulesFolder = None) -> None:
    """Check every rule against its own remove and keep examples; exit 1 naming each failure.

    Example: cleaner rules test rules
    """
    folder = _resolve_rules(folder)
    rules = load_rules(folder)
    failures = test_rules(rules)
    for failure in failures:
        typer.echo(str(failure))
    examples = sum(len(r.remove) + len(r.keep) for r in rules)
    typer.echo(f"{len(rules)} rules, {examples} examples, {len(failures)} failing ({folder})", err=True)
    if failures:
        raise typer.Exit(EXIT_FINDINGS)


@rules_app.command("list")
@handles_errors
def rules_list(folder: RulesFolder = None) -> None:
    """List the rules in a folder: id, kind, file and why.

    Example: cleaner rules list
    """
    rules = load_rules(_resolve_rules(folder))
    for rule_set in rules.sets:
        when = f" (when: {rule_set.when.pattern})" if rule_set.when else ""
        typer.echo(f"{Path(rule_set.file).name}{when}")
        for rule in rule_set.rules:
            typer.echo(f"  {rule.id:<24} {rule.kind:<9} {rule.why}")


@rules_app.command("suggest")
@handles_errors
def rules_suggest(
    raw: Annotated[Path, typer.Argument(help="Folder (or file) of documents to mine.")] = Path("raw"),
    rules: Annotated[Path | None, typer.Option("--rules", help=_RULES_HELP, show_default=False)] = None,
    min_docs: Annotated[
        int | None,
        typer.Option(
            "--min-docs",
            min=1,
            show_default=False,
            help="Documents of a site a line must recur in (default: 2, or 1% of the site's documents if more).",
        ),
    ] = None,
    top: Annotated[int, typer.Option(min=1, help="How many suggestions to give per site.")] = 20,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write one draft rule file per site into this folder (suggested-SITE.toml) instead of printing.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print draft TOML rules for lines and paragraphs that recur across documents and no rule removes.

    Drafts are per site (a URL's host, a rule set's `when`, else the folder): the rules of one
    site come limited to it by a `when` where the site can be named.

    Example: cleaner rules suggest raw --rules rules > rules/draft.toml
    """
    if not raw.exists():
        raise InputError(f"input path does not exist: {raw}")
    folder = _resolve_rules(rules)
    loaded = load_rules(folder)
    suggestions, total = suggest_rules(read_documents(raw), loaded, min_docs, top)
    sites: dict[str | None, list[Suggestion]] = {}
    for suggestion in suggestions:
        sites.setdefault(suggestion.site, []).append(suggestion)
    if out is not None:
        written = [out / name for name in site_file_names(sites)]
        clash = next((path for path in written if path.exists()), None)
        if clash is not None:
            raise InputError(f"{clash} exists: give --out a folder without drafts in it")
        out.mkdir(parents=True, exist_ok=True)
        for (site, drafts), path in zip(sites.items(), written, strict=True):
            path.write_text(draft_set(drafts, site, loaded), encoding="utf-8")
            typer.echo(f"{path}: {len(drafts)} draft(s), for the pages {describe(site, drafts[0].host)}")
        if not sites:
            typer.echo(f"nothing recurs in {total} documents beyond the rules in {folder}")
        return
    typer.echo(f"# {len(suggestions)} suggestions from {total} documents in {raw}, beyond the rules in {folder}.")
    typer.echo("# Drafts: give each a real why and keep examples, then run `cleaner rules test`.")
    if len(sites) > 1:
        typer.echo(f"# They come from {len(sites)} sites: `--out DIR` writes one rule set per site, limited to it.")
    typer.echo("")
    site = next(iter(sites)) if len(sites) == 1 else None
    typer.echo(draft_set(suggestions, site, loaded))


#: Where a finished run read its input and rules, for commands that look back at it.
RunRawOption = Annotated[
    Path | None, typer.Option("--raw", help="Input folder (default: the one the run read).", show_default=False)
]
RunRulesOption = Annotated[
    Path | None, typer.Option("--rules", help="Rules folder (default: the one the run used).", show_default=False)
]


@app.command()
@handles_errors
def report(
    out: Annotated[Path, typer.Argument(metavar="OUT", help="Output folder of a run.")] = Path("clean"),
    raw: RunRawOption = None,
    rules: RunRulesOption = None,
) -> None:
    """Write OUT/report.html again from OUT/report.json (every run writes it; this rebuilds it).

    Example: cleaner report clean && xdg-open clean/report.html
    """
    from .html import rebuild_report

    if not out.is_dir():
        raise InputError(f"output folder does not exist: {out}")
    typer.echo(f"wrote {rebuild_report(out, raw, rules)}", err=True)


@app.command()
@handles_errors
def explain(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Document id, as in the manifest.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder of the run.")] = Path("clean"),
    raw: RunRawOption = None,
    rules: RunRulesOption = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the view as a page to this file instead.", show_default=False)
    ] = None,
) -> None:
    """Show a document with each removed span marked and the rule that removed it.

    Example: cleaner explain 004_95f5e35d27d01612 --out clean | less
    """
    from rich.console import Console

    from .explain import explain as explain_document
    from .explain import render, render_html, run_context

    if rules is None:
        used = run_context(out).get("rules")
        rules = Path(used) if used and Path(used).is_dir() else _resolve_rules(None)
    explanation = explain_document(doc_id, out, load_rules(rules), raw)
    if html is not None:
        try:
            html.write_text(render_html(explanation), encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"cannot write {html}: {exc.strerror or exc}") from exc
        typer.echo(f"wrote {html}", err=True)
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(render(explanation, color=console.is_terminal), end="")


@app.command()
@handles_errors
def check(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to check, e.g. the files a pull request adds.")],
    against: Annotated[
        Path | None,
        typer.Option(
            "--against", help="Output folder of the corpus to check against (uses its index).", show_default=False
        ),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, json (one object), or github (workflow annotations).")
    ] = "table",
    rules: Annotated[Path | None, typer.Option("--rules", help=_RULES_HELP, show_default=False)] = None,
    lang: Annotated[
        str | None,
        typer.Option(help="Allowed languages, e.g. 'en,fr' (default: as the corpus was built).", show_default=False),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(help="Near-duplicate threshold (default: as the corpus was built).", show_default=False),
    ] = None,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="Exit 1 on findings of this severity or worse: error (duplicate, unreadable, empty, "
            "wrong language) or warning (also: rules removed much of a text, a rule timed out).",
        ),
    ] = "error",
) -> None:
    """Check additions to a corpus: duplicates, wrong language, empty, over-stripped, unreadable.

    Writes nothing. Exit 0 when nothing fails (warnings are shown), 1 with failing findings, 2
    for usage or input errors.

    Example: cleaner check additions/ --against clean --format github
    """
    from .check import as_github, as_json, as_table
    from .check import check as check_additions
    from .explain import run_settings

    formats = {"table": as_table, "json": as_json, "github": as_github}
    if fail_on not in ("error", "warning"):
        raise InputError(f"--fail-on must be error or warning, got {fail_on!r}")
    if output_format not in formats:
        raise InputError(f"unknown format {output_format!r} (expected table, json or github)")
    if against is not None and not against.is_dir():
        raise InputError(f"corpus folder does not exist: {against}")
    config, _ = load_config()
    base = run_settings(against) if against else _configured(config)
    settings = base.with_overrides(lang=lang, threshold=threshold)
    result = check_additions(paths, load_rules(_resolve_rules(rules, config)), against, settings)
    text = formats[output_format](result)
    if text:
        typer.echo(text)
    if result.fails(fail_on):
        raise typer.Exit(EXIT_FINDINGS)


@rules_app.command("kinds")
def rules_kinds() -> None:
    """Explain the kinds of rule a rule file can hold.

    Example: cleaner rules kinds
    """
    for kind, meaning in KINDS.items():
        typer.echo(f"{kind:<10} {meaning}")


def _is_click(exc: BaseException, name: str) -> bool:
    """Whether ``exc`` is click's exception ``name`` (typer's own copy of click or click itself)."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: every way a command can end is an exit code, and every
    error one line on stderr (usage mistakes too; a bug says so, with -v for its traceback)."""
    try:
        code = app(args=argv, standalone_mode=False)
    except typer.Abort:  # Ctrl-C or end of input outside a command's own handling
        typer.echo("cleaner: error: interrupted", err=True)
        sys.exit(130)
    except RuleError as exc:  # raised outside a command (should not happen, but never a traceback)
        typer.echo(f"cleaner: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as exc:
        if _is_click(exc, "NoArgsIsHelpError"):
            sys.exit(EXIT_USAGE)  # the help was printed
        if _is_click(exc, "UsageError"):
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
            typer.echo(f"cleaner: error: {exc.format_message()}{hint}", err=True)  # type: ignore[attr-defined]
            sys.exit(EXIT_USAGE)
        if _is_click(exc, "ClickException"):
            typer.echo(f"cleaner: error: {exc.format_message()}", err=True)  # type: ignore[attr-defined]
            sys.exit(getattr(exc, "exit_code", EXIT_USAGE))
        logging.getLogger(__name__).info("internal error", exc_info=True)
        typer.echo(f"cleaner: internal error: {type(exc).__name__}: {exc} (a bug in cleaner; -v shows where)", err=True)
        sys.exit(EXIT_BUG)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
