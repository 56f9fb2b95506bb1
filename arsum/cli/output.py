"""Where results go: stdout, or a file written to a temporary name and renamed into place."""

from __future__ import annotations

import contextlib
import os
import sys
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


def _final_mode(output: Path) -> int:
    """The mode a plain `open(output, "w")` would give: the old file's with --force, else 0o666 less the umask."""
    try:
        return os.stat(output).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class GuardedStream:
    """A text stream whose write failures (disk full, closed descriptor) become one OutputError line.

    BrokenPipeError passes through untouched: the CLI ends quietly with 141 on `| head -1`.
    """

    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream = stream
        self._name = name

    def write_error(self, err: OSError) -> OutputError:
        return OutputError(f"{self._name}: cannot write ({(err.strerror or str(err)).lower()})")

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as err:
            raise self.write_error(err) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as err:
            raise self.write_error(err) from None

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@contextlib.contextmanager
def open_output(output: Path | None) -> Iterator[TextIO]:
    """Yield stdout, or a temp file that replaces `output` only if the whole run finishes.

    An error or Ctrl-C leaves no partial file behind and the old file (with --force) untouched.
    """
    if output is None:
        if sys.stdout is None:  # started with stdout closed (`>&-`)
            raise OutputError("stdout: is closed; use -o FILE")
        yield GuardedStream(sys.stdout, "stdout")  # type: ignore[misc]
        return
    import tempfile  # only with -o: kept off the start-up path

    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    except OSError as err:
        raise OutputError(f"{output}: cannot write in {output.parent} ({(err.strerror or str(err)).lower()})") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as raw:
            stream = GuardedStream(raw, str(output))
            yield stream  # type: ignore[misc]
            stream.flush()
            try:
                os.fsync(raw.fileno())
            except OSError as err:
                raise stream.write_error(err) from None
        os.chmod(tmp, _final_mode(output))
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
