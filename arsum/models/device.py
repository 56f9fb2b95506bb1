"""Devices, quantizations and CPU threads: one vocabulary for both runtimes.

Each runtime is imported only when a device is resolved (torch for transformers, ctranslate2 for CTranslate2).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from arsum.errors import UsageError

# What each backend can run on and how it can store weights; `auto` picks the best device that is there.
DEVICES: dict[str, tuple[str, ...]] = {"transformers": ("cpu", "cuda", "mps"), "ctranslate2": ("cpu", "cuda")}
QUANTIZATIONS: dict[str, tuple[str, ...]] = {"transformers": ("int8",), "ctranslate2": ("int8", "float32")}
# OpenMP/MKL thread variables a user may set for torch; ARSUM_THREADS is ours and read by thread_count.
OPENMP_ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")
MAX_THREADS = 1024
RUNTIME_LOCK = threading.RLock()
"""Held while a model runtime loads: transformers' lazily imported module and arsum's model caches are not safe to
fill from two threads at once (four threads on one fresh Translator failed with `cannot import name AutoTokenizer`
and loaded the model four times). Re-entrant: a CTranslate2 load loads a transformers tokenizer."""


def check_quantize(backend: str, quantize: str | None) -> None:
    """UsageError for a quantization the backend cannot run (None: the weights as they are)."""
    known = QUANTIZATIONS[backend]
    if quantize is not None and quantize not in known:
        raise UsageError(f"unknown quantization {quantize!r} for the {backend} backend (use one of: {', '.join(known)})")


def check_device(device: str) -> str:
    """A device name checked before any work (no runtime import): a typo fails at once, not after the input is read."""
    known = ("auto", *dict.fromkeys(d for devices in DEVICES.values() for d in devices))
    if device not in known:
        raise UsageError(f"--device {device}: unknown device (use one of: {', '.join(known)})")
    return device


def resolve_device(device: str = "auto", backend: str = "transformers") -> str:
    """`auto` -> the best available device for the backend; an unknown or unavailable one is a UsageError."""
    known = DEVICES[backend]
    if device != "auto" and device not in known:
        if device in {d for devices in DEVICES.values() for d in devices}:
            raise UsageError(f"--device {device}: the {backend} backend runs on {' or '.join(known)}")
        raise UsageError(f"unknown device {device!r} (use one of: auto, {', '.join(known)})")
    available = _available_devices(backend)
    if device == "auto":
        return next(d for d in ("cuda", "mps", "cpu") if d in available)
    if device not in available:
        raise UsageError(f"--device {device}: no {device.upper()} device is available")
    return device


def _available_devices(backend: str) -> set[str]:
    if backend == "ctranslate2":
        import ctranslate2

        return {"cpu", *(["cuda"] if ctranslate2.get_cuda_device_count() > 0 else [])}
    import torch

    mps = getattr(torch.backends, "mps", None)
    return {"cpu", *(["cuda"] if torch.cuda.is_available() else []), *(["mps"] if mps is not None and mps.is_available() else [])}


def thread_count(env: Mapping[str, str] = os.environ) -> int:
    """ARSUM_THREADS (1 to MAX_THREADS, else a UsageError), or every core this process may run on (no torch needed)."""
    chosen = env.get("ARSUM_THREADS", "").strip()
    if chosen.isdigit():
        if not 1 <= int(chosen) <= MAX_THREADS:
            raise UsageError(f"ARSUM_THREADS={chosen}: must be between 1 and {MAX_THREADS}")
        return int(chosen)
    if chosen:
        raise UsageError(f"ARSUM_THREADS={chosen}: must be a whole number of threads")
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS / Windows
        return max(1, os.cpu_count() or 1)


def configure_threads() -> int:
    """Use every core we may run on, unless the user chose a thread count (OpenMP/MKL variables are left to torch)."""
    import torch

    user_threads = any(os.environ.get(var) for var in OPENMP_ENV_VARS)
    if os.environ.get("ARSUM_THREADS", "").strip().isdigit() or not user_threads:
        threads = thread_count()
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    return torch.get_num_threads()
