"""Where results go: stdout, a device or FIFO written in place, or a regular file written to a temporary
name and linked into place only when the whole run finished.

What the user owns is never destroyed: --force replaces a regular file only (never a device, FIFO, folder or
symlink), never an input (compared by device and inode, stdin and folder members included), and never a file
that appeared during the run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from arsum.errors import OutputError


@dataclass(frozen=True)
class OutputTarget:
    """What -o names, decided before any work: a file to replace atomically, or a stream to write in place."""

    shown: Path  # as the user gave it, for messages
    path: Path  # where the file is written: symlinks followed, so a link to a file keeps being a link
    in_place: bool  # a character device or FIFO: opened and written, never replaced
    replaces: tuple[int, ...] | None  # identity of the regular file --force replaces; None: a new file


_OPEN_DESCRIPTORS = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/")
"""Names of descriptors the process already holds: `-o /dev/stdout > file` writes into that descriptor's file
as a shell's `> /dev/stdout` would, instead of replacing the file behind the shell's back."""


def _identity(st: os.stat_result) -> tuple[int, ...]:
    """Device and inode, plus size and modification time: a file deleted and re-created may reuse the inode."""
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _stat(path: Path | str | int) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _input_identities(inputs: Sequence[str], stdin_read: bool) -> Iterator[tuple[str, os.stat_result]]:
    """(name, stat) of every input this run reads: files, the members of folders, and stdin."""
    if stdin_read and sys.stdin is not None:
        try:
            st = _stat(sys.stdin.fileno())
        except (OSError, ValueError):  # not a real file (a test's stand-in)
            st = None
        if st is not None:
            yield "stdin", st
    for given in inputs:
        st = _stat(given) if given != "-" else None
        if st is None:
            continue
        if not stat.S_ISDIR(st.st_mode):
            yield given, st
            continue
        with contextlib.suppress(OSError), os.scandir(given) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    yield entry.path, entry.stat()


def check_output_path(output: Path, inputs: Sequence[str], force: bool) -> OutputTarget:
    """Refuse before any work is done, so a bad -o never costs a long run."""
    st = _stat(output)
    if st is not None:
        for name, other in _input_identities(inputs, stdin_read=not inputs or "-" in inputs):
            if (st.st_dev, st.st_ino) == (other.st_dev, other.st_ino):
                shown = name if name == "stdin" else f"input {name}"
                raise OutputError(f"{output}: is the same file as {shown}; refusing to overwrite it")
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            raise OutputError(f"{output}: is a directory")
        if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or str(output).startswith(_OPEN_DESCRIPTORS):
            return OutputTarget(output, output, in_place=True, replaces=None)
        if not stat.S_ISREG(mode):
            raise OutputError(f"{output}: is not a regular file, terminal or pipe; arsum does not write to it")
        if not force:
            raise OutputError(f"{output}: already exists; use --force to replace it")
        return OutputTarget(output, Path(os.path.realpath(output)), in_place=False, replaces=_identity(st))
    if os.path.islink(output):  # a dangling link: writing would create its target somewhere else
        raise OutputError(f"{output}: is a symbolic link to a missing file; give the file's own path")
    if not output.parent.is_dir():
        raise OutputError(f"{output}: folder {output.parent} does not exist")
    return OutputTarget(output, output, in_place=False, replaces=None)


def _final_mode(target: OutputTarget) -> int:
    """The mode a plain `open(output, "w")` would give: the old file's with --force, else 0o666 less the umask."""
    st = _stat(target.path) if target.replaces else None
    if st is not None:
        return st.st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _reason(err: OSError) -> str:
    return (err.strerror or str(err)).lower()


class GuardedStream:
    """A text stream whose write failures (disk full, closed descriptor) become one OutputError line.

    BrokenPipeError passes through untouched: the CLI ends quietly with 141 on `| head -1`.
    """

    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream = stream
        self._name = name
        self.failed = False  # a write failed: the stream's buffer holds bytes that can never be written
        self.broken = False  # the reader went away (EPIPE): click turns that into exit 1, `run` into 141

    @property
    def closed_stdout(self) -> bool:
        return isinstance(self._stream, ClosedStdout) or getattr(self._stream, "closed_stdout", False)

    def write_error(self, err: OSError) -> OutputError:
        self.failed = True
        return OutputError(f"{self._name}: cannot write ({_reason(err)})")

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self.broken = True
            raise
        except OSError as err:
            raise self.write_error(err) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self.broken = True
            raise
        except OSError as err:
            raise self.write_error(err) from None

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


