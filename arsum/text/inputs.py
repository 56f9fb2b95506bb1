"""Read inputs one at a time and turn each into releases or a per-input error.

Errors are yielded, not raised, so one unreadable file among thousands costs one
message, and memory stays flat because only one input is held at a time. Inputs
are only ever read, never modified.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Literal

from arsum.errors import InputError
from arsum.text.arabic import arabic_ratio, has_arabic
from arsum.text.release import Release
from arsum.text.releases import build_release, parse_release, parse_releases

DEFAULT_MAX_BYTES = 10_000_000
"""Largest input (file, stdin, or one JSON line) read: 10 MB, far above any news release,
low enough that a mistaken path to a disk image or archive fails fast instead of exhausting memory."""

STDIN_SOURCE = "<stdin>"
STDIN_NAME = "stdin"

_BAD_TEXT = "not valid UTF-8, UTF-16 or Windows-1256 text"
_CONTROL_OK = "\t\n\r\f\v"


def _plausible_arabic(text: str) -> bool:
    """Windows-1256 decodes any byte string, so accept it only when the result reads as Arabic."""
    if any((ord(c) < 0x20 and c not in _CONTROL_OK) or 0x7F <= ord(c) < 0xA0 for c in text):
        return False
    if not has_arabic(text) or arabic_ratio(text) < 0.5:
        return False
    # Real Arabic text is Arabic letters, ASCII and whitespace; random bytes map to symbols.
    odd = sum(1 for c in text if not (c.isascii() or "\u0600" <= c <= "\u06ff" or c.isspace()))
    return odd <= 0.05 * len(text)


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    """(text, encoding name) for the bytes of one input; BOMs win, then UTF-8, then Windows-1256."""
    boms = (
        (b"\xef\xbb\xbf", "utf-8-sig", "utf-8-sig"),
        (b"\xff\xfe", "utf-16-le", "utf-16"),
        (b"\xfe\xff", "utf-16-be", "utf-16"),
    )
    for bom, name, codec in boms:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise InputError(source, _BAD_TEXT) from None
            return text.lstrip("\ufeff"), name
    if b"\x00" in data:
        raise InputError(source, "binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("windows-1256", errors="replace")
    if "\ufffd" in text or not _plausible_arabic(text):
        raise InputError(source, _BAD_TEXT)
    return text, "windows-1256"


def _too_big(source: str, size: int, max_bytes: int) -> InputError:
    return InputError(source, f"file is {size} bytes, above the --max-bytes limit of {max_bytes}")


def _os_error(source: str, err: OSError) -> InputError:
    if isinstance(err, FileNotFoundError):
        return InputError(source, "no such file or directory")
    if isinstance(err, PermissionError):
        return InputError(source, "permission denied")
    if isinstance(err, IsADirectoryError):
        return InputError(source, "is a directory")
    return InputError(source, (err.strerror or str(err)).lower())


def _expand(paths: Sequence[str], suffix: str) -> Iterator[str | InputError]:
    """Paths to read, in the order given; directories contribute their `suffix` files, sorted."""
    if not paths:
        yield "-"
        return
    for path in paths:
        if path == "-":
            yield path
            continue
        try:
            is_dir = os.path.isdir(path)
            if not is_dir:
                os.stat(path)
        except OSError as err:
            yield _os_error(path, err)
            continue
        if not is_dir:
            yield path
            continue
        try:
            files = sorted(
                str(p) for p in Path(path).iterdir() if p.suffix.lower() == suffix and p.is_file()
            )
        except OSError as err:
            yield _os_error(path, err)
            continue
        if not files:
            yield InputError(path, f"directory has no {suffix} files")
        yield from files


def _read_file(path: str, max_bytes: int) -> bytes:
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            raise _too_big(path, size, max_bytes)
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as err:
        raise _os_error(path, err) from None
    if len(data) > max_bytes:  # grew since stat, or a device/FIFO without a size
        raise _too_big(path, len(data), max_bytes)
    return data


def _read_stdin(stdin: BinaryIO, max_bytes: int) -> bytes:
    data = stdin.read(max_bytes + 1)
    if len(data) > max_bytes:  # stop here: a stream may never end (`yes | arsum …`)
        raise InputError(STDIN_SOURCE, f"input is more than {max_bytes} bytes, above the --max-bytes limit")
    return data


def _stdin(stdin: BinaryIO | None) -> BinaryIO:
    return stdin if stdin is not None else sys.stdin.buffer


def load_releases(
    paths: Sequence[str],
    *,
    input_format: Literal["text", "jsonl"] = "text",
    stdin: BinaryIO | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    require_arabic: bool = True,
) -> Iterator[Release | InputError]:
    """Releases from every input in order; an unusable input yields its InputError and the rest go on.

    `paths` may hold files, directories (their *.txt files, or *.jsonl for JSON lines,
    sorted, not recursive) and `-` for stdin; no paths means stdin. Inputs above
    `max_bytes` (default DEFAULT_MAX_BYTES = 10,000,000; per line for JSON lines) are refused unread.
    """
    suffix = ".jsonl" if input_format == "jsonl" else ".txt"
    for item in _expand(paths, suffix):
        if isinstance(item, InputError):
            yield item
            continue
        source, name = (STDIN_SOURCE, STDIN_NAME) if item == "-" else (item, Path(item).name)
        if input_format == "jsonl":
            yield from _load_jsonl(item, source, name, stdin, max_bytes, require_arabic)
            continue
        try:
            data = _read_stdin(_stdin(stdin), max_bytes) if item == "-" else _read_file(item, max_bytes)
            text, encoding = decode_bytes(data, source)
            del data
            yield from parse_releases(
                text, source=source, name=name, encoding=encoding, require_arabic=require_arabic
            )
        except InputError as err:
            yield err


def _lines(handle: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per line; None for a line above max_bytes, which is skipped unread."""
    lineno = 0
    while True:
        line = handle.readline(max_bytes + 1)
        if not line:
            return
        lineno += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while (more := handle.readline(1 << 20)) and not more.endswith(b"\n"):
                pass
            yield lineno, None
            continue
        yield lineno, line


