"""The command line: declares options, calls one function per command, renders. Nothing heavy at import."""

from __future__ import annotations

import functools
import math
import os
import signal
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from arsum import __version__
from arsum.errors import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    ArsumError,
    InputError,
    UsageError,
    escape_controls,
)

EXIT_BROKEN_PIPE = 141

app = typer.Typer(
    name="arsum",
    help="Summarize and translate Arabic news releases.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion/--show-completion: `import typer` loads that code anyway (bench_startup)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: typer's rich help costs more start-up time than arsum itself
    context_settings={"help_option_names": ["-h", "--help"]},  # inherited by every sub-command
)
models_app = typer.Typer(
    help="List, download, inspect, convert, export and import the seq2seq models.", no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(models_app, name="models")


class OutputFormat(str, Enum):
    rich = "rich"
    text = "text"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"


class ListFormat(str, Enum):
    rich = "rich"
    text = "text"
    json = "json"
    jsonl = "jsonl"


class InputFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"


class Strategy(str, Enum):
    crosslingual = "crosslingual"
    translate_then_summarize = "translate-then-summarize"
    extract_then_translate = "extract-then-translate"


class Quantize(str, Enum):
    int8 = "int8"


class Backend(str, Enum):
    auto = "auto"
    transformers = "transformers"
    ctranslate2 = "ctranslate2"


def _say(message: str) -> None:
    """One line on stderr, the only channel for problems; control characters from paths or ids are escaped so
    a message stays one line and cannot drive the terminal. With stderr closed there is nobody to tell."""
    if sys.stderr is None:  # print(file=None) would write into stdout's results
        return
    try:
        print(f"arsum: {escape_controls(message)}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr full or gone (SIGHUP): the exit status still tells
        pass


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the program is, so `finally` blocks remove partial files as on Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
    except OSError:
        pass
    finally:
        os.close(devnull)


F = TypeVar("F", bound=Callable[..., Any])


def boundary(command: F) -> F:
    """The only place where errors become exit codes: one line on stderr, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            code = command(*args, **kwargs)
        except ArsumError as error:
            _say(str(error))
            code = error.exit_code
        except KeyboardInterrupt:
            _say("interrupted")
            code = EXIT_INTERRUPTED
        except Terminated as stop:
            _say(f"terminated ({signal.Signals(stop.signum).name})")
            code = 128 + stop.signum
        except BrokenPipeError:
            _silence_stdout()
            code = EXIT_BROKEN_PIPE
        except (typer.Exit, typer.Abort, typer.TyperException):  # typer reports these itself (exit 2)
            raise
        except Exception as error:  # noqa: BLE001 - a bug must still end in one line, unless debugging
            if os.environ.get("ARSUM_DEBUG"):
                raise
            _say(f"internal error: {type(error).__name__}: {error} (set ARSUM_DEBUG=1 for the traceback)")
            code = EXIT_INPUT
        raise typer.Exit(code or EXIT_OK)

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        print(f"arsum {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Summarize and translate Arabic news releases.

    A file may hold several releases separated by a line that is only `---`.
    """


# Options shared by commands, declared once.
PathsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Files, folders (their *.txt, sorted) or - for stdin. None: read stdin.", show_default=False),
]
FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format", "-f",
        help="Output format. Default: from -o's extension (.json .jsonl .md .txt), else rich on a terminal, "
        "else jsonl for --input-format jsonl and text otherwise.",
    ),
]
InputFormatOpt = Annotated[
    InputFormat, typer.Option("--input-format", help="text (releases split by ---) or jsonl ({id, title, text} per line).")
]
ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="Model name from models.toml, local folder or hub id; overrides routing.")
]
DeviceOpt = Annotated[str, typer.Option("--device", envvar="ARSUM_DEVICE", help="auto, cpu, cuda or mps.")]
QuantizeOpt = Annotated[
    Quantize | None,
    typer.Option("--quantize", envvar="ARSUM_QUANTIZE", help="int8: dynamic quantization on CPU (faster)."),
]
BackendOpt = Annotated[
    Backend | None,
    typer.Option(
        "--backend", envvar="ARSUM_BACKEND",
        help="ctranslate2 or transformers. Default (auto): CTranslate2 when the model is converted, as `models pull` does.",
    ),
]
ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="User models.toml merged over the default (also ARSUM_CONFIG).")
]
LangOpt = Annotated[
    str | None, typer.Option("--lang", help="Language of the input; given, texts without Arabic are processed too.")
]
MAX_BYTES_LIMIT = 1_000_000_000  # one input is read whole into memory: more than 1 GB is surely a mistake
MaxBytesOpt = Annotated[
    int | None,
    typer.Option("--max-bytes", min=1, max=MAX_BYTES_LIMIT, help="Refuse inputs larger than this (default 10 MB)."),
]


