"""The face: the typer app, renderers, output files and progress bars."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point; Ctrl-C while the CLI is still importing ends as quietly as later on."""
    try:
        from arsum.cli.app import main as run

        run()
    except KeyboardInterrupt:  # run() reports its own; this is the window before it could
        if sys.stderr is not None:
            print("arsum: interrupted", file=sys.stderr)
        sys.exit(130)


def __getattr__(name: str) -> Any:  # `from arsum.cli import app` without importing typer for `main`
    if name == "app":
        from arsum.cli.app import app

        return app
    raise AttributeError(name)
