"""Options shared by commands, declared once, and the rules that read them (output format, numbers)."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from arsum.cli.completion import complete_languages, complete_models
from arsum.models.device import QUANTIZATIONS
from arsum.models.names import BACKENDS, STRATEGIES


def examples(*lines: str) -> str:
    """A command's epilog: example lines printed as written (click's \\b keeps them from being re-wrapped)."""
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


class OutputFormat(str, Enum):
    rich = "rich"
    text = "text"
    json = "json"
    jsonl = "jsonl"
    markdown = "markdown"
    html = "html"


class ListFormat(str, Enum):
    rich = "rich"
    text = "text"
    json = "json"
    jsonl = "jsonl"


class InputFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"
    html = "html"


class Split(str, Enum):
    """Where a text input is cut into releases (arsum.text.releases.SPLIT_MODES)."""

    auto = "auto"
    separator = "separator"
    never = "never"


@dataclass(frozen=True)
class Reading:
    """How text inputs are cut into releases, and whether the parts of a multi-part release are joined."""

    split: Split = Split.auto
    join_parts: bool = True


def choices(name: str, values: tuple[str, ...]) -> type[Enum]:
    """An option's choices from the one vocabulary (models.names, models.device), never a copy of it."""
    return Enum(name, [(value.replace("-", "_"), value) for value in values], type=str)  # type: ignore[return-value]


Strategy = choices("Strategy", STRATEGIES)
Quantize = choices("Quantize", QUANTIZATIONS["transformers"])  # what both runtimes run (--quantize of a run)
Backend = choices("Backend", BACKENDS)


# Options shared by commands, declared once.
PathsArg = Annotated[
    list[str] | None,
    typer.Argument(help="Files, folders (their *.txt, sorted) or - for stdin. None: read stdin.", show_default=False),
]
TextOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--text", "-t", metavar="TEXT", show_default=False,
        help="A release given on the command line instead of files (repeatable; `---` lines separate releases).",
    ),
]


def check_texts(texts: list[str] | None, paths: list[str] | None, ray: str | None) -> None:
    """--text is the input: not beside files, nor on Ray (whose workers read their inputs themselves)."""
    from arsum.errors import UsageError

    if texts and paths:
        raise UsageError("give the release as --text or as PATHS, not both")
    if texts and ray:
        raise UsageError("--text is read here; for --ray, save the text in a file and give its path")


def text_releases(
    texts: list[str], input_format: str, max_bytes: int, *, require_arabic: bool, reading: Reading = Reading()
) -> Iterator[Any]:
    """The releases of each --text, read as a file's bytes are (`<text>`, ids `text#1`; `<text 2>` for the second)."""
    from arsum.text.releases import join_parts

    items = _text_releases(texts, input_format, max_bytes, require_arabic=require_arabic, reading=reading)
    return join_parts(items) if reading.join_parts else items


def _text_releases(
    texts: list[str], input_format: str, max_bytes: int, *, require_arabic: bool, reading: Reading
) -> Iterator[Any]:
    from arsum.text.inputs import releases_from_bytes

    for k, text in enumerate(texts, start=1):
        source, name = ("<text>", "text") if len(texts) == 1 else (f"<text {k}>", f"text{k}")
        # surrogateescape gives back the argument's bytes as the OS passed them, whatever their encoding
        yield from releases_from_bytes(text.encode("utf-8", "surrogateescape"), source=source, name=name,
                                       input_format=input_format, max_bytes=max_bytes,  # type: ignore[arg-type]
                                       require_arabic=require_arabic, split=reading.split.value)


FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format", "-f",
        help="Output format. Default: from -o's extension (.json .jsonl .md .txt .html), else rich on a terminal, "
        "else jsonl for --input-format jsonl and text otherwise.",
    ),
]
SplitOpt = Annotated[
    Split,
    typer.Option(
        "--split",
        help="Where a text input is cut into releases: auto (--- lines, and the wire's own boundaries: an end marker "
        "such as // انتهى // with its time stamp or NNNN ends a release, a desk-labelled headline or a dateline after "
        "body text starts one), separator (--- lines only), never (each input is one release).",
    ),
]
KeepPartsOpt = Annotated[
    bool,
    typer.Option(
        "--keep-parts",
        help="Keep the parts of a multi-part release (// يتبع //, إضافة أولى …) as separate records; by default parts "
        "found together in one run are joined into one record listing their ids in `parts`.",
    ),
]
InputFormatOpt = Annotated[
    InputFormat,
    typer.Option(
        "--input-format",
        help="text (releases split by --- and at the wire's own boundaries; .html files and http(s):// pages are "
        "read as web pages), jsonl ({id, title, text} per line) or html (a web page, also on stdin: its article).",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", autocompletion=complete_models,
        help="Model name from models.toml, local folder or hub id; overrides routing.",
    ),
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
MAX_BYTES_LIMIT = 1_000_000_000  # one input is read whole into memory: more than 1 GB is surely a mistake
MaxBytesOpt = Annotated[
    int | None,
    typer.Option("--max-bytes", min=1, max=MAX_BYTES_LIMIT, help="Refuse inputs larger than this (default 10 MB)."),
]


def finite(value: float | None) -> float | None:
    """click's FloatRange lets nan through (every comparison with nan is false)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number")
    return value


OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file (atomically) instead of stdout.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Allow --output to replace an existing file.")]
BidiOpt = Annotated[
    bool | None,
    typer.Option(
        "--bidi/--no-bidi", show_default=False,
        help="Shape and reorder Arabic for terminals without bidi support: tmux, VS Code, Windows Terminal "
        "(rich and text output; ARSUM_BIDI=1 makes it the default on a terminal).",
    ),
]
ENV_BIDI = "ARSUM_BIDI"


def _env_bidi() -> bool | None:
    """ARSUM_BIDI as a yes or no (1/0, true/false, yes/no, on/off); None when unset or empty."""
    from arsum.errors import UsageError

    value = os.environ.get(ENV_BIDI, "").strip().lower()
    if not value:
        return None
    if value in ("1", "true", "yes", "on", "y", "t"):
        return True
    if value in ("0", "false", "no", "off", "n", "f"):
        return False
    raise UsageError(f"{ENV_BIDI}={os.environ[ENV_BIDI]}: must be 1 or 0 (true/false, yes/no)")


def resolve_bidi(bidi: bool | None, *, fmt: str, output: Path | None, quiet: bool = False) -> bool:
    """Whether Arabic is written in display order: --bidi/--no-bidi as given, for any output.

    ARSUM_BIDI=1, the default a profile sets, reorders what a terminal shows (rich, and text on a terminal) but
    not text written to a file or a pipe (`> out.txt`, `| grep`), which editors and programs read in logical order;
    `-f text --bidi | less` asks for it explicitly. Left unsaid, Arabic written to tmux or VS Code's terminal earns
    a one-time hint.
    """
    if bidi is not None:
        return bidi
    on_terminal = output is None and sys.stdout is not None and sys.stdout.isatty()
    default = _env_bidi()
    if default is not None:
        return default and (fmt == "rich" or on_terminal)
    if not quiet and on_terminal and fmt in ("rich", "text") and sys.stderr is not None and sys.stderr.isatty():
        from arsum.cli.process import say
        from arsum.cli.rtl import bidi_hint

        hint = bidi_hint()
        if hint:
            say(hint)
    return False
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", envvar="ARSUM_QUIET", help="No notices or progress on stderr; errors still print.")
]
MinSupportOpt = Annotated[
    float | None,
    typer.Option(
        "--min-support", min=-1.0, max=1.0, callback=finite, help="Flag sentences whose support (cosine) is below this."
    ),
]
SupportOpt = Annotated[bool, typer.Option("--support/--no-support", help="Score English sentences against the Arabic.")]
EncoderOpt = Annotated[
    str | None,
    typer.Option(
        "--encoder", envvar="ARSUM_ENCODER", help="Sentence encoder for support: use-m3, or a transformers folder/hub id."
    ),
]


_EXTENSION_FORMATS = {".json": "json", ".jsonl": "jsonl", ".md": "markdown", ".markdown": "markdown", ".txt": "text",
                      ".html": "html", ".htm": "html"}


def resolve_format(fmt: OutputFormat | None, output: Path | None, input_format: InputFormat = InputFormat.text) -> str:
    """-f, else -o's extension, else rich on a terminal, else JSON lines out for JSON lines in, else text."""
    if fmt is not None:
        return fmt.value
    if output is not None and output.suffix.lower() in _EXTENSION_FORMATS:
        return _EXTENSION_FORMATS[output.suffix.lower()]
    if output is None and sys.stdout is not None and sys.stdout.isatty():
        return "rich"
    return "jsonl" if input_format is InputFormat.jsonl else "text"


def share(value: str | float) -> float:
    """--ratio: `0.2`, `.2` or `20%` (sumy's `--length=20%`; `٢٠٪` too), above 0 and at most 1."""
    if isinstance(value, float):
        return value
    text = str(value).strip()
    percent = text.endswith(("%", "\u066a"))  # the Arabic percent sign as well
    try:
        number = float(text.rstrip("%\u066a").strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a share (e.g. 0.2) or a percentage (e.g. 20%)") from None
    if not math.isfinite(number):
        raise typer.BadParameter(f"{text} is not a number")
    if number <= 0:
        raise typer.BadParameter(f"{text} is not above 0 (a share of the sentences, e.g. 0.2 or 20%)")
    if number > (100 if percent else 1):
        hint = f"; did you mean {text}%?" if not percent and number <= 100 else ""
        raise typer.BadParameter(f"{text} is above {'100%' if percent else '1'} (a share of the sentences, "
                                 f"e.g. 0.2 or 20%){hint}")
    return number / 100 if percent else number


RatioOpt = Annotated[
    float | None,
    typer.Option(
        "--ratio", parser=share, metavar="SHARE",
        help="Share of the body sentences instead of a count: 0.2 or 20%.",
    ),
]


def _language(value: str | None) -> str | None:
    """`--to english`, `--to العربية`, `--from Français`: a language's name in English, Arabic or itself is its code."""
    if value is None:
        return None
    from arsum.models.config import CROSSSUM_NAMES, NLLB_CODES
    from arsum.text.languages import language_code

    return language_code(value, known=[*NLLB_CODES, *CROSSSUM_NAMES])


ToOpt = Annotated[
    str,
    typer.Option(
        "--to", callback=_language, autocompletion=complete_languages,
        help="Target language: a code (en, fr, de, …) or its name (english, French, العربية).",
    ),
]
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang", callback=_language, autocompletion=complete_languages,
        help="Language of the input (a code or a name); given, texts without Arabic are processed too.",
    ),
]
FromOpt = Annotated[
    str,
    typer.Option(
        "--from", callback=_language, autocompletion=complete_languages,
        help="Source language: a code or a name, as for --to.",
    ),
]


RayOpt = Annotated[
    str | None,
    typer.Option(
        "--ray",
        help="Run on Ray: local (start one here), auto (the cluster in RAY_ADDRESS) or a cluster address. "
        "Needs --output-dir; inputs may also be s3://, gs://, hdfs:// paths.",
    ),
]
OutputDirOpt = Annotated[
    Path | None, typer.Option("--output-dir", help="Folder of JSON-lines shards and manifest.json, here or with --ray; a rerun resumes where a run stopped.")
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", min=1, help="With --ray: model actors (default: as many as CPUs/GPUs allow).")
]
GpusOpt = Annotated[float, typer.Option("--gpus-per-worker", min=0.0, help="With --ray: GPUs per actor (0.5 shares one).")]
ThreadsOpt = Annotated[int, typer.Option("--threads-per-worker", min=1, help="With --ray: CPU threads (and CPUs) per actor.")]