def _finite(value: float | None) -> float | None:
    """click's FloatRange lets nan through (every comparison with nan is false)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number")
    return value


OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file (atomically) instead of stdout.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Allow --output to replace an existing file.")]
BidiOpt = Annotated[
    bool,
    typer.Option(
        "--bidi/--no-bidi", envvar="ARSUM_BIDI",
        help="Shape and reorder Arabic for terminals without bidi support: tmux, VS Code, Windows Terminal (rich only).",
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", envvar="ARSUM_QUIET", help="No notices or progress on stderr; errors still print.")
]
MinSupportOpt = Annotated[
    float | None,
    typer.Option(
        "--min-support", min=-1.0, max=1.0, callback=_finite, help="Flag sentences whose support (cosine) is below this."
    ),
]
SupportOpt = Annotated[bool, typer.Option("--support/--no-support", help="Score English sentences against the Arabic.")]
EncoderOpt = Annotated[
    str | None,
    typer.Option(
        "--encoder", envvar="ARSUM_ENCODER", help="Sentence encoder for support: use-m3, or a transformers folder/hub id."
    ),
]


_EXTENSION_FORMATS = {".json": "json", ".jsonl": "jsonl", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}


def _resolve_format(fmt: OutputFormat | None, output: Path | None, input_format: InputFormat = InputFormat.text) -> str:
    """-f, else -o's extension, else rich on a terminal, else JSON lines out for JSON lines in, else text."""
    if fmt is not None:
        return fmt.value
    if output is not None and output.suffix.lower() in _EXTENSION_FORMATS:
        return _EXTENSION_FORMATS[output.suffix.lower()]
    if output is None and sys.stdout is not None and sys.stdout.isatty():
        return "rich"
    return "jsonl" if input_format is InputFormat.jsonl else "text"


def _notifier(quiet: bool) -> Callable[[str], None]:
    """Where notices go: stderr, or nowhere with -q (errors are said by `boundary` and `_run` regardless)."""
    return (lambda message: None) if quiet else _say


def _model_options(  # noqa: ANN202
    model: str | None, device: str, quantize: Quantize | None, config: Path | None, backend: Backend | None,
    quiet: bool,
):
    from arsum.cli.progress import TerminalReporter
    from arsum.models.device import check_device, thread_count
    from arsum.reporting import SILENT
    from arsum.tasks.pipeline import ModelOptions

    thread_count()  # a bad ARSUM_THREADS is refused now, not after the first release
    reporter = SILENT if quiet else TerminalReporter()
    return ModelOptions(model, check_device(device), quantize.value if quantize else None, config, reporter,
                        backend.value if backend else None)


def _ratio_above_zero(value: float | None) -> float | None:
    value = _finite(value)
    if value is not None and value <= 0:
        raise typer.BadParameter(f"{value} is not above 0 (a share of the sentences, e.g. 0.2)")
    return value


def _load(  # noqa: ANN202
    paths: list[str] | None, input_format: InputFormat, lang: str | None, max_bytes: int | None,
    notify: Callable[[str], None],
):
    from arsum.text.inputs import DEFAULT_MAX_BYTES, load_releases

    if (not paths or "-" in paths) and sys.stdin is not None and sys.stdin.isatty():
        notify("reading releases from the terminal: paste text, then Ctrl-D (or give FILE; -h for help)")
    return load_releases(
        paths or ["-"],
        input_format=input_format.value,
        stdin=sys.stdin.buffer if sys.stdin is not None else None,
        max_bytes=max_bytes or DEFAULT_MAX_BYTES,
        require_arabic=lang is None,
    )