def _load_jsonl(
    item: str, source: str, name: str, stdin: BinaryIO | None, max_bytes: int, require_arabic: bool
) -> Iterator[Release | InputError]:
    try:
        handle = _stdin(stdin) if item == "-" else open(item, "rb")
    except OSError as err:
        yield _os_error(source, err)
        return
    try:
        seen = False
        for lineno, raw in _lines(handle, max_bytes):
            where = f"{source}:{lineno}"
            if raw is None:
                seen = True
                yield InputError(where, f"line is above the --max-bytes limit of {max_bytes}")
                continue
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                seen = True
                yield InputError(where, "not valid UTF-8")
                continue
            if not line.strip():
                continue
            seen = True
            try:
                yield _record(line, where=where, default_id=f"{name}:{lineno}", require_arabic=require_arabic)
            except InputError as err:
                yield err
        if not seen:
            yield InputError(source, "empty file")
    except OSError as err:
        yield _os_error(source, err)
    finally:
        if item != "-":
            handle.close()


def _record(line: str, *, where: str, default_id: str, require_arabic: bool) -> Release:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(where, f"invalid JSON: {err.msg} at column {err.colno}") from None
    if not isinstance(obj, dict):
        raise InputError(where, "invalid JSON: expected an object")
    text = obj.get("text")
    if text is None:
        raise InputError(where, 'missing "text"')
    if not isinstance(text, str):
        raise InputError(where, '"text" is not a string')
    rid = obj.get("id", default_id)
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        raise InputError(where, '"id" is not a string or number')
    title = obj.get("title")
    if title is not None and not isinstance(title, str):
        raise InputError(where, '"title" is not a string')
    subtitle = obj.get("subtitle")
    if subtitle is not None and not isinstance(subtitle, str):
        raise InputError(where, '"subtitle" is not a string')
    if not text.strip():
        raise InputError(where, 'empty "text"')
    if require_arabic and not has_arabic((title or "") + "\n" + text):
        raise InputError(where, "no Arabic text (use --lang to summarise anyway)")
    if title and title.strip():
        return build_release(id=str(rid), title=title, text=text, source=where, encoding="utf-8",
                             subtitle=subtitle or None)
    return parse_release(text, id=str(rid), source=where, encoding="utf-8")


def read_input(path: str, *, stdin: BinaryIO | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, str]:
    """(text, encoding) of one file, or of stdin for `-`, refused above max_bytes like every input."""
    if path == "-":
        return decode_bytes(_read_stdin(_stdin(stdin), max_bytes), STDIN_SOURCE)
    return decode_bytes(_read_file(path, max_bytes), path)
