"""The face: the typer app, renderers, output files and progress bars."""

from arsum.cli.app import app, main

__all__ = ["app", "main"]
