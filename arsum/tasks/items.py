"""API inputs as they come from callers: text, a Release, or a database row; the refusals name the argument.

Everything a caller passes is checked here before any model is touched: the wrong type is a UsageError naming
the argument, text that cannot be used (no Arabic, a lone surrogate that no file could hold) an InputError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from arsum.errors import InputError, UsageError
from arsum.text import releases as _releases
from arsum.text.release import Release

TEXT_SOURCE = "<text>"
TEXT_NAME = "text"
ITEM = "text, a Release or a mapping with id, title and text"
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def check_text(argument: str, value: object, source: str = TEXT_SOURCE) -> str:
    """A str that is valid Unicode (a lone surrogate cannot be written as UTF-8: the record could not be saved)."""
    if not isinstance(value, str):
        raise UsageError(f"{argument} must be a string, not {kind(value)}")
    bad = _SURROGATE.search(value)
    if bad:
        raise InputError(source, f"{argument} holds a lone surrogate (U+{ord(bad.group()):04X}): not valid Unicode text")
    return value


def parse_releases(text: str, *, name: str = TEXT_NAME, require_arabic: bool = True) -> list[Release]:
    """The releases in a text (several are separated by a line holding only `---`).

    Args:
        text: the text of one input, as read.
        name: the start of every release id (`NAME#1`, `NAME#2`, …).
        require_arabic: refuse text without Arabic letters, as the CLI does without --lang.

    Returns:
        The releases, in order.

    Raises:
        InputError: the text is empty, only separators, or has no Arabic (with `require_arabic`).
        UsageError: `text` or `name` is not a string.
    """
    check_text("name", name)
    return _releases.parse_releases(check_text("text", text), source=TEXT_SOURCE, name=name, encoding=None,
                                    require_arabic=require_arabic)


def as_release(item: object, *, require_arabic: bool = True, argument: str = "text_or_release",
               name: str = TEXT_NAME) -> Release:
    """One release from text (title line first), a `Release`, or a mapping with `id`, `title` and `text` (a row
    of a database: its id and headline are kept; `subtitle` is optional).

    Raises:
        InputError: the text is empty, holds several releases, or has no Arabic (with `require_arabic`).
        UsageError: anything else (None, bytes, a number), naming `argument`.
    """
    if isinstance(item, Release):
        return item
    if isinstance(item, str):
        found = parse_releases(item, name=name, require_arabic=require_arabic)
        if len(found) != 1:
            raise InputError(TEXT_SOURCE, f"holds {len(found)} releases; use arsum.parse_releases and .map()")
        return found[0]
    if isinstance(item, Mapping):
        return _mapping_release(item, require_arabic=require_arabic, argument=argument)
    raise UsageError(f"{argument} must be {ITEM}, not {kind(item)}")


def _mapping_release(row: Mapping[str, Any], *, require_arabic: bool, argument: str) -> Release:
    missing = [key for key in ("id", "title", "text") if key not in row]
    if missing:
        raise UsageError(f"{argument} is a mapping without {', '.join(missing)} (it needs id, title and text)")
    identifier = row["id"]
    if isinstance(identifier, int) and not isinstance(identifier, bool):
        identifier = str(identifier)  # a database key
    source = check_text(f"{argument}['id']", identifier)
    if not source.strip():
        raise UsageError(f"{argument}['id'] must not be empty")
    title = check_text(f"{argument}['title']", row["title"], source)
    body = check_text(f"{argument}['text']", row["text"], source)
    subtitle = row.get("subtitle")
    if subtitle is not None:
        check_text(f"{argument}['subtitle']", subtitle, source)
    if not (title.strip() or body.strip()):
        raise InputError(source, "empty title and text")
    if require_arabic:
        from arsum.text.arabic import has_arabic

        if not has_arabic(title + body + (subtitle or "")):
            raise InputError(source, "no Arabic text (give lang/source for another language)")
    return _releases.build_release(id=source, title=title, text=body, source=source, subtitle=subtitle)


def load_releases(
    paths: Sequence[str | Path], *, input_format: str = "text", max_bytes: int | None = None,
    require_arabic: bool = True,
) -> Iterator[Release | InputError]:
    """Releases from every file or folder in `paths`, in order; an unusable input yields its InputError in its place.

    Raises:
        UsageError: `paths` is one string or path (wrap it in a list), or holds something that is not a path.
    """
    from arsum.text.inputs import DEFAULT_MAX_BYTES
    from arsum.text.inputs import load_releases as _load

    if isinstance(paths, (str, bytes, Path)):
        raise UsageError(f"paths must be a list of paths, not one {kind(paths)}: load_releases([{str(paths)!r}])")
    if not isinstance(paths, Iterable):
        raise UsageError(f"paths must be a list of paths, not {kind(paths)}")
    names = []
    for path in paths:
        if not isinstance(path, (str, Path)):
            raise UsageError(f"paths must hold str or Path items, not {kind(path)}")
        names.append(check_text("paths", str(path)))
    if input_format not in ("text", "jsonl"):
        raise UsageError(f"input_format must be 'text' or 'jsonl', not {input_format!r}")
    limit = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise UsageError(f"max_bytes must be a positive whole number, not {max_bytes!r}")
    return _load(names, input_format=input_format, max_bytes=limit, require_arabic=require_arabic)  # type: ignore[arg-type]
