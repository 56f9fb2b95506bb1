"""`arsum models`: list, pull, inspect, convert, export, import and remove the seq2seq models."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from arsum.cli.completion import WholeHelpGroup, complete_models
from arsum.cli.options import (
    ConfigOpt,
    ListFormat,
    QuietOpt,
    choices,
    examples,
    resolve_format,
)
from arsum.cli.process import boundary, say
from arsum.errors import EXIT_OK
from arsum.models.device import QUANTIZATIONS

if TYPE_CHECKING:
    from arsum.reporting import Reporter

models_app = typer.Typer(
    help="List, download, inspect, convert, export, import and remove the seq2seq models.", no_args_is_help=True,
    rich_markup_mode=None, cls=WholeHelpGroup,
)


ListFormatOpt = Annotated[
    ListFormat | None, typer.Option("--format", "-f", help="rich, text, json or jsonl. Default: rich on a terminal.")
]


@models_app.command("list", epilog=examples(
    "arsum models list",
    "arsum models list -f json | jq -r '.[].name'",
))
@boundary
def models_list(config: ConfigOpt = None, fmt: ListFormatOpt = None) -> int:
    """Configured models: state (not downloaded, downloaded, converted), download size, tasks, languages, licence."""
    from arsum.cli.render import render_model_list
    from arsum.models.config import load_config
    from arsum.models.store import list_models

    rows = list_models(load_config(config))
    render_model_list(rows, fmt.value if fmt else resolve_format(None, None), sys.stdout)
    return EXIT_OK


NameArg = Annotated[
    str, typer.Argument(help="A model name from models.toml, a hub id or a local folder.", autocompletion=complete_models)
]


def _notify(quiet: bool) -> Callable[[str], None]:
    """Notices on stderr (`installed …`, `removed …`), none with -q; errors print either way."""
    return (lambda message: None) if quiet else say


def _reporter(quiet: bool) -> Reporter:
    from arsum.cli.progress import TerminalReporter
    from arsum.reporting import SILENT

    return SILENT if quiet else TerminalReporter()


@models_app.command("pull", epilog=examples(
    "arsum models pull opus-mt-tc-big-ar-en          # download, then convert to CTranslate2 int8",
    "arsum models pull crosssum-m2m --no-convert",
))
@boundary
def models_pull(
    names: Annotated[
        list[str],
        typer.Argument(help="Model names from models.toml, hub ids or local folders.", autocompletion=complete_models),
    ],
    convert: Annotated[
        bool, typer.Option("--convert/--no-convert", help="Convert to CTranslate2 int8 after the download (the fast path).")
    ] = True,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> int:
    """Download models into the Hugging Face cache, then convert each to CTranslate2 int8; prints their folders."""
    from arsum.models.config import load_config
    from arsum.models.install import pull_model

    loaded = load_config(config)
    for name in names:
        installed = pull_model(loaded, name, convert=convert, reporter=_reporter(quiet), notify=_notify(quiet))
        print(installed.folder)
        if installed.conversion is not None:
            print(installed.conversion)
    return EXIT_OK


@models_app.command("info", epilog=examples(
    "arsum models info crosssum-m2m",
    "arsum models info ./my-model-folder",
))
@boundary
def models_info(name: NameArg, config: ConfigOpt = None) -> int:
    """Everything arsum knows about one model, as JSON."""
    import json

    from arsum.models.config import load_config
    from arsum.models.store import info

    print(json.dumps(info(load_config(config), name), ensure_ascii=False, indent=2, default=str))
    return EXIT_OK


@models_app.command("path", epilog=examples(
    "arsum models path crosssum-m2m",
    "ls \"$(arsum models path opus-mt-tc-big-ar-en)\"",
))
@boundary
def models_path(name: NameArg, config: ConfigOpt = None) -> int:
    """The local folder of a downloaded model (exit 1 with the pull command when it is not there)."""
    from arsum.models.config import load_config
    from arsum.models.store import model_path, resolve_model

    print(model_path(resolve_model(load_config(config), name)))
    return EXIT_OK


Quantization = choices("Quantization", QUANTIZATIONS["ctranslate2"])  # what a CTranslate2 conversion can hold


@models_app.command("convert", epilog=examples(
    "arsum models convert opus-mt-tc-big-ar-en --quantization float32",
    "arsum models convert opus-mt-ar-en -o /srv/models/opus-ct2",
))
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


@models_app.command("export", epilog=examples(
    "arsum models export crosssum-m2m -o crosssum.tar      # on a machine with internet",
    "arsum models export opus-mt-tc-big-ar-en -o /media/usb/opus.tar",
))
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


@models_app.command("import", epilog=examples(
    "arsum models import crosssum.tar                    # ... and on the machine without",
    "arsum models import ./mT5_m2m_crossSum_enhanced --name crosssum-m2m",
))
@boundary
def models_import(
    source: Annotated[Path, typer.Argument(help="An archive from `models export`, or a model folder (a hub snapshot).")],
    name: Annotated[
        str | None, typer.Option("--name", help="Which model a plain folder is: a name from models.toml or a hub id (default: from its path).")
    ] = None,
    convert: Annotated[
        bool, typer.Option("--convert/--no-convert", help="Convert to CTranslate2 int8 if the archive has no conversion.")
    ] = True,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> int:
    """Install a model from an archive or folder into arsum's cache, checking every checksum; needs no network."""
    from arsum.models.config import load_config
    from arsum.models.install import import_model

    installed = import_model(load_config(config), source, name=name, convert=convert, reporter=_reporter(quiet))
    _notify(quiet)(f"installed {installed.name}" + (" (converted to CTranslate2)" if installed.conversion else ""))
    print(installed.folder)
    return EXIT_OK


@models_app.command("remove", epilog=examples(
    "arsum models remove crosssum-m2m --dry-run     # what would go, with sizes",
    "arsum models remove crosssum-m2m nllb-200-distilled-600m",
))
@boundary
def models_remove(
    names: Annotated[
        list[str], typer.Argument(help="Model names from models.toml, or hub ids.", autocompletion=complete_models)
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be removed, with sizes.")] = False,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
) -> int:
    """Delete downloaded models and arsum's conversions of them, listing each folder with its size; a model a
    running arsum is using, or a folder you configured yourself, is never removed."""
    from arsum.cli.render import human_size
    from arsum.errors import ArsumError
    from arsum.models.config import load_config
    from arsum.models.install import remove_model

    loaded = load_config(config)
    code = EXIT_OK
    for name in names:
        try:
            removal = remove_model(loaded, name, dry_run=dry_run)
        except ArsumError as error:  # one line per model; the others are still removed
            say(str(error))
            code = max(code, error.exit_code)
            continue
        for folder, size in removal.folders:
            print(f"{human_size(size)}\t{folder}")
        verb = "would remove" if dry_run else "removed"
        _notify(quiet)(f"{verb} {removal.name} ({human_size(removal.size_bytes)})")
    return code
