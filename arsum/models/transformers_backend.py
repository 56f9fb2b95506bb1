"""Loading a transformers seq2seq model safely, once per process, with every failure as one clear line.

Loads only from a local folder (a configured path or the HF cache snapshot), so loading never touches the
network; `arsum models pull` is the one thing that downloads. No remote code, no full unpickling.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arsum.cli import progress
from arsum.models.config import ModelSpec
from arsum.errors import ModelUnavailable, UsageError
from arsum.models.store import WEIGHT_FILES, model_path, one_line, read_model_config, repull_hint

DEVICES = ("auto", "cpu", "cuda", "mps")
QUANTIZATIONS = ("int8",)
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "ARSUM_THREADS")


@dataclass
class LoadedModel:
    tokenizer: Any
    model: Any
    device: str
    folder: Path
    quantize: str | None


_CACHE: dict[tuple[str, str | None, str, str | None, str], LoadedModel] = {}


def clear_cache() -> None:
    _CACHE.clear()


def resolve_device(device: str = "auto") -> str:
    if device not in DEVICES:
        raise UsageError(f"unknown device {device!r} (use one of: {', '.join(DEVICES)})")
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        mps = getattr(torch.backends, "mps", None)
        return "mps" if mps is not None and mps.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available")
    if device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise UsageError("--device mps: MPS is not available")
    return device


def thread_count() -> int:
    """ARSUM_THREADS when it is a number, else every core this process may run on (no torch needed)."""
    chosen = os.environ.get("ARSUM_THREADS", "").strip()
    if chosen.isdigit():
        return max(1, int(chosen))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS / Windows
        return max(1, os.cpu_count() or 1)


def configure_threads() -> int:
    """Use every core we may run on, unless the user chose a thread count (OpenMP/MKL variables are left to torch)."""
    import torch

    user_threads = any(os.environ.get(var) for var in THREAD_ENV_VARS if var != "ARSUM_THREADS")
    if os.environ.get("ARSUM_THREADS", "").strip().isdigit() or not user_threads:
        threads = thread_count()
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    return torch.get_num_threads()


def load_transformers(spec: ModelSpec, *, device: str = "auto", quantize: str | None = None) -> LoadedModel:
    """The cached (tokenizer, model) for this spec/device/quantization; loads it on first use."""
    if quantize is not None and quantize not in QUANTIZATIONS:
        raise UsageError(f"unknown quantization {quantize!r} (use one of: {', '.join(QUANTIZATIONS)})")
    folder = model_path(spec)  # first: a model that is not there fails before torch is imported
    resolved = resolve_device(device)
    if quantize == "int8" and resolved != "cpu":
        raise UsageError(f"--quantize int8 runs on the CPU only (device is {resolved}); add --device cpu")
    key = (spec.source, spec.revision, resolved, quantize, "transformers")
    if key not in _CACHE:
        with progress.status(f"loading {spec.name}"):
            _CACHE[key] = _load(spec, folder, resolved, quantize)
    return _CACHE[key]


def _load(spec: ModelSpec, folder: Path, device: str, quantize: str | None) -> LoadedModel:
    read_model_config(folder, spec.name)
    weights = next((name for name in WEIGHT_FILES if (folder / name).is_file()), None)
    if weights is None:
        raise ModelUnavailable(spec.name, f"no weights (model.safetensors or pytorch_model.bin) in {folder}", repull_hint(spec.name, folder))
    configure_threads()
    tokenizer = _load_tokenizer(spec, folder)
    model = _load_model(spec, folder, weights)
    _check_vocab(spec, tokenizer, model)
    model.eval()
    if quantize == "int8":
        model = _quantize_int8(model)
    else:
        model.to(device)
    return LoadedModel(tokenizer=tokenizer, model=model, device=device, folder=folder, quantize=quantize)


@contextmanager
def _quiet() -> Iterator[None]:
    """transformers' own progress bars and advice would clutter stderr; our errors say what matters."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _load_tokenizer(spec: ModelSpec, folder: Path) -> Any:
    from transformers import AutoTokenizer

    kwargs: dict[str, Any] = {"trust_remote_code": False, "local_files_only": True}
    if spec.src_lang and spec.family in {"nllb", "mbart50", "m2m100"}:
        kwargs["src_lang"] = spec.src_lang
    try:
        with _quiet():
            return AutoTokenizer.from_pretrained(str(folder), **kwargs)
    except Exception as exc:  # noqa: BLE001 - any tokenizer failure is a broken model folder
        raise ModelUnavailable(spec.name, f"tokenizer in {folder} cannot be loaded ({one_line(exc)})", repull_hint(spec.name, folder)) from None


def _load_model(spec: ModelSpec, folder: Path, weights: str) -> Any:
    from transformers import AutoModelForSeq2SeqLM

    try:
        with _quiet():
            model, info = AutoModelForSeq2SeqLM.from_pretrained(
                str(folder),
                trust_remote_code=False,
                local_files_only=True,
                use_safetensors=weights.startswith("model.safetensors"),
                weights_only=True,
                output_loading_info=True,
            )
    except Exception as exc:  # noqa: BLE001 - corrupt, truncated or unsafe weights all end here
        raise ModelUnavailable(spec.name, f"weights {folder / weights} cannot be loaded ({one_line(exc)})", repull_hint(spec.name, folder)) from None
    missing = sorted(set(info.get("missing_keys") or ()))
    mismatched = list(info.get("mismatched_keys") or ())
    if missing or mismatched:
        bad = missing or [str(m[0]) if isinstance(m, (tuple, list)) else str(m) for m in mismatched]
        what = "lack" if missing else "have wrongly shaped"
        raise ModelUnavailable(
            spec.name, f"weights {folder / weights} {what} {len(bad)} tensors (e.g. {bad[0]})", repull_hint(spec.name, folder)
        )
    return model


def _check_vocab(spec: ModelSpec, tokenizer: Any, model: Any) -> None:
    """A tokenizer that emits ids past the embedding table would crash mid-run; catch it at load."""
    rows = model.get_input_embeddings().num_embeddings
    size = len(tokenizer)
    if size > rows:
        raise ModelUnavailable(
            spec.name, f"tokenizer has {size} tokens but the model's embedding has only {rows} rows (mismatched files)",
            "make sure the tokenizer and weights come from the same model",
        )


def _quantize_int8(model: Any) -> Any:
    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(model.to("cpu"), {torch.nn.Linear}, dtype=torch.qint8)

