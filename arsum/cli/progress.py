"""Progress bars on stderr, only when a person is watching (stderr is a terminal)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from arsum.errors import escape_controls
from arsum.reporting import SILENT, Tracker


T = TypeVar("T")


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

    The model layer opens a bar per call (a window of releases); bars with the same label carry on from each other,
    so a run's count for a model only grows, never restarts at 0. Its total is shown only once it is the run's
    total, when every input has been read (`watch_inputs`); until then it is unknown (`334/?`, a pulsing bar): a
    total that grows as files are read (334/355, later 539/578) promises an end that is not there.
    """

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}  # label -> (done, total) over the run so far
        self.inputs_read = True  # False while `watch_inputs` has more to read

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
            known = total is not None and self.inputs_read
            task = progress.add_task(  # a model path is no markup
                escape(escape_controls(label)), total=seen + total if known else None, completed=done  # type: ignore[operator]
            )
            tracker = _RichTracker(progress, task)
            try:
                yield tracker
            finally:
                self._counts[label] = (done + tracker.advanced, seen + (total or tracker.advanced))

    def watch_inputs(self, items: Iterable[T]) -> Iterator[T]:
        """`items`, noting when the last has been read: only then do bars show the run's total."""
        self.inputs_read = False
        yield from items
        self.inputs_read = True

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
