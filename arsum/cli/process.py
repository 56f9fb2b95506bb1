"""Process plumbing: the one boundary where errors become exit codes, signals, closed or broken streams."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from arsum.errors import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    ArsumError,
    escape_controls,
)

EXIT_BROKEN_PIPE = 141


def say(message: str) -> None:
    """One line on stderr, the only channel for problems; control characters from paths or ids are escaped so
    a message stays one line and cannot drive the terminal. With stderr closed there is nobody to tell."""
    if sys.stderr is None:  # print(file=None) would write into stdout's results
        return
    try:
        print(f"arsum: {escape_controls(message)}", file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr full or gone (SIGHUP): the exit status still tells
        pass


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the program is, so `finally` blocks remove partial files as on Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
    except OSError:
        pass
    finally:
        os.close(devnull)


F = TypeVar("F", bound=Callable[..., Any])


def boundary(command: F) -> F:
    """The only place where errors become exit codes: one line on stderr, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            code = command(*args, **kwargs)
        except ArsumError as error:
            say(str(error))
            code = error.exit_code
        except KeyboardInterrupt:
            say("interrupted")
            code = EXIT_INTERRUPTED
        except Terminated as stop:
            say(f"terminated ({signal.Signals(stop.signum).name})")
            code = 128 + stop.signum
        except BrokenPipeError:
            _silence_stdout()
            code = EXIT_BROKEN_PIPE
        except (typer.Exit, typer.Abort, typer.TyperException):  # typer reports these itself (exit 2)
            raise
        except Exception as error:  # noqa: BLE001 - a bug must still end in one line, unless debugging
            if os.environ.get("ARSUM_DEBUG"):
                raise
            say(f"internal error: {type(error).__name__}: {error} (set ARSUM_DEBUG=1 for the traceback)")
            code = EXIT_INPUT
        raise typer.Exit(code or EXIT_OK)

    return wrapper  # type: ignore[return-value]


def _plug_closed_descriptors() -> None:
    """Started with stdin, stdout or stderr closed (`<&-`, `>&-`, `2>&-`): hold the number with /dev/null, so
    no file arsum opens later takes it and receives another stream's bytes. Python already set sys.stdX to None."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)


def _stdout_reason(error: BaseException) -> str:
    if isinstance(error, ArsumError):
        return str(error)
    return f"stdout: cannot write ({(getattr(error, 'strerror', None) or str(error)).lower()})"


class _EscapedStderr:
    """stderr for click's own messages (`No such option: …`), which quote what the user typed: controls and bidi
    overrides in it are escaped as in every `arsum:` line."""

    def write(self, text: str) -> int:
        if sys.stderr is None:
            return len(text)
        try:
            return sys.stderr.write(escape_controls(text, keep="\n\t"))
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            sys.stderr.flush()

    def isatty(self) -> bool:
        return False


def _usage_error(error: Any) -> int:
    """A click usage error (bad option, value or command) shown as click shows it, with user text escaped."""
    error.show(file=_EscapedStderr())
    return int(error.exit_code)


def run(app: Callable[..., Any]) -> None:
    """Console-script entry point: every command, --help and --version included, ends the same way when stdout
    is closed or full (one line, exit 2), on Ctrl-C (130) and on SIGTERM/SIGHUP (128 + signal, no partial file)."""
    from arsum.cli.output import ClosedStdout, GuardedStream

    _plug_closed_descriptors()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)
    guarded = GuardedStream(sys.stdout if sys.stdout is not None else ClosedStdout(), "stdout")  # type: ignore[arg-type]
    sys.stdout = guarded  # type: ignore[assignment]
    code: int | str | None
    try:
        # standalone_mode=False: click's usage errors come here to be escaped (`_usage_error`); every command
        # ends in typer.Exit from `boundary`, which click turns into the returned code
        returned = app(standalone_mode=False)
        code = returned if isinstance(returned, int) else EXIT_OK
    except SystemExit as done:
        code = done.code
    except typer.Abort:  # click's own prompts, or EOF on one
        say("aborted")
        code = EXIT_INPUT
    except typer.TyperException as error:  # click's usage errors (the base typer exports publicly)
        code = _usage_error(error) if hasattr(error, "show") else EXIT_USAGE
    except KeyboardInterrupt:
        say("interrupted")
        code = EXIT_INTERRUPTED
    except Terminated as stop:
        code = 128 + stop.signum
    except BrokenPipeError:
        code = EXIT_BROKEN_PIPE
    except (ArsumError, OSError) as error:  # click printing --help or --version to a full or closed stdout
        say(_stdout_reason(error))
        code = EXIT_USAGE
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = EXIT_BROKEN_PIPE
    except (ArsumError, OSError) as error:
        if code in (EXIT_OK, None):
            say(_stdout_reason(error))
            code = EXIT_USAGE
    if guarded.broken:  # click ends a broken pipe in --help or --version with status 1; the convention is 141
        code = EXIT_BROKEN_PIPE
    if guarded.failed or code == EXIT_BROKEN_PIPE:
        _silence_stdout()  # the unwritten buffer would fail again, noisily, at interpreter exit
    sys.exit(code)
