"""Read inputs one at a time and turn each into releases or a per-input error.

Errors are yielded, not raised, so one unreadable file among thousands costs one
message, and memory stays flat because only one input is held at a time. Inputs
are only ever read, never modified.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO, Literal

from arsum.errors import InputError, UsageError
from arsum.text.arabic import arabic_ratio, has_arabic
from arsum.text.html import article_text, extract_article, looks_like_html
from arsum.text.release import Release
from arsum.text.releases import (
    SplitMode,
    build_release,
    iter_releases,
    join_parts,
    parse_release,
    release_texts,
)
from arsum.text.web import fetch, is_url

DEFAULT_MAX_BYTES = 10_000_000
"""Largest input (file, stdin, or one JSON line) read: 10 MB, far above any news release,
low enough that a mistaken path to a disk image or archive fails fast instead of exhausting memory."""

InputFormat = Literal["text", "jsonl", "html"]

STDIN_SOURCE = "<stdin>"
STDIN_NAME = "stdin"

_BAD_TEXT = "not valid UTF-8, UTF-16 or Windows-1256 text"
_CONTROL_OK = "\t\n\r\f\v"
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le", "utf-16"),
    (b"\xfe\xff", "utf-16-be", "utf-16"),
)
_SUFFIXES: dict[str, tuple[str, ...]] = {"text": (".txt",), "jsonl": (".jsonl",), "html": (".html", ".htm")}
"""What a folder contributes, by input format."""
_SEPARATOR_LINE = re.compile(rb"[ \t]*---[ \t]*\r?\n?")  # releases.py's separator, on the bytes of one line
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _plausible_arabic(text: str) -> bool:
    """Windows-1256 decodes any byte string, so accept it only when the result reads as Arabic."""
    if any((ord(c) < 0x20 and c not in _CONTROL_OK) or 0x7F <= ord(c) < 0xA0 for c in text):
        return False
    if not has_arabic(text) or arabic_ratio(text) < 0.5:
        return False
    # Real Arabic text is Arabic letters, ASCII and whitespace; random bytes map to symbols.
    odd = sum(1 for c in text if not (c.isascii() or "\u0600" <= c <= "\u06ff" or c.isspace()))
    return odd <= 0.05 * len(text)


def _plausible_utf16(text: str) -> bool:
    """UTF-16 without a BOM: accepted only when it reads as text (letters, digits, punctuation, whitespace);
    other bytes decoded as UTF-16 give CJK, private-use or control characters."""
    if not text or "\x00" in text:
        return False
    good = sum(1 for c in text if c.isascii() and (c.isprintable() or c in _CONTROL_OK) or "\u0600" <= c <= "\u06ff"
               or c.isspace() or "\u2000" <= c <= "\u206f")
    return good >= 0.95 * len(text) and (has_arabic(text) or any(c.isalpha() for c in text))


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    if len(data) % 2:
        return None
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _plausible_utf16(text):
            return text, codec
    return None


def _normalise_lines(text: str) -> str:
    """CRLF and CR-only line ends become LF, whatever the encoding, before anything splits on lines."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def decode_bytes(data: bytes, source: str) -> tuple[str, str]:
    """(text, encoding name) for the bytes of one input; BOMs win (UTF-32, UTF-8, UTF-16), then UTF-8, then
    UTF-16 without a BOM, then Windows-1256. Line ends come back as LF."""
    text, name = _decode(data, source)
    if "\x00" in text:
        raise InputError(source, f"binary file (contains NUL characters in {name} text)")
    return _normalise_lines(text), name


def _decode(data: bytes, source: str) -> tuple[str, str]:
    for bom, name, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                raise InputError(source, _BAD_TEXT) from None
            return text.lstrip("\ufeff"), name
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise InputError(source, "binary file (contains NUL bytes)")
        return utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    utf16 = _utf16_without_bom(data)  # Arabic-only UTF-16 has no NUL byte at all
    if utf16 is not None:
        return utf16
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


def _expand(paths: Sequence[str], suffixes: tuple[str, ...]) -> Iterator[str | InputError]:
    """Paths to read, in the order given; directories contribute their files ending in one of `suffixes`, sorted;
    `http(s)://` addresses are passed on as they are (fetched when read)."""
    if not paths:
        yield "-"
        return
    if list(paths).count("-") > 1:  # the second would read an exhausted stream and report an empty file
        raise UsageError("- (stdin) is given more than once; it can be read only once")
    for path in paths:
        if path == "-" or is_url(path):
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
                str(p) for p in Path(path).iterdir() if p.suffix.lower() in suffixes and p.is_file()
            )
        except OSError as err:
            yield _os_error(path, err)
            continue
        if not files:
            yield InputError(path, f"directory has no {' or '.join(suffixes)} files")
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


