"""Options shared by commands, declared once, and the rules that read them (output format, numbers)."""

from __future__ import annotations

import math
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer


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


_EXTENSION_FORMATS = {".json": "json", ".jsonl": "jsonl", ".md": "markdown", ".markdown": "markdown", ".txt": "text"}


def resolve_format(fmt: OutputFormat | None, output: Path | None, input_format: InputFormat = InputFormat.text) -> str:
    """-f, else -o's extension, else rich on a terminal, else JSON lines out for JSON lines in, else text."""
    if fmt is not None:
        return fmt.value
    if output is not None and output.suffix.lower() in _EXTENSION_FORMATS:
        return _EXTENSION_FORMATS[output.suffix.lower()]
    if output is None and sys.stdout is not None and sys.stdout.isatty():
        return "rich"
    return "jsonl" if input_format is InputFormat.jsonl else "text"


def ratio_above_zero(value: float | None) -> float | None:
    value = finite(value)
    if value is not None and value <= 0:
        raise typer.BadParameter(f"{value} is not above 0 (a share of the sentences, e.g. 0.2)")
    return value


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
