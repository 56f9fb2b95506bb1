"""The model cache's locks. Which models a running arsum is using: a shared lock per model, held from load until the process ends, that
`arsum models remove` must be able to take exclusively before it deletes anything.

A lock (not a pid file) because the kernel drops it when the process dies, however it dies: a crashed run never
leaves a model marked "in use". Best effort on the run's side: a cache that cannot be written never stops a run.
And one install at a time: an import, a pull's conversion, `models convert` into the cache or a removal.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from arsum.errors import ModelUnavailable, OutputError, one_line
from arsum.models.config import ModelSpec, user_cache_base

_HELD: dict[Path, int] = {}
_HELD_LOCK = threading.Lock()


def lock_path(spec: ModelSpec, env: Mapping[str, str] = os.environ) -> Path:
    """One lock file per hub repository (two catalogue names of one hub model are one model on disk)."""
    key = spec.source if not spec.is_local else f"local:{spec.name}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return user_cache_base(env) / "arsum" / "in-use" / f"{digest}.lock"


def hold(spec: ModelSpec) -> None:
    """Mark `spec` as used by this process until it exits (waits while a removal of it is under way)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return
    path = lock_path(spec)
    with _HELD_LOCK:
        if path in _HELD:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError:
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError:
            os.close(fd)
            return
        _HELD[path] = fd


@contextmanager
def exclusive(spec: ModelSpec, env: Mapping[str, str] = os.environ) -> Iterator[None]:
    """Held while a model's files are deleted; ModelUnavailable at once when a running arsum is using it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path = lock_path(spec, env)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ModelUnavailable(spec.name, "is in use by a running arsum", "let it finish (or stop it), then "
                                   "remove the model") from None
        yield
    finally:
        os.close(fd)


@contextmanager
def install_lock(env: Mapping[str, str] = os.environ) -> Iterator[None]:
    """One install or replacement at a time in a cache: two imports (or an import and a conversion or a removal)
    never interleave their renames; the second waits. Not re-entrant: never taken twice by one process."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock, as before
        yield
        return
    root = user_cache_base(env) / "arsum"  # arsum's own cache folder, beside the conversions it guards
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / "install.lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise OutputError(f"{root}: cannot lock the model cache ({one_line(exc)})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