def _stdin(stdin: BinaryIO | None) -> BinaryIO:
    if stdin is not None:
        return stdin
    if sys.stdin is None:  # started with `<&-`
        raise InputError(STDIN_SOURCE, "is closed (nothing to read; give files, or feed stdin)")
    return sys.stdin.buffer


def _stdin_too_big(max_bytes: int) -> InputError:
    return InputError(STDIN_SOURCE, f"input is more than {max_bytes} bytes, above the --max-bytes limit")


def _read_stdin(handle: BinaryIO, max_bytes: int, head: bytes = b"") -> bytes:
    """All of stdin after `head`, stopping past max_bytes: a stream may never end (`yes | arsum …`)."""
    data = head + handle.read(max_bytes + 1 - len(head))
    if len(data) > max_bytes:
        raise _stdin_too_big(max_bytes)
    return data


def _shown(path: str) -> str:
    """A path as it can be printed and written to JSON: bytes of a non-UTF-8 name (a cp1256 Arabic file name)
    become \\xNN escapes; the file itself is still opened by its real name."""
    if not _LONE_SURROGATE.search(path):
        return path
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def load_releases(
    paths: Sequence[str],
    *,
    input_format: InputFormat = "text",
    stdin: BinaryIO | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    require_arabic: bool = True,
    split: SplitMode = "auto",
    join: bool = True,
) -> Iterator[Release | InputError]:
    """Releases from every input in order; an unusable input yields its InputError and the rest go on.

    `paths` may hold files, directories (their *.txt files, or *.jsonl for JSON lines,
    sorted, not recursive) and `-` for stdin; no paths means stdin. Inputs above
    `max_bytes` (default DEFAULT_MAX_BYTES = 10,000,000; per line for JSON lines) are refused unread.
    Releases are yielded as they are parsed: stdin's as soon as their `---` (or the end) is read.
    `split` says where a text input is cut into releases (arsum.text.releases.SPLIT_MODES); with `join`, the parts
    of a multi-part release found anywhere in the run are joined into one (arsum.text.releases.join_parts).
    """
    items = _all_releases(paths, input_format, stdin, max_bytes, require_arabic, split)
    return join_parts(items) if join else items


def _all_releases(
    paths: Sequence[str], input_format: InputFormat, stdin: BinaryIO | None, max_bytes: int, require_arabic: bool,
    split: SplitMode,
) -> Iterator[Release | InputError]:
    for item in expand_inputs(paths, input_format):
        if isinstance(item, InputError):
            yield item
            continue
        yield from input_releases(
            item, input_format=input_format, stdin=stdin, max_bytes=max_bytes, require_arabic=require_arabic,
            split=split,
        )


def expand_inputs(paths: Sequence[str], input_format: InputFormat = "text") -> Iterator[str | InputError]:
    """The files (or `-`) that `paths` name, in order, folders expanded; a path that cannot be used is an error."""
    return _expand(paths, _SUFFIXES[input_format])


def input_names(item: str) -> tuple[str, str]:
    """(source, name) of one input: `source` goes in records and messages, `name` into release ids (a URL is both)."""
    if item == "-":
        return STDIN_SOURCE, STDIN_NAME
    if is_url(item):
        return item, item
    shown = _shown(item)
    return shown, Path(shown).name


def input_releases(
    item: str,
    *,
    input_format: InputFormat = "text",
    stdin: BinaryIO | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    require_arabic: bool = True,
    split: SplitMode = "auto",
) -> Iterator[Release | InputError]:
    """The releases of one local file (or `-`, stdin), or the errors that make it or its lines unusable."""
    source, name = input_names(item)
    try:
        if is_url(item):
            page = fetch(item, max_bytes=max_bytes)
            kind: InputFormat = input_format if input_format == "jsonl" or not page.is_html else "html"
            yield from releases_from_bytes(page.data, source=source, name=name, input_format=kind,
                                           max_bytes=max_bytes, require_arabic=require_arabic, split=split)
        elif input_format == "jsonl":
            yield from _load_jsonl(item, source, name, stdin, max_bytes, require_arabic)
        elif item == "-" and input_format == "html":
            yield from releases_from_bytes(_read_stdin(_stdin(stdin), max_bytes), source=source, name=name,
                                           input_format="html", max_bytes=max_bytes, require_arabic=require_arabic)
        elif item == "-":
            yield from _stdin_releases(_stdin(stdin), max_bytes, require_arabic, split)
        else:
            yield from releases_from_bytes(
                _read_file(item, max_bytes), source=source, name=name, max_bytes=max_bytes,
                require_arabic=require_arabic, split=split,
            )
    except InputError as err:
        yield err


