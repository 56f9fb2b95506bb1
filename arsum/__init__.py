"""arsum: summarize and translate Arabic news releases.

The public API (`arsum.summarize`, `arsum.Summarizer`, `arsum.load_releases`, …; see arsum.api) is loaded on
first use (PEP 562), so `import arsum` and `arsum --help` stay light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "summarize": "arsum.api",
    "translate": "arsum.api",
    "check": "arsum.api",
    "Summarizer": "arsum.api",
    "Translator": "arsum.api",
    "Checker": "arsum.api",
    "run_ray": "arsum.api",
    "digest": "arsum.api",
    "Digester": "arsum.api",
    "Digest": "arsum.tasks.digest",
    "Story": "arsum.tasks.digest",
    "story_to_dict": "arsum.tasks.digest",
    "parse_releases": "arsum.api",
    "load_releases": "arsum.api",
    "to_dict": "arsum.tasks.results",
    "ReleaseSummary": "arsum.tasks.results",
    "ReleaseTranslation": "arsum.tasks.results",
    "ErrorRecord": "arsum.tasks.results",
    "Release": "arsum.text.release",
    "ArsumError": "arsum.errors",
    "InputError": "arsum.errors",
    "ModelUnavailable": "arsum.errors",
    "UsageError": "arsum.errors",
}

__all__ = ["__version__", "models", *_EXPORTS]

if TYPE_CHECKING:
    from arsum import models
    from arsum.api import (
        Checker,
        Digester,
        Summarizer,
        Translator,
        check,
        digest,
        load_releases,
        parse_releases,
        run_ray,
        summarize,
        translate,
    )
    from arsum.errors import ArsumError, InputError, ModelUnavailable, UsageError
    from arsum.tasks.digest import Digest, Story, story_to_dict
    from arsum.tasks.results import ErrorRecord, ReleaseSummary, ReleaseTranslation, to_dict
    from arsum.text.release import Release


def __getattr__(name: str) -> Any:
    if name == "models":  # the model store's functions: arsum.models.list(), .pull(), .export(), .import_()
        return import_module("arsum.models")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'arsum' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
