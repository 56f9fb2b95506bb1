"""Where results go: stdout, or a file written to a temporary name and renamed into place."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from arsum.errors import OutputError


def _is_same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_path(output: Path, inputs: Sequence[str], force: bool) -> None:
    """Refuse before any work is done, so a bad -o never costs a long run."""
    for given in inputs:
        if given == "-":
            continue
        source = Path(given)
        if _is_same_file(output, source):
            raise OutputError(f"{output}: is one of the inputs; refusing to overwrite it")
    if output.is_dir():
        raise OutputError(f"{output}: is a directory")
    if output.exists() and not force:
        raise OutputError(f"{output}: already exists; use --force to overwrite it")
    if not output.parent.exists():
        raise OutputError(f"{output}: folder {output.parent} does not exist")


@contextlib.contextmanager
def open_output(output: Path | None) -> Iterator[TextIO]:
    """Yield stdout, or a temp file that replaces `output` only if the whole run finishes.

    An error or Ctrl-C leaves no partial file behind and the old file (with --force) untouched.
    """
    if output is None:
        yield sys.stdout
        return
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
