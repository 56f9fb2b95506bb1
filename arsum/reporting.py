"""How lower layers report progress without knowing about terminals: a Reporter passed down as a callback.

The model layer calls `reporter.status(...)` around a model load and `reporter.track(...)` around batches;
the terminal layer (arsum.cli.progress) passes one that draws Rich bars, everything else gets SILENT.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ContextManager, Protocol


class Tracker(Protocol):
    def advance(self, amount: int = 1) -> None: ...


class Reporter(Protocol):
    def status(self, message: str) -> ContextManager[None]:
        """Work of unknown length (a model load)."""
        ...

    def track(self, description: str, total: int | None) -> ContextManager[Tracker]:
        """`total` units of work, advanced as they finish."""
        ...


class _NullTracker:
    def advance(self, amount: int = 1) -> None:
        return None


class SilentReporter:
    """Reports nothing: libraries, tests and workers."""

    @contextmanager
    def status(self, message: str) -> Iterator[None]:
        yield

    @contextmanager
    def track(self, description: str, total: int | None) -> Iterator[Tracker]:
        yield _NullTracker()


SILENT: Reporter = SilentReporter()
