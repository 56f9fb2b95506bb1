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

    def advance(self, amount: int = 1) -> None:
        self._progress.advance(self._task, amount)  # type: ignore[attr-defined]


def enabled() -> bool:
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None)) and stream.isatty()


class TerminalReporter:
    """The Reporter the CLI passes down: Rich bars and spinners on a terminal, nothing in logs and pipes."""

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

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as progress:
            task = progress.add_task(escape(escape_controls(description)), total=total)  # a model path is no markup
            yield _RichTracker(progress, task)

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