def releases_from_bytes(
    data: bytes,
    *,
    source: str,
    name: str,
    input_format: InputFormat = "text",
    max_bytes: int = DEFAULT_MAX_BYTES,
    require_arabic: bool = True,
    split: SplitMode = "auto",
) -> Iterator[Release | InputError]:
    """The releases in the bytes of one input already read (a remote file), exactly as if read from disk.

    A web page (`input_format="html"`, or text input named `.html`/`.htm` or starting `<!DOCTYPE html>`) is one
    release: its article's headline and text (arsum.text.html), read by the same parser as a text file."""
    if input_format == "jsonl":
        yield from _jsonl_releases(io.BytesIO(data), source, name, max_bytes, require_arabic)
        return
    try:
        if len(data) > max_bytes:
            raise _too_big(source, len(data), max_bytes)
        page = input_format == "html" or looks_like_html(name, data)
        text, encoding = decode_bytes(data, source)
        del data
        if page:
            yield from _page_releases(text, source=source, name=name, encoding=encoding, require_arabic=require_arabic)
            return
        yield from iter_releases(text, source=source, name=name, encoding=encoding, require_arabic=require_arabic,
                                 split=split)
    except InputError as err:
        yield err


def _page_releases(text: str, *, source: str, name: str, encoding: str, require_arabic: bool) -> Iterator[Release]:
    article = extract_article(text, source)
    for release in iter_releases(article_text(article), source=source, name=name, encoding=encoding,
                                 require_arabic=require_arabic, split="never"):
        yield replace(release, byline=release.byline or article.author)


def _stdin_releases(handle: BinaryIO, max_bytes: int, require_arabic: bool, split: SplitMode = "auto") -> Iterator[Release]:
    """Text-format stdin, one release at a time: each is parsed and yielded once its `---` line (or the end)
    is read, so `tail -f feed | arsum summarize` prints as releases arrive. At most max_bytes are read in all.

    UTF-16/32 (a BOM or NUL bytes in the first line) and CR-only line ends cannot be split on newline bytes:
    such stdin is read whole, as is stdin with `split="never"`. Inside a `---` part the wire's own boundaries cut
    releases too (`split="auto"`).
    Releases before the first one with Arabic wait, so a stream without any Arabic is refused as a file is.
    """
    first = handle.readline(max_bytes + 1)
    cr_only = b"\r" in first.rstrip(b"\r\n")
    if (first.startswith(tuple(bom for bom, _, codec in _BOMS if codec != "utf-8-sig")) or b"\x00" in first or cr_only
            or split == "never"):
        text, encoding = decode_bytes(_read_stdin(handle, max_bytes, first), STDIN_SOURCE)
        yield from iter_releases(text, source=STDIN_SOURCE, name=STDIN_NAME, encoding=encoding,
                                 require_arabic=require_arabic, split=split)
        return
    bom = first.startswith(b"\xef\xbb\xbf")
    total = 0
    number = 1
    separators = False
    sample: str | None = None  # the first release's text, to name the problem when none can be printed
    held: list[Release] = []  # releases waiting for the first Arabic one
    arabic = not require_arabic
    lines: list[bytes] = []
    line = first[3:] if bom else first

    def releases_of(chunk: list[bytes]) -> tuple[str, list[Release]] | None:
        text, encoding = decode_bytes(b"".join(chunk), STDIN_SOURCE)
        if not text.strip():
            return None
        if bom and encoding == "utf-8":
            encoding = "utf-8-sig"
        return text, [parse_release(piece, id=f"{STDIN_NAME}#{number + k}", source=STDIN_SOURCE, encoding=encoding)
                      for k, piece in enumerate(release_texts(text, split))]

    while True:
        total += len(line)
        if total > max_bytes:
            raise _stdin_too_big(max_bytes)
        end = not line
        if not end and not _SEPARATOR_LINE.fullmatch(line):
            lines.append(line)
        else:
            separators = separators or not end
            parsed = releases_of(lines)
            lines = []
            if parsed is not None:
                text, releases = parsed
                number += len(releases)
                sample = sample if sample is not None else text
                arabic = arabic or has_arabic(text)
                held.extend(releases)
                if arabic:
                    yield from held
                    held = []
            if end:
                break
        line = handle.readline(max_bytes + 1 - total)
    if number == 1 or not arabic:  # nothing printable: the same words as for a file
        yield from iter_releases(("---\n" if separators else "") + (sample or ""), source=STDIN_SOURCE,
                                 name=STDIN_NAME, encoding=None, require_arabic=require_arabic)