def _run(
    results: Callable[[Callable[[InputError], None]], Iterable[Any]],
    *,
    fmt: str,
    output: Path | None,
    force: bool,
    inputs: list[str],
    bidi: bool,
) -> int:
    """Render `results(on_error)` as it streams; bad inputs are reported and counted."""
    from arsum.cli.output import check_output_path, open_output
    from arsum.cli.render import make_renderer

    target = check_output_path(output, inputs, force) if output is not None else None
    failures = 0

    def report(error: InputError) -> None:
        nonlocal failures
        failures += 1
        _say(str(error))

    with open_output(target) as stream:
        renderer = make_renderer(fmt, stream, bidi=bidi)
        for result in results(report):
            renderer.write(result)
        renderer.close()
    return EXIT_INPUT if failures else EXIT_OK


RayOpt = Annotated[
    str | None,
    typer.Option(
        "--ray",
        help="Run on Ray: local (start one here), auto (the cluster in RAY_ADDRESS) or a cluster address. "
        "Needs --output-dir; inputs may also be s3://, gs://, hdfs:// paths.",
    ),
]
OutputDirOpt = Annotated[
    Path | None, typer.Option("--output-dir", help="With --ray: folder of JSON-lines shards and manifest.json; a rerun resumes.")
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", min=1, help="With --ray: model actors (default: as many as CPUs/GPUs allow).")
]
GpusOpt = Annotated[float, typer.Option("--gpus-per-worker", min=0.0, help="With --ray: GPUs per actor (0.5 shares one).")]
ThreadsOpt = Annotated[int, typer.Option("--threads-per-worker", min=1, help="With --ray: CPU threads (and CPUs) per actor.")]


@dataclass(frozen=True)
class _RayRun:
    """The --ray options of summarize and translate."""

    address: str | None
    output_dir: Path | None
    workers: int | None
    gpus: float
    threads: int


def _process(  # noqa: PLR0913 - the options every processing command shares
    command: str, task: Any, options: Any, paths: list[str] | None, *, fmt: OutputFormat | None,
    input_format: InputFormat, lang: str | None, max_bytes: int | None, output: Path | None, force: bool, bidi: bool,
    quiet: bool, ray: _RayRun,
) -> int:
    """summarize and translate: on Ray when asked, else the task built once and mapped over the inputs."""
    code = _ray(command, options, paths, address=ray.address, output_dir=ray.output_dir, workers=ray.workers,
                gpus=ray.gpus, threads=ray.threads, input_format=input_format, lang=lang, max_bytes=max_bytes)
    if code is not None:
        return code
    fmt_name = _resolve_format(fmt, output, input_format)
    notify = _notifier(quiet)
    runner = task.from_options(options, notify=notify)
    items = _load(paths, input_format, lang, max_bytes, notify)
    return _run(
        functools.partial(runner.map, items), fmt=fmt_name, output=output, force=force, inputs=paths or [], bidi=bidi
    )


def _ray(
    command: str, options: Any, paths: list[str] | None, *, address: str | None, output_dir: Path | None,
    workers: int | None, gpus: float, threads: int, input_format: InputFormat, lang: str | None, max_bytes: int | None,
) -> int | None:
    """Run the command on Ray when --ray is given (None otherwise): shards in --output-dir, one summary line."""
    if address is None:
        if output_dir is not None:
            raise UsageError("--output-dir is for --ray runs; use -o FILE otherwise")
        return None
    if output_dir is None:
        raise UsageError("--ray needs --output-dir DIR")
    from dataclasses import replace

    from arsum.cli.progress import TerminalReporter
    from arsum.reporting import SILENT
    from arsum.tasks.distributed import Cluster, InputOptions, Job, run_ray
    from arsum.text.inputs import DEFAULT_MAX_BYTES

    job = Job(command, replace(options, models=replace(options.models, reporter=SILENT)))  # type: ignore[arg-type]
    summary = run_ray(
        job, paths or [], output_dir,
        cluster=Cluster(address, workers, gpus, threads),
        inputs=InputOptions(input_format.value, max_bytes or DEFAULT_MAX_BYTES, lang is None),  # type: ignore[arg-type]
        reporter=TerminalReporter(), notify=_say,
    )
    _say(summary.line(output_dir))
    return EXIT_INPUT if summary.errors else EXIT_OK


