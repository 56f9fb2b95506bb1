"""Settings, resolved once: flags over environment over models.toml over defaults, into frozen validated records.

The command line, the API, `check` and the Ray workers all build their settings here, before any work, so a
bad value fails at once with one line and every entry point reads the same file the same way. The records are
plain frozen dataclasses (picklable: Ray ships them to its workers, which do not resolve them again).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from arsum.errors import UsageError
from arsum.reporting import SILENT, Reporter

DEFAULT_ENCODER = "use-m3"
DEFAULT_MIN_SUPPORT = 0.40
"""Chosen on FLORES-200 devtest with clause units, checked on TICO-19 (bench/calibrate_support.py,
bench/RESULTS.md): 99.8% of true pairs and 94% of faithful one-clause partials pass, 99.7%
(TICO: 95.6%) of English sentences scored against a release they are not from are flagged."""

# The environment variable behind each setting (the CLI's options name the same ones).
ENV_DEVICE = "ARSUM_DEVICE"
ENV_QUANTIZE = "ARSUM_QUANTIZE"
ENV_BACKEND = "ARSUM_BACKEND"
ENV_ENCODER = "ARSUM_ENCODER"
ENV_ENGLISH = "ARSUM_ENGLISH"
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _number(name: str, value: object) -> float:
    """A finite real number (bool is not one), else a UsageError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{name} must be a number, not {_kind(value)}")
    if not math.isfinite(value):
        raise UsageError(f"{name} must be a finite number, not {value}")
    return float(value)


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{name} must be a string, not {_kind(value)}")
    if not value.strip():
        raise UsageError(f"{name} must not be empty")
    return value


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be True or False, not {_kind(value)}")
    return value


@dataclass(frozen=True)
class Length:
    """How long the Arabic summary is: a sentence count, a share of the body, or neither (the default rule).

    One value type and one rule for every entry point (sumy's ItemsCount): a count of at least 1, a share
    above 0 and at most 1, never both.
    """

    count: int | None = None
    ratio: float | None = None

    def __post_init__(self) -> None:
        if self.count is not None and self.ratio is not None:
            raise UsageError("give either a sentence count or a ratio, not both")
        if self.count is not None:
            if isinstance(self.count, bool) or not isinstance(self.count, int):
                raise UsageError(f"sentences must be a whole number, not {_kind(self.count)}")
            if self.count < 1:
                raise UsageError(f"sentences must be at least 1, not {self.count}")
        if self.ratio is not None:
            ratio = _number("ratio", self.ratio)
            if not 0.0 < ratio <= 1.0:
                raise UsageError(f"ratio must be above 0 and at most 1 (a share of the sentences), not {self.ratio}")
            object.__setattr__(self, "ratio", ratio)

    @classmethod
    def parse(cls, text: str) -> Length:
        """`3` (sentences), `0.2` or `20%` (a share)."""
        value = text.strip()
        try:
            if value.endswith("%"):
                return cls(ratio=float(value[:-1]) / 100)
            if value.isdigit():
                return cls(count=int(value))
            return cls(ratio=float(value))
        except ValueError:
            raise UsageError(f"{text!r} is not a sentence count or a share (3, 0.2 or 20%)") from None

    def sentences(self, available: int, default: int) -> int:
        """How many of `available` sentences to pick: the count, else ceil(ratio * available), else `default`;
        never more than there are, never fewer than one (none when there are none)."""
        if available <= 0:
            return 0
        if self.count is not None:
            wanted = self.count
        elif self.ratio is not None:
            wanted = math.ceil(self.ratio * available)
        else:
            wanted = default
        return max(1, min(available, wanted))


@dataclass(frozen=True)
class ModelOptions:
    """How to run seq2seq models (summarize and translate); `backend` None means each model's own."""

    model: str | None = None
    device: str = "auto"
    quantize: str | None = None
    config_path: Path | None = None
    reporter: Reporter = field(default=SILENT, compare=False)
    backend: str | None = None


@dataclass(frozen=True)
class SupportOptions:
    """Support scoring, resolved: the encoder (and its pinned revision) and the flag threshold."""

    enabled: bool = True
    min_support: float = DEFAULT_MIN_SUPPORT
    drop_unsupported: bool = False
    encoder: str = DEFAULT_ENCODER
    revision: str | None = None

    def __post_init__(self) -> None:
        check_min_support(self.min_support)

    @property
    def record(self) -> dict[str, object]:
        """Recorded with every scored result, so its support figures can be reproduced."""
        return {"encoder": self.encoder, "min_support": self.min_support}