def _is_stream(handle: BinaryIO) -> bool:
    """Not a regular file: its end may never come."""
    try:
        return not stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False  # an in-memory buffer


def _lines(handle: BinaryIO, max_bytes: int, source: str) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per line; None for a line above max_bytes, which is skipped unread.

    On a stream (stdin, FIFO, device) the skip drains at most max_bytes more: a longer line (an endless stream
    without a newline, `< /dev/zero`) ends the input with an error instead of spinning forever.
    """
    drain_limit = max_bytes if _is_stream(handle) else float("inf")
    lineno = 0
    while True:
        line = handle.readline(max_bytes + 1)
        if not line:
            return
        lineno += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            drained = 0
            while not line.endswith(b"\n"):
                line = handle.readline(1 << 20)
                drained += len(line)
                if not line:
                    break
                if drained > drain_limit:
                    raise InputError(f"{source}:{lineno}", f"line is more than twice the --max-bytes limit of "
                                     f"{max_bytes}; the rest of the stream is not read")
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
        yield from _jsonl_releases(handle, source, name, max_bytes, require_arabic)
    finally:
        if item != "-":
            handle.close()


def jsonl_releases(
    handle: BinaryIO, *, source: str, name: str, max_bytes: int = DEFAULT_MAX_BYTES, require_arabic: bool = True
) -> Iterator[Release | InputError]:
    """The releases of a JSON-lines stream already open (a remote file), a line at a time under max_bytes."""
    return _jsonl_releases(handle, source, name, max_bytes, require_arabic)


def _jsonl_releases(
    handle: BinaryIO, source: str, name: str, max_bytes: int, require_arabic: bool
) -> Iterator[Release | InputError]:
    try:
        seen = False
        for lineno, raw in _lines(handle, max_bytes, source):
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


def _string(obj: dict[str, object], key: str, where: str) -> str | None:
    """A string field of a JSON record; a lone surrogate (`"\\ud800"`) cannot be printed or tokenised: refused."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(where, f'"{key}" is not a string')
    if _LONE_SURROGATE.search(value):
        raise InputError(where, f'"{key}" holds a lone UTF-16 surrogate (\\ud800-\\udfff), not text')
    return value


def _record(line: str, *, where: str, default_id: str, require_arabic: bool) -> Release:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(where, f"invalid JSON: {err.msg} at column {err.colno}") from None
    except RecursionError:
        raise InputError(where, "invalid JSON: nested too deeply") from None
    except ValueError as err:  # an integer of more than 4,300 digits
        raise InputError(where, f"invalid JSON: {str(err).split(';')[0].lower()}") from None
    if not isinstance(obj, dict):
        raise InputError(where, "invalid JSON: expected an object")
    if obj.get("text") is None:
        raise InputError(where, 'missing "text"')
    text = _string(obj, "text", where) or ""
    rid = obj.get("id", default_id)
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        raise InputError(where, '"id" is not a string or number')
    rid = _string({"id": rid}, "id", where) if isinstance(rid, str) else rid
    title = _string(obj, "title", where)
    subtitle = _string(obj, "subtitle", where)
    if not text.strip():
        raise InputError(where, 'empty "text"')
    if require_arabic and not has_arabic((title or "") + "\n" + text):
        raise InputError(where, "no Arabic text (use --lang to summarise anyway)")
    if title and title.strip():
        release = build_release(id=str(rid), title=title, text=text, source=where, encoding="utf-8",
                                subtitle=subtitle or None)
    else:
        release = parse_release(text, id=str(rid), source=where, encoding="utf-8")
    outlet, time = _label(obj, _OUTLET_KEYS, where), _label(obj, _TIME_KEYS, where)
    return replace(release, outlet=outlet, time=time) if outlet or time else release


_OUTLET_KEYS = ("outlet", "source", "publisher")
_TIME_KEYS = ("time", "published", "date", "date_extracted")
_MAX_LABEL = 200


def _label(obj: dict[str, object], keys: tuple[str, ...], where: str) -> str | None:
    """The first of `keys` a record holds as a short one-line string (who published it, when); others are ignored
    (a record's `source` may be anything a feed puts there, and only a label is shown)."""
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            label = " ".join(_string(obj, key, where).split())  # type: ignore[union-attr]
            if len(label) <= _MAX_LABEL:
                return label
    return None


def read_input(path: str, *, stdin: BinaryIO | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, str]:
    """(text, encoding) of one file, or of stdin for `-`, refused above max_bytes like every input."""
    if path == "-":
        return decode_bytes(_read_stdin(_stdin(stdin), max_bytes), STDIN_SOURCE)
    return decode_bytes(_read_file(path, max_bytes), path)