@app.command()
@boundary
def summarize(
    paths: PathsArg = None,
    sentences: Annotated[
        int | None, typer.Option("--sentences", "-n", min=1, help="Sentences in the Arabic summary (default: one per three body sentences, 1 to 5).")
    ] = None,
    ratio: Annotated[
        float | None,
        typer.Option(
            "--ratio", max=1.0, callback=_ratio_above_zero, help="Share of sentences instead of a count, e.g. 0.2."
        ),
    ] = None,
    fmt: FormatOpt = None,
    input_format: InputFormatOpt = InputFormat.text,
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
    bidi: BidiOpt = False,
    ray: RayOpt = None,
    output_dir: OutputDirOpt = None,
    workers: WorkersOpt = None,
    gpus_per_worker: GpusOpt = 0.0,
    threads_per_worker: ThreadsOpt = 1,
    quiet: QuietOpt = False,
) -> int:
    """Arabic extractive and English abstractive summary of each release."""
    from arsum.api import Summarizer
    from arsum.tasks.pipeline import SummarizeOptions, SupportOptions

    options = SummarizeOptions(
        count=sentences,
        ratio=ratio,
        english=english,
        strategy=strategy.value if strategy else None,
        models=_model_options(model, device, quantize, config, backend, quiet),
        support=SupportOptions(support, min_support, drop_unsupported, encoder),
    )
    return _process(
        "summarize", Summarizer, options, paths, fmt=fmt, input_format=input_format, lang=lang, max_bytes=max_bytes,
        output=output, force=force, bidi=bidi, quiet=quiet,
        ray=_RayRun(ray, output_dir, workers, gpus_per_worker, threads_per_worker),
    )


@app.command()
@boundary
def translate(
    paths: PathsArg = None,
    to: Annotated[str, typer.Option("--to", help="Target language code (en, fr, de, …).")] = "en",
    source: Annotated[str, typer.Option("--from", help="Source language code.")] = "ar",
    fmt: FormatOpt = None,
    input_format: InputFormatOpt = InputFormat.text,
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
    bidi: BidiOpt = False,
    ray: RayOpt = None,
    output_dir: OutputDirOpt = None,
    workers: WorkersOpt = None,
    gpus_per_worker: GpusOpt = 0.0,
    threads_per_worker: ThreadsOpt = 1,
    quiet: QuietOpt = False,
) -> int:
    """Translate releases sentence by sentence, keeping titles, paragraphs and release boundaries."""
    from arsum.api import Translator
    from arsum.tasks.pipeline import SupportOptions, TranslateOptions

    options = TranslateOptions(
        target=to,
        source=source,
        models=_model_options(model, device, quantize, config, backend, quiet),
        support=SupportOptions(support, min_support, encoder=encoder),
    )
    declared = lang or (source if source != "ar" else None)  # English input is not refused for lacking Arabic
    return _process(
        "translate", Translator, options, paths, fmt=fmt, input_format=input_format, lang=declared,
        max_bytes=max_bytes, output=output, force=force, bidi=bidi, quiet=quiet,
        ray=_RayRun(ray, output_dir, workers, gpus_per_worker, threads_per_worker),
    )


@app.command()
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
    max_bytes: MaxBytesOpt = None,
    output: OutputOpt = None,
    force: ForceOpt = False,
    bidi: BidiOpt = False,
) -> int:
    """Check English text made anywhere against its Arabic source: support, numbers, omissions.

    Exit status: 0 nothing flagged, 3 something flagged, 1 unreadable input, 2 usage error.
    """
    from arsum.cli.output import check_output_path, open_output
    from arsum.cli.render import render_check
    from arsum.errors import EXIT_FLAGGED
    from arsum.tasks.check import check_files

    if output is not None:
        check_output_path(output, [source, translation], force)
    result = check_files(
        source, translation, aligned=aligned, translation_expected=translation_expected, encoder=encoder,
        min_support=min_support, max_bytes=max_bytes, stdin=sys.stdin.buffer,
    )
    with open_output(output) as stream:
        render_check(result, _resolve_format(fmt, output), stream, bidi=bidi)
    return EXIT_FLAGGED if result.flagged else EXIT_OK


class SchemaName(str, Enum):
    summarize = "summarize"
    translate = "translate"
    check = "check"
    error = "error"


@app.command()
@boundary
def schema(name: Annotated[SchemaName, typer.Argument(help="The record type.")]) -> int:
    """Print the JSON Schema of a command's -f json/jsonl records (the output contract, versioned)."""
    import json

    from arsum.schemas import load_schema

    print(json.dumps(load_schema(name.value), ensure_ascii=False, indent=2))
    return EXIT_OK


