"""Progress bars on stderr, only when a person is watching (stderr is a terminal)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from arsum.errors import escape_controls
from arsum.reporting import SILENT, Tracker


class _RichTracker:
    def __init__(self, progress: object, task: object) -> None:
        self._progress = progress
        self._task = task
        self.advanced = 0

    def advance(self, amount: int = 1) -> None:
        self.advanced += amount
        self._progress.advance(self._task, amount)  # type: ignore[attr-defined]


def model_label(description: str) -> str:
    """A model's name for a bar: the last part of a folder path or hub id (`/tmp/x/tiny-mt5` -> `tiny-mt5`)."""
    return description.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1] or description


def enabled() -> bool:
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None)) and stream.isatty()


class TerminalReporter:
    """The Reporter the CLI passes down: Rich bars and spinners on a terminal, nothing in logs and pipes.

    The model layer opens a bar per call; bars with the same label carry on from each other, so a run's count for
    a model only grows (3/4, then 4/8 once the next window arrives), never restarts at 0.
    """

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}  # label -> (done, total) over the run so far

    @contextmanager
    def track(self, description: str, total: int | None) -> Iterator[Tracker]:
        """A bar for `total` units of work; a no-op off a terminal so logs and pipes stay clean."""
        if not enabled():
            with SILENT.track(description, total) as tracker:
                yield tracker
            return
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        label = model_label(description)
        done, seen = self._counts.get(label, (0, 0))
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as progress:
            task = progress.add_task(  # a model path is no markup
                escape(escape_controls(label)), total=None if total is None else seen + total, completed=done
            )
            tracker = _RichTracker(progress, task)
            try:
                yield tracker
            finally:
                self._counts[label] = (done + tracker.advanced, seen + (total or tracker.advanced))

    @contextmanager
    def status(self, message: str) -> Iterator[None]:
        """A spinner for work of unknown length (model loading)."""
        if not enabled():
            yield
            return
        from rich.console import Console
        from rich.text import Text

        with Console(stderr=True).status(Text(escape_controls(message))):
            yield