def check_min_support(value: object, name: str = "min_support") -> float:
    number = _number(name, value)
    if not -1.0 <= number <= 1.0:
        raise UsageError(f"{name} must be between -1 and 1 (a cosine similarity), not {value}")
    return number


def _env(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _first(*values: object) -> object:
    return next((v for v in values if v is not None), None)


def resolve_models(
    *,
    model: str | None = None,
    device: str | None = None,
    quantize: str | None = None,
    backend: str | None = None,
    config: str | Path | None = None,
    reporter: Reporter = SILENT,
    env: Mapping[str, str] = os.environ,
) -> ModelOptions:
    """The model settings: each argument, else its ARSUM_* variable, else the default (a model's own backend
    comes from models.toml when neither names one). Every value is checked now, before any model loads; CPU
    threads are ARSUM_THREADS (checked here, read when a model loads; Ray sets it per worker) else every core."""
    from arsum.models.device import QUANTIZATIONS, check_device, thread_count  # light: no models.toml, no runtime
    from arsum.models.names import BACKENDS

    if model is not None:
        _text("model", model)
    chosen_device = check_device(_text("device", _first(device, _env(env, ENV_DEVICE), "auto")))
    chosen_quantize = _first(quantize, _env(env, ENV_QUANTIZE))
    known_quantize = sorted({q for names in QUANTIZATIONS.values() for q in names})
    if chosen_quantize is not None and chosen_quantize not in known_quantize:
        raise UsageError(f"unknown quantization {chosen_quantize!r} (use one of: {', '.join(known_quantize)})")
    chosen_backend = _first(backend, _env(env, ENV_BACKEND))
    if chosen_backend is not None and chosen_backend not in BACKENDS:
        raise UsageError(f"unknown backend {chosen_backend!r} (use one of: {', '.join(BACKENDS)})")
    thread_count(env)  # a bad ARSUM_THREADS is refused now, not after the first release
    config_path = _config_path(config)
    if config_path is not None:
        from arsum.models.config import load_config

        load_config(config_path, env)  # a file the user names is checked even by a run that needs no model
    return ModelOptions(model, chosen_device, chosen_quantize, config_path, reporter,  # type: ignore[arg-type]
                        chosen_backend)


def _config_path(config: str | Path | None) -> Path | None:
    if config is None:
        return None
    if isinstance(config, str):
        _text("config", config)
    elif not isinstance(config, Path):
        raise UsageError(f"config must be a path, not {_kind(config)}")
    return Path(config)


def resolve_support(
    *,
    enabled: bool = True,
    min_support: float | None = None,
    encoder: str | None = None,
    drop_unsupported: bool = False,
    config: str | Path | None = None,
    used: bool = True,
    env: Mapping[str, str] = os.environ,
) -> SupportOptions:
    """The support settings: each argument, else ARSUM_ENCODER (encoder only), else the `[support]` table of
    models.toml (the user's merged over the packaged one), else the calibrated default. The file is read only
    when support is on and `used` (an Arabic-only summary scores nothing: its start-up reads no file)."""
    _flag("support", enabled)
    _flag("drop_unsupported", drop_unsupported)
    if min_support is not None:
        min_support = check_min_support(min_support)
    if encoder is not None:
        _text("encoder", encoder)
    if not (enabled and used):
        return SupportOptions(enabled, _first(min_support, DEFAULT_MIN_SUPPORT), drop_unsupported,  # type: ignore[arg-type]
                              _first(encoder, DEFAULT_ENCODER))  # type: ignore[arg-type]
    from arsum.models.config import load_config

    table = load_config(_config_path(config), env).support
    chosen_encoder = _first(encoder, _env(env, ENV_ENCODER))
    return SupportOptions(
        enabled=True,
        min_support=_first(min_support, table.min_support, DEFAULT_MIN_SUPPORT),  # type: ignore[arg-type]
        drop_unsupported=drop_unsupported,
        encoder=_first(chosen_encoder, table.encoder, DEFAULT_ENCODER),  # type: ignore[arg-type]
        revision=None if chosen_encoder is not None else table.revision,  # a pinned revision is for the file's encoder
    )


def resolve_english(english: bool | None, env: Mapping[str, str] = os.environ) -> bool:
    """`english`, else ARSUM_ENGLISH (1/0, true/false, yes/no, on/off), else True."""
    if english is not None:
        return _flag("english", english)
    value = _env(env, ENV_ENGLISH)
    if value is None:
        return True
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise UsageError(f"{ENV_ENGLISH}={value}: must be 1 or 0 (true/false, yes/no)")