def _human_size(size: int | None) -> str:
    """Decimal units, as the catalogue's download_mb and the hub's own file sizes are written."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "kB", "MB") else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


ListFormatOpt = Annotated[
    ListFormat | None, typer.Option("--format", "-f", help="rich, text, json or jsonl. Default: rich on a terminal.")
]


@models_app.command("list")
@boundary
def models_list(config: ConfigOpt = None, fmt: ListFormatOpt = None) -> int:
    """Configured models: state (not downloaded, downloaded, converted), download size, tasks, languages, licence."""
    import json

    from arsum.models.config import load_config
    from arsum.models.store import list_models

    rows = list_models(load_config(config))
    fmt_name = fmt.value if fmt else _resolve_format(None, None)
    if fmt_name in ("json", "jsonl"):
        records = [
            {
                "name": r.name, "source": r.source, "revision": r.revision, "family": r.family,
                "tasks": list(r.tasks), "languages": list(r.languages), "license": r.license,
                "backend": r.backend, "state": r.state, "cached": r.cached, "size_bytes": r.size_bytes,
                "download_bytes": r.download_mb * 10**6 if r.download_mb else None,
                "path": str(r.path) if r.path else None, "conversion": str(r.conversion) if r.conversion else None,
            }
            for r in rows
        ]
        if fmt_name == "json":
            print(json.dumps(records, ensure_ascii=False, indent=2))
        else:
            for record in records:
                print(json.dumps(record, ensure_ascii=False))
        return EXIT_OK
    header = ("name", "state", "download", "tasks", "languages", "license")
    table = [
        (r.name, r.state, _human_size(r.download_mb * 10**6 if r.download_mb else None), ",".join(r.tasks),
         ",".join(r.languages) if fmt_name == "text" else _short_list(r.languages), r.license or "-")
        for r in rows
    ]
    if fmt_name == "rich":
        from rich import box
        from rich.console import Console
        from rich.table import Column, Table
        from rich.text import Text

        from arsum.cli.render import shown

        # The name is what the user types next: it never wraps or shrinks; the other columns wrap instead.
        name = Column("name", no_wrap=True, min_width=max(len(row[0]) for row in table) if table else 4)
        rich_table = Table(name, *(Column(h, overflow="fold") for h in header[1:]), header_style="bold cyan", box=box.SIMPLE_HEAD, show_edge=False,
                           pad_edge=False, collapse_padding=True)
        for row in table:
            rich_table.add_row(*(Text(shown(cell)) for cell in row))
        Console().print(rich_table)
    else:
        print("\t".join(header))
        for row in table:
            print("\t".join(escape_controls(cell) for cell in row))
    return EXIT_OK


def _short_list(codes: tuple[str, ...], shown: int = 3) -> str:
    """A long language list as a count (the text and JSON formats and `models info` list them all)."""
    return ",".join(codes) if len(codes) <= shown else f"{len(codes)} codes"


NameArg = Annotated[str, typer.Argument(help="A model name from models.toml, a hub id or a local folder.")]


@models_app.command("pull")
@boundary
def models_pull(
    names: Annotated[list[str], typer.Argument(help="Model names from models.toml, hub ids or local folders.")],
    convert: Annotated[
        bool, typer.Option("--convert/--no-convert", help="Convert to CTranslate2 int8 after the download (the fast path).")
    ] = True,
    config: ConfigOpt = None,
) -> int:
    """Download models into the Hugging Face cache, then convert each to CTranslate2 int8; prints their folders."""
    from arsum.cli.progress import TerminalReporter
    from arsum.models.config import load_config
    from arsum.models.install import pull_model

    loaded = load_config(config)
    for name in names:
        installed = pull_model(loaded, name, convert=convert, reporter=TerminalReporter(), notify=_say)
        print(installed.folder)
        if installed.conversion is not None:
            print(installed.conversion)
    return EXIT_OK


@models_app.command("info")
@boundary
def models_info(name: NameArg, config: ConfigOpt = None) -> int:
    """Everything arsum knows about one model, as JSON."""
    import json

    from arsum.models.config import load_config
    from arsum.models.store import info

    print(json.dumps(info(load_config(config), name), ensure_ascii=False, indent=2, default=str))
    return EXIT_OK


@models_app.command("path")
@boundary
def models_path(name: NameArg, config: ConfigOpt = None) -> int:
    """The local folder of a downloaded model (exit 1 with the pull command when it is not there)."""
    from arsum.models.config import load_config
    from arsum.models.store import model_path, resolve_model

    print(model_path(resolve_model(load_config(config), name)))
    return EXIT_OK


class Quantization(str, Enum):
    int8 = "int8"
    float32 = "float32"


@models_app.command("convert")
@boundary
def models_convert(
    name: NameArg,
    quantization: Annotated[Quantization, typer.Option("--quantization", "-q", help="Weights of the conversion.")] = (
        Quantization.int8
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for the conversion (default: arsum's cache).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing conversion.")] = False,
    config: ConfigOpt = None,
) -> int:
    """Convert a downloaded model for the CTranslate2 backend (`models pull` already makes the int8 conversion)."""
    from arsum.models.config import load_config
    from arsum.models.convert import convert_spec
    from arsum.models.store import resolve_model

    spec = resolve_model(load_config(config), name)
    print(convert_spec(spec, quantization.value, output, force=force))
    return EXIT_OK


@models_app.command("export")
@boundary
def models_export(
    name: NameArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="The archive to write (a tar file).")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing archive.")] = False,
    config: ConfigOpt = None,
) -> int:
    """Write a downloaded model (and its conversion) to one archive with sha256 checksums, for an offline machine."""
    from arsum.models.config import load_config
    from arsum.models.install import export_model

    print(export_model(load_config(config), name, output, force=force))
    return EXIT_OK


@models_app.command("import")
@boundary
def models_import(
    source: Annotated[Path, typer.Argument(help="An archive from `models export`, or a model folder (a hub snapshot).")],
    name: Annotated[
        str | None, typer.Option("--name", help="Which configured model a plain folder is (default: from its path).")
    ] = None,
    convert: Annotated[
        bool, typer.Option("--convert/--no-convert", help="Convert to CTranslate2 int8 if the archive has no conversion.")
    ] = True,
    config: ConfigOpt = None,
) -> int:
    """Install a model from an archive or folder into arsum's cache, checking every checksum; needs no network."""
    from arsum.cli.progress import TerminalReporter
    from arsum.models.config import load_config
    from arsum.models.install import import_model

    installed = import_model(load_config(config), source, name=name, convert=convert, reporter=TerminalReporter())
    _say(f"installed {installed.name}" + (" (converted to CTranslate2)" if installed.conversion else ""))
    print(installed.folder)
    return EXIT_OK


