"""Devices and CPU threads for the transformers runtime; torch is imported only when a device is resolved."""

from __future__ import annotations

import os

from arsum.errors import UsageError

DEVICES = ("auto", "cpu", "cuda", "mps")
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "ARSUM_THREADS")
MAX_THREADS = 1024


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

    user_threads = any(os.environ.get(var) for var in THREAD_ENV_VARS if var != "ARSUM_THREADS")
    if os.environ.get("ARSUM_THREADS", "").strip().isdigit() or not user_threads:
        threads = thread_count()
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    return torch.get_num_threads()