class ClosedStdout:
    """sys.stdout when the process started with stdout closed (`>&-`): any write is one clear error, not silence."""

    def write(self, text: str) -> int:
        raise OutputError("stdout: is closed; use -o FILE")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _link_into_place(tmp: Path, target: OutputTarget) -> None:
    """Put the finished file at target.path without ever replacing a file that was not there at the start.

    A new file is hard-linked (fails if anything appeared meanwhile); a --force replacement is renamed over
    the file only if it is still the one seen at the start. Two runs racing to one -o: one wins, the other says so.
    """
    path = target.path
    if target.replaces is None:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise OutputError(f"{target.shown}: appeared while arsum was running; not replaced") from None
        except OSError as err:
            if err.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV, errno.ENOSYS):
                raise OutputError(f"{target.shown}: cannot write ({_reason(err)})") from None
            if os.path.lexists(path):  # no hard links here (FAT, some network folders): re-check, then rename
                raise OutputError(f"{target.shown}: appeared while arsum was running; not replaced") from None
            os.replace(tmp, path)
            return
        tmp.unlink()
        return
    st = _stat(path)
    if st is None and not os.path.lexists(path):  # removed meanwhile: nothing to protect, still never clobber
        _link_into_place(tmp, dataclasses.replace(target, replaces=None))
        return
    if st is None or _identity(st) != target.replaces or os.path.islink(path):
        raise OutputError(f"{target.shown}: was replaced or removed while arsum was running; not replaced")
    os.replace(tmp, path)


@contextlib.contextmanager
def _closing_quietly(raw: TextIO) -> Iterator[TextIO]:
    """Close even when the last flush fails: the write error already raised (one line) must not be replaced
    by the same error raised again from close()."""
    try:
        yield raw
    finally:
        with contextlib.suppress(OSError):
            raw.close()


@contextlib.contextmanager
def _in_place(target: OutputTarget) -> Iterator[TextIO]:
    """A character device or FIFO (`-o /dev/stdout`, a named pipe): opened and written, never replaced."""
    try:
        # append: never truncates what a descriptor's file already holds (`-o /dev/stdout >> log`)
        raw = open(target.path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115, PTH123
    except OSError as err:
        raise OutputError(f"{target.shown}: cannot write ({_reason(err)})") from None
    with _closing_quietly(raw):
        stream = GuardedStream(raw, str(target.shown))
        yield stream  # type: ignore[misc]
        stream.flush()


@contextlib.contextmanager
def open_output(target: OutputTarget | None) -> Iterator[TextIO]:
    """Yield stdout, or a temp file that takes the place of the output only if the whole run finishes.

    An error, Ctrl-C, SIGTERM or SIGHUP leaves no partial file behind and the old file (with --force) untouched.
    """
    if target is None:
        if sys.stdout is None or getattr(sys.stdout, "closed_stdout", False):  # started with stdout closed (`>&-`)
            raise OutputError("stdout: is closed; use -o FILE")
        yield GuardedStream(sys.stdout, "stdout")  # type: ignore[misc]
        return
    if target.in_place:
        with _in_place(target) as stream:
            yield stream
        return
    import tempfile  # only with -o: kept off the start-up path

    folder = target.path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.path.name[:100]}.", suffix=".part", dir=folder)
    except OSError as err:
        raise OutputError(f"{target.shown}: cannot write in {folder} ({_reason(err)})") from None
    tmp = Path(tmp_name)
    try:
        with _closing_quietly(os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as raw:
            stream = GuardedStream(raw, str(target.shown))
            yield stream  # type: ignore[misc]
            stream.flush()
            try:
                os.fsync(raw.fileno())
            except OSError as err:
                raise stream.write_error(err) from None
        os.chmod(tmp, _final_mode(target))
        _link_into_place(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