def _plug_closed_descriptors() -> None:
    """Started with stdin, stdout or stderr closed (`<&-`, `>&-`, `2>&-`): hold the number with /dev/null, so
    no file arsum opens later takes it and receives another stream's bytes. Python already set sys.stdX to None."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)


def _stdout_reason(error: BaseException) -> str:
    if isinstance(error, ArsumError):
        return str(error)
    return f"stdout: cannot write ({(getattr(error, 'strerror', None) or str(error)).lower()})"


def main() -> None:
    """Console-script entry point: every command, --help and --version included, ends the same way when stdout
    is closed or full (one line, exit 2), on Ctrl-C (130) and on SIGTERM/SIGHUP (128 + signal, no partial file)."""
    from arsum.cli.output import ClosedStdout, GuardedStream

    _plug_closed_descriptors()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)
    guarded = GuardedStream(sys.stdout if sys.stdout is not None else ClosedStdout(), "stdout")  # type: ignore[arg-type]
    sys.stdout = guarded  # type: ignore[assignment]
    code: int | str | None
    try:
        app()
        code = EXIT_OK
    except SystemExit as done:
        code = done.code
    except KeyboardInterrupt:
        _say("interrupted")
        code = EXIT_INTERRUPTED
    except Terminated as stop:
        code = 128 + stop.signum
    except BrokenPipeError:
        code = EXIT_BROKEN_PIPE
    except (ArsumError, OSError) as error:  # click printing --help or --version to a full or closed stdout
        _say(_stdout_reason(error))
        code = EXIT_USAGE
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = EXIT_BROKEN_PIPE
    except (ArsumError, OSError) as error:
        if code in (EXIT_OK, None):
            _say(_stdout_reason(error))
            code = EXIT_USAGE
    if guarded.failed or code == EXIT_BROKEN_PIPE:
        _silence_stdout()  # the unwritten buffer would fail again, noisily, at interpreter exit
    sys.exit(code)
