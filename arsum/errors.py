"""One error hierarchy; the CLI turns it into an exit code and a one-line message."""

from __future__ import annotations

import re

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_FLAGGED = 3  # `arsum check`: it ran, and something was flagged
EXIT_INTERRUPTED = 130


class ArsumError(Exception):
    """Base of every error arsum reports to the user as one line."""

    exit_code = EXIT_INPUT


class InputError(ArsumError):
    """One input (file, stdin, JSON line) cannot be used; other inputs go on."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class UsageError(ArsumError):
    """The command line itself is wrong."""

    exit_code = EXIT_USAGE


class ConfigError(ArsumError):
    """models.toml (or a user config) is invalid: names the file, key and problem."""

    exit_code = EXIT_USAGE

    def __init__(self, path: str, key: str | None, problem: str) -> None:
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.key = key
        self.problem = problem


class ModelUnavailable(ArsumError):
    """A model is missing or broken; says which one and what to do."""

    def __init__(self, name: str, problem: str, hint: str | None = None) -> None:
        hint = hint if hint is not None else f"run `arsum models pull {name}`"
        super().__init__(f"model {name}: {problem}; {hint}")
        self.name = name
        self.problem = problem
        self.hint = hint


class OutputError(ArsumError):
    """The output file cannot be written (exists, is an input, not writable)."""

    exit_code = EXIT_USAGE


_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""C0/C1 controls, line separators, lone surrogates, and the bidi embedding, override and isolate controls
(LRE RLE PDF LRO RLO, LRI RLI FSI PDI): an override makes `nope\u202etxt.exe` display as `nopeexe.txt`, and an
unclosed one reorders the rest of the line. Arabic's own marks (RLM U+200F, LRM U+200E, ALM U+061C) are kept:
they only set the direction of neutral characters next to them."""
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str, keep: str = "") -> str:
    """`text` made safe for a terminal: control characters (ESC, CR, NUL, C1, line separators), bidi
    embedding/override/isolate controls and lone surrogates (undecodable file names) become visible escapes
    such as `\\x1b` or `\\u202e`, so input can neither fake an `arsum:` line, send escape sequences to the
    terminal, nor display text reversed. Characters in `keep` (e.g. "\\n") pass."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if char in keep:
            return char
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # a byte of a non-UTF-8 file name (surrogateescape)
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

    return _CONTROLS.sub(escape, text)


def one_line(exc: BaseException) -> str:
    """An exception as one short line, for ModelUnavailable problems."""
    text = " ".join(escape_controls(str(exc)).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
