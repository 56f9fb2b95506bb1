"""The command line: declares options, calls one function per command, renders. Nothing heavy at import."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from arsum import __version__
from arsum.cli.completion import InstallCompletionOpt, RootGroup, ShowCompletionOpt
from arsum.cli.models_cmds import models_app
from arsum.cli.options import (
    Backend,
    BackendOpt,
    BidiOpt,
    ConfigOpt,
    DeviceOpt,
    EncoderOpt,
    ForceOpt,
    FormatOpt,
    FromOpt,
    GpusOpt,
    InputFormat,
    InputFormatOpt,
    KeepPartsOpt,
    LangOpt,
    MaxBytesOpt,
    MinSupportOpt,
    ModelOpt,
    OutputDirOpt,
    OutputFormat,
    OutputOpt,
    PathsArg,
    Quantize,
    QuantizeOpt,
    QuietOpt,
    RatioOpt,
    RayOpt,
    Reading,
    Split,
    SplitOpt,
    Strategy,
    SupportOpt,
    TextOpt,
    ThreadsOpt,
    ToOpt,
    WorkersOpt,
    check_texts,
    examples,
    resolve_bidi,
    resolve_format,
    text_releases,
)
from arsum.cli.process import Terminated, boundary, run, say
from arsum.errors import EXIT_INPUT, EXIT_OK, InputError, UsageError

app = typer.Typer(
    name="arsum",
    help="Summarize and translate Arabic news releases.",
    no_args_is_help=True,
    cls=RootGroup,  # the command list with whole descriptions
    add_completion=False,  # typer's options guess the shell from the process tree even when one is named: ours below
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: typer's rich help costs more start-up time than arsum itself
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every sub-command
    epilog=examples(
        "arsum summarize release.txt                 # Arabic and English summaries",
        "arsum translate releases/ --to fr -o fr.jsonl",
        "arsum check release.txt summary.en          # English from anywhere, against the Arabic",
    ),
)
app.add_typer(models_app, name="models")


def _version(value: bool) -> None:
    if value:
        print(f"arsum {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    show_completion: ShowCompletionOpt = None,
    install_completion: InstallCompletionOpt = None,
) -> None:
    """Summarize and translate Arabic news releases.

    A file may hold several releases separated by a line that is only `---`.
    """


def _notifier(quiet: bool) -> Callable[[str], None]:
    """Where notices go: stderr, or nowhere with -q (errors are said by `boundary` and `_run` regardless)."""
    return (lambda message: None) if quiet else say


def _model_options(
    model: str | None, device: str, quantize: Quantize | None, config: Path | None, backend: Backend | None,
    quiet: bool,
) -> dict[str, Any]:
    """The model arguments of `arsum.Summarizer`/`arsum.Translator`, from the options (typer has applied ARSUM_*)."""
    from arsum.cli.progress import TerminalReporter
    from arsum.reporting import SILENT

    return {"model": model, "device": device, "quantize": quantize.value if quantize else None,
            "backend": backend.value if backend else None, "config": config,
            "reporter": SILENT if quiet else TerminalReporter()}


def _load(
    paths: list[str] | None, input_format: InputFormat, lang: str | None, max_bytes: int | None,
    notify: Callable[[str], None], texts: list[str] | None = None, reading: Reading = Reading(),
):
    from arsum.text.inputs import DEFAULT_MAX_BYTES, load_releases

    if texts:
        return text_releases(texts, input_format.value, max_bytes or DEFAULT_MAX_BYTES, require_arabic=lang is None,
                             reading=reading)
    if (not paths or "-" in paths) and sys.stdin is not None and sys.stdin.isatty():
        notify("reading releases from the terminal: paste text, then Ctrl-D (or give FILE; -h for help)")
    return load_releases(
        paths or ["-"],
        input_format=input_format.value,
        stdin=sys.stdin.buffer if sys.stdin is not None else None,
        max_bytes=max_bytes or DEFAULT_MAX_BYTES,
        require_arabic=lang is None,
        split=reading.split.value,
        join=reading.join_parts,
    )


def _run(
    results: Callable[[Callable[[InputError], None]], Iterable[Any]],
    *,
    fmt: str,
    output: Path | None,
    force: bool,
    inputs: list[str],
    bidi: bool,
    notify: Callable[[str], None] = say,
) -> int:
    """Render `results(on_error)` as it streams; bad inputs are reported and counted; `notify` takes the
    warnings a format does not carry (stderr, or nothing with -q)."""
    from arsum.cli.output import check_output_path, open_output
    from arsum.cli.render import make_renderer

    target = check_output_path(output, inputs, force) if output is not None else None
    failures = 0

    def report(error: InputError) -> None:
        nonlocal failures
        failures += 1
        say(str(error))

    written = 0
    try:
        with open_output(target) as stream:
            renderer = make_renderer(fmt, stream, bidi=bidi, notify=notify)
            for result in results(report):
                renderer.write(result)
                written += 1
            renderer.close()
    except (KeyboardInterrupt, Terminated):
        if target is not None and not target.in_place and written:
            say(f"{target.shown}: not written; {written} finished records discarded (-o writes the file when the "
                "run completes); --output-dir DIR keeps every finished record and resumes where a run stopped")
        raise
    return EXIT_INPUT if failures else EXIT_OK


@dataclass(frozen=True)
class _RayRun:
    """The --ray options of summarize and translate."""

    address: str | None
    output_dir: Path | None
    workers: int | None
    gpus: float
    threads: int


def _process(
    command: str, task: Any, options: Any, paths: list[str] | None, *, fmt: OutputFormat | None,
    input_format: InputFormat, lang: str | None, max_bytes: int | None, output: Path | None, force: bool, bidi: bool | None,
    quiet: bool, ray: _RayRun, texts: list[str] | None = None, reading: Reading = Reading(),
) -> int:
    """summarize and translate: into --output-dir (on Ray or here) when asked, else the task mapped over the inputs."""
    check_texts(texts, paths, ray.address)
    if ray.output_dir is not None or ray.address is not None:
        if texts:
            raise UsageError("--text is read here; for --output-dir, save the text in a file and give its path")
        return _resumable(command, options, paths, fmt=fmt, input_format=input_format, lang=lang,
                          max_bytes=max_bytes, output=output, quiet=quiet, ray=ray, reading=reading)
    fmt_name = resolve_format(fmt, output, input_format)
    notify = _notifier(quiet)
    runner = task.from_options(options, notify=notify)
    items = _load(paths, input_format, lang, max_bytes, notify, texts, reading)
    watch = getattr(options.models.reporter, "watch_inputs", None)  # bars show a total once every input is read
    return _run(
        functools.partial(runner.map, watch(items) if watch else items), fmt=fmt_name, output=output, force=force,
        inputs=paths or [],
        bidi=resolve_bidi(bidi, fmt=fmt_name, output=output, quiet=quiet), notify=notify,
    )


def _resumable(
    command: str, options: Any, paths: list[str] | None, *, fmt: OutputFormat | None, input_format: InputFormat,
    lang: str | None, max_bytes: int | None, output: Path | None, quiet: bool, ray: _RayRun, reading: Reading,
) -> int:
    """--output-dir: JSON-lines shards and a manifest, resumed by a rerun; on Ray with --ray, else in this process.
    One summary line ends the run; input errors are said as they come, as in one process."""
    if ray.output_dir is None:
        raise UsageError("--ray needs --output-dir DIR")
    if output is not None:
        raise UsageError("--output-dir writes its own JSON-lines shards; -o FILE is for a run without it")
    if fmt is not None and fmt.value != "jsonl":
        raise UsageError(f"--output-dir writes JSON lines; -f {fmt.value} is for a run without it")
    from dataclasses import replace

    from arsum.cli.progress import TerminalReporter
    from arsum.reporting import SILENT
    from arsum.tasks.outdir import InputOptions, Job, run_local
    from arsum.text.inputs import DEFAULT_MAX_BYTES

    job = Job(command, replace(options, models=replace(options.models, reporter=SILENT)))  # type: ignore[arg-type]
    inputs = InputOptions(input_format.value, max_bytes or DEFAULT_MAX_BYTES, lang is None,  # type: ignore[arg-type]
                          split=reading.split.value, join=reading.join_parts)  # type: ignore[arg-type]
    reporter = SILENT if quiet else TerminalReporter()
    notify = _notifier(quiet)
    if ray.address is None:
        summary = run_local(job, paths or [], ray.output_dir, inputs=inputs, reporter=reporter, notify=notify, report=say)
    else:
        from arsum.tasks.distributed import Cluster, run_ray

        summary = run_ray(
            job, paths or [], ray.output_dir, cluster=Cluster(ray.address, ray.workers, ray.gpus, ray.threads),
            inputs=inputs, reporter=reporter, notify=notify, report=say,
        )
    if not quiet:
        say(summary.line(ray.output_dir))
    return EXIT_INPUT if summary.errors else EXIT_OK


@app.command(epilog=examples(
    "arsum summarize release.txt                 # panels on a terminal, plain text in a pipe",
    "arsum summarize releases/ --ratio 20% -o summaries.md",
    'arsum summarize --no-english -t "قال الوزير إن الحوار مفيد. وأضاف أنه سيستمر."',
))
@boundary
def summarize(
    paths: PathsArg = None,
    text: TextOpt = None,
    sentences: Annotated[
        int | None, typer.Option("--sentences", "-n", min=1, help="Sentences in the Arabic summary (default: one per three body sentences, 1 to 5).")
    ] = None,
    ratio: RatioOpt = None,
    fmt: FormatOpt = None,
    input_format: InputFormatOpt = InputFormat.text,
    split: SplitOpt = Split.auto,
    keep_parts: KeepPartsOpt = False,
    english: Annotated[
        bool,
        typer.Option(
            "--english/--no-english", envvar="ARSUM_ENGLISH",
            help="Write the English abstractive summary (ARSUM_ENGLISH=0 makes Arabic-only the default).",
        ),
    ] = True,
    strategy: Annotated[
        Strategy | None, typer.Option("--strategy", help="How the English summary is made (default from models.toml).")
    ] = None,
    model: ModelOpt = None,
    device: DeviceOpt = "auto",
    quantize: QuantizeOpt = None,
    backend: BackendOpt = None,
    config: ConfigOpt = None,
    support: SupportOpt = True,
    min_support: MinSupportOpt = None,
    encoder: EncoderOpt = None,
    drop_unsupported: Annotated[
        bool, typer.Option("--drop-unsupported", help="Remove English sentences below --min-support.")
    ] = False,
    lang: LangOpt = None,
    max_bytes: MaxBytesOpt = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
    bidi: BidiOpt = None,
    ray: RayOpt = None,
    output_dir: OutputDirOpt = None,
    workers: WorkersOpt = None,
    gpus_per_worker: GpusOpt = 0.0,
    threads_per_worker: ThreadsOpt = 1,
    quiet: QuietOpt = False,
) -> int:
    """Arabic extractive and English abstractive summary of each release."""
    from arsum.api import Summarizer, summarize_options

    options = summarize_options(  # what arsum.Summarizer resolves; a missing English model stays a notice here
        sentences=sentences, ratio=ratio, english=english, strategy=strategy.value if strategy else None,
        support=support, min_support=min_support, encoder=encoder, drop_unsupported=drop_unsupported,
        **_model_options(model, device, quantize, config, backend, quiet),
    )
    return _process(
        "summarize", Summarizer, options, paths, fmt=fmt, input_format=input_format, lang=lang, max_bytes=max_bytes,
        output=output, force=force, bidi=bidi, quiet=quiet,
        ray=_RayRun(ray, output_dir, workers, gpus_per_worker, threads_per_worker), texts=text,
        reading=Reading(split, not keep_parts),
    )


@app.command(epilog=examples(
    "arsum translate release.txt --to fr         # French, sentence by sentence",
    "arsum translate releases/ --to english -f json -o translations.json",
    "cat release.txt | arsum translate -f text --bidi | less",
))
@boundary
def translate(
    paths: PathsArg = None,
    text: TextOpt = None,
    to: ToOpt = "en",
    source: FromOpt = "ar",
    fmt: FormatOpt = None,
    input_format: InputFormatOpt = InputFormat.text,
    split: SplitOpt = Split.auto,
    keep_parts: KeepPartsOpt = False,
    model: ModelOpt = None,
    device: DeviceOpt = "auto",
    quantize: QuantizeOpt = None,
    backend: BackendOpt = None,
    config: ConfigOpt = None,
    support: SupportOpt = True,
    min_support: MinSupportOpt = None,
    encoder: EncoderOpt = None,
    lang: LangOpt = None,
    max_bytes: MaxBytesOpt = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
    bidi: BidiOpt = None,
    ray: RayOpt = None,
    output_dir: OutputDirOpt = None,
    workers: WorkersOpt = None,
    gpus_per_worker: GpusOpt = 0.0,
    threads_per_worker: ThreadsOpt = 1,
    quiet: QuietOpt = False,
) -> int:
    """Translate releases sentence by sentence, keeping titles, paragraphs and release boundaries."""
    from arsum.api import Translator, translate_options

    options = translate_options(  # what arsum.Translator resolves
        to=to, source=source, support=support, min_support=min_support, encoder=encoder,
        **_model_options(model, device, quantize, config, backend, quiet),
    )
    declared = lang or (source if source != "ar" else None)  # English input is not refused for lacking Arabic
    return _process(
        "translate", Translator, options, paths, fmt=fmt, input_format=input_format, lang=declared,
        max_bytes=max_bytes, output=output, force=force, bidi=bidi, quiet=quiet,
        ray=_RayRun(ray, output_dir, workers, gpus_per_worker, threads_per_worker), texts=text,
        reading=Reading(split, not keep_parts),
    )


@app.command(epilog=examples(
    "arsum check release.txt summary.en          # each English sentence against the Arabic",
    "arsum check source.ar translation.en --aligned --translation",
    "arsum summarize release.txt -f jsonl | jq -r .english_summary.text | arsum check release.txt -",
))
@boundary
def check(
    source: Annotated[str, typer.Argument(help="The Arabic source: a release file, or - for stdin.")],
    translation: Annotated[str, typer.Argument(help="The English text to check: a file, or - for stdin.")],
    aligned: Annotated[
        bool, typer.Option("--aligned", help="Line i of TRANSLATION translates line i of SOURCE: one record per line pair.")
    ] = False,
    translation_expected: Annotated[
        bool,
        typer.Option(
            "--translation", help="The English is a full translation: Arabic sentences it leaves out are flagged too "
            "(default: a summary, whose omissions are listed only)."
        ),
    ] = False,
    fmt: FormatOpt = None,
    min_support: MinSupportOpt = None,
    encoder: EncoderOpt = None,
    config: ConfigOpt = None,
    max_bytes: MaxBytesOpt = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
    bidi: BidiOpt = None,
    quiet: QuietOpt = False,
) -> int:
    """Check English text made anywhere against its Arabic source: support, numbers, omissions.

    Exit status: 0 nothing flagged, 3 something flagged, 1 unreadable input, 2 usage error.
    """
    from arsum.cli.output import check_output_path, open_output
    from arsum.cli.render import render_check
    from arsum.errors import EXIT_FLAGGED
    from arsum.tasks.check import check_files
    from arsum.tasks.settings import resolve_support

    settings = resolve_support(min_support=min_support, encoder=encoder, config=config)
    target = check_output_path(output, [source, translation], force) if output is not None else None
    result = check_files(
        source, translation, aligned=aligned, translation_expected=translation_expected, encoder=settings.encoder,
        revision=settings.revision, min_support=settings.min_support, max_bytes=max_bytes,
        stdin=sys.stdin.buffer if sys.stdin is not None else None,
    )
    notify = _notifier(quiet)
    for warning in result.input_warnings:
        notify(f"warning: {warning}")
    with open_output(target) as stream:
        fmt_name = resolve_format(fmt, output)
        render_check(result, fmt_name, stream, bidi=resolve_bidi(bidi, fmt=fmt_name, output=output, quiet=quiet))
    return EXIT_FLAGGED if result.flagged else EXIT_OK


class SortKey(str, Enum):
    size = "size"
    time = "time"


@app.command(epilog=examples(
    "arsum digest day.jsonl --input-format jsonl           # a panel per desk, a row per story",
    "arsum digest day.jsonl --input-format jsonl --min-sources 3 -o day.html",
    "arsum digest releases/ --sort time -f json > stories.json",
))
@boundary
def digest(
    paths: PathsArg = None,
    sort: Annotated[
        SortKey, typer.Option("--sort", help="Within a desk: stories carried by most sources first (size), or earliest first (time).")
    ] = SortKey.size,
    min_sources: Annotated[
        int, typer.Option("--min-sources", min=1, help="Show only stories that at least N outlets carried.")
    ] = 1,
    follow_ups: Annotated[
        bool, typer.Option("--follow-ups/--no-follow-ups", help="Link same-day follow-ups by headline meaning (sentence encoder); off: copies and parts only.")
    ] = True,
    sentences: Annotated[
        int | None, typer.Option("--sentences", "-n", min=1, help="Sentences in each story's Arabic summary (default 3).")
    ] = None,
    fmt: FormatOpt = None,
    input_format: InputFormatOpt = InputFormat.text,
    english: Annotated[
        bool, typer.Option("--english/--no-english", help="Also an English summary of each story (needs a model; default off).")
    ] = False,
    model: ModelOpt = None,
    device: DeviceOpt = "auto",
    quantize: QuantizeOpt = None,
    backend: BackendOpt = None,
    config: ConfigOpt = None,
    support: SupportOpt = True,
    min_support: MinSupportOpt = None,
    encoder: EncoderOpt = None,
    lang: LangOpt = None,
    max_bytes: MaxBytesOpt = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
    bidi: BidiOpt = None,
    quiet: QuietOpt = False,
) -> int:
    """The day's releases as stories: copies, parts and follow-ups of one event together, each summarised once."""
    from arsum.api import Digester, summarize_options
    from arsum.cli.digest_render import render_digest
    from arsum.cli.output import check_output_path, open_output
    from arsum.tasks.digest import DIGEST_SENTENCES, DigestOptions

    models = _model_options(model, device, quantize, config, backend, quiet)
    options = DigestOptions(
        summary=summarize_options(sentences=sentences or DIGEST_SENTENCES, english=english, support=support,
                                  min_support=min_support,
                                  encoder=encoder, **models),
        sort=sort.value, min_sources=min_sources, topical=follow_ups,
    )
    fmt_name = resolve_format(fmt, output, input_format)
    target = check_output_path(output, paths or [], force) if output is not None else None
    notify = _notifier(quiet)
    failures = 0

    def report(error: InputError) -> None:
        nonlocal failures
        failures += 1
        say(str(error))

    result = Digester.from_options(options, notify, models["reporter"])(
        _load(paths, input_format, lang, max_bytes, notify), report
    )
    with open_output(target) as stream:
        render_digest(result, fmt_name, stream, bidi=resolve_bidi(bidi, fmt=fmt_name, output=output, quiet=quiet))
    return EXIT_INPUT if failures else EXIT_OK


class SchemaName(str, Enum):
    summarize = "summarize"
    translate = "translate"
    check = "check"
    error = "error"
    digest = "digest"


@app.command(epilog=examples(
    "arsum schema summarize > summarize.schema.json",
    "arsum schema check | jq .properties",
))
@boundary
def schema(name: Annotated[SchemaName, typer.Argument(help="The record type.")]) -> int:
    """Print the JSON Schema of a command's -f json/jsonl records (the output contract, versioned)."""
    import json

    from arsum.schemas import load_schema

    print(json.dumps(load_schema(name.value), ensure_ascii=False, indent=2))
    return EXIT_OK


def main() -> None:
    """Console-script entry point (see `arsum.cli.process.run`)."""
    run(app)
