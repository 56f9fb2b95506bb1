"""The model layer: catalogue, store, devices, backends and the seq2seq engine; knows nothing of releases.

For Python callers, `arsum models` as functions: `arsum.models.list()`, `.pull(name)`, `.export(name, output)`,
`.import_(source)`; each takes `config` (a user models.toml, else ARSUM_CONFIG, else the user's file) and raises
ArsumErrors with the CLI's messages. Nothing heavy is imported until one is called.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arsum.models.config import Config
    from arsum.models.install import Installed
    from arsum.models.store import ModelStatus
    from arsum.reporting import Reporter

__all__ = ["export", "import_", "list", "pull"]


def _config(config: str | Path | None) -> Config:
    from arsum.errors import UsageError
    from arsum.models.config import load_config

    if config is not None and not isinstance(config, (str, Path)):
        raise UsageError(f"config must be a path, not {type(config).__name__}")
    return load_config(Path(config) if config is not None else None)


def _name(name: object) -> str:
    from arsum.errors import UsageError

    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"name must be a model name, hub id or folder, not {name!r}")
    return name


def _path(argument: str, value: object) -> Path:
    from arsum.errors import UsageError

    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise UsageError(f"{argument} must be a path, not {value!r}")
    return Path(value)


def list(config: str | Path | None = None) -> builtins.list[ModelStatus]:  # noqa: A001 - arsum.models.list()
    """The configured models with their state, as `arsum models list` shows them."""
    from arsum.models.store import list_models

    return list_models(_config(config))


def pull(name: str, *, convert: bool = True, config: str | Path | None = None, reporter: Reporter | None = None) -> Installed:
    """Download a model (and convert it to CTranslate2 int8 unless `convert=False`), as `arsum models pull`."""
    from arsum.models.install import pull_model
    from arsum.reporting import SILENT

    return pull_model(_config(config), _name(name), convert=convert, reporter=reporter or SILENT)


def export(name: str, output: str | Path, *, force: bool = False, config: str | Path | None = None) -> Path:
    """One archive of a downloaded model for an offline machine, as `arsum models export NAME -o OUTPUT`."""
    from arsum.models.install import export_model

    return export_model(_config(config), _name(name), _path("output", output), force=force)


def import_(source: str | Path, *, name: str | None = None, convert: bool = True, config: str | Path | None = None,
            reporter: Reporter | None = None) -> Installed:
    """Install an archive from `export` (or a model folder) into the cache, as `arsum models import`."""
    from arsum.models.install import import_model
    from arsum.reporting import SILENT

    return import_model(_config(config), _path("source", source), name=None if name is None else _name(name),
                        convert=convert, reporter=reporter or SILENT)
